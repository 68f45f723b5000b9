"""``.github/CODEOWNERS`` from columns, departments and roster, and its staleness check."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pipeline.codeowners import CODEOWNERS_PATH, GOVERNING, codeowners
from pipeline.errors import ConfigError, ProblemList
from pipeline.main import main
from tests.helpers.repo import Repo

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 6, 1)
HANDLES = {
    "boss": "demo-boss",
    "lead": "demo-lead",
    "head": "demo-head",
    "phead": "demo-phead",
    "clerk": "demo-clerk",
    "pclerk": "demo-pclerk",
}
OFFICE_STAFF = "department: office\n        from: 2020-01-01\n"
POLICY_HEAD = "department: policy\n        from: 2020-01-01\n"


def write_roster(
    repo: Repo, handles: dict[str, str], replace: dict[str, str] | None = None
) -> None:
    """The helper's roster with ``github:`` lines and some role blocks replaced."""
    repo.roster()
    path = repo.root / "site_config/roster.yml"
    text = path.read_text(encoding="utf-8")
    for person_id, handle in handles.items():
        text = re.sub(
            rf"(  - id: {person_id}\n    name: [^\n]*\n)",
            rf"\g<1>    github: {handle}\n",
            text,
        )
    # The office's clerk is office staff too, as in the repository's roster.
    text = text.replace(
        f"role: staff\n        {OFFICE_STAFF}",
        f"role: staff\n        {OFFICE_STAFF}"
        "      - role: office_staff\n        from: 2020-01-01\n",
    )
    for old, new in (replace or {}).items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    repo.write("site_config/roster.yml", text)


