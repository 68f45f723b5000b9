"""Turning what a person types into repository-relative POSIX paths."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pipeline.errors import PortalError


def repo_relative(root: Path, given: str) -> str:
    """``given`` (absolute, or relative to the current folder) relative to ``root``."""
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        relative = absolute.resolve().relative_to(root.resolve())
    except ValueError:
        raise PortalError(
            f"{given} 不在网站仓库 {root} 里。", hint="请给出仓库中 content/ 或 reviews/ 下的文件。"
        ) from None
    return unicodedata.normalize("NFC", relative.as_posix())
