"""The register folder (``pipeline.register``) and its git adapter
(``pipeline.register_git``): locating, numbering, atomic files, leaks into the site."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest

from bench.register_demo import generate_demo_register
from pipeline import register as reg
from pipeline import register_git
from pipeline.application import dump_application
from pipeline.deadline import PRESETS
from pipeline.errors import PortalError
from pipeline.workdays import WorkCalendar
from tests.helpers.repo import Repo
from tests.test_application import make

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def register(tmp_path: Path) -> Path:
    folder = tmp_path / "登记簿"
    paths = reg.create_layout(folder)
    register_git.init_register(folder)
    register_git.commit(folder, paths, "建立", "陈静", "chen@example.invalid")
    return folder


def test_locate_prefers_option_then_environment_then_setting(
    register: Path, tmp_path: Path
) -> None:
    other = tmp_path / "另一个"
    reg.create_layout(other)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    with pytest.raises(reg.RegisterError, match="portal applications init"):
        reg.locate_register(None, env)
    reg.record_setting(register, env)
    assert reg.locate_register(None, env) == register.resolve()
    env[reg.ENV_VARIABLE] = str(other)
    assert reg.locate_register(None, env) == other.resolve()
    assert reg.locate_register(register, env) == register.resolve()
    with pytest.raises(reg.RegisterError, match="不是登记簿"):
        reg.locate_register(tmp_path, env)


def test_register_refuses_to_live_inside_the_site_repository(repo: Repo) -> None:
    repo.write("content/notices/a.md", "---\ntitle: 通知\n---\n")
    repo.commit("站点")
    with pytest.raises(reg.RegisterError, match="网站仓库"):
        reg.check_outside_site(repo.root / "private" / "登记簿")
    reg.check_outside_site(repo.root.parent / "登记簿")


def test_register_files_in_site_finds_a_copied_application(repo: Repo) -> None:
    repo.write("content/notices/a.md", "---\ntitle: 通知\n---\n")
    assert reg.register_files_in_site(repo.root) == []
    repo.write("content/notices/2026-0007.yml", dump_application(make()))
    repo.write("content/附件/申请.yaml", dump_application(make()))
    repo.write("docs/.portal-register", reg.marker_text())
    repo.write("content/notices/other.yml", "number: 3\nreceived: x\n")
    found = reg.register_files_in_site(repo.root)
    assert sorted(p.path for p in found if p.path) == [
        "content/notices/2026-0007.yml",
        "content/附件/申请.yaml",
        "docs/.portal-register",
    ]
    assert "个人信息" in found[0].message and found[0].hint


def test_numbers_are_sequential_per_year(register: Path) -> None:
    assert reg.next_number(register, 2026) == "2026-0001"
    reg.save_application(register, make(number="2026-0001"))
    reg.save_application(register, make(number="2026-0002"))
    reg.save_application(register, make(number="2026-0002-1", split_from="2026-0002"))
    assert reg.next_number(register, 2026) == "2026-0003"
    assert reg.next_number(register, 2027) == "2027-0001"


def test_concurrent_allocation_never_gives_one_number_twice(register: Path) -> None:
    taken: list[str] = []

    def allocate() -> None:
        for _ in range(10):
            with reg.register_lock(register):
                number = reg.next_number(register, 2026)
                reg.save_application(register, make(number=number))
                taken.append(number)

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [f"2026-{n:04d}" for n in range(1, 41)]


def test_lock_times_out_with_a_clear_message(register: Path) -> None:
    with reg.register_lock(register):
        with pytest.raises(reg.RegisterError, match="另一条命令"):
            with reg.register_lock(register, timeout=0.1):
                pass


def test_invalid_files_are_reported_with_file_line_and_field(register: Path) -> None:
    reg.save_application(register, make(number="2026-0001"))
    bad = register / "applications/2026/2026-0002.yml"
    bad.write_text(
        dump_application(make(number="2026-0002")).replace("in_person", "飞鸽")
    )
    moved = register / "applications/2026/2026-0003.yml"
    moved.write_text(dump_application(make(number="2026-0009")))
    apps, problems = reg.load_all(register)
    assert [a.number for a in apps] == ["2026-0001"]
    where = {(p.path, p.field) for p in problems}
    assert ("applications/2026/2026-0002.yml", "received.channel") in where
    assert ("applications/2026/2026-0003.yml", "number") in where
    assert all(p.line for p in problems)
    with pytest.raises(PortalError, match="飞鸽"):
        reg.load_application(register, "2026-0002")


def test_a_write_without_commit_is_valid_and_shows_as_uncommitted(
    register: Path,
) -> None:
    relative = reg.save_application(register, make(number="2026-0001"))
    assert register_git.uncommitted(register) == [relative]
    assert reg.load_application(register, "2026-0001") == make(number="2026-0001")
    (register / "applications/2026/.2026-0002.yml.abc.tmp").write_text("number: 2026-")
    assert reg.leftovers(register) == ["applications/2026/.2026-0002.yml.abc.tmp"]
    assert [a.number for a in reg.load_all(register)[0]] == ["2026-0001"]
    register_git.commit(
        register, [relative], "登记 2026-0001", "陈静", "c@example.invalid"
    )
    assert register_git.uncommitted(register) == []
    assert register_git.history(register, relative)[0][1:] == ("陈静", "登记 2026-0001")


def test_deadline_of_pauses_restarts_and_extends(register: Path) -> None:
    from pipeline.application import Event

    calendar, rules = WorkCalendar(), PRESETS["bureau-2018"]
    app = make()
    found, problems = reg.deadline_of(app, calendar, rules, TZ)
    assert problems == [] and found is not None
    assert found.due == dt.date(2026, 10, 22)
    paused = app.with_event(
        Event("third_party_sent", on=dt.date(2026, 10, 12), party="甲公司")
    )
    waiting, _ = reg.deadline_of(paused, calendar, rules, TZ)
    assert waiting is not None and waiting.due is None
    answered = paused.with_event(
        Event("third_party_answered", on=dt.date(2026, 10, 19), answer="agree")
    )
    found, _ = reg.deadline_of(answered, calendar, rules, TZ)
    assert found is not None and found.due == dt.date(2026, 10, 29)


def test_generated_register_of_200_loads(tmp_path: Path) -> None:
    apps = generate_demo_register(tmp_path / "demo", 200, 2025, 6)
    loaded, problems = reg.load_all(tmp_path / "demo")
    assert problems == []
    assert loaded == sorted(
        apps, key=lambda a: reg._number_key(reg.application_path(a.number))
    )
    assert len([a for a in loaded if a.year == 2025 and not a.split_from]) == 200
    assert {a.applicant.type for a in loaded} >= {
        "natural_person",
        "commercial_enterprise",
    }
    assert any(a.repeated_of for a in loaded) and any(a.split_from for a in loaded)
    again = generate_demo_register(tmp_path / "again", 200, 2025, 6)
    assert again == apps
    shutil.rmtree(tmp_path / "again")


def test_register_files_in_site_finds_text_copies_reply_records_and_notices(
    repo: Repo,
) -> None:
    import json

    from pipeline.notice_docx import markdown_to_docx

    app = make()
    repo.write("content/notices/2026-0001.txt", dump_application(app))
    repo.write("content/notices/2026-0002.md", dump_application(app))
    repo.write(
        "content/data/申请.json",
        json.dumps({"number": "2026-0007", "received": {"channel": "online"}}),
    )
    repo.write(
        "content/notices/withheld.review.yml",
        "post: replies/2026-0007/withheld.md\nsha256: abc\nsignatures: []\n",
    )
    notice = markdown_to_docx("# 常熟市科学技术局\n\n张三：", register_notice=True)
    (repo.root / "content/notices/答复.docx").write_bytes(notice)
    (repo.root / "content/notices/通知.docx").write_bytes(markdown_to_docx("# 通知"))
    repo.write("content/notices/b.md", "---\ntitle: 编号规则\n---\nnumber: 3\n")
    found = sorted(p.path or "" for p in reg.register_files_in_site(repo.root))
    assert found == [
        "content/data/申请.json",
        "content/notices/2026-0001.txt",
        "content/notices/2026-0002.md",
        "content/notices/withheld.review.yml",
        "content/notices/答复.docx",
    ]


def test_a_notice_copied_anywhere_into_the_site_is_found(repo: Repo) -> None:
    notice = (
        '<!-- portal-register-notice {"number": "2026-0007", "kind": "withheld", '
        '"outcomes": ["withheld.third_party"], "basis": "涉及商业秘密"} -->\n\n'
        "# 常熟市科学技术局\n\n## 依申请公开政府信息告知书\n\n张三：\n"
    )
    for place in (
        "withheld.md",
        "site_config/告知书.md",
        "content/notices/withheld.md",
    ):
        repo.write(place, notice)
    repo.write("content/notices/普通通知.md", "---\ntitle: 通知\n---\n告知书\n")
    found = reg.register_files_in_site(repo.root)
    assert sorted(p.path for p in found if p.path) == [
        "content/notices/withheld.md",
        "site_config/告知书.md",
        "withheld.md",
    ]
    assert all("告知书" in p.message and "个人信息" in p.message for p in found)
