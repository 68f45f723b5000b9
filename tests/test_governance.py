"""Governed files judged by the configuration in force before them, from a pinned root.

Each test that walks a history makes a real git repository with real commits; the
attacks are the ones a pull request could try: adding its own key, lowering the
policy, widening ``mkdocs.yml``, rewriting history.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.governance import (
    GOVERNED_FILES,
    TrustError,
    governed_record_path,
    trust_digest,
)
from pipeline.history import trusted_governance
from pipeline.main import main
from pipeline.sign import SigningKey, sign_governed
from tests.helpers.repo import NOW, SIGNED_AT, Repo, make_key, post_text

POST = "content/notices/国庆值班安排.md"
ROSTER = "site_config/roster.yml"
POLICY = "site_config/policy.yml"
LATER = SIGNED_AT + dt.timedelta(days=1)


def add_person(repo: Repo, person_id: str, role_yaml: str, key: Path) -> None:
    """Append a person holding ``role_yaml`` with ``key`` to the roster."""
    public = " ".join(Path(f"{key}.pub").read_text().split()[:2])
    roster = repo.root / ROSTER
    roster.write_text(
        roster.read_text(encoding="utf-8")
        + f"  - id: {person_id}\n    name: 新来的{person_id}\n    roles:\n{role_yaml}"
        f"    keys:\n      - key: {public}\n        from: 2020-01-01\n",
        encoding="utf-8",
    )


def approve_change(repo: Repo, path: str, *, at: dt.datetime = LATER) -> None:
    """The office proposes and the principal leader approves the change of ``path``."""
    repo.sign(path, "clerk", "office_staff", at=at)
    repo.sign(path, "boss", "principal_leader", at=at)


def govern(repo: Repo, pin: str | None) -> list[tuple[str, str]]:
    governance = trusted_governance(repo.root, pin=pin, now=NOW)
    return [(f.path, f.rule) for f in governance.findings]


@pytest.fixture
def rooted(repo: Repo) -> tuple[Repo, str]:
    """A repository whose first commit is the trust root; and its pin."""
    pin = repo.pin()
    repo.commit("花名册、审批规则：信任根")
    return repo, pin


def test_digest_matches_sha256sum_of_the_governed_files(repo: Repo) -> None:
    repo.write("mkdocs.yml", "site_name: 测试\n")
    import hashlib

    lines = "".join(
        f"{hashlib.sha256((repo.root / p).read_bytes()).hexdigest()}  {p}\n"
        for p in GOVERNED_FILES
    )
    assert repo.pin() == hashlib.sha256(lines.encode()).hexdigest()
    assert trust_digest({}) != repo.pin()


def test_a_folder_without_history_is_its_own_root_and_says_so(repo: Repo) -> None:
    assert govern(repo, None) == [(ROSTER, "trust-unpinned")]
    assert govern(repo, repo.pin()) == []
    with pytest.raises(TrustError, match="信任根不符"):
        govern(repo, "0" * 64)
    with pytest.raises(TrustError, match="64 位十六进制"):
        govern(repo, "not-a-digest")


@pytest.mark.attack
def test_pull_request_adding_its_own_key_is_refused_naming_the_roster_change(
    rooted: tuple[Repo, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, pin = rooted
    mallory = make_key(tmp_path / "mallory", "mallory")
    add_person(
        repo,
        "mallory",
        "      - role: section_head\n        department: office\n        from: 2020-01-01\n",
        mallory,
    )
    repo.keys["mallory"] = mallory
    repo.write(POST, post_text())
    repo.sign(POST, "clerk", "handler")
    repo.sign(POST, "mallory", "section_head")
    repo.sign(POST, "lead", "supervising_leader")
    commit = repo.commit("新增人员并发布值班安排")

    code = main(
        ["verify", "--root", str(repo.root), "--trust-root", pin, "--format", "json"]
    )
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    roster = [f for f in findings if f["path"] == ROSTER]
    assert [f["rule"] for f in roster] == ["governed-unapproved"]
    assert commit[:10] in roster[0]["message"]
    assert (
        "portal sign site_config/roster.yml --role principal_leader"
        in roster[0]["hint"]
    )
    # The post is judged by the roster in force, where mallory is nobody.
    assert any(
        f["rule"] == "signer-unknown" and "mallory" in f["message"] for f in findings
    )


def test_an_approved_roster_change_takes_effect(
    rooted: tuple[Repo, str], tmp_path: Path
) -> None:
    repo, pin = rooted
    newcomer = make_key(tmp_path / "newcomer", "newcomer")
    add_person(
        repo,
        "newcomer",
        "      - role: section_head\n        department: policy\n        from: 2020-01-01\n",
        newcomer,
    )
    repo.commit("新增政策法规科负责人")
    assert (ROSTER, "governed-unapproved") in govern(repo, pin)
    approve_change(repo, ROSTER)
    repo.commit("办公室提出、主要领导批准花名册改动")
    governance = trusted_governance(repo.root, pin=pin, now=NOW)
    assert governance.findings == []
    assert governance.config.roster.get("newcomer") is not None


@pytest.mark.attack
def test_the_new_roster_cannot_approve_itself(
    rooted: tuple[Repo, str], tmp_path: Path
) -> None:
    repo, pin = rooted
    usurper = make_key(tmp_path / "usurper", "usurper")
    add_person(
        repo,
        "usurper",
        "      - role: principal_leader\n        from: 2020-01-01\n",
        usurper,
    )
    repo.keys["usurper"] = usurper
    repo.sign(ROSTER, "clerk", "office_staff", at=LATER)
    repo.sign(ROSTER, "usurper", "principal_leader", at=LATER)
    repo.commit("自封主要领导")
    found = govern(repo, pin)
    assert (ROSTER, "governed-unapproved") in found
    assert (governed_record_path(ROSTER), "approval-missing") in found


@pytest.mark.attack
def test_lowering_the_policy_needs_the_old_policy_s_approvals(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    policy = repo.root / POLICY
    text = policy.read_text(encoding="utf-8")
    lowered = text.replace(
        "      - role: supervising_leader\n        article: 附件1 第八条\n", "", 1
    )
    assert lowered != text
    policy.write_text(lowered, encoding="utf-8")
    repo.write(POST, post_text(tier="important"))
    repo.sign(POST, "clerk", "handler")
    repo.sign(POST, "head", "section_head")
    repo.commit("较重要信息只需科室负责人")
    governance = trusted_governance(repo.root, pin=pin, now=NOW)
    assert [(f.path, f.rule) for f in governance.findings] == [
        (POLICY, "governed-unapproved")
    ]
    # The important tier still needs the supervising leader under the policy in force.
    needed = {r.role for r in governance.config.policy.requirements("important")}
    assert "supervising_leader" in needed


@pytest.mark.attack
def test_approvals_by_the_wrong_roles_or_returned_do_not_count(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    (repo.root / "site_config/columns.yml").write_text(
        (repo.root / "site_config/columns.yml").read_text(encoding="utf-8")
        + "  - id: news\n    title: 工作动态\n    department: office\n    kind: news\n",
        encoding="utf-8",
    )
    repo.sign("site_config/columns.yml", "clerk", "office_staff", at=LATER)
    repo.sign("site_config/columns.yml", "boss", "principal_leader", at=LATER)
    repo.sign(
        "site_config/columns.yml",
        "boss",
        "principal_leader",
        decision="return",
        at=LATER + dt.timedelta(hours=1),
    )
    repo.commit("新设栏目，后被退回")
    found = govern(repo, pin)
    assert ("site_config/columns.yml", "governed-unapproved") in found
    assert (governed_record_path("site_config/columns.yml"), "returned") in found


@pytest.mark.attack
def test_mkdocs_settings_that_publish_outside_content_need_approval(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    repo.write("mkdocs.yml", "site_name: 测试\ndocs_dir: .\n")
    repo.commit("docs_dir 指向仓库根目录")
    assert govern(repo, pin) == [("mkdocs.yml", "governed-unapproved")]


def test_a_change_approved_later_is_accepted_and_one_undone_is_forgotten(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    site = repo.root / "site_config/site.yml"
    original = site.read_bytes()
    site.write_text("id: test-site\ntitle: 另一个名字\n", encoding="utf-8")
    repo.commit("改网站名称，未经批准")
    site.write_bytes(original)
    repo.commit("撤销")
    assert govern(repo, pin) == []


@pytest.mark.attack
def test_an_approved_change_that_breaks_the_configuration_is_not_taken(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    config = repo.config  # portal sign itself would refuse to load the broken file
    repo.write("site_config/columns.yml", "columns:\n  - id: notices\n")
    for person, role in (("clerk", "office_staff"), ("boss", "principal_leader")):
        sign_governed(
            repo.root,
            config,
            "site_config/columns.yml",
            role=role,
            key=SigningKey(repo.keys[person]),
            at=LATER,
        )
    repo.commit("栏目文件写坏了")
    found = govern(repo, pin)
    assert ("site_config/columns.yml", "governed-unapproved") in found
    assert ("site_config/columns.yml", "governed-invalid") in found


@pytest.mark.attack
def test_history_rewritten_to_hide_a_roster_change_breaks_the_pin(
    rooted: tuple[Repo, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, pin = rooted
    mallory = make_key(tmp_path / "mallory", "mallory")
    add_person(
        repo,
        "mallory",
        "      - role: principal_leader\n        from: 2020-01-01\n",
        mallory,
    )
    repo.commit("未经批准的花名册改动")
    assert (ROSTER, "governed-unapproved") in govern(repo, pin)
    # Fold the change into the first commit, as if it had always been there.
    repo.git("reset", "-q", "--soft", "HEAD~1")
    repo.git("commit", "-q", "--amend", "-m", "花名册、审批规则：信任根")
    assert repo.git("rev-list", "--count", "HEAD").strip() == "1"
    code = main(["verify", "--root", str(repo.root), "--trust-root", pin])
    assert code == 1
    assert "信任根不符" in capsys.readouterr().err
    # Without a pin the rewrite is trusted, and verification says so loudly.
    assert govern(repo, None) == [(ROSTER, "trust-unpinned")]


@pytest.mark.attack
def test_a_shallow_clone_is_refused(rooted: tuple[Repo, str], tmp_path: Path) -> None:
    repo, pin = rooted
    repo.write("content/notices/.keep", "")
    repo.commit("第二个提交")
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    with pytest.raises(TrustError, match="浅克隆"):
        trusted_governance(clone, pin=pin, now=NOW)


def test_the_pin_comes_from_the_environment_when_not_given(
    rooted: tuple[Repo, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, pin = rooted
    monkeypatch.setenv("PORTAL_TRUST_ROOT", pin)
    assert main(["trust-root", "--root", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert pin in out and "已钉住" in out
    monkeypatch.setenv("PORTAL_TRUST_ROOT", "")
    assert main(["trust-root", "--root", str(repo.root)]) == 0
    assert "未钉住" in capsys.readouterr().out


@pytest.mark.attack
def test_production_refuses_an_unpinned_root(
    rooted: tuple[Repo, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, pin = rooted
    monkeypatch.delenv("PORTAL_TRUST_ROOT", raising=False)
    assert main(["verify", "--root", str(repo.root), "--production"]) == 1
    assert "必须钉住信任根" in capsys.readouterr().out


@pytest.mark.attack
def test_a_pull_request_merge_is_judged_by_the_target_branch(
    rooted: tuple[Repo, str], tmp_path: Path
) -> None:
    repo, pin = rooted
    repo.git("checkout", "-q", "-b", "pr")
    mallory = make_key(tmp_path / "mallory", "mallory")
    add_person(
        repo,
        "mallory",
        "      - role: principal_leader\n        from: 2020-01-01\n",
        mallory,
    )
    repo.commit("分支上改花名册")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "合并", "pr")
    assert (ROSTER, "governed-unapproved") in govern(repo, pin)


@pytest.mark.attack
def test_a_signature_backdated_past_a_revocation_is_void(
    rooted: tuple[Repo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, pin = rooted
    earlier = "content/notices/吊销前已发布.md"
    repo.write(earlier, post_text(title="吊销前已发布"))
    repo.approve_all(earlier)
    repo.commit("吊销前已审批发布的通知")
    # 孙科长's key is compromised: revoked from 12 March, approved by the office
    # and the principal leader.
    repo.roster(key_lines={"head": "        revoked: 2026-03-12\n"})
    approve_change(repo, ROSTER, at=SIGNED_AT + dt.timedelta(days=12))
    repo.commit("吊销孙科长的钥匙")
    # Whoever holds the stolen key signs a new post, claiming a time before 12 March.
    repo.write(POST, post_text())
    repo.approve_all(POST)
    repo.commit("倒签的通知")

    code = main(
        ["verify", "--root", str(repo.root), "--trust-root", pin, "--format", "json"]
    )
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    blocked = {f["path"] for f in findings if f["severity"] == "error"}
    assert blocked == {"reviews/notices/国庆值班安排.yml"}
    [void] = [f for f in findings if f["rule"] == "key-invalid"]
    assert "吊销生效时还不在主分支上" in void["message"]


@pytest.mark.attack
def test_a_return_removed_from_a_governed_record_still_counts(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    columns = repo.root / "site_config/columns.yml"
    columns.write_text(
        columns.read_text(encoding="utf-8")
        + "  - id: news\n    title: 工作动态\n    department: office\n    kind: news\n",
        encoding="utf-8",
    )
    repo.sign("site_config/columns.yml", "clerk", "office_staff", at=LATER)
    record = repo.root / governed_record_path("site_config/columns.yml")
    proposed = record.read_bytes()
    repo.sign(
        "site_config/columns.yml",
        "boss",
        "principal_leader",
        decision="return",
        comment="栏目设置不合理",
        at=LATER,
    )
    repo.commit("办公室提出新栏目，主要领导退回")
    # Someone drops the return and adds an approval signed before it.
    record.write_bytes(proposed)
    repo.sign(
        "site_config/columns.yml",
        "boss",
        "principal_leader",
        at=LATER - dt.timedelta(hours=1),
    )
    repo.commit("删去退回")
    found = govern(repo, pin)
    assert ("site_config/columns.yml", "governed-unapproved") in found
    assert (governed_record_path("site_config/columns.yml"), "returned") in found


@pytest.mark.attack
def test_an_old_approved_version_cannot_be_replayed(
    rooted: tuple[Repo, str], tmp_path: Path
) -> None:
    repo, pin = rooted
    newcomer = make_key(tmp_path / "newcomer", "newcomer")
    add_person(
        repo,
        "newcomer",
        "      - role: staff\n        department: office\n        from: 2020-01-01\n",
        newcomer,
    )
    approve_change(repo, ROSTER)
    before = repo.commit("新增工作人员（已批准）")
    roster = repo.root / ROSTER
    text = roster.read_text(encoding="utf-8")
    lead = text.index("  - id: lead")
    key_from = text.index("        from: 2020-01-01\n", text.index("keys:", lead))
    end = key_from + len("        from: 2020-01-01\n")
    roster.write_text(
        text[:end] + "        revoked: 2026-03-05\n" + text[end:], "utf-8"
    )
    approve_change(repo, ROSTER, at=LATER + dt.timedelta(days=3))
    repo.commit("吊销吴分管的钥匙（已批准）")
    assert (
        trusted_governance(repo.root, pin=pin, now=NOW)
        .config.roster.get("lead")
        .keys[0]
        .revoked
        is not None
    )  # type: ignore[union-attr]
    assert govern(repo, pin) == []
    # Bring back the roster before the revocation, with the approval it had then.
    record = governed_record_path(ROSTER)
    repo.git("checkout", before, "--", ROSTER, record)
    repo.commit("恢复旧花名册")
    found = govern(repo, pin)
    assert (ROSTER, "governed-unapproved") in found
    assert (record, "approval-replayed") in found


@pytest.mark.attack
def test_a_revoked_key_cannot_approve_a_governed_change_by_backdating(
    rooted: tuple[Repo, str],
) -> None:
    repo, pin = rooted
    # The principal leader's key is revoked (compromised) from 20 March.
    repo.roster(key_lines={"boss": "        revoked: 2026-03-20\n"})
    approve_change(repo, ROSTER, at=SIGNED_AT + dt.timedelta(days=10))
    repo.commit("吊销周局长的钥匙")
    assert govern(repo, pin) == []
    # The thief lowers the policy, claiming signatures made before the revocation.
    policy = repo.root / POLICY
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "      - role: supervising_leader\n        article: 附件1 第八条\n", "", 1
        ),
        encoding="utf-8",
    )
    approve_change(repo, POLICY, at=SIGNED_AT + dt.timedelta(days=11))
    repo.commit("降低审批要求")
    found = govern(repo, pin)
    assert (POLICY, "governed-unapproved") in found
    assert (governed_record_path(POLICY), "key-invalid") in found
