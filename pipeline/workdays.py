"""Working days under the State Council's holiday schedule, 调休 included.

The schedule comes from the ``chinese_calendar`` package (the notices it knows, 2004 to
2026 in version 1.11) and from ``site_config/calendar.yml`` for the years it does not
know yet; a year listed in that file replaces the package's reading of it. A day of a
year neither knows is never guessed: ``is_workday`` answers ``None``. The last days of
December are unknown too while the next year is: a notice sometimes moves them (the
2019 notice made 2018-12-29 a working Saturday and 2018-12-30, 31 rest days).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chinese_calendar import constants as _package  # type: ignore[import-untyped]

from pipeline import yamlfile
from pipeline.errors import ConfigError, PortalError, raise_if_any
from pipeline.fields import Fields
from pipeline.yamlfile import LineDict

CALENDAR_FILE = "site_config/calendar.yml"
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# From this day of December on, a day also depends on the next year's notice.
SPILL_FROM = 28

WORKDAY = "workday"
WEEKEND = "weekend"
HOLIDAY = "holiday"
ADJUSTED_WORKDAY = "adjusted_workday"
UNKNOWN = "unknown"

_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_YEAR_KEY_LINE = re.compile(r"^\s*\d{4}\s*:")
_UNNAMED_HOLIDAY = "法定节假日"


@dataclass(frozen=True)
class Day:
    """What the schedule says of one day.

    ``kind`` is ``workday``, ``weekend``, ``holiday`` (放假), ``adjusted_workday``
    (a weekend day worked under 调休) or ``unknown``; ``name`` is the holiday a rest
    day or an adjusted working day belongs to; ``in_lieu`` marks a weekday given as
    rest in exchange for an adjusted working day (调休放假); ``unknown_year`` is the
    year whose schedule is missing (its ``name`` is then a holiday fixed by date,
    ``FIXED_HOLIDAYS``, or ``None``).
    """

    day: dt.date
    kind: str
    name: str | None = None
    in_lieu: bool = False
    unknown_year: int | None = None

    @property
    def workday(self) -> bool | None:
        """Whether it is a working day; ``None`` when the schedule is unknown."""
        if self.kind == UNKNOWN:
            return None
        return self.kind in (WORKDAY, ADJUSTED_WORKDAY)

    def label(self) -> str:
        """``2026-10-10（星期六）``."""
        return label(self.day)


# Holidays fixed by date in 国务院《全国年节及纪念日放假办法》: rest days in every year,
# even before that year's schedule is published. 春节、清明节、端午节、中秋节 follow
# the lunar calendar and are left to the year's notice.
FIXED_HOLIDAYS = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


def fixed_holiday(day: dt.date) -> str | None:
    """The statutory holiday fixed on ``day``'s date (元旦、劳动节、国庆节), if any."""
    return FIXED_HOLIDAYS.get((day.month, day.day))


@functools.lru_cache(maxsize=4096)
def label(day: dt.date) -> str:
    """A date as clerks write it, with its weekday: ``2026-10-10（星期六）``."""
    return f"{day.isoformat()}（{WEEKDAYS[day.weekday()]}）"


@dataclass(frozen=True)
class YearSchedule:
    """One year's notice as written in ``calendar.yml``: rest days and 调休 working days.

    Dates may include the last days of the previous December, which a notice for the
    new year's holiday sometimes moves.
    """

    year: int
    source: str
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]


