"""``portal sign``: approve (or return) posts with one's SSH key."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from pipeline.config import SiteConfig, load_config
from pipeline.errors import SigningError
from pipeline.findings import ERROR
from pipeline.governance import GOVERNED_FILES
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import Post, post_index
from pipeline.review import Signature
from pipeline.roster import ROLE_LABELS
from pipeline.sign import SigningKey, sign_batch, sign_post
from pipeline.verify import check_content

logger = logging.getLogger(__name__)


def default_key() -> Path:
    """``$PORTAL_SIGNING_KEY``, else the user's ``~/.ssh/id_ed25519``."""
    configured = os.environ.get("PORTAL_SIGNING_KEY")
    return Path(configured) if configured else Path.home() / ".ssh" / "id_ed25519"


def key_at(key: Path | None) -> SigningKey:
    """The signing key at ``key`` (default: ``default_key()``), which must exist."""
    signing_key = SigningKey(key or default_key())
    if not signing_key.path.exists():
        raise SigningError(
            f"找不到钥匙文件 {signing_key.path}。",
            hint="请用 --key 指定，或设置环境变量 PORTAL_SIGNING_KEY。",
        )
    return signing_key


def who_decided(config: SiteConfig, signature: Signature) -> str:
    """``陈静以办公室工作人员身份同意``: who signed, as which role, which decision."""
    person = config.roster.people[signature.signer]
    verb = "同意" if signature.decision == "approve" else "退回"
    return f"{person.name}以{ROLE_LABELS.get(signature.role, signature.role)}身份{verb}"


def sign(
    root: Path,
    paths: list[str],
    *,
    role: str,
    key: Path | None,
    decision: str,
    comment: str,
    at: dt.datetime | None,
    batch: str | None = None,
) -> int:
    """Sign each post in ``paths``; stop at the first refusal (what was signed stays).

    With ``batch``, sign one manifest listing all of them instead.
    """
    config = load_config(root)
    signing_key = key_at(key)
    if batch is not None:
        manifest, signature = sign_batch(
            root,
            config,
            batch,
            [repo_relative(root, p) for p in paths],
            role=role,
            key=signing_key,
            decision=decision,
            comment=comment,
            at=at,
        )
        result(
            f"{manifest.path}: {who_decided(config, signature)}（一次）"
            f"清单所列 {len(manifest.posts)} 篇稿件（清单摘要 {manifest.digest[:16]}…）。"
        )
        return 0
    if not paths:
        raise SigningError(
            "请给出要签名的稿件。",
            hint="如 portal sign content/notices/某通知.md --role section_head",
        )
    posts = post_index(root, config)
    for given in paths:
        path = repo_relative(root, given)
        if path not in GOVERNED_FILES:
            _show_content_checks(root, config, path, posts, decision)
        outcome = sign_post(
            root,
            config,
            path,
            role=role,
            key=signing_key,
            decision=decision,
            comment=comment,
            at=at,
        )
        if outcome.voided:
            logger.warning(
                "%s 在上次签名后改动过，原有的 %d 个签名已作废，需全部重签。",
                path,
                outcome.voided,
            )
        post = outcome.post
        if post is None:
            what = f"受管文件 {path}（SHA-256 {outcome.record.sha256[:16]}…）的改动"
        else:
            tier = config.policy.tiers[post.tier].label
            what = (
                f"《{post.title}》（{tier}，{config.departments[post.department].name}，"
                f"SHA-256 {post.sha256[:16]}…）"
            )
        result(
            f"{path}: {who_decided(config, outcome.signature)}{what}，"
            f"已写入 {outcome.record.path}"
        )
    return 0


def _show_content_checks(
    root: Path, config: SiteConfig, path: str, posts: dict[str, Post], decision: str
) -> None:
    """What the content checks say about the post, shown before the signer signs;
    an approval is refused while any of them blocks publication (a return is not)."""
    post, findings = check_content(root, path, config, posts)
    if post is None:
        return  # sign_post reports the post's own problems
    for item in findings:
        logger.warning(item.text())
    blocking = [f for f in findings if f.severity == ERROR]
    if blocking and decision == "approve":
        raise SigningError(
            f"{path} 的内容检查有 {len(blocking)} 个须处理的问题（见上），此稿即使签了也不能发布。",
            path=path,
            hint="请退回（--decision return --comment 原因），或请信息员处理、承办人确认后再签。",
        )
