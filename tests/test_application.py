"""One application's YAML (``pipeline.application``): reading, writing, and the changes
the register makes to it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline import application as model
from pipeline.application import (
    OUTCOME_CODES,
    Agent,
    Applicant,
    Application,
    ApplicationError,
    Contact,
    Event,
    IdDocument,
    Outcome,
    Received,
    Request,
    dump_application,
    read_application,
)

TZ = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 9, 24, 10, 30, tzinfo=TZ)


def make(**changes: object) -> Application:
    app = Application(
        "2026-0007",
        Received("in_person", AT, "chen-jing"),
        Applicant(
            "natural_person",
            "张三",
            IdDocument("居民身份证", "32058119900101123X"),
            Contact(phone="13812345678", address="江苏省常熟市虞山街道: 1 号"),
            "申请人视力障碍，需大字版告知书",
        ),
        Request("2025年度常熟市科技计划项目立项名单", "电子", "电子邮件", "科研需要"),
    )
    return dataclasses.replace(app, **changes)  # type: ignore[arg-type]


def test_round_trip_keeps_everything_and_the_documented_order() -> None:
    app = make(
        agent=Agent(
            "李四", IdDocument("居民身份证", "320581199202021234"), "授权委托书"
        ),
        events=(
            Event(
                "correction_requested", on=dt.date(2026, 9, 25), items=("请写明年份",)
            ),
            Event("corrected", at=dt.datetime(2026, 10, 9, 9, tzinfo=TZ)),
            Event(
                "third_party_sent", on=dt.date(2026, 10, 12), party="常熟某科技有限公司"
            ),
            Event("third_party_answered", on=dt.date(2026, 10, 19), answer="agree"),
            Event("closed", on=dt.date(2026, 11, 2)),
        ),
        status="closed",
        outcome=Outcome("partial", "partial", "区分处理（附件2 第十一条）"),
        appeals=(model.Appeal("reconsideration", dt.date(2026, 12, 1)),),
    )
    text = dump_application(app)
    again, problems = read_application("applications/2026/2026-0007.yml", text)
    assert problems == []
    assert again == app
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == [k for k in model.TOP_KEYS if k in keys]
    assert "at: 2026-09-24T10:30:00+08:00" in text
    assert "  on: 2026-09-25" in text
    assert "张三" in text and "\\u" not in text
    assert "number: '32058119900101123X'" in text or "32058119900101123X" in text


def test_digits_written_without_quotes_are_taken_as_text() -> None:
    text = dump_application(make()).replace("'13812345678'", "13812345678")
    app, problems = read_application("a.yml", text)
    assert problems == [] and app is not None
    assert app.applicant.contact.phone == "13812345678"


def test_bad_yaml_names_file_and_line() -> None:
    text = dump_application(make()).replace("channel: in_person", "channel: [in_person")
    app, problems = read_application("applications/2026/2026-0007.yml", text)
    assert app is None
    assert problems[0].path == "applications/2026/2026-0007.yml"
    assert problems[0].line is not None


def test_bad_fields_name_line_and_field() -> None:
    text = dump_application(make())
    text = text.replace("type: natural_person", "type: 个人").replace(
        "status: open", "status: 结案"
    )
    app, problems = read_application("x.yml", text)
    assert app is None
    fields = {problem.field: problem for problem in problems}
    assert fields["applicant.type"].line == text.splitlines().index("  type: 个人") + 1
    assert "status" in fields
    assert "natural_person" in fields["applicant.type"].message


def test_closed_needs_exactly_one_outcome_code() -> None:
    text = dump_application(make(status="closed"))
    _, problems = read_application("x.yml", text)
    assert [p.field for p in problems] == ["outcome"]
    text = dump_application(make(status="closed", outcome=Outcome("partial")))
    _, problems = read_application(
        "x.yml", text.replace("code: partial", "code: 部分公开")
    )
    assert [p.field for p in problems] == ["outcome.code"]


def test_events_out_of_order_are_refused() -> None:
    app = make(
        events=(
            Event("third_party_sent", on=dt.date(2026, 10, 12), party="甲公司"),
            Event("third_party_answered", on=dt.date(2026, 10, 2), answer="none"),
        )
    )
    _, problems = read_application("x.yml", dump_application(app))
    assert problems and "时间先后" in problems[0].message


def test_missing_content_lists_each_item_of_article_7() -> None:
    app = make(
        applicant=Applicant("natural_person"),
        request=Request(),
    )
    missing = model.missing_content(app)
    assert len(missing) == 4
    assert "第七条（一）" in missing[0] and "第七条（三）" in missing[3]
    assert model.missing_content(make()) == []


def test_agent_needs_authorisation_and_both_identity_documents() -> None:
    app = make(
        applicant=dataclasses.replace(make().applicant, id_document=None),
        agent=Agent("李四"),
    )
    assert model.agent_problems(app) == [
        "申请人的有效证件",
        "代理人的有效证件",
        "授权委托书",
    ]
    full = make(agent=Agent("李四", IdDocument("居民身份证", "1"), "授权委托书"))
    assert model.agent_problems(full) == []


def test_correction_is_one_time_and_restarts_the_clock() -> None:
    app = model.request_correction(make(), ("请写明年份",), dt.date(2026, 9, 25))
    assert app.status == "awaiting_correction"
    with pytest.raises(ApplicationError, match="只能告知一次"):
        model.request_correction(app, ("再补",), dt.date(2026, 9, 26))
    corrected_at = dt.datetime(2026, 10, 9, 9, tzinfo=TZ)
    app = model.record_correction(app, corrected_at)
    assert app.status == "open" and app.clock_start() == corrected_at
    with pytest.raises(ApplicationError, match="没有待补正"):
        model.record_correction(app, corrected_at)


def test_extension_is_once_short_enough_and_before_the_first_deadline() -> None:
    def event(days: int = 15, on: dt.date = dt.date(2026, 10, 20)) -> Event:
        return Event(
            "extended",
            approved_by="sun-li",
            approved_on=on,
            notified_on=on,
            days=days,
            reason="需协调",
        )

    first_due = dt.date(2026, 10, 22)
    kwargs = {"first_due": first_due, "max_days": 15, "article": "附件2 第十三条"}
    with pytest.raises(ApplicationError, match="超过上限"):
        model.extend(make(), event(16), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError, match="晚于原答复期限"):
        model.extend(make(), event(on=dt.date(2026, 10, 23)), **kwargs)  # type: ignore[arg-type]
    app = model.extend(make(), event(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError, match="只能延长一次"):
        model.extend(app, event(5), **kwargs)  # type: ignore[arg-type]


def test_unknown_outcome_code_lists_valid_ones_entirely_in_chinese() -> None:
    with pytest.raises(ApplicationError) as raised:
        model.check_outcome_code("refused")
    text = raised.value.message
    assert "valid codes" not in text and "unknown outcome code" not in text
    assert raised.value.field == "--outcome" and "--outcome" in (
        raised.value.hint or ""
    )
    for code, label in OUTCOME_CODES.items():
        assert f"{code}：{label}" in text


def test_close_records_reply_and_outcome() -> None:
    app = model.close(
        make(),
        Outcome("withheld.third_party", "withheld", "第三方不同意公开"),
        dt.date(2026, 10, 20),
        notice="replies/2026-0007/不予公开告知书.md",
    )
    assert [e.kind for e in app.events] == ["replied", "closed"]
    with pytest.raises(ApplicationError, match="不能再办结"):
        model.close(app, Outcome("disclosed"), dt.date(2026, 10, 21))


def test_split_keeps_the_receipt_time_and_closes_the_original_without_outcome() -> None:
    original, parts = model.split(
        make(), ("立项名单", "资助金额"), dt.date(2026, 9, 25)
    )
    assert [p.number for p in parts] == ["2026-0007-1", "2026-0007-2"]
    assert all(
        p.received == original.received and p.split_from == "2026-0007" for p in parts
    )
    assert original.status == "closed" and original.outcome is None
    assert model.was_split(original)
    again, problems = read_application("x.yml", dump_application(original))
    assert problems == [] and again == original
    part, problems = read_application("x.yml", dump_application(parts[1]))
    assert problems == [] and part == parts[1]


def test_kept_without_contact_for_one_year_then_disposed() -> None:
    app = make(applicant=Applicant("natural_person", "无名氏"))
    assert app.kept_without_contact()
    assert model.kept_until(app) == dt.date(2027, 9, 24)
    leap = make(
        received=Received("letter", dt.datetime(2024, 2, 29, 9, tzinfo=TZ), "chen-jing")
    )
    assert model.kept_until(leap) == dt.date(2025, 3, 1)
    disposed = model.dispose(app, dt.date(2027, 9, 24))
    assert disposed.status == "disposed" and disposed.outcome is not None
    with pytest.raises(ApplicationError):
        model.dispose(make(), dt.date(2027, 9, 24))


def test_appeal_then_its_decision() -> None:
    app = model.record_appeal(
        make(),
        "reconsideration",
        filed_on=dt.date(2026, 12, 1),
        result="pending",
        decided_on=None,
    )
    app = model.record_appeal(
        app,
        "reconsideration",
        filed_on=None,
        result="corrected",
        decided_on=dt.date(2027, 1, 5),
    )
    assert app.appeals == (
        model.Appeal(
            "reconsideration", dt.date(2026, 12, 1), "corrected", dt.date(2027, 1, 5)
        ),
    )


def test_appeal_result_with_its_filing_date_updates_the_pending_one() -> None:
    app = make()
    filed = dt.date(2026, 11, 20)
    app = model.record_appeal(
        app, "reconsideration", filed_on=filed, result="pending", decided_on=None
    )
    app = model.record_appeal(
        app,
        "reconsideration",
        filed_on=filed,
        result="corrected",
        decided_on=dt.date(2027, 1, 10),
    )
    assert len(app.appeals) == 1 and app.appeals[0].result == "corrected"


def test_outcome_and_notice_kind_must_agree() -> None:
    with pytest.raises(ApplicationError, match="不符"):
        model.close(
            make(),
            Outcome("withheld.state_secret", "disclosed", "属于国家秘密"),
            dt.date(2026, 10, 20),
        )
    with pytest.raises(ApplicationError, match="--basis"):
        model.close(make(), Outcome("withheld.state_secret"), dt.date(2026, 10, 20))
    assert all(
        kind in model.NOTICE_KINDS
        for kinds in model.NOTICE_KINDS_FOR_OUTCOME.values()
        for kind in kinds
    )
    assert set(model.NOTICE_KINDS_FOR_OUTCOME) == set(OUTCOME_CODES)


def test_close_before_receipt_is_refused_and_reopen_keeps_the_old_outcome() -> None:
    app = make()
    with pytest.raises(ApplicationError, match="早于收到申请之日"):
        model.close(app, Outcome("disclosed"), dt.date(2026, 1, 2))
    closed = model.close(app, Outcome("disclosed"), dt.date(2026, 10, 20))
    reopened = model.reopen(closed, dt.date(2026, 10, 21), "误选办理结果")
    assert reopened.status == "open" and reopened.outcome is None
    event = reopened.last_event("reopened")
    assert event is not None and "原办理结果：disclosed（予以公开）" in event.items
    again = model.read_application("a.yml", model.dump_application(reopened))[0]
    assert again == reopened


def test_split_records_each_part_with_its_matter_for_the_notice() -> None:
    original, _ = model.split(
        make(), ("2025年度立项名单", "2025年度资助金额"), dt.date(2026, 9, 25)
    )

    event = original.last_event("split")
    assert event is not None
    assert event.numbers == ("2026-0007-1", "2026-0007-2")
    assert event.items == ("2025年度立项名单", "2025年度资助金额")
    text = dump_application(original)
    assert "2025年度资助金额" in text
    again, problems = read_application("x.yml", text)
    assert problems == [] and again is not None
    assert again.last_event("split") == event
    older = text.replace("  items:\n  - 2025年度立项名单\n  - 2025年度资助金额\n", "")
    assert older != text
    before, problems = read_application("x.yml", older)
    assert problems == [] and before is not None
    assert before.last_event("split").items == ()  # type: ignore[union-attr]


def test_as_of_ignores_later_events_and_restores_the_status() -> None:
    app = model.close(make(), Outcome("unavailable.not_held"), dt.date(2026, 10, 16))
    then = model.as_of(app, dt.date(2026, 10, 15))
    assert then is not None and then.status == "open" and then.outcome is None
    assert then.events == ()
    assert model.as_of(app, dt.date(2026, 10, 16)) is app
    assert model.as_of(app, dt.date(2026, 9, 23)) is None


def test_only_an_answered_application_counts_as_answered() -> None:
    assert not model.was_answered(make())
    refused = make(
        events=(Event("not_accepted", on=dt.date(2026, 9, 24), reason="缺授权委托书"),)
    )
    assert not model.was_answered(refused)
    replied = make(
        events=(Event("replied", on=dt.date(2026, 10, 9), notice="replies/x.md"),)
    )
    assert model.was_answered(replied)


def test_a_notice_kind_given_as_outcome_says_which_code_to_use() -> None:
    with pytest.raises(ApplicationError, match="--outcome disclosed") as caught:
        model.check_outcome_code("proactively_published")
    assert "告知书种类" in str(caught.value)
    with pytest.raises(ApplicationError, match="unavailable.not_held"):
        model.check_outcome_code("not_exist")


def test_no_correction_is_refused_before_the_time_to_correct_ends() -> None:
    app = model.request_correction(
        make(), ("写明所需信息的年度",), dt.date(2026, 9, 25), dt.date(2026, 10, 23)
    )
    assert app.events[-1].by == dt.date(2026, 10, 23)
    again, problems = read_application("x.yml", dump_application(app))
    assert problems == [] and again is not None
    assert again.events[-1].by == dt.date(2026, 10, 23)
    with pytest.raises(ApplicationError, match="补正期限 2026-10-23"):
        model.close(app, Outcome("other.no_correction"), dt.date(2026, 10, 23))
    closed = model.close(app, Outcome("other.no_correction"), dt.date(2026, 10, 26))
    assert closed.status == "closed"
    with pytest.raises(ApplicationError, match="应晚于告知日期"):
        model.request_correction(
            make(), ("年度",), dt.date(2026, 9, 25), dt.date(2026, 9, 25)
        )
