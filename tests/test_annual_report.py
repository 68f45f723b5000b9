"""The annual report: table 二 from the site, tables 三 and 四 from the register, the
reconciliation of table 三, and the report as Markdown and .docx."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import re
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from pipeline import application as model
from pipeline.annual_report import (
    CARRIED_NEXT,
    CARRIED_OVER,
    COLUMNS,
    NEW,
    TOTAL,
    ReportError,
    appeal_problems,
    appeal_table,
    application_table,
    build_report,
    content_table,
    due_warnings,
    render_markdown,
    write_report,
)
from pipeline.application import (
    APPLICANT_TYPES,
    OUTCOME_CODES,
    Appeal,
    Applicant,
    Application,
    Contact,
    Event,
    Outcome,
    Received,
    Request,
)
from pipeline.commands.annual_report import annual_report
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError, ProblemList
from pipeline.notices import DEFAULT_TEMPLATES, Templates
from pipeline.post import parse_post, post_index
from pipeline.register import MARKER, load_all, marker_text, save_application
from tests.helpers.repo import Repo

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2027, 1, 20)
BUREAU = "常熟市科学技术局"


def _demo_generator() -> Callable[..., object] | None:
    try:
        from bench.register_demo import generate_demo_register
    except ImportError:
        return None
    return generate_demo_register


def made(
    number: str,
    received: dt.date,
    *,
    kind: str = "natural_person",
    closed: dt.date | None = None,
    code: str | None = "disclosed",
    status: str | None = None,
    appeals: tuple[Appeal, ...] = (),
    events: tuple[Event, ...] = (),
    split_from: str = "",
) -> Application:
    """An application received on ``received``, closed on ``closed`` with ``code``."""
    if closed is not None and not events:
        events = (Event("closed", on=closed),)
    return Application(
        number=number,
        received=Received(
            channel="online",
            at=dt.datetime.combine(received, dt.time(9, 30), TZ),
            registered_by="chen-jing",
        ),
        applicant=Applicant(
            type=kind, name="申请人" + number[-4:], contact=Contact(phone="13800000000")
        ),
        request=Request(
            description="科技项目立项情况", form="电子", delivery="电子邮件"
        ),
        status=status or ("closed" if closed else "open"),
        events=events,
        split_from=split_from,
        outcome=Outcome(code) if closed is not None and code else None,
        appeals=appeals,
    )


def generated(count: int, seed: int = 6) -> list[Application]:
    """``count`` applications over 2025 and 2026: every applicant type and outcome,
    open ones, splits, disposals and appeals, some crossing the year end."""
    rng = random.Random(seed)
    codes = list(OUTCOME_CODES)
    kinds = list(APPLICANT_TYPES)
    numbers = {2025: 0, 2026: 0}
    found: list[Application] = []
    while len(found) < count:
        year = rng.choice((2025, 2026, 2026))
        numbers[year] += 1
        number = f"{year}-{numbers[year]:04d}"
        received = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        kind = rng.choice(kinds)
        roll = rng.random()
        if roll < 0.12:
            found.append(made(number, received, kind=kind))
            continue
        closed = received + dt.timedelta(days=rng.randrange(1, 45))
        if roll < 0.16:
            part_of = made(
                number,
                received,
                kind=kind,
                closed=closed,
                code=None,
                events=(
                    Event("split", on=received, numbers=(f"{number}-1", f"{number}-2")),
                ),
            )
            found.append(part_of)
            for index in (1, 2):
                found.append(
                    made(
                        f"{number}-{index}",
                        received,
                        kind=kind,
                        closed=closed,
                        code=rng.choice(codes),
                        split_from=number,
                    )
                )
            continue
        if roll < 0.2:
            disposed = received + dt.timedelta(days=366)
            found.append(
                made(
                    number,
                    received,
                    kind=kind,
                    closed=disposed,
                    code="other.other",
                    status="disposed",
                    events=(Event("disposed", on=disposed),),
                )
            )
            continue
        code = rng.choice(codes)
        appeals: tuple[Appeal, ...] = ()
        if code.startswith("withheld") and rng.random() < 0.5:
            filed = closed + dt.timedelta(days=rng.randrange(5, 50))
            result = rng.choice(("upheld", "corrected", "other", "pending"))
            decided = None if result == "pending" else filed + dt.timedelta(days=60)
            appeals = (
                Appeal(
                    rng.choice(
                        (
                            "reconsideration",
                            "litigation_direct",
                            "litigation_after_reconsideration",
                        )
                    ),
                    filed,
                    result,
                    decided,
                ),
            )
        found.append(
            made(number, received, kind=kind, closed=closed, code=code, appeals=appeals)
        )
    return found


@pytest.fixture(scope="module")
def config() -> SiteConfig:
    return load_config(ROOT)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register of generated applications on disk (the demo generator when present)."""
    folder = tmp_path_factory.mktemp("register") / "register"
    generate = _demo_generator()
    if generate is not None:
        generate(folder, 240, 2026, 6)
        return folder
    folder.mkdir()
    (folder / MARKER).write_text(marker_text(), encoding="utf-8")
    for app in generated(240):
        save_application(folder, app)
    return folder


