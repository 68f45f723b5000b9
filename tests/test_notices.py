"""Notices to applicants: every kind in Markdown and .docx, templates, and the
leader's secrecy-review approval of replies."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import urllib.parse
from pathlib import Path

import docx
import pytest

from pipeline.application import (
    Agent,
    Applicant,
    Application,
    Contact,
    Event,
    Outcome,
    Received,
    Request,
)
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError, ProblemList, SigningError
from pipeline.notice_docx import markdown_to_docx
from pipeline.notices import (
    CITY_OFFICE,
    KINDS,
    Body,
    NoticeFacts,
    PublishedPage,
    ReplyError,
    TemplateError,
    Templates,
    find_published,
    issue_reply,
    pick_published,
    read_mark,
    render_notice,
    review_path,
    sign_reply,
    third_party_decision,
    verify_reply,
    write_notice,
)
from pipeline.sign import SigningKey

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=8))
SIGNED_AT = dt.datetime(2026, 10, 12, 9, 30, tzinfo=TZ)
NOW = dt.datetime(2026, 10, 13, 9, 0, tzinfo=TZ)
NEED = "申请人视力障碍，需大字版告知书"
BUREAU = "常熟市科学技术局"
RULES_TITLE = "常熟市科技局依申请公开制度"


@pytest.fixture(scope="module")
def config() -> SiteConfig:
    return load_config(ROOT)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """The demo keys, copied where ssh-keygen accepts them (mode 0600)."""
    folder = tmp_path / "keys"
    folder.mkdir()
    found = {}
    for person in ("wu-min", "zhou-jianguo", "chen-jing"):
        for suffix in ("", ".pub"):
            target = folder / f"{person}{suffix}"
            shutil.copyfile(ROOT / "demo-keys" / f"{person}{suffix}", target)
            target.chmod(0o600)
        found[person] = folder / person
    return found


def application(**changes: object) -> Application:
    base = Application(
        number="2026-0007",
        received=Received(
            channel="letter",
            at=dt.datetime(2026, 9, 24, 10, 30, tzinfo=TZ),
            registered_by="chen-jing",
        ),
        applicant=Applicant(
            type="natural_person",
            name="张三",
            contact=Contact(phone="0512-00000000", address="常熟市虞山街道某路1号"),
            accessibility=NEED,
        ),
        agent=Agent(name="李四", authorisation="授权委托书（2026-09-20 签署）"),
        request=Request(
            description="2025年度常熟市科技创新券兑付企业名单",
            form="电子",
            delivery="电子邮件",
            purpose="科研需要",
        ),
        events=(
            Event(
                "correction_requested",
                on=dt.date(2026, 9, 25),
                by=dt.date(2026, 10, 23),
                items=("写明所需信息的年度", "写明联系电话"),
            ),
            Event("corrected", at=dt.datetime(2026, 9, 28, 9, 0, tzinfo=TZ)),
            Event(
                "third_party_sent", on=dt.date(2026, 9, 29), party="常熟某科技有限公司"
            ),
            Event("third_party_answered", on=dt.date(2026, 10, 8), answer="disagree"),
            Event(
                "extended",
                approved_by="sun-li",
                approved_on=dt.date(2026, 10, 9),
                notified_on=dt.date(2026, 10, 9),
                days=15,
                reason="需要调取的档案分散在多个科室",
            ),
            Event(
                "split",
                on=dt.date(2026, 10, 10),
                numbers=("2026-0007-1", "2026-0007-2"),
                items=("2025年度创新券兑付企业名单", "2025年度创新券兑付金额"),
            ),
        ),
        repeated_of="2026-0003",
        outcome=Outcome(
            "withheld.third_party",
            notice_kind="withheld",
            basis="《中华人民共和国政府信息公开条例》第十五条",
        ),
    )
    return Application(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def facts(**changes: object) -> NoticeFacts:
    values: dict[str, object] = {
        "on": dt.date(2026, 10, 12),
        "new_due": dt.date(2026, 11, 6),
        "reply_by": dt.date(2026, 10, 20),
        "provided_form": "电子文档",
        "right_body": Body("常熟市市场监督管理局", "0512-11111111"),
        "special_law": "《不动产登记暂行条例》",
        "decision": "不予公开",
    }
    values.update(changes)
    return NoticeFacts(**values)  # type: ignore[arg-type]


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def rules_page(config: SiteConfig) -> object:
    return find_published(ROOT, config, RULES_TITLE)[0]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_in_markdown_and_docx(
    kind: str, config: SiteConfig, rules_page: object
) -> None:
    notice = render_notice(
        kind,
        application(),
        facts(page=rules_page),
        bureau=config.site.title,
        templates=Templates.for_register(None),
    )
    text = docx_text(markdown_to_docx(notice.markdown))

    for shown in (notice.markdown, text):
        assert BUREAU in shown
        assert "2026-0007" in shown
        assert "$" not in shown
    if KINDS[kind].to_applicant:
        assert "张三（代理人：李四）" in text
        assert "2026年9月24日" in text
        assert NEED in notice.markdown and NEED in text
    else:
        assert NEED not in notice.markdown
        assert "常熟某科技有限公司" in text


def test_replies_tell_the_remedies_and_the_reasons(config: SiteConfig) -> None:
    withheld = render_notice(
        "withheld",
        application(),
        facts(),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown

    assert "六十日内" in withheld and "六个月内" in withheld
    assert "涉及商业秘密、个人隐私" in withheld
    assert "第十五条" in withheld


def test_correction_lists_every_item_once() -> None:
    text = render_notice(
        "correction",
        application(),
        facts(),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown

    assert "1. 写明所需信息的年度" in text
    assert "2. 写明联系电话" in text
    assert "一次性告知" in text


def test_not_ours_without_a_known_body_refers_to_the_city_office() -> None:
    text = render_notice(
        "not_ours",
        application(),
        facts(right_body=None),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown

    assert CITY_OFFICE in text


def test_no_accessibility_line_when_none_was_recorded() -> None:
    plain = application(
        applicant=Applicant(
            type="natural_person", name="王五", contact=Contact(phone="1")
        )
    )
    text = render_notice(
        "disclosed",
        plain,
        facts(),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown

    assert "无障碍帮助" not in text
    assert "\n\n\n" not in text


def test_missing_value_names_template_line_and_placeholder() -> None:
    undecided = application(outcome=Outcome("withheld.third_party", basis=""))

    with pytest.raises(TemplateError) as caught:
        render_notice(
            "withheld",
            undecided,
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(None),
        )

    error = caught.value
    assert error.path is not None and error.path.endswith("withheld.md")
    assert error.line is not None and error.field == "$basis"
    lines = Path(error.path).read_text(encoding="utf-8").split("\n")
    assert "$basis" in lines[error.line - 1]


def test_unknown_placeholder_in_office_template_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "disclosed.md").write_text(
        "# $bureau\n\n$applicant：\n\n请于 $dedline 前领取。$$5 工本费\n\n"
        "$remedies\n\n$accessibility\n",
        encoding="utf-8",
    )

    with pytest.raises(TemplateError) as caught:
        render_notice(
            "disclosed",
            application(),
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(tmp_path),
        )

    error = caught.value
    assert error.line == 5 and error.field == "$dedline"
    assert "templates/disclosed.md" in (error.path or "")
    assert "未知的占位符" in error.diagnostics()


def test_office_template_may_not_drop_accessibility(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "acceptance.md").write_text(
        "# $bureau\n\n$applicant：已受理。$$\n", encoding="utf-8"
    )

    with pytest.raises(TemplateError, match=r"\$accessibility"):
        render_notice(
            "acceptance",
            application(),
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(tmp_path),
        )


def test_every_problem_of_a_template_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "repeated.md").write_text(
        "$bureau $nope\n$also_nope $ 元\n$remedies $accessibility\n", encoding="utf-8"
    )

    with pytest.raises(ProblemList) as caught:
        render_notice(
            "repeated",
            application(),
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(tmp_path),
        )

    assert [p.line for p in caught.value.problems] == [1, 2, 2]


def test_proactively_published_finds_the_real_post(
    config: SiteConfig, rules_page: object
) -> None:
    pages = find_published(ROOT, config, f"《{RULES_TITLE}》")

    assert pages[0].path == "content/rules/依申请公开制度.md"
    assert (
        pages[0].url
        == "/rules/%E4%BE%9D%E7%94%B3%E8%AF%B7%E5%85%AC%E5%BC%80%E5%88%B6%E5%BA%A6/"
    )
    with_site = find_published(
        ROOT, config, RULES_TITLE, site_url="https://kjj.example.cn/"
    )
    assert with_site[0].url.startswith("https://kjj.example.cn/rules/")

    text = render_notice(
        "proactively_published",
        application(),
        facts(page=pages[0]),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown
    assert f"《{RULES_TITLE}》" in text
    assert (
        f"/rules/{urllib.parse.unquote('%E4%BE%9D%E7%94%B3%E8%AF%B7')}公开制度/" in text
    )
    assert "%E4" not in text


def test_proactively_published_by_document_number(config: SiteConfig) -> None:
    pages = find_published(ROOT, config, "国家知识产权局令第17号")

    assert (
        pages[0].path
        == "content/departmental-rules/集成电路布图设计行政执法办法-2001-11-28.md"
    )


# --------------------------------------------------------------------------- review


def written(register: Path, kind: str = "withheld") -> str:
    notice = render_notice(
        kind,
        application(),
        facts(),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    )
    write_notice(register, notice)
    return notice.path


def test_unsigned_reply_is_not_issued(tmp_path: Path, config: SiteConfig) -> None:
    notice = written(tmp_path)

    review = verify_reply(tmp_path, config, notice, now=NOW)

    assert not review.issued
    assert "保密审查" in review.problems[0]
    with pytest.raises(ReplyError):
        issue_reply(tmp_path, config, notice, now=NOW)
    assert not (tmp_path / notice).with_suffix(".docx").exists()


@pytest.mark.parametrize(
    ("person", "role"),
    [("wu-min", "supervising_leader"), ("zhou-jianguo", "principal_leader")],
)
def test_reply_signed_by_a_leader_verifies_and_is_issued(
    tmp_path: Path, config: SiteConfig, keys: dict[str, Path], person: str, role: str
) -> None:
    notice = written(tmp_path)

    record = sign_reply(
        tmp_path, config, notice, role=role, key=SigningKey(keys[person]), at=SIGNED_AT
    )
    review = verify_reply(tmp_path, config, notice, now=NOW)

    assert record.path == review_path(notice) == "replies/2026-0007/withheld.review.yml"
    assert review.issued, review.problems
    assert review.approvals[0].person.id == person
    target = issue_reply(tmp_path, config, notice, now=NOW)
    assert "张三" in docx_text(target.read_bytes())


def test_reply_edited_after_signing_fails(
    tmp_path: Path, config: SiteConfig, keys: dict[str, Path]
) -> None:
    notice = written(tmp_path)
    sign_reply(
        tmp_path,
        config,
        notice,
        role="supervising_leader",
        key=SigningKey(keys["wu-min"]),
        at=SIGNED_AT,
    )
    path = tmp_path / notice
    path.write_text(
        path.read_text(encoding="utf-8").replace("不予公开", "予以公开"),
        encoding="utf-8",
    )

    review = verify_reply(tmp_path, config, notice, now=NOW)

    assert not review.issued
    assert "签批后被改动过" in review.problems[0]
    with pytest.raises(ReplyError):
        issue_reply(tmp_path, config, notice, now=NOW)


def test_a_signature_copied_to_another_notice_fails(
    tmp_path: Path, config: SiteConfig, keys: dict[str, Path]
) -> None:
    notice = written(tmp_path)
    sign_reply(
        tmp_path,
        config,
        notice,
        role="supervising_leader",
        key=SigningKey(keys["wu-min"]),
        at=SIGNED_AT,
    )
    other = "replies/2026-0007/partial.md"
    shutil.copyfile(tmp_path / notice, tmp_path / other)
    shutil.copyfile(tmp_path / review_path(notice), tmp_path / review_path(other))

    review = verify_reply(tmp_path, config, other, now=NOW)

    assert not review.issued


def test_a_clerk_cannot_approve_a_reply(
    tmp_path: Path, config: SiteConfig, keys: dict[str, Path]
) -> None:
    notice = written(tmp_path)

    with pytest.raises(SigningError, match="局领导"):
        sign_reply(
            tmp_path,
            config,
            notice,
            role="office_staff",
            key=SigningKey(keys["chen-jing"]),
            at=SIGNED_AT,
        )
    with pytest.raises(SigningError, match="不是分管办公室的分管领导"):
        sign_reply(
            tmp_path,
            config,
            notice,
            role="supervising_leader",
            key=SigningKey(keys["chen-jing"]),
            at=SIGNED_AT,
        )


def test_a_later_return_stops_the_reply(
    tmp_path: Path, config: SiteConfig, keys: dict[str, Path]
) -> None:
    notice = written(tmp_path)
    key = SigningKey(keys["wu-min"])
    sign_reply(
        tmp_path, config, notice, role="supervising_leader", key=key, at=SIGNED_AT
    )
    sign_reply(
        tmp_path,
        config,
        notice,
        role="supervising_leader",
        key=key,
        decision="return",
        comment="理由写得不够具体",
        at=SIGNED_AT + dt.timedelta(hours=1),
    )

    review = verify_reply(tmp_path, config, notice, now=NOW)

    assert not review.issued
    assert "理由写得不够具体" in review.problems[0]


PROCEDURAL = ("acceptance", "correction", "extension", "split_request")


def test_procedural_notices_need_no_approval() -> None:
    # A refusal to accept (not_accepted) is a refusal: a leader signs it like a reply.
    assert not any(KINDS[kind].reply for kind in PROCEDURAL)
    assert all(kind.reply for kind in KINDS.values() if kind.id not in PROCEDURAL)


def test_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(PortalError, match="proactively_published"):
        render_notice(
            "rejected",
            application(),
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(None),
        )


PAGE = PublishedPage(
    "常熟市科技局依申请公开制度",
    "常科综〔2018〕35号",
    "https://kjj.example.invalid/notices/rules/",
    "content/notices/rules.md",
    dt.date(2018, 5, 1),
)


def render(kind: str, app: Application | None = None, **changes: object) -> str:
    changes.setdefault("page", PAGE)
    return render_notice(
        kind,
        app or application(),
        facts(**changes),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown


def test_third_party_outcome_never_names_the_third_party() -> None:
    text = render("third_party_outcome")
    assert "常熟某科技有限公司" not in text and "第三方不同意公开" in text


def test_correction_renders_without_a_description() -> None:
    app = application(request=Request(form="电子"))
    text = render("correction", app)
    assert "申请书未写明所需信息的内容描述" in text
    assert "《中华人民共和国政府信息公开条例》第三十条" in text


def test_notices_cite_the_national_regulation_not_internal_numbers() -> None:
    for kind in KINDS:
        assert "附件2" not in render(kind), kind
    assert "《中华人民共和国政府信息公开条例》第三十六条第（三）项" in render(
        "withheld"
    )
    assert "第五十一条" in render("withheld")


def test_not_ours_without_a_body_names_the_city_office_in_full() -> None:
    text = render("not_ours", right_body=None)
    assert "常熟市人民政府办公室（政府信息公开工作主管部门）" in text


def test_unrelated_says_your_organisation_to_an_organisation() -> None:
    person = render("unrelated")
    company = render(
        "unrelated",
        application(applicant=Applicant(type="commercial_enterprise", name="某公司")),
    )
    assert "您本人" in person and "您本人" not in company and "贵单位" in company


def test_every_notice_to_the_applicant_gives_the_office_contact(
    config: SiteConfig,
) -> None:
    assert config.site.disclosure_office is not None
    for kind in KINDS:
        text = render(kind, office=config.site.disclosure_office)
        assert config.site.disclosure_office.email in text, kind


def test_reply_uses_the_given_basis_and_reason_code() -> None:
    text = render(
        "withheld",
        application(outcome=None),
        basis="《中华人民共和国保守国家秘密法》第二条",
        reason="withheld.state_secret",
    )
    assert "理由：属于国家秘密" in text and "保守国家秘密法" in text


def test_docx_is_a4_in_chinese_by_the_bureau_and_large_on_request() -> None:
    data = markdown_to_docx("# 标题\n\n正文", author=BUREAU, large=True)
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0
    assert round(section.page_height.cm, 1) == 29.7
    assert document.core_properties.author == BUREAU
    assert document.core_properties.language == "zh-CN"
    assert document.styles["Normal"].font.size.pt == 21
    normal = docx.Document(io.BytesIO(markdown_to_docx("正文")))
    assert normal.styles["Normal"].font.size.pt == 14
    assert normal.core_properties.author != "python-docx"


# --------------------------------------------------------------------------- choosing


ON = dt.date(2026, 10, 12)
ACCOUNTING_2024 = "content/laws/会计法-2024-06-28.md"
ACCOUNTING_2017 = "content/laws/会计法-2017-11-04.md"


def test_proactively_published_prefers_the_version_in_force(
    config: SiteConfig,
) -> None:
    choice = pick_published(ROOT, config, "会计法", on=ON)

    assert choice.page.path == ACCOUNTING_2024 and choice.page.in_force
    assert [page.path for page in choice.others] == [ACCOUNTING_2017]
    assert "（已修改）" in choice.others[0].describe()
    assert choice.warning == ""
    assert find_published(ROOT, config, "中华人民共和国会计法", on=ON)[0].path == (
        ACCOUNTING_2024
    )


def test_proactively_published_by_path_chooses_exactly(config: SiteConfig) -> None:
    choice = pick_published(ROOT, config, ACCOUNTING_2017, on=ON)

    assert choice.page.path == ACCOUNTING_2017
    assert [page.path for page in choice.others] == [ACCOUNTING_2024]
    assert "已修改" in choice.warning and "--page" in choice.warning

    with pytest.raises(PortalError) as caught:
        pick_published(ROOT, config, "content/laws/会计法-2030-01-01.md", on=ON)
    assert "没有稿件 content/laws/会计法-2030-01-01.md" in caught.value.message
    assert ACCOUNTING_2024 in (caught.value.hint or "")


def test_an_ambiguous_partial_match_is_refused_listing_candidates(
    config: SiteConfig,
) -> None:
    with pytest.raises(PortalError) as caught:
        pick_published(ROOT, config, "宪法修正案", on=ON)

    text = caught.value.diagnostics()
    assert "不能替申请人选定" in text and "--page" in text
    assert "《中华人民共和国宪法修正案（1988年）》（现行有效）" in text
    assert "content/laws/宪法修正案（2018年）-2018-03-11.md" in text


def test_third_party_decision_must_agree_with_the_recorded_answer() -> None:
    refused = application()  # the third party disagreed; closed as withheld
    with pytest.raises(PortalError, match="不得公开") as caught:
        third_party_decision(refused, "disclosed", preset="bureau-2018")
    assert caught.value.field == "--decision"
    assert "withheld（不予公开）" in (caught.value.hint or "")
    assert third_party_decision(refused, "不予公开", preset="bureau-2018") == "不予公开"
    with pytest.raises(PortalError, match="已按 withheld.third_party 办结"):
        third_party_decision(refused, "partial", preset="bureau-2018")
    with pytest.raises(PortalError, match="不是可选的处理决定"):
        third_party_decision(refused, "同意", preset="bureau-2018")

    events = (
        Event("third_party_sent", on=dt.date(2026, 9, 29), party="常熟某科技有限公司"),
        Event("third_party_answered", on=dt.date(2026, 10, 8), answer="none"),
    )
    silent = application(events=events, outcome=None)
    with pytest.raises(PortalError, match="未提出意见"):
        third_party_decision(silent, "disclosed", preset="bureau-2018")
    assert third_party_decision(silent, "disclosed", preset="national-2019") == (
        "予以公开"
    )
    waiting = application(events=events[:1], outcome=None)
    with pytest.raises(PortalError, match="尚未登记第三方的答复"):
        third_party_decision(waiting, "withheld", preset="bureau-2018")


def test_split_request_lists_each_part_with_its_number() -> None:
    text = render("split_request")

    assert "1. 2025年度创新券兑付企业名单（编号 2026-0007-1）" in text
    assert "2. 2025年度创新券兑付金额（编号 2026-0007-2）" in text
    assert "写明所需信息的年度" not in text


def test_notice_tables_are_not_merged_unless_asked() -> None:
    table = "| 事项 | 事项 |\n| --- | --- |\n| 名单 | 金额 |\n"
    plain = docx.Document(io.BytesIO(markdown_to_docx(table)))
    merged = docx.Document(io.BytesIO(markdown_to_docx(table, merge_headers=True)))

    assert plain.tables[0].cell(0, 0)._tc is not plain.tables[0].cell(0, 1)._tc
    assert merged.tables[0].cell(0, 0)._tc is merged.tables[0].cell(0, 1)._tc
    assert merged.tables[0].cell(0, 0).text == "事项"


def _render(kind: str, **changes: object) -> str:
    return render_notice(
        kind,
        application(),
        facts(**changes),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown


def test_the_third_party_letter_follows_the_preset() -> None:
    bureau = _render("third_party_consultation")
    assert "不同意公开的，本局不予公开" in bureau and "第十二条" in bureau
    assert "公共利益" not in bureau and "第三十二条" not in bureau
    national = _render("third_party_consultation", preset="national-2019")
    assert "公共利益" in national and "第三十二条" in national


def test_a_refusal_to_accept_tells_the_applicant_the_remedies() -> None:
    refused = application(
        events=(Event("not_accepted", on=dt.date(2026, 9, 24), reason="缺授权委托书"),)
    )
    text = render_notice(
        "not_accepted",
        refused,
        facts(),
        bureau=BUREAU,
        templates=Templates.for_register(None),
    ).markdown
    assert "行政复议" in text and "行政诉讼" in text
    assert KINDS["not_accepted"].reply


def test_a_provisional_deadline_says_so_and_why() -> None:
    text = _render("acceptance", due=dt.date(2027, 1, 6), provisional_years=(2027,))
    assert "2027年1月6日（暂定：国务院办公厅尚未公布2027年的节假日安排" in text
    settled = _render("acceptance", due=dt.date(2026, 10, 15))
    assert "暂定" not in settled


def test_an_option_the_template_does_not_use_is_refused() -> None:
    with pytest.raises(TemplateError, match=r"--basis") as caught:
        _render(
            "not_exist",
            basis="《政府信息公开条例》第三十六条",
            reason="unavailable.not_held",
        )
    assert "not_exist.md" in str(caught.value)


def test_a_missing_reason_names_the_codes_of_that_kind() -> None:
    with pytest.raises(TemplateError) as caught:
        render_notice(
            "not_exist",
            application(outcome=None),
            facts(),
            bureau=BUREAU,
            templates=Templates.for_register(None),
        )
    message = str(caught.value)
    assert "unavailable.not_held" in message and "withheld.state_secret" not in message


def test_the_first_line_records_what_close_may_take() -> None:
    text = _render("withheld", reason="withheld.third_party", basis="附件2 第十二条")
    mark = read_mark(text)
    assert mark is not None and mark.number == "2026-0007" and mark.kind == "withheld"
    assert mark.outcomes == ("withheld.third_party",)
    assert "商业秘密" in mark.basis and "附件2 第十二条" in mark.basis
    partial = read_mark(_render("third_party_outcome", decision=THIRD_PARTY_PARTIAL))
    assert partial is not None and partial.outcomes == ("partial",)
    assert "portal-register-notice" not in docx_text(markdown_to_docx(text))


THIRD_PARTY_PARTIAL = (
    "部分公开（对涉及第三方商业秘密、个人隐私的内容作区分处理后，公开其余内容）"
)
