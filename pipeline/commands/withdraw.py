"""``portal withdraw`` and ``portal takedown``: sign a withdrawal or an emergency
takedown of a published post."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath

from pipeline import history, register, register_git
from pipeline.attachments import KINDS, file_at, named_text
from pipeline.commands.sign import key_at, who_decided
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError, raise_if_any
from pipeline.incident import DEFAULT_REMEDY, Incident, check_complete, write_incident
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import CONTENT_DIR, Post, post_index, read_post
from pipeline.takedown import KEY_VARIABLE, Guard, key_from, new_key, normalised
from pipeline.withdrawal import (
    TAKEDOWN,
    WITHDRAWAL,
    judge,
    read_withdrawal,
    record_path,
    sign_withdrawal,
)

logger = logging.getLogger(__name__)
# The shortest text the office may name on its own (--fragment), in letters and digits.
MIN_FRAGMENT = 2


def withdraw(
    root: Path,
    post: str,
    *,
    reason: str,
    role: str,
    key: Path | None,
    decision: str,
    comment: str,
    at: dt.datetime | None,
) -> int:
    """Create or sign ``post``'s withdrawal record as ``role``."""
    config = load_config(root)
    found = _post(root, config, post)
    record, signature = sign_withdrawal(
        root,
        config,
        found,
        kind=WITHDRAWAL,
        role=role,
        key=key_at(key),
        reason=reason,
        decision=decision,
        comment=comment,
        at=at,
    )
    result(
        f"{record.post}: {who_decided(config, signature)}撤稿，已写入 {record.path}。"
        f"撤稿说明将写：《{record.title}》已于 {record.date} 撤稿；撤稿原因：{record.reason}。"
        "请提交该文件；所需的人都同意后，下一次构建时网页改为撤稿说明。"
    )
    return 0


def takedown(
    root: Path,
    post: str,
    *,
    role: str,
    key: Path | None,
    what: str,
    found_by: str,
    found_at: dt.datetime | None,
    reported_to: str,
    remedy: str,
    fragments: list[str],
    register_dir: Path | None,
    decision: str,
    comment: str,
    at: dt.datetime | None,
) -> int:
    """Take ``post`` down at once (first signature, with the incident) or confirm."""
    config = load_config(root)
    found = _post(root, config, post)
    signing_key = key_at(key)
    target = record_path(TAKEDOWN, found.path)
    first = not (root / target).is_file()
    incident = None
    folder = None
    guard: Guard | None = None
    if first:
        moment = (at or dt.datetime.now(config.site.tz)).replace(microsecond=0)
        incident = Incident(
            found.path,
            what.strip(),
            found_at or moment,
            found_by.strip(),
            remedy.strip() or DEFAULT_REMEDY,
            reported_to.strip(),
            target,
            "",
        )
        raise_if_any([*check_complete(incident), *_short(fragments)])
        secret = key_from(os.environ)
        if secret is None:
            raise PortalError(
                f"紧急撤下须用办公室的紧急撤下密钥（环境变量 {KEY_VARIABLE}）："
                "撤下记录只保存泄露内容的指纹，没有密钥就无法生成，也无法检查引用。",
                hint="请向办公室索取密钥后 export PORTAL_TAKEDOWN_KEY=…；"
                "还没有密钥的，用 portal takedown-key 新建一个并保存在安全的地方，"
                "同时设为 GitHub 仓库的 Actions 机密 PORTAL_TAKEDOWN_KEY。",
            )
        folder = register.locate_register(register_dir, os.environ)
        guard = leak_guard(root, config, found, fragments, secret)
    else:
        existing, problems = read_withdrawal(root, target)
        raise_if_any(problems)
        guard = existing.guard if existing else None
    record, signature = sign_withdrawal(
        root,
        config,
        found,
        kind=TAKEDOWN,
        role=role,
        key=signing_key,
        guard=guard,
        decision=decision,
        comment=comment,
        at=at,
    )
    person = config.roster.people[signature.signer]
    result(
        f"{record.post}: {who_decided(config, signature)}紧急撤下，已写入 {record.path}。"
    )
    if guard is not None and first:
        count = sum(len(p) for p in guard.fingerprints.values())
        result(f"记录了所泄露内容的 {count} 个指纹（不含原文）。")
        if guard.empty:
            logger.warning(
                "所泄露的内容在这篇稿件之前都已在网站上，没有可指认的新内容；"
                "请用 --fragment 写明须清除的文字（如身份证号码、姓名、住址）。"
            )
    state = judge(record, config, now=record.signatures[-1].signed_at)
    if state.in_force:
        result(
            "撤下已生效：请立即提交并部署（portal build），下一次构建时原网页只留撤下说明。"
        )
    else:
        for item in state.findings:
            logger.warning(item.text())
        logger.warning("撤下目前不起作用（见上）；此次签名已记入，但不会使稿件撤下。")
    if incident is not None and folder is not None:
        registered = replace(incident, registered_by=person.id)
        relative = write_incident(folder, registered)
        register_git.commit(
            folder,
            [relative],
            f"登记泄密事件：{found.path}",
            person.name,
            f"{person.id}@portal.invalid",
        )
        result(f"事件已登记在 {folder / relative}（内部登记簿，不发布）。")
    return 0