def test_table_three_reconciles_on_a_generated_register(register: Path) -> None:
    apps, problems = load_all(register)
    assert not problems
    assert len(apps) >= 200

    table = application_table(apps, 2026)

    for column in COLUMNS:
        new, carried = table.count(NEW)[column], table.count(CARRIED_OVER)[column]
        handled, onward = (
            table.count("handled")[column],
            table.count(CARRIED_NEXT)[column],
        )
        assert new + carried == handled + onward, column
    assert table.count(NEW)[TOTAL] > 50
    assert table.count(CARRIED_OVER)[TOTAL] > 0
    assert table.count(CARRIED_NEXT)[TOTAL] > 0
    assert sum(table.count(NEW)[c] for c in APPLICANT_TYPES) == table.count(NEW)[TOTAL]


def test_counts_follow_the_rules_by_hand() -> None:
    apps = [
        made("2025-0001", dt.date(2025, 12, 20), closed=dt.date(2026, 1, 8)),
        made("2025-0002", dt.date(2025, 3, 1), closed=dt.date(2025, 3, 10)),
        made("2025-0003", dt.date(2025, 12, 30), kind="legal_services"),
        made(
            "2026-0001",
            dt.date(2026, 2, 1),
            kind="research_institution",
            closed=dt.date(2026, 2, 20),
            code="withheld.state_secret",
        ),
        made("2026-0002", dt.date(2026, 12, 28), closed=dt.date(2027, 1, 5)),
        made("2026-0003", dt.date(2026, 5, 5), code=None, status="awaiting_correction"),
        made("2027-0001", dt.date(2027, 1, 3)),
    ]

    table = application_table(apps, 2026)

    assert table.count(NEW)[TOTAL] == 3
    assert table.count(CARRIED_OVER) == {
        **dict.fromkeys(COLUMNS, 0),
        "natural_person": 1,
        "legal_services": 1,
        TOTAL: 2,
    }
    assert table.count("withheld")["research_institution"] == 1
    assert table.count("withheld.state_secret")[TOTAL] == 1
    assert table.count("disclosed")[TOTAL] == 1
    assert table.count(CARRIED_NEXT)[TOTAL] == 3


def test_a_split_application_counts_by_its_parts() -> None:
    original = made(
        "2026-0005",
        dt.date(2026, 4, 1),
        closed=dt.date(2026, 4, 2),
        code=None,
        events=(
            Event(
                "split", on=dt.date(2026, 4, 2), numbers=("2026-0005-1", "2026-0005-2")
            ),
        ),
    )
    parts = [
        made(
            f"2026-0005-{i}",
            dt.date(2026, 4, 1),
            closed=dt.date(2026, 4, 20),
            split_from="2026-0005",
        )
        for i in (1, 2)
    ]

    table = application_table([original, *parts], 2026)

    assert table.count(NEW)[TOTAL] == 2 == table.count("disclosed")[TOTAL]


