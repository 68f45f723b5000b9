"""Site configuration: validated at load, every problem named with file, line and field."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.errors import PortalError, ProblemList
from tests.helpers.repo import DEPARTMENTS, Repo


def problems_of(repo: Repo) -> list[PortalError]:
    with pytest.raises(PortalError) as exc:
        load_config(repo.root)
    error = exc.value
    return error.problems if isinstance(error, ProblemList) else [error]


def test_repository_config_loads(repo: Repo) -> None:
    config = repo.config
    assert list(config.columns) == ["notices", "laws"]
    assert config.departments["office"].information_officer == "clerk"
    assert config.roster.people["lead"].roles[0].departments == ("office", "policy")


def test_exactly_one_information_officer(repo: Repo) -> None:
    repo.write(
        "site_config/departments.yml",
        DEPARTMENTS.replace(
            "information_officer: clerk", "information_officer: [clerk, head]"
        ),
    )
    [problem] = problems_of(repo)
    assert problem.field == "departments[0].information_officer"
    assert "附件1 第七条" in problem.message and problem.line == 5


def test_information_officer_must_belong_to_the_department(repo: Repo) -> None:
    repo.write(
        "site_config/departments.yml",
        DEPARTMENTS.replace(
            "information_officer: clerk", "information_officer: pclerk"
        ),
    )
    [problem] = problems_of(repo)
    assert "不属于办公室" in problem.message


def test_missing_file_says_what_to_do(repo: Repo) -> None:
    (repo.root / "site_config/policy.yml").unlink()
    [problem] = problems_of(repo)
    assert problem.path == "site_config/policy.yml" and "README" in (problem.hint or "")


def test_column_with_unknown_department_and_kind(repo: Repo) -> None:
    repo.write(
        "site_config/columns.yml",
        "columns:\n  - id: news\n    title: 工作动态\n    department: press\n    kind: blog\n",
    )
    fields = sorted(p.field or "" for p in problems_of(repo))
    assert fields == ["columns[0].department", "columns[0].kind"]


def test_roster_problems_all_reported(repo: Repo) -> None:
    text = (repo.root / "site_config/roster.yml").read_text(encoding="utf-8")
    text = text.replace(
        "role: section_head\n        department: office",
        "role: section_head\n        department: press",
        1,
    )
    text = text.replace("from: 2020-01-01", "from: 2020-02-30", 1)
    text = text.replace("ssh-ed25519 AAAA", "ssh-ed25519 BBBB", 1)
    repo.write("site_config/roster.yml", text)
    messages = " | ".join(p.diagnostics() for p in problems_of(repo))
    assert "科室 press 不在 departments.yml 中" in messages
    assert "日期“2020-02-30”不存在" in messages
    assert "site_config/roster.yml:" in messages


def test_same_key_for_two_people_is_refused(repo: Repo) -> None:
    text = (repo.root / "site_config/roster.yml").read_text(encoding="utf-8")
    keys = [line for line in text.splitlines() if "- key:" in line]
    repo.write("site_config/roster.yml", text.replace(keys[1], keys[0]))
    [problem] = problems_of(repo)
    assert "只能属于一个人" in problem.message


def test_policy_requirements_come_from_data(repo: Repo) -> None:
    policy = repo.root / "site_config/policy.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace(
            "  general:\n    label: 一般\n    approvals:\n      - role: section_head\n",
            "  general:\n    label: 一般\n    approvals:\n      - role: principal_leader\n",
        ),
        encoding="utf-8",
    )
    roles = [r.role for r in repo.config.policy.requirements("general")]
    assert roles == ["handler", "principal_leader", "supervising_leader"]


def test_policy_requirement_needs_an_article(repo: Repo) -> None:
    policy = repo.root / "site_config/policy.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "        article: 附件1 第八条\n", "", 1
    )
    policy.write_text(text, encoding="utf-8")
    [problem] = problems_of(repo)
    assert problem.field == "tiers.general.approvals[0].article"


def test_policy_role_must_exist(repo: Repo) -> None:
    policy = repo.root / "site_config/policy.yml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "role: principal_leader", "role: mayor", 1
        ),
        encoding="utf-8",
    )
    [problem] = problems_of(repo)
    assert (
        "mayor" in problem.message and problem.field == "tiers.major.approvals[2].role"
    )


@pytest.mark.parametrize("offset", ["+99:00", "+08:60", "8"])
def test_utc_offset_must_be_real(repo: Repo, offset: str) -> None:
    repo.write("site_config/site.yml", f'id: s\ntitle: 门户\nutc_offset: "{offset}"\n')
    [problem] = problems_of(repo)
    assert problem.field == "utc_offset"


def test_far_dates_are_refused_not_crashes(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        until: 9999-12-31\n"})
    [problem] = problems_of(repo)
    assert "超出" in problem.message and problem.field == "people[2].keys[0].until"


def test_same_display_name_twice_is_refused(repo: Repo) -> None:
    text = (repo.root / "site_config/roster.yml").read_text(encoding="utf-8")
    repo.write("site_config/roster.yml", text.replace("name: 钱科长", "name: 孙科长"))
    [problem] = problems_of(repo)
    assert problem.field == "people[3].name" and "重名" in problem.message
