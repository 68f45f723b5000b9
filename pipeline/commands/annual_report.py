"""``portal annual-report``: the year's report on government information disclosure.

Reads the site's posts (table 二) and the register (tables 三 and 四), refuses a
register whose table 三 does not reconcile (or that records an appeal twice), and
writes Markdown and .docx (A4). The data are taken as of today (``today`` lets tests fix it):
the report states that cut-off, and says its figures are provisional when the year
has not ended.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from pipeline.annual_report import build_report, render_markdown, write_report
from pipeline.config import load_config
from pipeline.errors import raise_if_any
from pipeline.notices import Templates
from pipeline.output import result
from pipeline.post import post_index
from pipeline.register import application_path, load_all, locate_register

logger = logging.getLogger(__name__)


def annual_report(
    root: Path,
    register_option: Path | None,
    *,
    year: int,
    out: Path | None = None,
    today: dt.date | None = None,
) -> int:
    """Write the report of ``year`` into ``out`` (default: the current folder);
    refused, writing nothing, when the register does not reconcile."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    applications, problems = load_all(register)
    raise_if_any(problems)
    day = today or dt.datetime.now(config.site.tz).date()
    report = build_report(
        year,
        applications,
        post_index(root, config),
        config,
        today=day,
        paths={app.number: application_path(app.number) for app in applications},
    )
    for warning in report.warnings:
        logger.warning(warning)
    markdown = render_markdown(
        report, templates=Templates.for_register(register), on=day
    )
    for path in write_report(out or Path.cwd(), report, markdown):
        result(str(path))
    state = "，初步数据（年度尚未结束）" if report.provisional else ""
    result(f"表三已平衡；数据截至 {day}{state}。")
    return 0