def test_an_application_counted_twice_is_refused() -> None:
    apps = generated(220)
    apps.append(apps[10])

    with pytest.raises(ReportError, match=f"{apps[10].number} 在登记簿中出现 2 次"):
        application_table(apps, 2026)


def test_a_copied_file_in_the_register_is_refused(
    register: Path, tmp_path: Path
) -> None:
    apps, _ = load_all(register)
    copy = tmp_path / "copy"
    (copy / "applications" / "2026").mkdir(parents=True)
    (copy / MARKER).write_text(marker_text(), encoding="utf-8")
    for app in apps[:30]:
        save_application(copy, app)
    source = next(p for p in (copy / "applications" / "2025").glob("*.yml"))
    (copy / "applications" / "2026" / source.name).write_bytes(source.read_bytes())

    _, problems = load_all(copy)

    assert problems and "编号" in problems[0].message


def test_closed_with_no_outcome_is_refused_naming_column_and_application() -> None:
    apps = generated(220)
    index = next(
        i
        for i, app in enumerate(apps)
        if app.status == "closed"
        and app.outcome is not None
        and app.last_event("closed") is not None
        and app.last_event("closed").on.year == 2026  # type: ignore[union-attr]
        and app.applicant.type == "commercial_enterprise"
    )
    broken = dataclasses.replace(apps[index], outcome=None)
    apps[index] = broken

    with pytest.raises(ProblemList) as caught:
        application_table(apps, 2026)

    text = caught.value.diagnostics()
    assert "“商业企业”列不平衡" in text and "“总计”列不平衡" in text
    assert f"{broken.number}（已于" in text and "没有办理结果" in text


def test_split_original_with_an_outcome_is_refused() -> None:
    original = made(
        "2026-0005",
        dt.date(2026, 4, 1),
        closed=dt.date(2026, 4, 2),
        events=(
            Event(
                "split", on=dt.date(2026, 4, 2), numbers=("2026-0005-1", "2026-0005-2")
            ),
        ),
    )

    with pytest.raises(ReportError, match="已拆分，却又有办理结果"):
        application_table([original], 2026)


def test_appeals_by_kind_and_result_at_year_end() -> None:
    apps = [
        made(
            "2026-0001",
            dt.date(2026, 1, 5),
            closed=dt.date(2026, 1, 20),
            code="withheld.third_party",
            appeals=(
                Appeal(
                    "reconsideration",
                    dt.date(2026, 2, 1),
                    "upheld",
                    dt.date(2026, 4, 1),
                ),
                Appeal(
                    "litigation_after_reconsideration",
                    dt.date(2026, 4, 20),
                    "corrected",
                    dt.date(2027, 1, 10),
                ),
            ),
        ),
        made(
            "2025-0001",
            dt.date(2025, 1, 5),
            closed=dt.date(2025, 1, 20),
            appeals=(
                Appeal(
                    "litigation_direct",
                    dt.date(2025, 3, 1),
                    "other",
                    dt.date(2025, 9, 1),
                ),
            ),
        ),
    ]

    table = appeal_table(apps, 2026)

    assert table.get("reconsideration", "upheld") == 1
    assert table.get("litigation_after_reconsideration", "pending") == 1
    assert table.get("litigation_after_reconsideration", "corrected") == 0
    assert table.get("litigation_direct", TOTAL) == 0


def test_imported_laws_are_not_the_bureaus_rules(config: SiteConfig) -> None:
    table = content_table(post_index(ROOT, config), config, 2026)

    assert table.regulations.issued == table.regulations.in_force == 0
    assert table.normative.in_force == 0


