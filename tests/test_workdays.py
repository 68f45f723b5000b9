"""The working-day calendar (``pipeline.workdays``): the State Council's schedule from
``chinese_calendar`` checked against our own reading of the 2026 notice, and
``site_config/calendar.yml`` for the years the package does not know."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, PortalError, ProblemList
from pipeline.workdays import (
    ADJUSTED_WORKDAY,
    HOLIDAY,
    UNKNOWN,
    WEEKEND,
    WORKDAY,
    WorkCalendar,
    fixed_holiday,
    load_calendar,
)

REPO = Path(__file__).resolve().parents[1]
D = dt.date

# 国办发明电〔2025〕7号《国务院办公厅关于2026年部分节假日安排的通知》, read by hand:
# 春节 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
# 中秋节 9月25日至27日放假，共3天。
# 国庆节 10月1日至7日放假调休，共7天；9月20日（周日）、10月10日（周六）上班。
NOTICE_2026 = [
    (D(2026, 2, 13), WORKDAY, None),
    (D(2026, 2, 14), ADJUSTED_WORKDAY, "春节"),
    *[(D(2026, 2, day), HOLIDAY, "春节") for day in range(15, 24)],
    (D(2026, 2, 24), WORKDAY, None),
    (D(2026, 2, 28), ADJUSTED_WORKDAY, "春节"),
    (D(2026, 3, 1), WEEKEND, None),
    (D(2026, 9, 19), WEEKEND, None),
    (D(2026, 9, 20), ADJUSTED_WORKDAY, "国庆节"),
    (D(2026, 9, 24), WORKDAY, None),
    *[(D(2026, 9, day), HOLIDAY, "中秋节") for day in (25, 26, 27)],
    (D(2026, 9, 28), WORKDAY, None),
    *[(D(2026, 10, day), HOLIDAY, "国庆节") for day in range(1, 8)],
    (D(2026, 10, 8), WORKDAY, None),
    (D(2026, 10, 10), ADJUSTED_WORKDAY, "国庆节"),
    (D(2026, 10, 11), WEEKEND, None),
]

HYPOTHETICAL_2027 = """\
# 测试用的虚构安排，不是国务院的通知。
years:
  "2027":
    source: 测试用文号（虚构）
    holidays:
      元旦: ["2027-01-01..2027-01-03"]
"""


def write_calendar(root: Path, text: str) -> Path:
    path = root / "site_config" / "calendar.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[PortalError]:
    with pytest.raises(PortalError) as exc:
        load_calendar(root)
    error = exc.value
    return error.problems if isinstance(error, ProblemList) else [error]


@pytest.mark.parametrize(("day", "kind", "name"), NOTICE_2026)
def test_package_agrees_with_the_2026_notice(
    day: dt.date, kind: str, name: str | None
) -> None:
    info = WorkCalendar().describe(day)
    assert (info.kind, info.name) == (kind, name)
    assert info.workday is (kind in (WORKDAY, ADJUSTED_WORKDAY))


def test_weekdays_given_as_rest_are_marked_in_lieu() -> None:
    calendar = WorkCalendar()
    # 春节 2月20日（周五）、23日（周一） and 国庆 10月6日、7日 are the days paid back.
    in_lieu = [D(2026, 2, 20), D(2026, 2, 23), D(2026, 10, 6), D(2026, 10, 7)]
    assert all(calendar.describe(day).in_lieu for day in in_lieu)
    assert not calendar.describe(D(2026, 10, 1)).in_lieu


def test_a_year_nobody_knows_is_never_guessed() -> None:
    calendar = WorkCalendar()
    assert 2026 in calendar.known_years() and 2027 not in calendar.known_years()
    assert calendar.is_workday(D(2027, 3, 3)) is None
    assert calendar.describe(D(2027, 3, 3)).unknown_year == 2027
    # 元旦 is fixed by date (《全国年节及纪念日放假办法》); the year stays unknown.
    assert calendar.holiday_name(D(2027, 1, 1)) == "元旦"
    assert calendar.is_workday(D(2027, 1, 1)) is None
    assert calendar.holiday_name(D(2027, 2, 6)) is None


def test_fixed_statutory_holidays_are_known_by_date() -> None:
    fixed = [
        D(2027, 1, 1),
        D(2027, 5, 1),
        D(2027, 5, 2),
        *(D(2027, 10, d) for d in (1, 2, 3)),
    ]
    assert [fixed_holiday(day) for day in fixed] == [
        "元旦",
        "劳动节",
        "劳动节",
        "国庆节",
        "国庆节",
        "国庆节",
    ]
    assert (
        fixed_holiday(D(2027, 5, 3)) is None and fixed_holiday(D(2027, 10, 4)) is None
    )


def test_last_days_of_december_wait_for_the_next_notice() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(D(2026, 12, 25)) is True
    for day in range(28, 32):
        info = calendar.describe(D(2026, 12, day))
        assert (info.kind, info.unknown_year) == (UNKNOWN, 2027)
    # 2018-12-29 was a working Saturday under the 2019 notice, which the package knows.
    assert calendar.describe(D(2018, 12, 29)).kind == ADJUSTED_WORKDAY


def test_the_shipped_calendar_file_lists_no_invented_year() -> None:
    calendar = load_calendar(REPO)
    assert calendar.schedules == ()
    assert max(calendar.known_years()) == 2026


def test_no_calendar_file_means_the_package_alone(tmp_path: Path) -> None:
    assert load_calendar(tmp_path).known_years() == WorkCalendar().known_years()


def test_a_year_from_the_calendar_file(tmp_path: Path) -> None:
    calendar = load_calendar(write_calendar(tmp_path, HYPOTHETICAL_2027))
    assert 2027 in calendar.known_years()
    assert calendar.describe(D(2027, 1, 1)).kind == HOLIDAY
    assert calendar.holiday_name(D(2027, 1, 2)) == "元旦"
    assert calendar.is_workday(D(2027, 1, 4)) is True
    assert calendar.is_workday(D(2027, 1, 9)) is False
    # 2026's last days are settled now that 2027 is known.
    assert calendar.is_workday(D(2026, 12, 31)) is True


def test_list_form_and_a_december_spill(tmp_path: Path) -> None:
    text = """\
