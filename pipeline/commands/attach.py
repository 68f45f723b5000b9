"""``portal attach``: put files beside a post and list them, with hashes, in it."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pipeline import yamlfile
from pipeline.attachments import folder_of, name_problem, with_listing
from pipeline.config import load_config
from pipeline.errors import FrontMatterError, PortalError, raise_if_any
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import CONTENT_DIR, parse_post, sha256_hex
from pipeline.review import record_path


def attach(root: Path, post: str, files: list[Path]) -> int:
    """Copy ``files`` into the post's folder and list them in its front matter.

    The post's bytes change, so its approvals must be given again: the attachments'
    hashes are part of what the signers approve.
    """
    config = load_config(root)
    path = repo_relative(root, post)
    target = root / path
    if not (path.startswith(f"{CONTENT_DIR}/") and path.endswith(".md")):
        raise PortalError(
            f"{path} 不是 content/ 下的稿件。", hint="请给出 .md 稿件的路径。"
        )
    data = target.read_bytes()
    text = yamlfile.decode(data, shown_as=path, error=FrontMatterError)
    parsed, _ = parse_post(path, data, config)
    entries = {e.name: e.sha256 for e in parsed.listed} if parsed else {}
    problems: list[PortalError] = []
    chosen: list[tuple[str, bytes]] = []
    for file in files:
        name = unicodedata.normalize("NFC", file.name)
        problem = name_problem(name)
        if problem is None and not file.is_file():
            problem = "找不到这个文件。"
        if problem:
            problems.append(
                PortalError(f"{file}：{problem}", path=path, field="attachments")
            )
            continue
        chosen.append((name, file.read_bytes()))
    raise_if_any(problems)
    folder = root / folder_of(path)
    for name, content in chosen:
        yamlfile.write_atomic(folder / name, content)
        entries[name] = sha256_hex(content)
    if "\n---" not in text:
        raise PortalError(f"{path} 没有 front matter，无法登记附件。", path=path)
    updated = with_listing(text, list(entries.items()))
    yamlfile.write_atomic(target, updated.encode("utf-8"))
    for name, content in chosen:
        result(
            f"{path}: 已登记附件 {folder_of(path)}/{name}"
            f"（{len(content)} 字节，SHA-256 {sha256_hex(content)[:16]}…）。"
        )
    signed = (root / record_path(path)).is_file()
    result(
        ("稿件内容已改变，原有签名对它失效。" if signed else "")
        + "请运行 portal scan 检查后再请审批人签名。"
    )
    return 0
