"""Emergency takedown (紧急撤下): the office acts first, leaders confirm, nothing remains."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.errors import PortalError
from pipeline.main import main
from pipeline.sign import SigningKey
from pipeline.site import WITHDRAWN, page_path, site_sources
from pipeline.takedown import incident_path, read_incident, sign_takedown
from pipeline.verify import Report, verify_repository
from tests.helpers.repo import TZ, Repo, post_text
from tests.test_build import check, make_site_repo
from tests.test_withdrawal import built_text

POST = "content/notices/关于科技项目评审结果的公示.md"
TITLE = "关于科技项目评审结果的公示"
BODY = (
    "专家评审意见认为申报单位华联精密的研发投入核算口径存在较大问题，建议暂缓立项。\n"
)
FRAGMENTS = ("华联精密的研发投入核算口径", "建议暂缓立项")
INCIDENT = "incidents/notices/关于科技项目评审结果的公示.yml"
WHAT = "公示中含有未公开的专家评审意见"
AT = dt.datetime(2026, 4, 1, 9, 0, tzinfo=TZ)
ATTACHMENT = "content/notices/关于科技项目评审结果的公示/评审意见.txt"
ATTACHED = "评审意见原文：华联精密的研发投入核算口径存在较大问题。\n".encode()


def take_down(repo: Repo, person: str, role: str, **kw: object) -> None:
    fields = {"what": WHAT, "found_by": "信息员陈办事员", "reported_to": "局保密办"}
    fields.update({k: str(v) for k, v in kw.items() if k in fields})
    sign_takedown(
        repo.root,
        repo.config,
        POST,
        role=role,
        key=SigningKey(repo.keys[person]),
        at=AT,
        decision=str(kw.get("decision", "approve")),
        **fields,
    )


@pytest.fixture
def published(repo: Repo) -> Repo:
    repo.write(POST, post_text(title=TITLE, body=BODY))
    repo.approve_all(POST)
    return repo


def verdict(repo: Repo, hours: float = 1) -> tuple[Report, list[tuple[str, str]]]:
    now = AT + dt.timedelta(hours=hours)
    report = verify_repository(repo.root, repo.config, now=now)
    return report, [(f.path, f.rule) for f in report.findings]


def test_the_office_takes_the_post_down_at_once(published: Repo) -> None:
    take_down(published, "clerk", "office_staff")
    incident, problems = read_incident(published.root, INCIDENT)
    assert problems == [] and incident is not None
    assert (incident.what, incident.found_by, incident.reported_to) == (
        WHAT,
        "信息员陈办事员",
        "局保密办",
    )
    assert incident.found_at == AT
    report, findings = verdict(published)
    assert report.publishable == [] and report.ok
    assert findings == [(INCIDENT, "takedown-unconfirmed")]
    assert "逾期" not in report.findings[0].message
    sources = site_sources(report, published.config, on=AT.date())
    notice = sources.files[page_path("notices/关于科技项目评审结果的公示.md")]
    assert sources.pages[page_path("notices/关于科技项目评审结果的公示.md")].kind == (
        WITHDRAWN
    )
    text = notice.decode().replace(POST, "")
    assert "已撤下" in text and "2026-04-01" in text
    for needle in (WHAT, TITLE, *FRAGMENTS, "撤稿原因"):
        assert needle not in text


def test_unconfirmed_after_the_set_hours_is_reported_loudly(published: Repo) -> None:
    take_down(published, "clerk", "office_staff")
    report, findings = verdict(published, hours=25)
    assert findings == [(INCIDENT, "takedown-unconfirmed")]
    assert "逾期未确认" in report.findings[0].message
    assert "吴分管" not in report.findings[0].message  # names the role, not a guess
    assert report.publishable == []


def test_the_leader_confirms(published: Repo) -> None:
    take_down(published, "clerk", "office_staff")
    take_down(published, "lead", "supervising_leader", what="", found_by="")
    report, findings = verdict(published, hours=30)
    assert findings == [] and report.publishable == []


def test_a_leaders_return_lifts_the_takedown(published: Repo) -> None:
    take_down(published, "clerk", "office_staff")
    take_down(published, "lead", "supervising_leader", decision="return")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (INCIDENT, "returned") in findings


@pytest.mark.attack
def test_an_edited_incident_takes_nothing_down(published: Repo) -> None:
    take_down(published, "clerk", "office_staff")
    path = published.root / INCIDENT
    path.write_text(path.read_text("utf-8").replace("局保密办", "无"), "utf-8")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (INCIDENT, "signature-invalid") in findings


def test_only_the_roles_the_policy_names_may_sign(published: Repo) -> None:
    with pytest.raises(PortalError, match="不是办公室的办公室工作人员"):
        take_down(published, "pclerk", "office_staff")
    with pytest.raises(PortalError, match="紧急撤下只由这些角色签名"):
        take_down(published, "head", "section_head")
    take_down(published, "clerk", "office_staff")
    with pytest.raises(PortalError, match="已签的登记不能改动"):
        take_down(published, "lead", "supervising_leader", reported_to="别处")
    assert incident_path(POST) == INCIDENT


def test_posts_quoting_the_text_leave_too_and_are_reported(published: Repo) -> None:
    quoting = "content/notices/关于评审工作的说明.md"
    published.write(
        quoting,
        post_text(title="关于评审工作的说明", body=f"据评审组反映：{BODY}"),
    )
    published.approve_all(quoting)
    take_down(published, "clerk", "office_staff")
    report, findings = verdict(published)
    assert report.publishable == []
    assert (quoting, "takedown-quoted") in findings


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def site_template(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Repo:
    repo = make_site_repo(tmp_path_factory.mktemp("takedown") / "repo", key_folder)
    sha = hashlib.sha256(ATTACHED).hexdigest()
    repo.write(ATTACHMENT, ATTACHED)
    repo.write(
        POST,
        post_text(
            title=TITLE,
            body=BODY + "\n附件：[评审意见](关于科技项目评审结果的公示/评审意见.txt)\n",
            extra=f"attachments:\n  - file: 评审意见.txt\n    sha256: {sha}\n",
        ),
    )
    repo.approve_all(POST)
    quoting = "content/notices/关于评审工作的说明.md"
    repo.write(
        quoting, post_text(title="关于评审工作的说明", body=f"据评审组反映：{BODY}")
    )
    repo.approve_all(quoting)
    return repo


@pytest.fixture
def site_repo(site_template: Repo, tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    shutil.copytree(site_template.root, root)
    return Repo(root, dict(site_template.keys))


def test_real_build_after_takedown_holds_no_byte_of_the_content(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = site_repo.root
    args = ["--root", str(root), "takedown", POST, "--role", "office_staff"]
    key = ["--key", str(site_repo.keys["clerk"])]
    assert main([*args, *key]) == 1  # what, by whom, reported to whom: required
    register = ["--reason", WHAT, "--found-by", "市民来电", "--reported-to", "局保密办"]
    assert main([*args, *key, *register]) == 0
    assert (root / INCIDENT).is_file()
    capsys.readouterr()
    assert main(["--root", str(root), "build", "--exclude-unapproved"]) == 0
    err = capsys.readouterr().err
    assert "[takedown-quoted]" in err and "[takedown-unconfirmed]" in err
    site = root / "site"
    files = [p for p in site.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert "评审意见" not in path.as_posix() and "评审工作" not in path.as_posix()
        text = built_text(path).replace(POST, "")
        for needle in (*FRAGMENTS, WHAT, TITLE, "市民来电", "局保密办"):
            assert needle not in text, (path, needle)
    notice = site / "notices" / TITLE / "index.html"
    assert "已撤下" in notice.read_text("utf-8")
    assert not (site / "incidents").exists()
    assert check(site_repo, site) == []