NORMATIVE = """\
---
title: {title}
column: notices
department: office
tier: general
published: {published}
doc_number: 测科规〔{year}〕{n}号
kind: normative
issuer: {issuer}
{extra}secrecy_review:
  handler: clerk
  opinion: publishable
  basis: 不涉及国家秘密
  date: {published}
---
正文。
"""


def test_normative_documents_issued_repealed_and_in_force(repo: Repo) -> None:
    config = repo.config
    cases = [
        ("关于科技创新券管理的办法", "2026-03-01", "测试门户", ""),
        (
            "关于科技项目经费管理的办法",
            "2022-05-01",
            "测试门户",
            "expires: 2026-06-30\n",
        ),
        ("关于孵化器认定的办法", "2023-05-01", "测试门户", "status: repealed\n"),
        ("关于专利资助的办法", "2025-02-01", "测试门户", ""),
        ("江苏省科学技术厅某办法", "2026-02-01", "江苏省科学技术厅", ""),
    ]
    posts = {}
    for n, (title, published, issuer, extra) in enumerate(cases, 1):
        path = f"content/notices/{n}.md"
        text = NORMATIVE.format(
            title=title,
            published=published,
            year=published[:4],
            n=n,
            issuer=issuer,
            extra=extra,
        )
        post, problems = parse_post(path, text.encode("utf-8"), config)
        assert post is not None, problems
        posts[path] = post

    table = content_table(posts, config, 2026)

    assert table.normative.issued == 1
    assert table.normative.repealed == 1
    assert table.normative.in_force == 2
    assert table.undated == ("content/notices/3.md",)


def test_due_date_warnings() -> None:
    assert due_warnings(2026, dt.date(2027, 1, 31)) == []
    late = due_warnings(2026, dt.date(2027, 2, 3))
    assert "2027-01-31" in late[0] and "第四十九条" in late[0] and "3 天" in late[0]
    assert "尚未结束" in due_warnings(2026, dt.date(2026, 12, 1))[0]


def test_report_in_markdown_and_docx(
    register: Path, config: SiteConfig, tmp_path: Path
) -> None:
    apps, _ = load_all(register)
    report = build_report(2026, apps, post_index(ROOT, config), config, today=TODAY)

    markdown = render_markdown(
        report, templates=Templates.for_register(register), on=TODAY
    )
    paths = write_report(tmp_path, report, markdown)

    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert f"## {heading}" in markdown
    assert f"{BUREAU}2026年政府信息公开工作年度报告" in markdown
    total = report.applications.count(NEW)[TOTAL]
    assert f"共收到政府信息公开申请 {total} 件" in markdown
    document = docx.Document(io.BytesIO(paths[1].read_bytes()))
    cells = [
        cell.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
    ]
    assert "一、本年新收政府信息公开申请数量" in cells
    assert "1. 属于国家秘密" in cells
    assert "行政规范性文件" in cells
    assert any("三、收到和处理" in p.text for p in document.paragraphs)


def test_command_refuses_a_register_that_does_not_reconcile(
    register: Path, tmp_path: Path
) -> None:
    assert (
        annual_report(ROOT, register, year=2026, out=tmp_path / "ok", today=TODAY) == 0
    )
    assert len(list((tmp_path / "ok").iterdir())) == 2

    apps, _ = load_all(register)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / MARKER).write_text(marker_text(), encoding="utf-8")
    for app in apps:
        save_application(broken, app)
    closed = next(app for app in apps if app.status == "closed" and app.outcome)
    path = broken / "applications" / closed.number[:4] / f"{closed.number}.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^outcome:\n(  .*\n)+", "", text), encoding="utf-8")

    with pytest.raises(PortalError, match="办理结果"):
        annual_report(ROOT, broken, year=2026, out=tmp_path / "refused", today=TODAY)
    assert not (tmp_path / "refused").exists()


