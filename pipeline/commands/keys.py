"""``portal keys``: every key in the roster, its state, and signatures it should not have made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import load_config
from pipeline.errors import PortalError
from pipeline.findings import ERROR
from pipeline.keys import (
    EXPIRING,
    NOT_YET_VALID,
    REVOKED,
    STATE_LABELS,
    KeyReport,
    KeyState,
    batch_listing,
    key_report,
    load_records,
)
from pipeline.output import result


def keys(root: Path, *, on: dt.date | None, within: int, output_format: str) -> int:
    """Print each key's state on ``on`` (default: today in the bureau) and the warnings.

    Returns 1 when some signature does not count because of its key (made outside the
    key's validity or after its revocation), else 0; a key expiring soon is a warning.
    """
    if within < 0:
        raise PortalError(
            f"--within {within} 无效：提前提示的天数不能是负数。",
            hint="请给出 0 或正整数，如 --within 30。",
        )
    config = load_config(root)
    day = on or dt.datetime.now(config.site.tz).date()
    report = key_report(
        config,
        load_records(root),
        on=day,
        within=within,
        listed=batch_listing(root),
    )
    if output_format == "json":
        result(report.to_json())
    else:
        for key in report.keys:
            result(_line(key))
        for item in report.warnings:
            result(item.text())
        result(_summary(report))
    return 0 if report.ok else 1


def _line(key: KeyState) -> str:
    first = key.valid_from.isoformat() if key.valid_from else "不限"
    last = key.valid_until.isoformat() if key.valid_until else "不限"
    extras = ""
    if key.revoked is not None:
        extras += f"，{key.revoked} 起吊销"
    if key.demo:
        extras += "，演示钥匙"
    return (
        f"{key.name}（{key.holder}） {key.key_type} {key.fingerprint}，"
        f"有效期 {first} 至 {last}{extras}：{_state(key)}"
    )


def _state(key: KeyState) -> str:
    label = STATE_LABELS[key.state]
    if key.state == EXPIRING:
        return f"{label}，还剩 {key.days_left} 天"
    if key.state == NOT_YET_VALID:
        return f"{label}，{key.valid_from} 起可用"
    if key.state == REVOKED and key.reapprove:
        return f"{label}，吊销后仍签过 {len(key.reapprove)} 篇稿件，须重新审批"
    return label


def _summary(report: KeyReport) -> str:
    counts = "，".join(
        f"{label} {sum(1 for k in report.keys if k.state == state)} 把"
        for state, label in STATE_LABELS.items()
    )
    void = sum(1 for w in report.warnings if w.severity == ERROR)
    reapprove = {post for key in report.keys for post in key.reapprove}
    return (
        f"{report.on} 花名册共 {len(report.keys)} 把钥匙：{counts}；"
        f"{void} 个签名因钥匙失效而不算数，{len(reapprove)} 篇稿件须重新审批。"
    )
