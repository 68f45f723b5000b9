"""``portal applications …`` end to end: a real register (git) next to a small site."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import git
import pytest

from bench.register_demo import generate_demo_register
from pipeline import application as model
from pipeline import register as reg
from pipeline import register_git
from pipeline.commands import applications
from pipeline.main import main
from tests.helpers.repo import Repo, post_text

# "Now" for every command in these tests: dates before it are the past.
NOW = dt.datetime(2027, 12, 31, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def office(
    repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Office:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(reg.ENV_VARIABLE, raising=False)
    monkeypatch.setattr(applications, "clock", lambda tz: NOW.astimezone(tz))
    found = Office(repo, tmp_path / "依申请公开登记簿", capsys)
    code, out, _ = found.run("init", str(found.register), "--clerk", "clerk")
    assert code == 0 and "已建立登记簿" in out
    return found


class Office:
    def __init__(
        self, repo: Repo, register: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.repo, self.register, self.capsys = repo, register, capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["applications", "--root", str(self.repo.root), *argv])
        out, err = self.capsys.readouterr()
        return code, out, err

    def new(
        self, *extra: str, at: str = "2026-09-24T10:30:00+08:00"
    ) -> tuple[int, str, str]:
        return self.run(
            "register",
            "--clerk",
            "clerk",
            "--channel",
            "in_person",
            "--received-at",
            at,
            *extra,
        )


FULL = (
    "--name",
    "张三",
    "--phone",
    "13812345678",
    "--description",
    "2025年度常熟市科技计划项目立项名单及资助金额",
    "--form",
    "电子",
    "--delivery",
    "电子邮件",
)


def test_init_records_the_setting_and_commits_the_layout(
    office: Office, tmp_path: Path
) -> None:
    settings = (tmp_path / "config" / "portal" / "settings.yml").read_text()
    assert str(office.register.resolve()) in settings
    assert (office.register / reg.MARKER).is_file()
    assert (office.register / "templates").is_dir()
    with git.Repo(office.register) as repo:
        assert repo.head.commit.author.name == "clerk"
    assert register_git.uncommitted(office.register) == []


def test_init_refuses_inside_the_site_repository(office: Office) -> None:
    office.repo.write("content/notices/a.md", "---\ntitle: 通知\n---\n")
    office.repo.commit("站点")
    code, _, err = office.run("init", str(office.repo.root / "private" / "登记簿"))
    assert code != 0 and "网站仓库" in err
    assert not (office.repo.root / "private").exists()


def test_register_a_complete_application(office: Office) -> None:
    code, out, _ = office.new(*FULL)
    assert code == 0
    assert "已登记：2026-0001（张三，当面提交）" in out
    assert "收到申请之日 2026-09-24" in out
    assert "答复期限：2026-10-22" in out
    assert "受理告知书" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.received.registered_by == "clerk" and app.status == "open"
    with git.Repo(office.register) as repo:
        commit = repo.head.commit
        assert commit.author.name == "陈办事员"
        assert "2026-0001" in str(commit.message)
    code, out, _ = office.run("show", "2026-0001", "--on", "2026-10-23")
    assert "已逾期" in out and "中秋节放假" in out and "国庆节" in out
    assert "陈办事员：登记 2026-0001" in out


def test_incomplete_application_is_registered_awaiting_correction(
    office: Office,
) -> None:
    code, out, _ = office.new("--name", "李四", "--address", "常熟市海虞北路 1 号")
    assert code == 0
    assert "须一次性告知补正" in out
    assert "1. 申请公开的政府信息的内容描述（附件2 第七条（二））" in out
    assert "2. 申请公开的政府信息的形式要求（附件2 第七条（三））" in out
    assert (
        reg.load_application(office.register, "2026-0001").status
        == "awaiting_correction"
    )
    code, out, _ = office.run(
        "request-correction", "2026-0001", "--clerk", "clerk", "--on", "2026-09-25"
    )
    assert code == 0 and "共 2 项" in out
    code, _, err = office.run(
        "request-correction", "2026-0001", "--clerk", "clerk", "--item", "再补"
    )
    assert code == 1 and "只能告知一次" in err
    code, out, _ = office.run(
        "correct",
        "2026-0001",
        "--clerk",
        "clerk",
        "--received-at",
        "2026-10-09T09:00:00+08:00",
        "--description",
        "高新技术企业认定名单",
        "--form",
        "纸质",
    )
    assert code == 0 and "答复期限：2026-10-29" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.status == "open" and app.request.form == "纸质"


def test_agent_without_documents_is_recorded_as_not_accepted(office: Office) -> None:
    code, out, _ = office.new(*FULL, "--agent-name", "赵律师")
    assert code == 0
    assert "不予受理" in out and "授权委托书" in out and "已登记存档" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.status == "closed" and app.outcome is not None
    assert (
        app.events[0].kind == "not_accepted" and app.events[0].article == "附件2 第五条"
    )


def test_from_file_with_chinese_content_and_a_bad_one(
    office: Office, tmp_path: Path
) -> None:
    source = tmp_path / "申请.yml"
    source.write_text(
        "received:\n  channel: letter\n  at: 2026-03-02T09:00:00+08:00\n"
        "applicant:\n  type: research_institution\n  name: 常熟理工学院\n"
        "  contact: {address: 常熟市南三环路 99 号, postcode: 215500}\n"
        "  accessibility: 需大字版告知书\n"
        "request:\n  description: 科技创新券兑付明细\n  form: 纸质\n  delivery: 邮寄\n",
        encoding="utf-8",
    )
    code, out, _ = office.run("new", "--clerk", "clerk", "--from", str(source))
    assert code == 0 and "已登记：2026-0001（常熟理工学院，信函）" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.applicant.contact.postcode == "215500"
    source.write_text("received:\n  channel: 鸽子\n  at: 2026-03-02T09:00:00+08:00\n")
    code, _, err = office.run("new", "--clerk", "clerk", "--from", str(source))
    assert code == 1 and f"{source}:2" in err and "received.channel" in err


def test_extension_needs_the_head_of_the_office(office: Office) -> None:
    office.new(*FULL)
    base = (
        "extend",
        "2026-0001",
        "--clerk",
        "clerk",
        "--approved-on",
        "2026-10-20",
        "--days",
        "15",
    )
    code, _, err = office.run(
        *base,
        "--approved-by",
        "clerk",
        "--notified-on",
        "2026-10-20",
        "--reason",
        "需协调",
    )
    assert code == 1 and "负责人" in err and "head（孙科长）" in err
    code, _, err = office.run(
        *base,
        "--approved-by",
        "head",
        "--notified-on",
        "2026-10-23",
        "--reason",
        "需协调",
    )
    assert code == 1 and "2026-10-22" in err
    code, out, _ = office.run(
        *base,
        "--approved-by",
        "head",
        "--notified-on",
        "2026-10-21",
        "--reason",
        "涉及多个科室",
    )
    assert code == 0 and "答复期限：2026-11-12" in out
    code, _, err = office.run(
        *base,
        "--approved-by",
        "head",
        "--notified-on",
        "2026-10-21",
        "--reason",
        "再延",
    )
    assert code == 1 and "只能延长一次" in err


def test_third_party_pause_and_close(office: Office) -> None:
    office.new(*FULL)
    code, out, _ = office.run(
        "third-party",
        "2026-0001",
        "--clerk",
        "clerk",
        "--sent",
        "2026-10-12",
        "--party",
        "常熟某科技有限公司",
    )
    assert code == 0 and "不计入答复期限" in out
    code, out, _ = office.run(
        "third-party",
        "2026-0001",
        "--clerk",
        "clerk",
        "--answered",
        "2026-10-19",
        "--answer",
        "disagree",
    )
    assert "不得公开" in out and "答复期限：2026-10-29" in out
    code, _, err = office.run(
        "close", "2026-0001", "--clerk", "clerk", "--outcome", "refused"
    )
    assert code == 1 and "withheld.third_party：不予公开：保护第三方合法权益" in err
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "withheld.third_party",
        "--basis",
        "第三方不同意公开",
        "--on",
        "2026-10-28",
    )
    assert code == 1 and "尚未发出，不能办结" in err
    issue_reply(
        office,
        "2026-0001",
        "withheld",
        "2026-10-27",
        "--reason",
        "withheld.third_party",
        "--basis",
        "第三方不同意公开（《中华人民共和国政府信息公开条例》第十五条）",
    )
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "withheld.state_secret",
        "--basis",
        "属于国家秘密",
        "--on",
        "2026-10-28",
    )
    assert code == 1 and "withheld.third_party" in err and "不符" in err
    code, out, _ = office.run(
        "close", "2026-0001", "--clerk", "clerk", "--on", "2026-10-28"
    )
    assert code == 0 and "已办结" in out and "withheld.third_party" in out
    closed = reg.load_application(office.register, "2026-0001")
    assert closed.outcome is not None
    assert "第十五条" in closed.outcome.basis and "商业秘密" in closed.outcome.basis
    code, out, _ = office.run(
        "appeal",
        "2026-0001",
        "--clerk",
        "clerk",
        "--kind",
        "reconsideration",
        "--filed-on",
        "2026-11-20",
    )
    assert code == 0
    code, out, _ = office.run("list", "--status", "closed")
    assert "withheld.third_party" in out and "共 1 件" in out


def test_due_lists_overdue_soon_and_provisional(office: Office) -> None:
    office.new(*FULL)
    office.new(*FULL, at="2026-10-15T09:00:00+08:00")
    office.new(*FULL, at="2026-12-21T09:00:00+08:00")
    code, out, _ = office.run("due", "--on", "2026-10-23", "--within", "5")
    assert code == 1
    assert "已逾期：2026-0001 期限 2026-10-22" in out
    assert "即将到期：2026-0002" not in out
    assert "已逾期 1 件" in out
    code, out, _ = office.run("due", "--on", "2027-01-08", "--within", "10")
    assert "2026-0003 期限" in out and "（暂定）" in out
    assert (
        "请在 site_config/calendar.yml 补充 2027 年的节假日安排（国务院办公厅通知）"
        in out
    )


def test_split_repeats_and_disposal(office: Office) -> None:
    office.new(*FULL)
    office.new(
        "--name",
        "张　三 ",
        "--phone",
        "13812345678",
        "--form",
        "电子",
        "--description",
        "2025 年度常熟市科技计划项目立项名单及资助金额。",
        at="2026-10-09T09:00:00+08:00",
    )
    code, out, _ = office.new(
        "--description", "创新券", "--form", "纸质", "--name", "无名"
    )
    assert "留存一年" in out
    code, out, _ = office.run("repeats")
    assert "重复申请 0 件" in out  # 2026-0001 has not been answered yet
    issue_reply(
        office,
        "2026-0001",
        "not_exist",
        "2026-09-25",
        "--reason",
        "unavailable.not_held",
    )
    code, out, _ = office.run("repeats")
    assert "2026-0002 重复 2026-0001（未登记）" in out
    code, out, _ = office.run("repeats", "--link", "--clerk", "clerk")
    assert reg.load_application(office.register, "2026-0002").repeated_of == "2026-0001"
    code, out, _ = office.run(
        "split",
        "2026-0001",
        "--clerk",
        "clerk",
        "--items",
        "立项名单",
        "资助金额",
        "--on",
        "2026-09-25",
    )
    assert code == 0 and "2026-0001-1：立项名单" in out
    part = reg.load_application(office.register, "2026-0001-2")
    assert part.received.at == dt.datetime.fromisoformat("2026-09-24T10:30:00+08:00")
    code, out, _ = office.run("disposal", "--on", "2027-09-23")
    assert "可处置 0 件" in out
    code, out, _ = office.run(
        "disposal", "--on", "2027-09-24", "--dispose", "--clerk", "clerk"
    )
    assert "已处置 1 件" in out
    assert reg.load_application(office.register, "2026-0003").status == "disposed"


def test_uncommitted_change_is_noticed(office: Office) -> None:
    office.new(*FULL)
    path = office.register / reg.application_path("2026-0001")
    path.write_text(path.read_text().replace("电子邮件", "邮寄"))
    code, _, err = office.run("list")
    assert (
        code == 0 and "未提交的改动" in err and "applications/2026/2026-0001.yml" in err
    )


def test_bad_register_file_names_file_line_and_field(office: Office) -> None:
    office.new(*FULL)
    path = office.register / reg.application_path("2026-0001")
    path.write_text(path.read_text().replace("status: open", "status: 完成"))
    code, _, err = office.run("show", "2026-0001")
    assert (
        code == 1 and "applications/2026/2026-0001.yml:" in err and "字段 status" in err
    )


def test_missing_register_says_how_to_make_one(
    repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv(reg.ENV_VARIABLE, raising=False)
    assert main(["applications", "--root", str(repo.root), "list"]) != 0
    assert "portal applications init DIR" in capsys.readouterr().err


def test_two_hundred_generated_applications_list(
    repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "demo"
    apps = generate_demo_register(folder, 220, 2025, 7, git=True)
    monkeypatch.setenv(reg.ENV_VARIABLE, str(folder))
    assert (
        main(["applications", "--root", str(repo.root), "list", "--year", "2025"]) == 0
    )
    out = capsys.readouterr().out
    count = len([a for a in apps if a.year == 2025])
    assert f"共 {count} 件。" in out and count >= 220
    main(["applications", "--root", str(repo.root), "due", "--on", "2025-12-31"])
    assert "已逾期" in capsys.readouterr().out


def issue_reply(office: Office, number: str, kind: str, on: str, *extra: str) -> str:
    """Write the reply ``kind``, have the supervising leader sign it, issue it."""
    code, out, err = office.run(
        "notice", number, kind, "--clerk", "clerk", "--on", on, *extra
    )
    assert code == 0, err
    notice = f"replies/{number}/{kind}.md"
    code, _, err = office.run(
        "sign-reply",
        notice,
        "--role",
        "supervising_leader",
        "--key",
        str(office.repo.keys["lead"]),
        "--at",
        f"{on}T16:00:00+08:00",
    )
    assert code == 0, err
    code, _, err = office.run("issue", notice, "--clerk", "clerk", "--on", on)
    assert code == 0, err
    return notice


OFFICE_CONTACT = """\
disclosure_office:
  name: 常熟市科学技术局办公室
  address: 常熟市海虞北路 1 号
  hours: 工作日 8:30—17:30
  phone: 0512-52000000
  fax: 0512-52000001
  email: gongkai@example.invalid
