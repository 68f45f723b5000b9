"""Reply deadlines (``pipeline.deadline``), each one counted by hand first.

Every case lists the working days it counts, read off the 2026 notice
(国办发明电〔2025〕7号; ``tests/test_workdays.py`` checks the package agrees): 春节
2月15日至23日放假, 2月14日（周六）、28日（周六）上班; 中秋节 9月25日至27日放假; 国庆节
10月1日至7日放假, 9月20日（周日）、10月10日（周六）上班. November 2026 has no holiday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.deadline import (
    BUREAU_2018,
    NATIONAL_2019,
    DeadlineRules,
    Extension,
    add_working_days,
    check_correction_request,
    check_extension,
    correction_deadline,
    receipt_date,
    reply_deadline,
    rules_from,
    third_party_deadline,
)
from pipeline.errors import ConfigError, PortalError
from pipeline.workdays import WorkCalendar, load_calendar
from pipeline.yamlfile import load

CALENDAR = WorkCalendar()
CHINA = dt.timezone(dt.timedelta(hours=8))


def days(month: int, *numbers: int, year: int = 2026) -> list[dt.date]:
    return [dt.date(year, month, number) for number in numbers]


def span(month: int, first: int, last: int) -> list[dt.date]:
    return days(month, *range(first, last + 1))


def D(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def test_thursday_before_mid_autumn_and_national_day() -> None:
    # Received Thu 09-24. 09-25..27 中秋节, 10-01..07 国庆节 are skipped; Sat 10-10 is a
    # 调休 working day. 1-3: 09-28..30; 4-5: 10-08, 09; 6: Sat 10-10; 7-11: 10-12..16;
    # 12-15: 10-19..22.
    deadline = reply_deadline(D(9, 24), CALENDAR, BUREAU_2018)
    assert deadline.counted() == (
        *span(9, 28, 30),
        *days(10, 8, 9, 10),
        *span(10, 12, 16),
        *span(10, 19, 22),
    )
    assert deadline.due == D(10, 22) and not deadline.provisional
    text = deadline.explain()
    assert "2026-09-25（星期五） 中秋节放假，不计。" in text
    assert "2026-10-06（星期二） 国庆节调休放假，不计。" in text
    assert "2026-10-10（星期六） 调休上班日（国庆节），第 6 个工作日。" in text
    assert text.splitlines()[-1] == (
        "答复期限：2026-10-22（星期四），即第 15 个工作日（附件2 第十三条）。"
    )


def test_national_2019_gives_twenty_days() -> None:
    # The same receipt, 20 working days: 16-20 are 10-23, 10-26..29.
    deadline = reply_deadline(D(9, 24), CALENDAR, NATIONAL_2019)
    assert deadline.counted()[15:] == (D(10, 23), *span(10, 26, 29))
    assert deadline.due == D(10, 29)
    assert "《政府信息公开条例》第三十三条" in deadline.explain()


def test_receipt_during_the_spring_festival() -> None:
    # Received Wed 02-18; 02-19..23 are still 春节. 1-4: 02-24..27; 5: Sat 02-28 (调休);
    # 6-10: 03-02..06; 11-15: 03-09..13.
    deadline = reply_deadline(D(2, 18), CALENDAR, BUREAU_2018)
    assert deadline.counted() == (
        *span(2, 24, 28),
        *span(3, 2, 6),
        *span(3, 9, 13),
    )
    assert deadline.due == D(3, 13)
    assert "当日为春节放假，不影响起算" in deadline.explain()


def test_receipt_on_a_holiday() -> None:
    # Received on 国庆节 Thu 10-01; 10-02..07 still off. 1-2: 10-08, 09; 3: Sat 10-10;
    # 4-8: 10-12..16; 9-13: 10-19..23; 14-15: 10-26, 27.
    deadline = reply_deadline(D(10, 1), CALENDAR, BUREAU_2018)
    assert deadline.counted() == (
        *days(10, 8, 9, 10),
        *span(10, 12, 16),
        *span(10, 19, 23),
        *days(10, 26, 27),
    )
    assert deadline.due == D(10, 27)


@pytest.mark.parametrize(
    ("received", "counted", "due"),
    [
        # Sat 10-10 is worked; the count starts Sun 10-11 (rest): 10-12..16, 19..23,
        # 26..30.
        (
            D(10, 10),
            [*span(10, 12, 16), *span(10, 19, 23), *span(10, 26, 30)],
            D(10, 30),
        ),
        # Sat 02-14 is worked; 02-15..23 春节; 1-5: 02-24..28; 6-15: 03-02..06, 09..13.
        (D(2, 14), [*span(2, 24, 28), *span(3, 2, 6), *span(3, 9, 13)], D(3, 13)),
    ],
)
def test_receipt_on_a_working_saturday(
    received: dt.date, counted: list[dt.date], due: dt.date
) -> None:
    deadline = reply_deadline(received, CALENDAR, BUREAU_2018)
    assert deadline.counted() == tuple(counted) and deadline.due == due


def head_approves(on: dt.date, days: int = 15) -> Extension:
    return Extension("sun-li", on, on, days, "需调取多个科室的档案")


def test_an_extension_that_crosses_a_holiday() -> None:
    # Received Mon 09-07. 1-4: 09-08..11; 5-9: 09-14..18; 10: Sun 09-20 (调休);
    # 11-14: 09-21..24; 中秋 09-25..27; 15: 09-28 = first deadline.
    # Extension approved and notified Thu 09-24: 1-2: 09-29, 30; 国庆 10-01..07;
    # 3-4: 10-08, 09; 5: Sat 10-10; 6-10: 10-12..16; 11-15: 10-19..23.
    deadline = reply_deadline(
        D(9, 7), CALENDAR, BUREAU_2018, extension=head_approves(D(9, 24))
    )
    assert deadline.extended_from == D(9, 28)
    assert deadline.counted() == (
        *span(9, 8, 11),
        *span(9, 14, 18),
        *span(9, 20, 24),
        D(9, 28),
        *days(9, 29, 30),
        *days(10, 8, 9, 10),
        *span(10, 12, 16),
        *span(10, 19, 23),
    )
    assert deadline.due == D(10, 23)
    text = deadline.explain()
    assert "原答复期限：2026-09-28（星期一）" in text
    assert "同意延期 15 个工作日" in text and "延长期第 15 个工作日" in text


def test_a_third_party_pause_of_one_week() -> None:
    # Received Mon 11-02. 1-4: 11-03..06; 5: Mon 11-09, the day the letter is sent.
    # Paused Tue 11-10 through Mon 11-16, the day the answer arrives: 5 working days.
    # 6-9: 11-17..20; 10-14: 11-23..27; 15: 11-30 (11-23 without the pause).
    deadline = reply_deadline(
        D(11, 2), CALENDAR, BUREAU_2018, pauses=[(D(11, 9), D(11, 16))]
    )
    assert deadline.counted() == (
        *span(11, 3, 6),
        D(11, 9),
        *span(11, 17, 20),
        *span(11, 23, 27),
        D(11, 30),
    )
    assert deadline.due == D(11, 30) and deadline.paused_days == 5
    assert not deadline.waiting
    kinds = [step.kind for step in deadline.steps if D(11, 9) <= step.day <= D(11, 16)]
    assert kinds == ["counted", "pause-start", *["paused"] * 6, "pause-end"]
    assert reply_deadline(D(11, 2), CALENDAR, BUREAU_2018).due == D(11, 23)


def test_an_open_consultation_stops_the_count_without_a_limit() -> None:
    deadline = reply_deadline(
        D(11, 2), CALENDAR, BUREAU_2018, pauses=[(D(11, 9), None)]
    )
    assert deadline.due is None and deadline.waiting
    assert deadline.steps[-1].kind == "waiting"


def test_national_2019_ends_a_pause_when_the_third_party_is_late() -> None:
    # 第三十二条: 15 working days from the day after sending Mon 11-09: 11-10..13,
    # 16..20, 23..27, 30. Counting resumes Tue 12-01: 6-9: 12-01..04; 10-14: 12-07..11;
    # 15-19: 12-14..18; 20: Mon 12-21.
    deadline = reply_deadline(
        D(11, 2), CALENDAR, NATIONAL_2019, pauses=[(D(11, 9), None)]
    )
    limit = third_party_deadline(D(11, 9), CALENDAR, NATIONAL_2019)
    assert limit is not None and limit.due == D(11, 30)
    assert deadline.paused_days == 15 and deadline.waiting
    assert deadline.counted()[5:] == (
        *span(12, 1, 4),
        *span(12, 7, 11),
        *span(12, 14, 18),
        D(12, 21),
    )
    assert deadline.due == D(12, 21)
    assert "请登记答复日期" in deadline.explain()


def test_overlapping_consultations_pause_once() -> None:
    # Two letters, 11-09 answered 11-12 and 11-11 answered 11-16: paused 11-10..16.
    deadline = reply_deadline(
        D(11, 2),
        CALENDAR,
        BUREAU_2018,
        pauses=[(D(11, 11), D(11, 16)), (D(11, 9), D(11, 12))],
    )
    assert deadline.due == D(11, 30) and deadline.paused_days == 5


def test_a_correction_restarts_the_clock() -> None:
    # Received Thu 09-24; the corrected application arrives Fri 10-09 and counts as new.
    # 1: Sat 10-10 (调休); 2-6: 10-12..16; 7-11: 10-19..23; 12-15: 10-26..29.
    deadline = reply_deadline(D(9, 24), CALENDAR, BUREAU_2018, corrected=D(10, 9))
    assert deadline.counted() == (
        D(10, 10),
        *span(10, 12, 16),
        *span(10, 19, 23),
        *span(10, 26, 29),
    )
    assert deadline.due == D(10, 29)
    restart = next(step for step in deadline.steps if step.kind == "restart")
    assert "附件2 第十条（六）" in restart.text


def test_a_deadline_in_a_year_the_calendar_does_not_cover() -> None:
    # Received Tue 2026-12-15. 1-3: 12-16..18; 4-8: 12-21..25; 9-12: 12-28..31
    # (provisional: the 2027 notice may move them); Fri 2027-01-01 is 元旦, a holiday
    # fixed by date, not counted; 13-15: 01-04..06.
    deadline = reply_deadline(D(12, 15), CALENDAR, BUREAU_2018)
    assert deadline.counted() == (
        *span(12, 16, 18),
        *span(12, 21, 25),
        *span(12, 28, 31),
        *days(1, 4, 5, 6, year=2027),
    )
    assert deadline.due == D(1, 6, 2027)
    new_year = [step for step in deadline.steps if step.day == D(1, 1, 2027)]
    assert new_year[0].kind == "skipped-holiday" and new_year[0].provisional
    assert "元旦" in new_year[0].text
    assert deadline.provisional and deadline.unknown_years == (2027,)
    marked = [step.day for step in deadline.steps if step.provisional]
    assert marked[0] == D(12, 28)
    expected = (
        "请在 site_config/calendar.yml 补充 2027 年的节假日安排（国务院办公厅通知）"
    )
    assert expected in (deadline.warning() or "")
    assert deadline.explain().splitlines()[-1].startswith("本期限为暂定")


def test_the_same_deadline_once_the_year_is_added(tmp_path: Path) -> None:
    # A made-up 2027 entry (test data, not the State Council's): 2027-01-01..03 off.
    # 1-12 as before, now settled; 13-15: 2027-01-04..06.
    config = tmp_path / "site_config"
    config.mkdir()
    (config / "calendar.yml").write_text(
        'years:\n  "2027":\n    source: 测试用文号（虚构）\n'
        '    holidays:\n      元旦: ["2027-01-01..2027-01-03"]\n',
        encoding="utf-8",
    )
    deadline = reply_deadline(D(12, 15), load_calendar(tmp_path), BUREAU_2018)
    assert deadline.counted()[12:] == tuple(days(1, 4, 5, 6, year=2027))
    assert deadline.due == D(1, 6, 2027)
    assert not deadline.provisional and deadline.warning() is None
    assert "2027-01-01（星期五） 元旦放假，不计。" in deadline.explain()


def test_add_working_days_counts_from_the_next_day() -> None:
    due, steps = add_working_days(D(9, 30), 1, CALENDAR)
    assert due == D(10, 8)
    assert [step.kind for step in steps] == ["skipped-holiday"] * 7 + ["counted"]


def test_extension_refusals_cite_the_article() -> None:
    first_due = D(9, 28)
    cases = [
        (head_approves(D(9, 24), days=16), ["days"]),
        (head_approves(D(9, 29)), ["approved_on", "notified_on"]),
        (Extension("sun-li", D(9, 24), D(9, 29), 15), ["notified_on"]),
        (Extension("sun-li", D(9, 25), D(9, 24), 15), ["notified_on"]),
    ]
    for extension, keys in cases:
        problems = check_extension(extension, first_due, BUREAU_2018)
        assert [problem.field for problem in problems] == [
            f"extension.{key}" for key in keys
        ]
        assert all("附件2 第十三条" in problem.message for problem in problems)
    [someone_else] = check_extension(
        Extension("chen-jing", D(9, 24), D(9, 24), 15),
        first_due,
        BUREAU_2018,
        approvers={"sun-li"},
    )
    assert someone_else.field == "extension.approved_by"
    assert "政府信息公开工作机构负责人" in someone_else.message
    assert check_extension(head_approves(D(9, 28)), first_due, BUREAU_2018) == []
    assert check_extension(head_approves(D(9, 24), 20), first_due, NATIONAL_2019) == []


def test_a_late_extension_is_not_applied() -> None:
    deadline = reply_deadline(
        D(9, 7), CALENDAR, BUREAU_2018, extension=head_approves(D(9, 29))
    )
    assert deadline.due == D(9, 28) and deadline.extended_from is None
    refused = [step for step in deadline.steps if step.kind == "extension-refused"]
    assert len(refused) == 2 and "届满前" in refused[0].text


def test_correction_request_within_seven_working_days() -> None:
    # 第三十条: received Thu 09-24; 1-3: 09-28..30; 4-6: 10-08..10; 7: 10-12.
    limit = correction_deadline(D(9, 24), CALENDAR, NATIONAL_2019)
    assert limit is not None and limit.due == D(10, 12)
    assert check_correction_request(D(10, 12), D(9, 24), CALENDAR, NATIONAL_2019) == []
    [late] = check_correction_request(D(10, 13), D(9, 24), CALENDAR, NATIONAL_2019)
    assert "第三十条" in late.message and "2026-10-12" in late.message
    assert correction_deadline(D(9, 24), CALENDAR, BUREAU_2018) is None


def read_rules(text: str) -> tuple[DeadlineRules, list[PortalError]]:
    document = load(text, path="site_config/policy.yml", error=ConfigError)
    problems: list[PortalError] = []
    rules = rules_from(
        document.get("applications"), path="site_config/policy.yml", problems=problems
    )
    return rules, problems


def test_rules_from_policy() -> None:
    assert read_rules("tiers: {}\n")[0] == BUREAU_2018
    assert read_rules("applications:\n  preset: national-2019\n")[0] == NATIONAL_2019
    rules, problems = read_rules(
        "applications:\n  preset: bureau-2018\n  reply_days: 10\n"
    )
    assert problems == [] and rules.reply_days == 10
    rules, problems = read_rules(
        "applications:\n  preset: bureau-2018\n  correction_request_days: 7\n"
    )
    assert problems == [] and rules.correction_request_days == 7


def test_rules_from_policy_reports_file_line_and_field() -> None:
    rules, problems = read_rules(
        "applications:\n  preset: national-2019\n  reply_days: 25\n  extension: 3\n"
    )
    assert rules == NATIONAL_2019
    found = {(p.field, p.line) for p in problems}
    assert found == {("applications.reply_days", 3), ("applications.extension", 4)}
    days_problem = next(p for p in problems if p.field == "applications.reply_days")
    assert "第三十三条" in days_problem.message and "20" in days_problem.message
    [problem] = read_rules("applications:\n  preset: national\n")[1]
    assert problem.field == "applications.preset" and problem.line == 2


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_receipt_day_under_the_bureau_rules() -> None:
    problems: list[PortalError] = []
    receipt = receipt_date(
        "email",
        at("2026-09-24T23:30:00+00:00"),
        BUREAU_2018,
        problems=problems,
        path="a.yml",
    )
    assert receipt is not None and receipt.day == D(9, 25)
    assert receipt.article == "附件2 第六条" and "电子邮箱" in receipt.text
    in_person = receipt_date(
        "in_person",
        at("2026-09-24T10:30:00+08:00"),
        BUREAU_2018,
        problems=problems,
        path="a.yml",
    )
    assert in_person is not None and in_person.article == "附件2 第八条"
    assert problems == []


def test_receipt_day_under_the_2019_regulation() -> None:
    arrived = at("2026-09-24T16:00:00+08:00")
    problems: list[PortalError] = []

    def receipt(
        channel: str,
        *,
        signed_for: dt.datetime | None = None,
        confirmed: dt.datetime | None = None,
    ) -> dt.date | None:
        found = receipt_date(
            channel,
            arrived,
            NATIONAL_2019,
            signed_for=signed_for,
            confirmed=confirmed,
            problems=problems,
            path="a.yml",
        )
        return found.day if found else None

    confirmed = at("2026-09-28T09:00:00+08:00")
    assert receipt("in_person") == D(9, 24)
    assert receipt("online", confirmed=confirmed) == D(9, 28)
    assert receipt("fax", confirmed=confirmed) == D(9, 28)
    assert receipt("letter", signed_for=at("2026-09-24T17:00:00+08:00")) == D(9, 24)
    assert receipt("letter", confirmed=confirmed) == D(9, 28)
    assert problems == []

    assert receipt("online") is None
    assert receipt("letter") is None
    assert receipt("online", confirmed=at("2026-09-23T09:00:00+08:00")) is None
    assert [p.field for p in problems] == [
        "received.confirmed_at",
        "received.signed_for_at",
        "received.confirmed_at",
    ]
    assert "第三十一条（三）" in problems[0].message
    assert "第三十一条（二）" in problems[1].message


def test_the_receipt_explains_itself_in_the_deadline() -> None:
    problems: list[PortalError] = []
    receipt = receipt_date(
        "online",
        at("2026-09-24T16:00:00+08:00"),
        NATIONAL_2019,
        confirmed=at("2026-09-24T16:30:00+08:00"),
        problems=problems,
        path="a.yml",
    )
    assert receipt is not None
    deadline = reply_deadline(receipt, CALENDAR, NATIONAL_2019)
    assert deadline.due == D(10, 29)
    assert "以双方确认之日为收到申请之日" in deadline.steps[0].text


def test_working_days_between_skips_the_national_day_holiday() -> None:
    from pipeline.deadline import working_days_between

    calendar = WorkCalendar()
    # 2026-09-30 (Wed) to 2026-10-09 (Fri): 10-01..10-07 are holidays; 10-09 and
    # the 调休 Saturday 10-10 aside, only 10-08 and 10-09 count.
    assert (
        working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 9), calendar) == 2
    )
    assert (
        working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 9), calendar) == 0
    )
