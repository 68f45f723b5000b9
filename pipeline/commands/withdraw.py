"""``portal withdraw`` and ``portal takedown``: sign a withdrawal or an emergency
takedown of a published post."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from pipeline import history, register, register_git
from pipeline.attachments import KINDS, Attachment, text_of
from pipeline.commands.sign import key_at, who_decided
from pipeline.config import SiteConfig, load_config
from pipeline.errors import raise_if_any
from pipeline.incident import DEFAULT_REMEDY, Incident, check_complete, write_incident
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import CONTENT_DIR, Post, read_post
from pipeline.takedown import Guard
from pipeline.withdrawal import (
    TAKEDOWN,
    WITHDRAWAL,
    read_withdrawal,
    record_path,
    sign_withdrawal,
)


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
        f"{record.post}: {who_decided(config, signature)}撤稿"
        f"（{record.date}，原因：{record.reason}），已写入 {record.path}。"
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
        raise_if_any(check_complete(incident))
        folder = register.locate_register(register_dir, os.environ)
        guard = leak_guard(root, config, found, fragments)
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
        f"{record.post}: {who_decided(config, signature)}紧急撤下，"
        f"已写入 {record.path}。请立即提交并部署（portal build）。"
    )
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


def leak_guard(root: Path, config: SiteConfig, post: Post, extra: list[str]) -> Guard:
    """The fingerprints of what ``post`` brought to the site: its text, title and
    attachments, less what the site held before it was first committed, what the
    site's own pages say (names of the bureau, its columns and departments) and the
    post's file name, which stays the address of the notice."""
    shown = (post.title, post.doc_number, post.issuer, post.body)
    leaked = [text for text in shown if text]
    leaked.extend(a.name + "\n" + text_of(a) for a in post.attachments)
    before = history.files_before(root, post.path, CONTENT_DIR)
    if before is None:
        # Never committed: compare with what the other files hold now.
        before = {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / CONTENT_DIR).rglob("*")
            if p.is_file()
            and not p.is_symlink()
            and not p.relative_to(root)
            .as_posix()
            .startswith(PurePosixPath(post.path).with_suffix("").as_posix())
            and p.relative_to(root).as_posix() != post.path
        }
    # The address keeps answering (with the notice), so its name is not guarded.
    public = [*_site_words(config), post.name]
    return Guard.of(leaked, before=[*_texts(before.items()), *public], extra=extra)


def _texts(files: Iterable[tuple[str, bytes]]) -> Iterable[str]:
    for path, data in files:
        suffix = PurePosixPath(path).suffix.lower()
        if suffix == ".md":
            yield data.decode("utf-8", errors="replace")
        elif suffix in KINDS:
            name = PurePosixPath(path).name
            yield name + "\n" + text_of(Attachment(name, "", path, data))


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
