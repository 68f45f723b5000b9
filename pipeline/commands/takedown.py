"""``portal takedown``: take a published post down at once and register the incident."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.commands.sign import default_key
from pipeline.config import load_config
from pipeline.errors import SigningError
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.roster import ROLE_LABELS
from pipeline.sign import SigningKey
from pipeline.takedown import sign_takedown


def takedown(
    root: Path,
    post: str,
    *,
    what: str,
    found_by: str,
    reported_to: str,
    found_at: dt.datetime | None,
    remedy: str,
    role: str,
    key: Path | None,
    decision: str,
    comment: str,
    at: dt.datetime | None,
) -> int:
    """Register (or confirm) the takedown of ``post`` with one's key as ``role``."""
    config = load_config(root)
    signing_key = SigningKey(key or default_key())
    if not signing_key.path.exists():
        raise SigningError(
            f"找不到钥匙文件 {signing_key.path}。",
            hint="请用 --key 指定，或设置环境变量 PORTAL_SIGNING_KEY。",
        )
    incident, signature = sign_takedown(
        root,
        config,
        repo_relative(root, post),
        what=what,
        found_by=found_by,
        reported_to=reported_to,
        found_at=found_at,
        remedy=remedy,
        role=role,
        key=signing_key,
        decision=decision,
        comment=comment,
        at=at,
    )
    person = config.roster.people[signature.signer]
    verb = "同意" if decision == "approve" else "不同意"
    result(
        f"{incident.post}: {person.name}以{ROLE_LABELS.get(role, role)}身份{verb}紧急撤下，"
        f"已写入事件登记 {incident.path}（不发布）。请提交并立即运行 portal build。"
    )
    return 0