@dataclass(frozen=True)
class WorkCalendar:
    """The State Council's schedule: the package's years plus ``calendar.yml``'s."""

    schedules: tuple[YearSchedule, ...] = ()
    use_package: bool = True
    _rest: dict[dt.date, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _work: dict[dt.date, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _in_lieu: set[dt.date] = field(
        default_factory=set, init=False, repr=False, compare=False
    )
    _known: set[int] = field(default_factory=set, init=False, repr=False, compare=False)
    _cache: dict[dt.date, Day] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        own = {schedule.year for schedule in self.schedules}
        if self.use_package:
            self._add_package(own)
        for schedule in self.schedules:
            self._known.add(schedule.year)
            for day, name in schedule.holidays.items():
                self._work.pop(day, None)
                self._in_lieu.discard(day)
                self._rest[day] = name
            for day, name in schedule.workdays.items():
                self._rest.pop(day, None)
                self._in_lieu.discard(day)
                self._work[day] = name

    def _add_package(self, replaced: set[int]) -> None:
        for day, name in _package.holidays.items():
            if day.year not in replaced:
                self._rest[day] = _NAMES.get(name, name)
        for day, name in _package.workdays.items():
            if day.year not in replaced and day.weekday() >= 5:
                self._work[day] = _NAMES.get(name, name)
        self._in_lieu.update(
            day for day in _package.in_lieu_days if day.year not in replaced
        )
        self._known.update(
            day.year for day in _package.holidays if day.year not in replaced
        )

    def known_years(self) -> tuple[int, ...]:
        """The years whose schedule is known, in order."""
        return tuple(sorted(self._known))

    def describe(self, day: dt.date) -> Day:
        """What the schedule says of ``day``."""
        found = self._cache.get(day)
        if found is None:
            found = self._describe(day)
            self._cache[day] = found
        return found

    def _describe(self, day: dt.date) -> Day:
        missing = self._missing_year(day)
        if missing is not None:
            return Day(day, UNKNOWN, fixed_holiday(day), unknown_year=missing)
        if day in self._rest:
            return Day(day, HOLIDAY, self._rest[day], in_lieu=day in self._in_lieu)
        if day in self._work:
            return Day(day, ADJUSTED_WORKDAY, self._work[day] or None)
        return Day(day, WEEKEND if day.weekday() >= 5 else WORKDAY)

    def _missing_year(self, day: dt.date) -> int | None:
        if day.year not in self._known:
            return day.year
        late_december = day.month == 12 and day.day >= SPILL_FROM
        if late_december and day.year + 1 not in self._known:
            if day not in self._rest and day not in self._work:
                return day.year + 1
        return None

    def is_workday(self, day: dt.date) -> bool | None:
        """Whether ``day`` is a working day; ``None`` when its schedule is unknown."""
        return self.describe(day).workday

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a rest day or a 调休 working day belongs to, e.g. ``春节``."""
        return self.describe(day).name


# Reads a repository-relative path: the file's bytes, or None when there is no such file.
Reader = Callable[[str], bytes | None]


def load_calendar(root: Path) -> WorkCalendar:
    """The schedule for the site at ``root``: the package plus its ``calendar.yml``."""

    def read(path: str) -> bytes | None:
        target = root / path
        if not target.is_file():
            return None
        try:
            return target.read_bytes()
        except OSError as exc:
            raise ConfigError(f"无法读取文件：{exc.strerror}。", path=path) from None

    return load_calendar_from(read)


def load_calendar_from(read: Reader) -> WorkCalendar:
    """The schedule with the ``calendar.yml`` that ``read`` gives, if there is one.

    Raises ``ConfigError`` (or ``ProblemList``) naming file, line and field.
    """
    data = read(CALENDAR_FILE)
    if data is None:
        return WorkCalendar()
    text = yamlfile.decode(data, shown_as=CALENDAR_FILE, error=ConfigError)
    document = _load_yaml(text)
    problems: list[PortalError] = []
    calendar = calendar_from(document, path=CALENDAR_FILE, problems=problems)
    raise_if_any(problems)
    return calendar


def _load_yaml(text: str) -> object:
    try:
        return yamlfile.load(text, path=CALENDAR_FILE, error=ConfigError)
    except ConfigError as error:
        lines = text.split("\n")
        at = (error.line or 0) - 1
        if 0 <= at < len(lines) and _YEAR_KEY_LINE.match(lines[at]):
            error.hint = '年份作键时请加引号，如 "2027":。'
        raise


def calendar_from(
    document: object, *, path: str, problems: list[PortalError]
) -> WorkCalendar:
    """The schedule with the years of a ``calendar.yml`` document; problems are added
    to ``problems`` (a year with problems is left out)."""
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(["years"])
    years = top.mapping_of("years", required=False)
    schedules = []
    if years is not None:
        for key in years.mapping:
            schedule = _read_year(years, key)
            if schedule is not None:
                schedules.append(schedule)
    return WorkCalendar(tuple(schedules))


def _read_year(years: Fields, key: str) -> YearSchedule | None:
    if not _YEAR.match(key):
        years.fail(key, '年份应为四位数字，如 "2027"。')
        return None
    entry = years.mapping_of(key)
    if entry is None:
        return None
    year = int(key)
    before = len(entry.problems)
    entry.only(["source", "holidays", "workdays"])
    source = entry.text(
        "source", what="国务院办公厅通知的文号，如 国办发明电〔2025〕7号"
    )
    holidays = _read_days(entry, "holidays", year, required=True)
    workdays = _read_days(entry, "workdays", year, required=False)
    for day in sorted(set(holidays) & set(workdays)):
        entry.fail("workdays", f"{day.isoformat()} 同时列为放假日和调休上班日。")
    for day in sorted(workdays):
        if day.weekday() < 5:
            entry.fail(
                "workdays",
                f"{label(day)} 不是周末；这里只列调休上班的周六、周日。",
                "请核对国务院办公厅通知。",
            )
    if len(entry.problems) > before or source is None:
        return None
    return YearSchedule(year, source, holidays, workdays)


def _read_days(
    entry: Fields, key: str, year: int, *, required: bool
) -> dict[dt.date, str]:
    value = entry.mapping.get(key)
    if value is None:
        if required:
            entry.fail(key, "缺少此字段（应为日期列表）。", "请补上该年的放假日期。")
        return {}
    groups: list[tuple[str, str, int, object]]
    if isinstance(value, LineDict):
        groups = [
            (name, f"{key}.{name}", value.line_of(name), items)
            for name, items in value.items()
        ]
    else:
        default = _UNNAMED_HOLIDAY if key == "holidays" else ""
        groups = [(default, key, entry.line_of(key), value)]
    days: dict[dt.date, str] = {}
    for name, where, line, items in groups:
        if not isinstance(items, list):
            _fail(
                entry,
                where,
                line,
                "应为日期列表，如 [2027-01-01, 2027-02-05..2027-02-13]。",
            )
            continue
        for index, item in enumerate(items):
            for day in _read_item(entry, f"{where}[{index}]", line, item, year):
                days[day] = name
    return days


def _fail(
    entry: Fields, where: str, line: int, message: str, hint: str | None = None
) -> None:
    entry.problems.append(
        entry.error(
            message,
            path=entry.path,
            line=line or None,
            field=entry.name(where),
            hint=hint,
        )
    )


def _read_item(
    entry: Fields, where: str, line: int, item: object, year: int
) -> list[dt.date]:
    text = item.strip() if isinstance(item, str) else ""
    first, _, last = text.partition("..")
    start, end = _parse(first), _parse(last or first)
    if start is None or end is None or end < start:
        _fail(
            entry,
            where,
            line,
            f"“{item}”不是日期 YYYY-MM-DD 或日期范围 YYYY-MM-DD..YYYY-MM-DD。",
        )
        return []
    if not _in_notice(start, year) or not _in_notice(end, year):
        _fail(
            entry,
            where,
            line,
            f"“{item}”不在 {year} 年内（只允许另含 {year - 1} 年 12 月的日期）。",
            "请核对年份。",
        )
        return []
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _parse(text: str) -> dt.date | None:
    if not _DATE.match(text.strip()):
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _in_notice(day: dt.date, year: int) -> bool:
    return day.year == year or (day.year == year - 1 and day.month == 12)