def rules(text: str) -> dict[str, list[str]]:
    """Each path of a CODEOWNERS text and its owners, comments left out."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            path, *owners = line.split()
            found[path] = owners
    return found


def run(repo: Repo, *args: str) -> int:
    return main(["--root", str(repo.root), "codeowners", *args])


def test_columns_belong_to_their_department_and_the_rest_to_the_office(
    repo: Repo,
) -> None:
    write_roster(repo, HANDLES)
    owned = rules(codeowners(repo.config, DAY).text())
    office = ["@demo-boss", "@demo-clerk"]
    assert owned["*"] == office
    assert owned["/content/notices/"] == ["@demo-clerk", "@demo-head"]
    assert owned["/reviews/notices/"] == ["@demo-clerk", "@demo-head"]
    assert owned["/content/laws/"] == ["@demo-pclerk", "@demo-phead"]
    assert owned["/reviews/laws/"] == ["@demo-pclerk", "@demo-phead"]
    for path in GOVERNING:
        assert owned[path] == office, path
    # The supervising leader and the plain staff own nothing by their role.
    assert not any("@demo-lead" in owners for owners in owned.values())


def test_catch_all_first_then_columns_then_governing_paths(repo: Repo) -> None:
    write_roster(repo, HANDLES)
    text = codeowners(repo.config, DAY).text()
    order = list(rules(text))
    assert order[0] == "*"
    assert order.index("/reviews/notices/") < order.index("/site_config/")
    assert order[-len(GOVERNING) :] == sorted(GOVERNING)
    assert text.startswith("# 由 `portal codeowners` 根据 site_config/")
    assert "请勿手工编辑" in text and text.endswith("\n")
    assert codeowners(repo.config, DAY).text() == text


def test_section_heads_own_their_columns_only_while_in_office(repo: Repo) -> None:
    lead_roles = "departments: [office, policy]\n        from: 2020-01-01\n"
    write_roster(
        repo,
        HANDLES,
        {
            # phead's last day is 30 June; lead heads the section from 1 July.
            f"role: section_head\n        {POLICY_HEAD}": (
                f"role: section_head\n        {POLICY_HEAD}        until: 2026-06-30\n"
            ),
            lead_roles: (
                f"{lead_roles}      - role: section_head\n"
                f"        {POLICY_HEAD.replace('2020-01-01', '2026-07-01')}"
            ),
        },
    )

    last_day = rules(codeowners(repo.config, dt.date(2026, 6, 30)).text())
    first_day = rules(codeowners(repo.config, dt.date(2026, 7, 1)).text())
    assert last_day["/content/laws/"] == ["@demo-pclerk", "@demo-phead"]
    assert first_day["/content/laws/"] == ["@demo-lead", "@demo-pclerk"]
    assert first_day["/content/notices/"] == ["@demo-clerk", "@demo-head"]


def test_people_without_a_handle_are_left_out(repo: Repo) -> None:
    write_roster(repo, {k: v for k, v in HANDLES.items() if k != "head"})
    owned = rules(codeowners(repo.config, DAY).text())
    assert owned["/content/notices/"] == ["@demo-clerk"]


def test_a_path_nobody_owns_gets_a_comment_and_a_warning(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write_roster(
        repo, {k: v for k, v in HANDLES.items() if k not in ("phead", "pclerk")}
    )
    text = codeowners(repo.config, DAY).text()
    assert "/content/laws/" not in rules(text)  # so the catch-all (office) owns it
    assert (
        "# /content/laws/ 无人负责：政策法规科的科室负责人钱科长（phead）未登记 GitHub 用户名，"
        "政策法规科的信息员林办事员（pclerk）未登记 GitHub 用户名"
    ) in text.splitlines()

    assert run(repo) == 0
    err = capsys.readouterr().err
    assert "/reviews/laws/ 无人负责审查：政策法规科的科室负责人钱科长（phead）" in err
    assert (repo.root / CODEOWNERS_PATH).read_text(encoding="utf-8") == text


def test_a_vacant_role_is_named(repo: Repo) -> None:
    write_roster(
        repo,
        {k: v for k, v in HANDLES.items() if k != "pclerk"},
        {
            f"role: section_head\n        {POLICY_HEAD}": (
                f"role: section_head\n        {POLICY_HEAD}        until: 2026-01-31\n"
            )
        },
    )
    gaps = codeowners(repo.config, DAY).gaps()
    assert gaps[0] == (
        "/content/laws/ 无人负责审查：政策法规科的科室负责人空缺，"
        "政策法规科的信息员林办事员（pclerk）未登记 GitHub 用户名。"
    )


def test_check_detects_a_missing_or_stale_file(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write_roster(repo, HANDLES)
    assert run(repo, "--check") == 1
    assert f"{CODEOWNERS_PATH}: 文件不存在" in capsys.readouterr().err

    assert run(repo, "--on", "2026-06-01") == 0
    assert run(repo, "--check", "--on", "2026-06-01") == 0
    assert "是最新的" in capsys.readouterr().err

    write_roster(repo, {**HANDLES, "head": "demo-new-head"})
    assert run(repo, "--check", "--on", "2026-06-01") == 1
    err = capsys.readouterr().err
    assert f"{CODEOWNERS_PATH}: 与按 site_config/" in err
    assert "请运行 portal codeowners 重新生成" in err
    assert "+/content/notices/ @demo-clerk @demo-new-head" in err


@pytest.mark.parametrize(
    "name", ["-demo", "demo-", "de--mo", "de_mo", "张三", "a" * 40, "de mo"]
)
def test_a_bad_github_name_is_refused_with_file_line_and_field(
    repo: Repo, name: str
) -> None:
    write_roster(repo, {"boss": f'"{name}"'})
    with pytest.raises(ConfigError) as caught:
        _ = repo.config
    assert not isinstance(caught.value, ProblemList)
    assert caught.value.diagnostics().startswith(
        "site_config/roster.yml:4: 字段 people[0].github：值“"
    )


@pytest.mark.parametrize("name", ["a", "A" * 39, "Zhou-JG-2"])
def test_a_good_github_name_is_kept(repo: Repo, name: str) -> None:
    write_roster(repo, {"boss": name})
    assert repo.config.roster.people["boss"].github == name


def test_the_repository_codeowners_file_is_current() -> None:
    # Fails CI when site_config/ changed without `portal codeowners` being run.
    assert main(["--root", str(ROOT), "codeowners", "--check"]) == 0