years:
  "2027":
    source: 测试用文号（虚构）
    holidays: [2026-12-31, "2027-01-01..2027-01-02"]
    workdays: [2027-01-09]
"""
    calendar = load_calendar(write_calendar(tmp_path, text))
    spill = calendar.describe(D(2026, 12, 31))
    assert (spill.kind, spill.name) == (HOLIDAY, "法定节假日")
    assert calendar.describe(D(2027, 1, 9)).kind == ADJUSTED_WORKDAY


def test_a_listed_year_replaces_the_package(tmp_path: Path) -> None:
    text = """\
years:
  "2026":
    source: 测试用文号（虚构）
    holidays:
      国庆节: ["2026-10-01..2026-10-03"]
"""
    calendar = load_calendar(write_calendar(tmp_path, text))
    assert calendar.is_workday(D(2026, 10, 6)) is True
    assert calendar.is_workday(D(2026, 10, 10)) is False
    assert calendar.is_workday(D(2026, 2, 16)) is True


def test_an_unquoted_year_says_to_quote_it(tmp_path: Path) -> None:
    root = write_calendar(tmp_path, "years:\n  2027:\n    source: x\n")
    [problem] = problems_of(root)
    assert isinstance(problem, ConfigError)
    assert problem.path == "site_config/calendar.yml" and problem.line == 2
    assert '"2027"' in (problem.hint or "")


def test_malformed_entries_name_file_line_and_field(tmp_path: Path) -> None:
    text = """\
years:
  "2027":
    holidays:
      春节: ["2027-02-10..2027-02-05", 2027-13-01]
    workdays: [2027-01-06]
    note: 多余
  "27":
    source: 测试
  "2028":
    source: 测试用文号（虚构）
    holidays: [2026-05-01]
"""
    found = {(p.field, p.line) for p in problems_of(write_calendar(tmp_path, text))}
    assert found == {
        ("years.2027.source", 3),
        ("years.2027.holidays.春节[0]", 4),
        ("years.2027.holidays.春节[1]", 4),
        ("years.2027.workdays", 5),
        ("years.2027.note", 6),
        ("years.27", 7),
        ("years.2028.holidays[0]", 11),
    }
    problems = problems_of(write_calendar(tmp_path, text))
    weekday = next(p for p in problems if p.field == "years.2027.workdays")
    assert "2027-01-06（星期三） 不是周末" in weekday.message
    assert all(p.path == "site_config/calendar.yml" for p in problems)


def test_a_day_both_rest_and_work_is_refused(tmp_path: Path) -> None:
    text = """\
years:
  "2027":
    source: 测试用文号（虚构）
    holidays: ["2027-01-01..2027-01-03"]
    workdays: [2027-01-02]
"""
    [problem] = problems_of(write_calendar(tmp_path, text))
    assert problem.field == "years.2027.workdays" and "同时列为" in problem.message