def without_contact(app: Application) -> Application:
    """``app`` registered without any contact details (附件2 第十五条)."""
    return dataclasses.replace(
        app, applicant=dataclasses.replace(app.applicant, contact=Contact())
    )


def test_an_application_kept_without_contact_is_handled_not_carried() -> None:
    kept = without_contact(made("2026-0001", dt.date(2026, 11, 2), kind="other"))
    disposed = model.dispose(
        without_contact(made("2025-0009", dt.date(2025, 12, 22))),
        dt.date(2026, 12, 22),
    )
    apps = [
        kept,
        disposed,
        made("2026-0002", dt.date(2026, 12, 28)),
        made("2026-0003", dt.date(2026, 3, 2), closed=dt.date(2026, 3, 9)),
    ]

    table = application_table(apps, 2026)

    assert table.count(NEW)[TOTAL] == 3
    assert table.count(CARRIED_OVER)[TOTAL] == 0
    assert table.count("other.other")["other"] == 1
    assert table.count("other.other")[TOTAL] == 1
    assert table.count(CARRIED_NEXT)[TOTAL] == 1  # 2026-0002 only
    assert table.retained() == 1
    earlier = application_table(apps, 2025)
    assert earlier.count(NEW)[TOTAL] == earlier.count("other.other")[TOTAL] == 1
    assert earlier.count(CARRIED_NEXT)[TOTAL] == 0


def test_report_states_the_rule_for_applications_without_contact(
    register: Path, config: SiteConfig
) -> None:
    apps, _ = load_all(register)
    report = build_report(2026, apps, post_index(ROOT, config), config, today=TODAY)

    markdown = render_markdown(
        report, templates=Templates.for_register(register), on=TODAY
    )

    retained = report.applications.retained()
    assert retained >= 4
    assert "《常熟市科技局依申请公开制度》第十五条登记后留存一年" in markdown
    assert "不计入“结转下年度继续办理”" in markdown
    assert f"本年此类申请 {retained} 件" in markdown
    assert "附件2" not in markdown
    disposed = next(a for a in apps if a.status == "disposed")
    assert disposed.number.startswith("2025-")  # kept a year, disposed in 2026
    assert disposed.number not in {e.number for e in report.applications.entries}


def test_report_states_its_cut_off_and_is_provisional_before_year_end(
    register: Path, config: SiteConfig
) -> None:
    apps, _ = load_all(register)
    posts = post_index(ROOT, config)
    templates = Templates.for_register(register)
    early = dt.date(2026, 10, 5)

    final = render_markdown(
        build_report(2026, apps, posts, config, today=TODAY),
        templates=templates,
        on=TODAY,
    )
    provisional_report = build_report(2026, apps, posts, config, today=early)
    provisional = render_markdown(provisional_report, templates=templates, on=early)

    assert "至2026年12月31日止，数据截至2027年1月20日" in final
    assert "初步数据" not in final
    assert provisional_report.provisional
    assert "**初步数据：**2026年尚未结束" in provisional
    assert "截至2026年10月5日，不是全年数据" in provisional
    assert "“结转下年度继续办理”为截至2026年10月5日尚未办结的申请" in provisional
    assert "“结转下年度继续办理”为截至2026年12月31日尚未办结的申请" in final
    assert "至2026年12月31日止" not in provisional


def test_an_office_template_without_the_cut_off_is_refused(
    register: Path, config: SiteConfig, tmp_path: Path
) -> None:
    apps, _ = load_all(register)
    report = build_report(2026, apps, post_index(ROOT, config), config, today=TODAY)
    own = tmp_path / "templates"
    own.mkdir()
    text = (DEFAULT_TEMPLATES / "annual_report.md").read_text(encoding="utf-8")
    (own / "annual_report.md").write_text(
        text.replace("$period", "数据截至2026年12月31日。"), encoding="utf-8"
    )

    with pytest.raises(PortalError, match=r"模板缺少 \$period"):
        render_markdown(report, templates=Templates.for_register(tmp_path), on=TODAY)


