"""Trust for the commands: the configuration in force, and ``portal trust-root``."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from pipeline.findings import ERROR
from pipeline.governance import Governance
from pipeline.history import PIN_VARIABLE, pin_from, trusted_governance
from pipeline.output import result
from pipeline.takedown import key_from
from pipeline.verify import Report, verify_repository


def governance_for(
    root: Path, *, trust_root: str | None, production: bool = False
) -> Governance:
    """The governance of ``root`` with the pin from ``--trust-root`` or the environment.

    In production a missing pin is an error, not a warning: a deployment never rests
    on trust on first use.
    """
    pin = pin_from(trust_root)
    governance = trusted_governance(root, pin=pin)
    if production and pin is None:
        governance.findings = [
            replace(
                f,
                severity=ERROR,
                message=f.message + "正式发布（--production）必须钉住信任根。",
            )
            if f.rule == "trust-unpinned"
            else f
            for f in governance.findings
        ]
    return governance


def verified(
    root: Path,
    governance: Governance,
    *,
    production: bool = False,
    base: Path | None = None,
) -> Report:
    """Verify ``root`` by the configuration in force, with all the history knows
    (revocations, withdrawal records, earlier versions) and the takedown key of
    ``$PORTAL_TAKEDOWN_KEY``."""
    return verify_repository(
        root,
        governance.config,
        production=production,
        base=base,
        witness=governance.witness,
        earlier_records=governance.records,
        earlier_version=governance.earlier_version,
        takedown_key=key_from(os.environ),
    )


def trust_root(root: Path, *, trust_root: str | None) -> int:
    """Show where trust starts, its digest, and what is pending; 1 if anything is."""
    started = time.monotonic()
    governance = governance_for(root, trust_root=trust_root)
    elapsed = time.monotonic() - started
    result(f"信任根：{governance.root}")
    result(f"摘要：{governance.digest}")
    if governance.pinned:
        result("已钉住，与历史相符。")
    else:
        result(
            f"未钉住。请核对无误后把摘要填入 --trust-root 或环境变量 {PIN_VARIABLE}"
            "（GitHub：仓库设置 → Secrets and variables → Actions → Variables）。"
        )
    for item in governance.findings:
        if item.rule != "trust-unpinned":
            result(item.text())
    result(
        f"检查了信任根之后的 {governance.states} 个版本，用时 {elapsed:.2f} 秒；"
        + ("受管文件全部已批准。" if governance.ok else "有未经批准的受管文件改动。")
    )
    return 0 if governance.ok else 1
