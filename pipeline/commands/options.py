"""Command-line value types shared by ``portal`` and its subcommand groups."""

from __future__ import annotations

import argparse
import datetime as dt


def timestamp(text: str) -> dt.datetime:
    """An ISO 8601 time with its UTC offset, as people type it."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"时间 {text!r} 无效；须带 UTC 偏移，如 2026-12-04T09:00:00+08:00"
        )
    return value


def day(text: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期 {text!r} 无效；应为 YYYY-MM-DD"
        ) from None