"""


def national(office: Office) -> None:
    policy = office.repo.root / "site_config" / "policy.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("preset: bureau-2018", "preset: national-2019"))


def test_due_lists_third_party_waits_correction_requests_and_unknown_deadlines(
    office: Office,
) -> None:
    national(office)
    office.new(*FULL)
    office.run(
        "third-party",
        "2026-0001",
        "--clerk",
        "clerk",
        "--sent",
        "2026-09-28",
        "--party",
        "常熟某科技有限公司",
    )
    office.new(
        "--name",
        "李四",
        "--address",
        "常熟市海虞北路 1 号",
        at="2026-10-09T09:00:00+08:00",
    )
    office.run(
        "register",
        "--clerk",
        "clerk",
        "--channel",
        "email",
        "--received-at",
        "2026-10-12 09:00",
        *FULL,
    )
    code, out, _ = office.run("due", "--on", "2026-11-02")
    assert code == 1
    assert "等待第三方意见：2026-0001 于 2026-09-28 向常熟某科技有限公司发函" in out
    assert "已过" in out and "第三十二条" in out
    assert "待发补正告知：2026-0002 李四" in out
    assert "已逾期" in out and "第三十条" in out
    assert "无法推算期限：2026-0003" in out
    assert "portal applications receipt 2026-0003 --confirmed-at" in out
    code, out, _ = office.run(
        "receipt", "2026-0003", "--clerk", "clerk", "--confirmed-at", "2026-10-13 10:00"
    )
    assert code == 0 and "收到申请之日 2026-10-13" in out
    app = reg.load_application(office.register, "2026-0003")
    assert app.received.confirmed_at == dt.datetime.fromisoformat(
        "2026-10-13T10:00:00+08:00"
    )
    code, _, err = office.run(
        "receipt", "2026-0003", "--clerk", "clerk", "--confirmed-at", "2026-10-14 10:00"
    )
    assert code == 1 and "不能覆盖" in err
    code, out, _ = office.run("due", "--on", "2026-11-02")
    assert "无法推算期限：2026-0003" not in out


def test_due_under_the_bureau_rules_still_lists_an_unanswered_third_party(
    office: Office,
) -> None:
    office.new(*FULL)
    office.run(
        "third-party",
        "2026-0001",
        "--clerk",
        "clerk",
        "--sent",
        "2026-09-28",
        "--party",
        "常熟某科技有限公司",
    )
    code, out, _ = office.run("due", "--on", "2026-12-01")
    assert "等待第三方意见：2026-0001" in out and "已等待" in out
    assert "未规定第三方答复期限" in out


def test_close_needs_an_issued_reply_and_show_says_if_it_was_late(
    office: Office,
) -> None:
    office.new(*FULL)
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--notice",
        "replies/2026-0001/disclosed.md",
        "--on",
        "2026-10-20",
    )
    assert code == 1 and "尚未发出" in err
    code, _, err = office.run(
        "notice", "2026-0001", "disclosed", "--clerk", "clerk", "--on", "2026-09-20"
    )
    assert code == 1 and "早于收到申请之日" in err
    code, _, err = office.run(
        "notice", "2026-0001", "disclosed", "--clerk", "clerk", "--on", "2026-10-26"
    )
    assert code == 0
    code, _, err = office.run(
        "sign-reply",
        "replies/2026-0001/disclosed.md",
        "--role",
        "supervising_leader",
        "--key",
        str(office.repo.keys["lead"]),
        "--at",
        "2026-10-25T09:00:00+08:00",
    )
    assert code == 1 and "早于告知书日期" in err
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--on",
        "2026-10-27",
    )
    assert code == 1 and "尚未发出" in err
    issue_reply(office, "2026-0001", "disclosed", "2026-10-26")
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "withheld.state_secret",
        "--basis",
        "属于国家秘密",
        "--on",
        "2026-10-27",
    )
    assert code == 1 and "不符" in err
    code, _, err = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--on",
        "2028-01-02",
    )
    assert code == 1 and "晚于今天" in err
    code, out, _ = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--on",
        "2026-10-27",
    )
    assert code == 0 and "逾期 2 个工作日" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.outcome is not None and app.outcome.notice_kind == "disclosed"
    replied = app.last_event("replied")
    assert replied is not None and replied.on == dt.date(2026, 10, 26)
    code, out, _ = office.run("show", "2026-0001")
    assert "答复于 2026-10-26 发出，晚于期限 2026-10-22，逾期 2 个工作日" in out
    with git.Repo(office.register) as repo:
        authors = [c.author.name for c in repo.iter_commits(max_count=4)]
    assert "刘分管" in authors or any("lead" in a or "分管" in a for a in authors)


def test_a_signed_reply_is_never_replaced_and_a_wrong_close_is_corrected(
    office: Office,
) -> None:
    office.new(*FULL)
    notice = issue_reply(office, "2026-0001", "disclosed", "2026-10-20")
    office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--on",
        "2026-10-21",
    )
    before = (office.register / notice).read_bytes()
    code, _, err = office.run(
        "notice", "2026-0001", "disclosed", "--clerk", "clerk", "--on", "2026-10-21"
    )
    assert code == 1 and "不能覆盖" in err and "--new-version" in err
    assert (office.register / notice).read_bytes() == before
    code, _, err = office.run(
        "notice",
        "2026-0001",
        "withheld",
        "--clerk",
        "clerk",
        "--on",
        "2026-10-21",
        "--basis",
        "属于国家秘密",
    )
    assert code == 1 and "相矛盾" in err and "reopen" in err
    code, out, _ = office.run(
        "reopen",
        "2026-0001",
        "--clerk",
        "clerk",
        "--reason",
        "误选办理结果",
        "--on",
        "2026-10-22",
    )
    assert code == 0 and "原办理结果：disclosed" in out
    app = reg.load_application(office.register, "2026-0001")
    assert app.status == "open" and app.outcome is None
    assert app.last_event("reopened") is not None
    code, out, _ = office.run(
        "notice",
        "2026-0001",
        "disclosed",
        "--clerk",
        "clerk",
        "--on",
        "2026-10-22",
        "--new-version",
    )
    assert code == 0 and "replies/2026-0001/disclosed-v2.md" in out
    assert (office.register / notice).read_bytes() == before


def test_acceptance_notice_is_refused_for_an_application_not_accepted(
    office: Office,
) -> None:
    office.new(*FULL, "--agent-name", "王五")
    code, _, err = office.run(
        "notice", "2026-0001", "acceptance", "--clerk", "clerk", "--on", "2026-09-24"
    )
    assert code == 1 and "不予受理" in err and "not_accepted" in err
    code, out, _ = office.run(
        "notice", "2026-0001", "not_accepted", "--clerk", "clerk", "--on", "2026-09-24"
    )
    assert code == 0
    text = (office.register / "replies/2026-0001/not_accepted.md").read_text()
    assert "授权委托书" in text and "《常熟市科技局依申请公开制度》第五条" in text


def test_future_dates_are_refused(office: Office) -> None:
    code, _, err = office.new(*FULL, at="2028-03-01T09:00:00+08:00")
    assert code == 1 and "晚于现在" in err
    code, _, err = office.run(
        "disposal", "--on", "2028-03-01", "--dispose", "--clerk", "clerk"
    )
    assert code == 1 and "晚于今天" in err and "--on" in err


def test_received_at_in_another_offset_is_kept_as_the_local_receipt_day(
    office: Office,
) -> None:
    office.repo.write(
        "site_config/site.yml",
        'id: test-site\ntitle: 测试门户\nutc_offset: "+08:00"\n' + OFFICE_CONTACT,
    )
    code, out, _ = office.new(*FULL, at="2026-03-13T17:30:00+00:00")
    assert code == 0 and "收到申请之日 2026-03-14" in out
    code, _, err = office.run(
        "notice", "2026-0001", "acceptance", "--clerk", "clerk", "--on", "2026-03-16"
    )
    assert code == 0, err
    text = (office.register / "replies/2026-0001/acceptance.md").read_text()
    assert "2026年3月14日" in text and "2026年3月13日" not in text
    assert "（含当日）" in text
    assert "常熟市海虞北路 1 号" in text and "0512-52000001" in text
    assert "附件2" not in text
    with git.Repo(office.register) as repo:
        assert repo.head.commit.author.name == "陈办事员"


def test_appeal_result_updates_the_pending_one(office: Office) -> None:
    office.new(*FULL)
    issue_reply(office, "2026-0001", "disclosed", "2026-10-20")
    office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "disclosed",
        "--on",
        "2026-10-21",
    )
    base = ("appeal", "2026-0001", "--clerk", "clerk", "--kind", "reconsideration")
    assert office.run(*base, "--filed-on", "2026-11-20")[0] == 0
    code, _, _ = office.run(
        *base,
        "--filed-on",
        "2026-11-20",
        "--result",
        "corrected",
        "--decided-on",
        "2027-01-10",
    )
    assert code == 0
    app = reg.load_application(office.register, "2026-0001")
    assert len(app.appeals) == 1 and app.appeals[0].result == "corrected"


def test_correct_keeps_the_original_wording_and_takes_id_documents(
    office: Office,
) -> None:
    office.new(
        "--name",
        "李四",
        "--address",
        "常熟市海虞北路 1 号",
        "--description",
        "项目的材料",
    )
    office.run(
        "request-correction", "2026-0001", "--clerk", "clerk", "--on", "2026-09-25"
    )
    code, out, err = office.run(
        "correct",
        "2026-0001",
        "--clerk",
        "clerk",
        "--received-at",
        "2026-10-09 09:00",
        "--description",
        "2025年度常熟市科技计划项目立项名单",
        "--form",
        "纸质",
        "--id-kind",
        "居民身份证",
        "--id-number",
        "320581199001011234",
    )
    assert code == 0, err
    app = reg.load_application(office.register, "2026-0001")
    corrected = app.last_event("corrected")
    assert corrected is not None and "原内容描述：项目的材料" in corrected.items
    assert "原形式要求：（未写）" in corrected.items
    assert app.applicant.id_document == model.IdDocument(
        "居民身份证", "320581199001011234"
    )


def test_repeats_link_on_a_date_and_only_the_chosen(office: Office) -> None:
    office.new(*FULL)
    issue_reply(
        office,
        "2026-0001",
        "not_exist",
        "2026-10-08",
        "--reason",
        "unavailable.not_held",
    )
    office.new(*FULL, at="2026-10-09T09:00:00+08:00")
    office.new(*FULL, at="2026-10-12T09:00:00+08:00")
    code, _, _ = office.run(
        "repeats",
        "--link",
        "--clerk",
        "clerk",
        "--on",
        "2026-10-13",
        "--number",
        "2026-0003",
    )
    assert code == 0
    assert reg.load_application(office.register, "2026-0002").repeated_of == ""
    third = reg.load_application(office.register, "2026-0003")
    linked = third.last_event("linked_repeat")
    assert linked is not None and linked.on == dt.date(2026, 10, 13)


def test_init_remembers_the_clerk(office: Office) -> None:
    code, out, err = office.run(
        "register", "--channel", "in_person", "--received-at", "2026-09-24 10:30", *FULL
    )
    assert code == 0, err
    app = reg.load_application(office.register, "2026-0001")
    assert app.received.registered_by == "clerk"
    code, _, _ = office.run(
        "register",
        "--clerk",
        "pclerk",
        "--channel",
        "in_person",
        "--received-at",
        "2026-09-25 10:30",
        *FULL,
    )
    assert (
        reg.load_application(office.register, "2026-0002").received.registered_by
        == "pclerk"
    )


def test_every_option_has_help(office: Office) -> None:
    from pipeline.main import build_parser

    parser = build_parser()
    missing = []
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        group = action.choices["applications"]  # type: ignore[index]
        for sub in group._subparsers._group_actions[0].choices.values():
            for option in sub._actions:
                if option.help is None and option.dest != "help":
                    missing.append(f"{sub.prog} {option.dest}")
    assert missing == []


def test_future_third_party_and_extension_dates_are_refused(office: Office) -> None:
    office.new(*FULL)
    base = ("third-party", "2026-0001", "--clerk", "clerk")
    code, _, err = office.run(*base, "--sent", "2028-01-05", "--party", "常熟某公司")
    assert code == 1 and "--sent 2028-01-05 晚于今天 2027-12-31" in err
    assert office.run(*base, "--sent", "2026-10-12", "--party", "常熟某公司")[0] == 0
    code, _, err = office.run(*base, "--answered", "2028-01-05", "--answer", "agree")
    assert code == 1 and "--answered 2028-01-05 晚于今天" in err
    app = reg.load_application(office.register, "2026-0001")
    assert app.last_event("third_party_answered") is None

    extend = (
        "extend",
        "2026-0001",
        "--clerk",
        "clerk",
        "--approved-by",
        "head",
        "--days",
        "15",
        "--reason",
        "涉及多个科室",
    )
    code, _, err = office.run(
        *extend, "--approved-on", "2028-01-03", "--notified-on", "2026-10-20"
    )
    assert code == 1 and "--approved-on 2028-01-03 晚于今天" in err
    code, _, err = office.run(
        *extend, "--approved-on", "2026-10-20", "--notified-on", "2028-01-04"
    )
    assert code == 1 and "--notified-on 2028-01-04 晚于今天" in err
    app = reg.load_application(office.register, "2026-0001")
    assert app.last_event("extended") is None


def test_split_tells_the_applicant_with_the_split_request_notice(
    office: Office,
) -> None:
    office.new(*FULL)
    code, out, err = office.run(
        "split",
        "2026-0001",
        "--clerk",
        "clerk",
        "--items",
        "2025年度科技计划项目立项名单",
        "2025年度科技计划项目资助金额",
        "--on",
        "2026-09-25",
    )

    assert code == 0, err
    assert "replies/2026-0001/split_request.md" in out
    assert "replies/2026-0001/split_request.docx" in out
    text = (office.register / "replies/2026-0001/split_request.md").read_text()
    assert "1. 2025年度科技计划项目立项名单（编号 2026-0001-1）" in text
    assert "2. 2025年度科技计划项目资助金额（编号 2026-0001-2）" in text
    assert "2026年9月25日" in text and "张三" in text
    with git.Repo(office.register) as repo:
        head = repo.head.commit
        assert "split_request" in head.message and head.author.name == "陈办事员"
        assert "replies/2026-0001/split_request.md" in head.stats.files

    office.new(*FULL)
    code, _, err = office.run(
        "notice", "2026-0002", "split_request", "--clerk", "clerk", "--on", "2026-09-25"
    )
    assert code == 1 and "尚未拆分" in err and "portal applications split" in err


def test_third_party_outcome_decision_must_agree_with_the_answer(
    office: Office,
) -> None:
    office.new(*FULL)
    base = ("third-party", "2026-0001", "--clerk", "clerk")
    office.run(*base, "--sent", "2026-10-12", "--party", "常熟某科技有限公司")
    notice = ("notice", "2026-0001", "third_party_outcome", "--clerk", "clerk")
    code, _, err = office.run(*notice, "--on", "2026-10-15", "--decision", "withheld")
    assert code == 1 and "尚未登记第三方的答复" in err
    office.run(*base, "--answered", "2026-10-19", "--answer", "disagree")

    code, _, err = office.run(*notice, "--on", "2026-10-20", "--decision", "disclosed")
    assert code == 1 and "不同意公开" in err and "不得公开" in err
    assert "--decision" in err and "withheld（不予公开）" in err
    assert not (office.register / "replies/2026-0001/third_party_outcome.md").exists()
    code, _, err = office.run(
        *notice,
        "--on",
        "2026-10-20",
        "--decision",
        "withheld",
        "--basis",
        "第三方不同意公开（《中华人民共和国政府信息公开条例》第三十二条）",
    )
    assert code == 0, err
    text = (office.register / "replies/2026-0001/third_party_outcome.md").read_text()
    assert "处理决定：不予公开" in text and "常熟某科技有限公司" not in text


def _published(office: Office, name: str, title: str, extra: str = "") -> None:
    text = post_text(title=title).replace("kind: notice\n", f"kind: notice\n{extra}")
    office.repo.write(f"content/notices/{name}.md", text)


def test_proactively_published_prefers_the_post_in_force_and_lists_the_others(
    office: Office,
) -> None:
    office.new(*FULL)
    _published(
        office, "创新券办法-2020", "常熟市科技创新券管理办法", "status: repealed\n"
    )
    _published(office, "创新券办法-2026", "常熟市科技创新券管理办法")
    _published(office, "创新券通知", "关于开展科技创新券申报工作的通知")
    notice = ("notice", "2026-0001", "proactively_published", "--clerk", "clerk")

    code, _, err = office.run(*notice, "--on", "2026-10-20", "--page", "科技创新券")
    assert code == 2 and "不能替申请人选定" in err  # change the option: usage
    assert "现行有效）content/notices/创新券通知.md" in err
    assert "已废止）content/notices/创新券办法-2020.md" in err
    assert not (office.register / "replies/2026-0001").exists()

    code, _, err = office.run(
        *notice, "--on", "2026-10-20", "--page", "常熟市科技创新券管理办法"
    )
    assert code == 1 and "site_url" in err and "--url" in err
    assert "/notices/创新券办法-2026/" in err
    code, out, err = office.run(
        *notice,
        "--on",
        "2026-10-20",
        "--page",
        "常熟市科技创新券管理办法",
        "--url",
        "https://kjj.example.cn/",
    )
    assert code == 0, err
    text = (office.register / "replies/2026-0001/proactively_published.md").read_text()
    assert "https://kjj.example.cn/notices/创新券办法-2026/" in text
    assert "已主动公开的信息：《常熟市科技创新券管理办法》" in out
    assert "现行有效）content/notices/创新券办法-2026.md" in out
    assert "另有相符的稿件（未选用）" in out and "创新券办法-2020.md" in out
    text = (office.register / "replies/2026-0001/proactively_published.md").read_text()
    assert "创新券办法-2020" not in text and "%E5" not in text

    code, out, err = office.run(
        *notice,
        "--on",
        "2026-10-20",
        "--url",
        "https://kjj.example.cn/",
        "--new-version",
        "--page",
        "content/notices/创新券办法-2020.md",
    )
    assert code == 0, err
    assert "已废止）content/notices/创新券办法-2020.md" in out
    assert "不再有效" in err


def test_a_complete_resubmission_after_a_refusal_is_not_a_repeat(
    office: Office,
) -> None:
    office.new(*FULL, "--agent-name", "赵律师")
    code, out, _ = office.new(*FULL, at="2026-09-28T09:00:00+08:00")
    assert code == 0 and "可能是" not in out
    code, out, _ = office.run("repeats")
    assert "重复申请 0 件" in out
    reg_app = reg.load_application(office.register, "2026-0002")
    linked = dataclasses.replace(reg_app, repeated_of="2026-0001")
    reg.save_application(office.register, linked)
    code, _, err = office.run(
        "notice", "2026-0002", "repeated", "--clerk", "clerk", "--on", "2026-10-09"
    )
    assert code == 1 and "没有发出过答复" in err


def test_an_extension_notice_bears_the_registered_date(office: Office) -> None:
    office.new(*FULL)
    code, _, err = office.run(
        "extend",
        "2026-0001",
        "--clerk",
        "clerk",
        "--approved-by",
        "head",
        "--approved-on",
        "2026-10-20",
        "--notified-on",
        "2026-10-21",
        "--days",
        "15",
        "--reason",
        "涉及多个科室",
    )
    assert code == 0, err
    code, _, err = office.run(
        "notice", "2026-0001", "extension", "--clerk", "clerk", "--on", "2026-10-23"
    )
    assert code == 1 and "2026-10-21" in err and "notified_on" in err
    code, _, err = office.run("notice", "2026-0001", "extension", "--clerk", "clerk")
    assert code == 0, err
    text = (office.register / "replies/2026-0001/extension.md").read_text()
    assert text.rstrip().endswith("2026年10月21日")


def test_a_letter_to_the_third_party_is_recorded_and_shown(office: Office) -> None:
    office.new(*FULL)
    office.run(
        "third-party",
        "2026-0001",
        "--clerk",
        "clerk",
        "--sent",
        "2026-10-12",
        "--party",
        "常熟某科技有限公司",
    )
    letter = issue_reply(
        office,
        "2026-0001",
        "third_party_consultation",
        "2026-10-12",
        "--reply-by",
        "2026-10-26",
    )
    text = (office.register / letter).read_text()
    assert "不同意公开的，本局不予公开" in text and "公共利益" not in text
    app = reg.load_application(office.register, "2026-0001")
    assert app.events[-1].kind == "notice_sent" and app.events[-1].notice == letter
    assert not app.events_of("replied")
    code, out, _ = office.run("show", "2026-0001")
    assert "第三方意见征询函，落款 2026-10-12：2026-10-12 发出" in out
    office.run("notice", "2026-0001", "acceptance", "--clerk", "clerk")
    code, out, _ = office.run("show", "2026-0001")
    assert "受理告知书，落款 2026-09-24：已开具" in out


def test_a_correction_gives_a_date_and_due_measures_against_it(office: Office) -> None:
    office.new(*FULL)
    code, out, err = office.run(
        "request-correction",
        "2026-0001",
        "--clerk",
        "clerk",
        "--on",
        "2026-09-25",
        "--item",
        "写明所需信息的年度",
    )
    assert code == 0, err
    # 15 working days after Fri 2026-09-25: 国庆 10-01..08 off, 09-28 and 10-11 worked.
    by = reg.load_application(office.register, "2026-0001").events[-1].by
    assert by is not None and "补正期限 " + by.isoformat() in out
    office.run("notice", "2026-0001", "correction", "--clerk", "clerk")
    text = (office.register / "replies/2026-0001/correction.md").read_text()
    assert f"请于 {by.year}年{by.month}月{by.day}日（含当日）前" in text
    code, out, _ = office.run("due", "--on", by.isoformat())
    assert f"补正期限至 {by}" in out and "other.no_correction" not in out
    after = by + dt.timedelta(days=3)
    code, out, _ = office.run("due", "--on", after.isoformat())
    assert f"补正期限 {by} 已过" in out and "other.no_correction" in out


def test_due_on_a_past_day_judges_the_register_as_it_stood(office: Office) -> None:
    office.new(*FULL)
    issue_reply(
        office,
        "2026-0001",
        "not_exist",
        "2026-10-22",
        "--reason",
        "unavailable.not_held",
    )
    code, _, err = office.run(
        "close", "2026-0001", "--clerk", "clerk", "--on", "2026-10-23"
    )
    assert code == 0, err
    code, out, _ = office.run("due", "--on", "2026-10-22", "--within", "5")
    assert "即将到期：2026-0001 期限 2026-10-22，今天到期" in out
    code, out, _ = office.run("due", "--on", "2026-10-23", "--within", "5")
    assert "2026-0001" not in out


def test_a_returned_reply_tells_the_clerk_to_write_a_new_version(
    office: Office,
) -> None:
    office.new(*FULL)
    office.run(
        "notice",
        "2026-0001",
        "not_exist",
        "--clerk",
        "clerk",
        "--on",
        "2026-10-09",
        "--reason",
        "unavailable.not_held",
    )
    notice = "replies/2026-0001/not_exist.md"
    code, _, err = office.run(
        "sign-reply",
        notice,
        "--role",
        "supervising_leader",
        "--decision",
        "return",
        "--key",
        str(office.repo.keys["lead"]),
        "--at",
        "2026-10-09T16:00:00+08:00",
    )
    assert code == 0, err
    code, _, err = office.run("issue", notice, "--clerk", "clerk", "--on", "2026-10-09")
    assert code == 1 and "--new-version" in err and "请局领导运行" not in err
