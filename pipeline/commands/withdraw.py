"""``portal withdraw``: sign the withdrawal (撤稿) of a published post."""

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
from pipeline.withdrawal import sign_withdrawal


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
    signing_key = SigningKey(key or default_key())
    if not signing_key.path.exists():
        raise SigningError(
            f"找不到钥匙文件 {signing_key.path}。",
            hint="请用 --key 指定，或设置环境变量 PORTAL_SIGNING_KEY。",
        )
    withdrawal, signature = sign_withdrawal(
        root,
        config,
        repo_relative(root, post),
        reason=reason,
        role=role,
        key=signing_key,
        decision=decision,
        comment=comment,
        at=at,
    )
    person = config.roster.people[signature.signer]
    verb = "同意" if decision == "approve" else "不同意"
    result(
        f"{withdrawal.post}: {person.name}以{ROLE_LABELS.get(role, role)}身份{verb}撤稿"
        f"（{withdrawal.date}，原因：{withdrawal.reason}），已写入 {withdrawal.path}。"
    )
    return 0
