"""``portal codeowners``: write ``.github/CODEOWNERS``, or check that it is current."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from pathlib import Path

from pipeline.codeowners import CODEOWNERS_PATH
from pipeline.codeowners import codeowners as render
from pipeline.config import load_config
from pipeline.errors import PortalError
from pipeline.yamlfile import read_text, write_atomic

logger = logging.getLogger(__name__)

_DIFF_LINES = 40


def codeowners(root: Path, *, check: bool = False, on: dt.date | None = None) -> int:
    """Write ``.github/CODEOWNERS`` for the roles held on ``on`` (default: today).

    With ``check``, write nothing: return 1 when the file is missing or differs from
    what would be written, 0 when it is current. Paths nobody owns are warned about
    either way.
    """
    config = load_config(root)
    day = on or dt.datetime.now(config.site.tz).date()
    owners = render(config, day)
    for gap in owners.gaps():
        logger.warning(gap)
    text = owners.text()
    path = root / CODEOWNERS_PATH
    if check:
        return _check(path, text, day)
    write_atomic(path, text.encode("utf-8"))
    logger.info(f"已写入 {CODEOWNERS_PATH}（按 {day.isoformat()} 在任的角色）。")
    return 0


def _check(path: Path, expected: str, day: dt.date) -> int:
    if not path.is_file():
        logger.error(
            f"{CODEOWNERS_PATH}: 文件不存在，GitHub 不会要求任何人审查。"
            "请运行 portal codeowners 生成它，并提交。"
        )
        return 1
    try:
        current = read_text(path, shown_as=CODEOWNERS_PATH, error=PortalError)
    except PortalError as exc:
        current = f"({exc.message})\n"
    if current == expected:
        logger.info(f"{CODEOWNERS_PATH} 是最新的。")
        return 0
    logger.error(
        f"{CODEOWNERS_PATH}: 与按 site_config/ 中的栏目、科室和花名册"
        f"（{day.isoformat()} 在任的角色）生成的内容不一致（配置改过、有人任期起止，"
        "或文件被手工改过），GitHub 会要求错误的人审查。"
        "请运行 portal codeowners 重新生成，并提交改动。"
    )
    diff = list(
        difflib.unified_diff(
            current.splitlines(),
            expected.splitlines(),
            f"{CODEOWNERS_PATH}（现有）",
            f"{CODEOWNERS_PATH}（应为）",
            lineterm="",
        )
    )
    shown = diff[:_DIFF_LINES]
    if len(diff) > _DIFF_LINES:
        shown.append(f"…（另有 {len(diff) - _DIFF_LINES} 行差异）")
    logger.info("\n".join(shown))
    return 1
