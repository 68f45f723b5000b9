"""``portal scan``: the content checks on posts, before anyone signs; ``--mask``."""

from __future__ import annotations

from pathlib import Path

from pipeline import yamlfile
from pipeline.config import load_config
from pipeline.findings import ERROR, Finding, to_json
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import CONTENT_DIR, post_index, post_paths
from pipeline.sensitive import mask_text
from pipeline.verify import check_content


def scan(root: Path, paths: list[str], *, output_format: str, mask: bool) -> int:
    """Check the given posts (all when none are given); 1 if any finding blocks.

    With ``mask``, personal data in each post is first rewritten in place in the
    masking style (138****1234), for the author to review; the post then needs
    fresh approval.
    """
    config = load_config(root)
    chosen = [repo_relative(root, p) for p in paths] if paths else post_paths(root)
    chosen = [
        p for p in chosen if p.startswith(f"{CONTENT_DIR}/") and p.endswith(".md")
    ]
    if mask:
        for path in chosen:
            _mask(root, path)
    posts = post_index(root, config)
    findings: list[Finding] = []
    for path in chosen:
        findings.extend(check_content(root, path, config, posts)[1])
    if output_format == "json":
        result(to_json(findings))
    elif output_format == "github":
        for item in findings:
            result(item.github())
    elif output_format == "short":
        for item in findings:
            where = ":".join(str(x) for x in (item.path, item.line, item.column) if x)
            result(f"{where}: {item.rule}: {item.message}")
    else:
        for item in findings:
            result(item.text())
    if output_format != "json":
        errors = sum(1 for f in findings if f.severity == ERROR)
        result(
            f"检查了 {len(chosen)} 篇稿件：{errors} 个须处理的问题，"
            f"{len(findings) - errors} 个提示。"
        )
    return 1 if any(f.severity == ERROR for f in findings) else 0


def _mask(root: Path, path: str) -> None:
    data = (root / path).read_bytes()
    text = data.decode("utf-8")
    masked, count = mask_text(text)
    if count:
        yamlfile.write_atomic(root / path, masked.encode("utf-8"))
        result(f"{path}: 已把 {count} 处个人信息改为打码形式，请核对后再提交审批。")
