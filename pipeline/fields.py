"""Typed reading of YAML mappings that reports every problem with file, line and field.

Readers never stop at the first problem: each one is appended to a shared list and the
reader returns ``None``, so a person fixing a file sees all that is wrong at once.
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.errors import PortalError
from pipeline.yamlfile import LineDict

ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 1900, 2999


class Fields:
    """One YAML mapping of a file, read field by field into ``problems``."""

    def __init__(
        self,
        mapping: Any,
        *,
        path: str,
        error: type[PortalError],
        problems: list[PortalError],
        prefix: str = "",
        line: int = 0,
    ) -> None:
        self.path = path
        self.error = error
        self.problems = problems
        self.prefix = prefix
        if isinstance(mapping, LineDict):
            self.mapping: LineDict = mapping
        else:
            self.mapping = LineDict()
            self.mapping.line = line
            self.mapping.key_lines = {}
            if mapping is not None:
                self._report(
                    prefix.rstrip(".") or "(整个文件)", "应是“键: 值”形式的映射。", line
                )

    def name(self, key: str) -> str:
        """The dotted field name shown to people, e.g. ``secrecy_review.opinion``."""
        return f"{self.prefix}{key}"

    def line_of(self, key: str) -> int:
        """The line of ``key`` in the file, or of the mapping when the key is absent."""
        return self.mapping.line_of(key)

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        """Record a problem with field ``key``."""
        self._report(self.name(key), message, self.line_of(key), hint)

    def _report(
        self, field: str, message: str, line: int, hint: str | None = None
    ) -> None:
        self.problems.append(
            self.error(
                message, path=self.path, line=line or None, field=field, hint=hint
            )
        )

    def has(self, key: str) -> bool:
        """Whether ``key`` is present with a value other than null."""
        return self.mapping.get(key) is not None

    def only(self, allowed: Iterable[str]) -> None:
        """Report every key that is not in ``allowed``."""
        allowed = list(allowed)
        for key in self.mapping:
            if key not in allowed:
                self.fail(
                    key,
                    f"未知字段。允许的字段：{'、'.join(allowed)}。",
                    "请删除或改正拼写。",
                )

    def _missing(self, key: str, what: str) -> None:
        self.fail(key, f"缺少此字段（应为{what}）。", "请补上。")

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        choices: Sequence[str] | None = None,
        pattern: re.Pattern[str] | None = None,
        what: str = "文本",
        accept: Sequence[str] | None = None,
    ) -> str | None:
        """A non-empty string, NFC-normalised; numbers are not silently turned into text.

        ``choices`` are the values allowed, as shown in the message; ``accept``, when
        given, are the values taken (e.g. ids and Chinese names, shown as choices
        like ``rural（农村科技科）``).
        """
        value = self.mapping.get(key)
        if value is None or value == "":
            if required:
                self._missing(key, what)
            return None
        if not isinstance(value, str):
            self.fail(
                key,
                f"应为{what}，却是 {_kind(value)} {_short(value)}。",
                "请给值加上引号。",
            )
            return None
        value = unicodedata.normalize("NFC", value.strip())
        hidden = sorted({c for c in value if is_hidden(c)})
        if hidden:
            self.fail(
                key,
                f"值“{visible(value)}”含有不可见或改变文字方向的字符 "
                f"{'、'.join(f'U+{ord(c):04X}' for c in hidden)}；看到的与实际内容会不一样。",
                "请删除这些字符（YAML 中也不要用 \\u202E 之类的转义写入它们）。",
            )
            return None
        if choices is not None and value not in (
            accept if accept is not None else choices
        ):
            self.fail(key, f"值“{visible(value)}”无效；可选：{'、'.join(choices)}。")
            return None
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"值“{value}”格式不对（应为{what}）。")
            return None
        return value

    def ident(self, key: str, *, required: bool = True) -> str | None:
        """An identifier: lower-case ASCII letters, digits and hyphens, starting with a letter."""
        return self.text(
            key,
            required=required,
            pattern=ID_PATTERN,
            what="小写英文字母、数字和连字符组成的编号",
        )

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        """A calendar date written ``YYYY-MM-DD`` that exists."""
        value = self.mapping.get(key)
        if value is None or value == "":
            if required:
                self._missing(key, "日期 YYYY-MM-DD")
            return None
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                self.fail(key, f"日期“{value}”不存在。", "请核对年月日。")
                return None
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.fail(key, f"日期“{value}”超出 {FIRST_YEAR}—{LAST_YEAR} 年的范围。")
                return None
            return day
        self.fail(key, f"应为日期 YYYY-MM-DD（如 2018-05-02），却是“{value}”。")
        return None

    def timestamp(self, key: str) -> dt.datetime | None:
        """A date and time with its UTC offset, ISO 8601 (``2018-05-02T10:00:00+08:00``)."""
        value = self.mapping.get(key)
        if value is None or value == "":
            self._missing(key, "带时区的时间，如 2018-05-02T10:00:00+08:00")
            return None
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(
                key,
                f"时间“{value}”无效；须写明 UTC 偏移，如 2018-05-02T10:00:00+08:00。",
            )
            return None
        return parsed

    def boolean(self, key: str, *, default: bool) -> bool:
        """``true`` or ``false``; ``yes``/``no``/``on``/``off`` are refused as ambiguous."""
        value = self.mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"应为 true 或 false，却是“{value}”。")
            return default
        return value

    def mapping_of(self, key: str, *, required: bool = True) -> Fields | None:
        """The nested mapping under ``key``."""
        value = self.mapping.get(key)
        if value is None:
            if required:
                self._missing(key, "一组“键: 值”")
            return None
        if not isinstance(value, LineDict):
            self.fail(key, "应为一组“键: 值”（下一行缩进书写）。")
            return None
        return self._child(value, f"{self.name(key)}.")

    def list_of(self, key: str, *, required: bool = True) -> list[Fields]:
        """The list of mappings under ``key``."""
        value = self.mapping.get(key)
        if value is None:
            if required:
                self._missing(key, "列表")
            return []
        if not isinstance(value, list):
            self.fail(key, "应为列表（每项以“- ”开头）。")
            return []
        items = []
        for index, item in enumerate(value):
            name = f"{self.name(key)}[{index}]."
            if isinstance(item, LineDict):
                items.append(self._child(item, name))
            else:
                self._report(
                    name.rstrip("."), "列表项应为一组“键: 值”。", self.line_of(key)
                )
        return items

    def text_list(self, key: str, *, required: bool = True) -> list[str]:
        """A list of non-empty strings under ``key``."""
        value = self.mapping.get(key)
        if value is None:
            if required:
                self._missing(key, "列表")
            return []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item for item in value
        ):
            self.fail(key, "应为文本列表，如 [office, policy]。")
            return []
        return [unicodedata.normalize("NFC", item) for item in value]

    def _child(self, mapping: LineDict, prefix: str) -> Fields:
        return Fields(
            mapping,
            path=self.path,
            error=self.error,
            problems=self.problems,
            prefix=prefix,
        )


# Formatting characters that are ordinary in Chinese text and harmless on a page.
_ALLOWED_FORMAT = {"\u200b", "\u200c", "\u200d", "\ufeff"}


def is_hidden(char: str) -> bool:
    """Whether ``char`` is invisible or changes the direction of text around it
    (control, format and separator characters), so that what a reader sees differs
    from the bytes. Tabs, line feeds and zero-width (non-)joiners are ordinary."""
    if char in "\t\n" or char in _ALLOWED_FORMAT:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def visible(text: str) -> str:
    """``text`` with invisible and control characters written as ``<U+200B>``."""
    return "".join(
        f"<U+{ord(c):04X}>"
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
        else c
        for c in text
    )


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 3, 3
_SHORT.maxstring = _SHORT.maxother = 40


def _short(value: Any) -> str:
    # Bounded: YAML aliases can make a tiny file a structure too large to print.
    return _SHORT.repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int):
        return "数字"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return type(value).__name__