def takedown_key() -> int:
    """Print a new takedown key and where it must (and must not) go."""
    result(new_key())
    logger.warning(
        "这是新的紧急撤下密钥：请交办公室保管，设为 GitHub 仓库的 Actions 机密 "
        f"{KEY_VARIABLE}（Settings → Secrets and variables → Actions → Secrets），"
        "不要写进任何文件或提交到仓库；有人拿到它和撤下记录，就能还原泄露的内容。"
    )
    return 0


def _short(fragments: list[str]) -> list[PortalError]:
    return [
        PortalError(
            f"--fragment “{text}” 太短：只有 {len(normalised(text))} 个字或数字，"
            "会把大量无关的稿件挡下。",
            field="--fragment",
            hint="请写出至少 2 个字（如完整的姓名、号码、住址）。",
        )
        for text in fragments
        if len(normalised(text)) < MIN_FRAGMENT
    ]


def leak_guard(
    root: Path, config: SiteConfig, post: Post, extra: list[str], key: str
) -> Guard:
    """The fingerprints of what ``post`` brought to the site: its file name (its
    address), title, text, correction notes and attachments, less what the posts
    still here held before it was first committed and what the site's own pages say
    (names of the bureau, its columns and departments). Text the office names
    (``extra``) that the site already had is refused: it cannot be the leak."""
    shown = (post.name, post.title, post.doc_number, post.issuer, post.body)
    leaked = [text for text in shown if text]
    leaked.extend(correction.note for correction in post.corrections)
    leaked.extend(named_text(attachment) for attachment in post.attachments)
    current = post_index(root, config)
    before = history.files_before(root, post.path, CONTENT_DIR) or {}
    # Only posts still published count as what the site had: a draft renamed into
    # the leaked post, or a stray file, says nothing about what the public had seen.
    kept = {
        path: data
        for path, data in before.items()
        if path != post.path and _belongs(path, current, post.path)
    }
    # The addresses of posts still published are the site's too: a link to one is
    # not the leak.
    addresses = [path for path in current if path != post.path]
    before_texts = [*_texts(kept.items()), *_site_words(config), *addresses]
    everything = "\n".join(normalised(text) for text in before_texts)
    old = [text for text in extra if normalised(text) in everything]
    if old:
        raise PortalError(
            f"--fragment {'、'.join(old)} 在这篇稿件之前已发布的内容（或网站名称、栏目、科室名称）"
            "中就有，不是这次泄露的内容；按它撤下会挡住无关的稿件。",
            field="--fragment",
            hint="请只写这次泄露的文字（如身份证号码、姓名、住址）；若它早已在别的稿件中公开，"
            "请对那些稿件另行紧急撤下。",
        )
    return Guard.of(leaked, key=key, before=before_texts, extra=extra)


def _belongs(path: str, posts: Mapping[str, Post], leaked: str) -> bool:
    """Whether ``path`` is a post still here, or an attachment of one."""
    if path in posts:
        return True
    folder = PurePosixPath(path).parent.as_posix()
    owner = f"{folder}.md"
    return owner in posts and owner != leaked


def _texts(files: Iterable[tuple[str, bytes]]) -> Iterable[str]:
    for path, data in files:
        suffix = PurePosixPath(path).suffix.lower()
        if suffix == ".md":
            yield data.decode("utf-8", errors="replace")
        elif suffix in KINDS:
            yield named_text(file_at(path, data))


def _site_words(config: SiteConfig) -> list[str]:
    words = [config.site.title]
    words.extend(c.title for c in config.columns.values())
    words.extend(d.name for d in config.departments.values())
    return words


def _post(root: Path, config: SiteConfig, post: str) -> Post:
    found, problems = read_post(root, repo_relative(root, post), config)
    raise_if_any(problems)
    assert found is not None
    return found
