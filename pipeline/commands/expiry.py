"""``portal expiry``: what has expired, what expires soon, what was repealed or replaced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import load_config
from pipeline.errors import PortalError
from pipeline.lifecycle import STATE_LABELS, ExpiryReport, Standing, expiry_report
from pipeline.output import result
from pipeline.post import post_index


def expiry(root: Path, *, on: dt.date | None, within: int, output_format: str) -> int:
    """Print each post needing attention on ``on`` (default: today in the bureau).

    Returns 1 when something must be corrected (a document that expired, was
    repealed, amended or replaced but is still presented as effective, or a link to
    one that ended), else 0; ended documents whose pages say so, and documents
    expiring within ``within`` days, are listed only.
    """
    if within < 0:
        raise PortalError(
            f"--within {within} 无效：提前提示的天数不能是负数。",
            hint="请给出 0 或正整数，如 --within 30。",
        )
    config = load_config(root)
    day = on or dt.datetime.now(config.site.tz).date()
    report = expiry_report(post_index(root, config), config, on=day, within=within)
    if output_format == "json":
        result(report.to_json())
    elif output_format == "github":
        for item in [*report.flagged, *report.expiring]:
            for found in item.findings():
                result(found.github())
    else:
        for item in [*report.flagged, *report.expiring]:
            result(_line(item))
        result(_summary(report))
    return 0 if report.ok else 1


def _line(item: Standing) -> str:
    text = f"{item.path}：《{item.title}》{item.describe()}；维护科室：{item.department_name}"
    if item.presented_as_effective:
        text += "；稿件仍标为现行有效，须改正"
    if item.dead_links:
        text += f"；链接了已废止或已失效的 {'、'.join(item.dead_links)}"
    return text + "。"


def _summary(report: ExpiryReport) -> str:
    counts = "，".join(
        f"{label} {report.counts()[state]} 篇" for state, label in STATE_LABELS.items()
    )
    return (
        f"{report.on} 共 {len(report.standings)} 篇稿件：{counts}；"
        f"{len(report.flagged)} 篇已不再有效或链接了失效文件，其中 {len(report.to_correct)} 篇须更正；"
        f"{len(report.expiring)} 篇即将失效。"
    )