def test_docx_is_a4_with_merged_table_headers(
    register: Path, config: SiteConfig, tmp_path: Path
) -> None:
    apps, _ = load_all(register)
    report = build_report(2026, apps, post_index(ROOT, config), config, today=TODAY)
    markdown = render_markdown(
        report, templates=Templates.for_register(register), on=TODAY
    )

    _, docx_path = write_report(tmp_path, report, markdown)

    document = docx.Document(io.BytesIO(docx_path.read_bytes()))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0
    assert round(section.page_height.cm, 1) == 29.7
    assert document.core_properties.author == BUREAU
    assert document.core_properties.keywords == ""
    table = next(t for t in document.tables if t.cell(0, 1).text == "申请人情况")
    cell = table.cell
    assert len({c._tc for c in table.rows[0].cells}) == 2
    assert cell(0, 1)._tc is cell(0, 7)._tc
    assert cell(0, 0)._tc is cell(2, 0)._tc  # the 勾稽关系 note spans three rows
    assert cell(1, 1)._tc is cell(2, 1)._tc and cell(1, 1).text == "自然人"
    assert cell(1, 2)._tc is cell(1, 6)._tc and cell(1, 2).text == "法人或其他组织"
    assert cell(1, 7)._tc is cell(2, 7)._tc and cell(1, 7).text == "总计"
    assert [cell(2, k).text for k in range(2, 7)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    assert cell(3, 1)._tc is not cell(3, 2)._tc  # figures are never merged
    content = next(
        t for t in document.tables if "第二十条第（一）项" in t.cell(0, 0).text
    )
    assert content.cell(0, 0)._tc is content.cell(0, 3)._tc
    appeals = next(t for t in document.tables if t.cell(0, 0).text == "行政复议")
    assert appeals.cell(0, 5)._tc is appeals.cell(0, 14)._tc
    assert appeals.cell(0, 5).text == "行政诉讼"
    assert appeals.cell(1, 0)._tc is appeals.cell(2, 0)._tc


def test_an_appeal_decided_later_is_counted_once() -> None:
    app = made(
        "2026-0001",
        dt.date(2026, 1, 5),
        closed=dt.date(2026, 1, 20),
        code="withheld.third_party",
    )
    app = model.record_appeal(
        app,
        "reconsideration",
        filed_on=dt.date(2026, 2, 1),
        result="pending",
        decided_on=None,
    )
    app = model.record_appeal(
        app,
        "reconsideration",
        filed_on=None,
        result="corrected",
        decided_on=dt.date(2026, 4, 1),
    )

    table = appeal_table([app], 2026)

    assert len(app.appeals) == 1
    assert table.get("reconsideration", TOTAL) == 1
    assert table.get("reconsideration", "corrected") == 1
    assert appeal_problems([app]) == []


def test_an_appeal_written_twice_is_refused(register: Path, config: SiteConfig) -> None:
    apps, _ = load_all(register)
    index = next(i for i, a in enumerate(apps) if a.status == "closed" and a.outcome)
    twice = (
        Appeal("reconsideration", dt.date(2026, 11, 20)),
        Appeal(
            "reconsideration", dt.date(2026, 11, 20), "corrected", dt.date(2026, 12, 30)
        ),
    )
    apps[index] = dataclasses.replace(apps[index], appeals=twice)

    with pytest.raises(ReportError) as caught:
        build_report(
            2026,
            apps,
            post_index(ROOT, config),
            config,
            today=TODAY,
            paths={apps[index].number: "applications/2026/x.yml"},
        )

    text = caught.value.diagnostics()
    assert f"申请 {apps[index].number} 登记了 2 条 2026-11-20 提起的行政复议" in text
    assert "尚未审结、结果纠正" in text and "applications/2026/x.yml" in text
