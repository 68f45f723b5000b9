"""``portal applications …`` end to end: a real register (git) next to a small site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import git
import pytest

from bench.register_demo import generate_demo_register
from pipeline import register as reg
from pipeline import register_git
from pipeline.main import main
from tests.helpers.repo import Repo


@pytest.fixture
def office(
    repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Office:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(reg.ENV_VARIABLE, raising=False)
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
    assert code == 1 and "withheld.third_party: 不予公开：保护第三方合法权益" in err
    code, out, _ = office.run(
        "close",
        "2026-0001",
        "--clerk",
        "clerk",
        "--outcome",
        "withheld.third_party",
        "--basis",
        "第三方不同意公开（附件2 第十二条）",
        "--on",
        "2026-10-28",
    )
    assert code == 0 and "已办结" in out
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
