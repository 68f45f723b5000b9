"""Turning what a person types into repository-relative POSIX paths."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pipeline.errors import PortalError


def repo_relative(root: Path, given: str) -> str:
    """``given`` relative to ``root``; a relative ``given`` is looked up from the current
    folder first, then from ``root``."""
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    if not path.is_absolute() and not absolute.exists() and (root / path).exists():
        absolute = root / path
    try:
        relative = absolute.resolve().relative_to(root.resolve())
    except ValueError:
        raise PortalError(
            f"{given} 不在网站仓库 {root} 里。",
            hint="请给出仓库中 content/ 或 reviews/ 下的文件。",
        ) from None
    return unicodedata.normalize("NFC", relative.as_posix())
