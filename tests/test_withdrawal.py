"""Withdrawal (撤稿): a signed record turns a published post's page into a notice."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.errors import PortalError
from pipeline.main import main
from pipeline.sign import SigningKey
from pipeline.site import SEARCH_INDEX, WITHDRAWN, page_path, site_sources
from pipeline.verify import Report, verify_repository
from pipeline.withdrawal import read_withdrawal, sign_withdrawal, withdrawal_path
from tests.helpers.repo import NOW, TZ, Repo, post_text
from tests.test_build import PROJECT, check, make_site_repo

POST = "content/notices/关于举办科技政策宣讲会的通知.md"
TITLE = "关于举办科技政策宣讲会的通知"
# A distinctive fragment of the body: none of it may remain once withdrawn.
BODY = "定于四月十八日在虞山会堂举办科技政策宣讲会，请各企业派员参加。\n"
FRAGMENT = "虞山会堂举办科技政策宣讲会"
RECORD = "reviews/_withdrawals/notices/关于举办科技政策宣讲会的通知.yml"
REASON = "会议地点变更，另行通知"
AT = dt.datetime(2026, 4, 1, 9, 0, tzinfo=TZ)


def withdraw(
    repo: Repo, person: str, role: str, path: str = POST, **kw: object
) -> None:
    sign_withdrawal(
        repo.root,
        repo.config,
        path,
        reason=str(kw.pop("reason", REASON)),
        role=role,
        key=SigningKey(repo.keys[person]),
        at=AT,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def published(repo: Repo) -> Repo:
    """One approved office notice with a distinctive body."""
    repo.write(POST, post_text(title=TITLE, body=BODY))
    repo.approve_all(POST)
    return repo


def verdict(repo: Repo) -> tuple[Report, list[tuple[str, str, str]]]:
    report = verify_repository(repo.root, repo.config, now=NOW)
    return report, [(f.path, f.rule, f.severity) for f in report.findings]


def test_the_record_sits_beside_the_review_records() -> None:
    assert withdrawal_path(POST) == RECORD


def test_one_approval_is_not_enough_and_changes_nothing(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert report.withdrawn == []
    assert findings == [(RECORD, "withdrawal-pending", "warning")]
    assert report.ok


def test_approved_withdrawal_replaces_the_page_by_a_notice(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader", reason="")
    record, problems = read_withdrawal(published.root, RECORD)
    assert problems == [] and record is not None and len(record.signatures) == 2
    report, findings = verdict(published)
    assert findings == [] and report.publishable == []
    assert [item.post.path for item in report.withdrawn] == [POST]

    sources = site_sources(report, published.config, on=NOW.date())
    notice = page_path("notices/关于举办科技政策宣讲会的通知.md")
    assert sources.pages[notice].kind == WITHDRAWN
    assert sources.page_for_post(POST) is None
    text = sources.files[notice].decode()
    assert "2026-04-01" in text and REASON in text and "撤稿" in text
    for name, data in sources.files.items():
        assert FRAGMENT not in data.decode("utf-8", "replace"), name
        # The path stays in the marker: it is the page's URL, not the post's text.
        assert TITLE not in data.decode("utf-8", "replace").replace(POST, ""), name
    assert "notices/关于举办科技政策宣讲会的通知.md" not in sources.files


@pytest.mark.attack
def test_a_reason_edited_after_signing_voids_the_withdrawal(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    path = published.root / RECORD
    path.write_text(
        path.read_text("utf-8").replace(REASON, "内容有误"), encoding="utf-8"
    )
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (RECORD, "signature-invalid", "warning") in findings
    assert (RECORD, "withdrawal-pending", "warning") in findings


@pytest.mark.attack
def test_a_record_moved_to_another_post_counts_for_nothing(published: Repo) -> None:
    other = "content/notices/关于召开年度工作会议的通知.md"
    published.write(other, post_text(title="关于召开年度工作会议的通知"))
    published.approve_all(other)
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    text = (published.root / RECORD).read_text("utf-8").replace(POST, other)
    (published.root / RECORD).unlink()
    published.write(withdrawal_path(other), text)
    report, findings = verdict(published)
    assert sorted(p.path for p in report.publishable) == sorted([POST, other])
    assert (withdrawal_path(other), "signature-invalid", "warning") in findings


@pytest.mark.attack
def test_a_signer_outside_the_department_does_not_count(
    published: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PortalError, match="不是办公室的科室负责人"):
        withdraw(published, "phead", "section_head")
    assert not (published.root / RECORD).exists()
    # A cheat skips the signing checks: the policy department's head "approves".
    monkeypatch.setattr("pipeline.withdrawal.check_may_sign", lambda *a, **k: None)
    withdraw(published, "phead", "section_head")
    withdraw(published, "lead", "supervising_leader")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (RECORD, "signer-role", "warning") in findings


def test_a_return_keeps_the_post_published(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader", decision="return")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (RECORD, "returned", "warning") in findings


def test_the_policy_names_who_withdraws(published: Repo) -> None:
    with pytest.raises(PortalError, match="撤稿只由这些角色签名"):
        withdraw(published, "boss", "principal_leader")
    policy = published.config.policy
    assert [r.role for r in policy.withdrawal_requirements()] == [
        "section_head",
        "supervising_leader",
    ]
    assert policy.withdrawal_requirements()[1].articles == ("附件1 第十五条",)


def test_portal_withdraw_needs_a_reason_and_keeps_it(published: Repo) -> None:
    def run(*args: str) -> int:
        return main(["--root", str(published.root), "withdraw", POST, *args])

    head = str(published.keys["head"])
    lead = str(published.keys["lead"])
    assert run("--role", "section_head", "--key", head) == 1
    assert not (published.root / RECORD).exists()
    assert run("--role", "section_head", "--key", head, "--reason", REASON) == 0
    assert run("--role", "supervising_leader", "--key", lead, "--reason", "别的") == 1
    assert run("--role", "supervising_leader", "--key", lead) == 0
    report = verify_repository(published.root, published.config)
    assert [item.withdrawal.reason for item in report.withdrawn] == [REASON]


# --------------------------------------------------------------------------- build


def built_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".json":
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return text.replace("\u200b", "").replace(" ", "")


@pytest.fixture(scope="module")
def site_template(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Repo:
    repo = make_site_repo(tmp_path_factory.mktemp("withdrawn") / "repo", key_folder)
    repo.write(POST, post_text(title=TITLE, body=BODY))
    repo.approve_all(POST)
    withdraw(repo, "head", "section_head")
    withdraw(repo, "lead", "supervising_leader")
    return repo


@pytest.fixture
def withdrawn_site(site_template: Repo, tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    shutil.copytree(site_template.root, root)
    return Repo(root, dict(site_template.keys))


def test_real_build_leaves_no_trace_of_the_withdrawn_text(
    withdrawn_site: Repo,
) -> None:
    root = withdrawn_site.root
    assert main(["--root", str(root), "build", "--exclude-unapproved"]) == 0
    site = root / "site"
    files = [p for p in site.rglob("*") if p.is_file()]
    assert site / SEARCH_INDEX in files and site / "index.html" in files
    for path in files:
        text = built_text(path)
        for needle in (FRAGMENT, "四月十八日", "请各企业派员参加"):
            assert needle not in text, (path, needle)
        assert TITLE not in text.replace(POST, ""), path
    notice = site / "notices" / TITLE / "index.html"
    html = notice.read_text("utf-8")
    assert REASON in html and "2026-04-01" in html and 'lang="zh-CN"' in html
    index = json.loads((site / SEARCH_INDEX).read_text("utf-8"))
    assert not any(quote(TITLE) in e["location"] for e in index["docs"])
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        if (site / name).is_file():
            assert quote(TITLE) not in built_text(site / name)
    # The other approved notice is still there, and the site passes its check.
    assert (site / "notices" / "科技创新券申报通知" / "index.html").is_file()
    assert check(withdrawn_site, site) == []


@pytest.mark.attack
def test_check_site_fails_when_withdrawn_text_remains(withdrawn_site: Repo) -> None:
    root = withdrawn_site.root
    assert main(["--root", str(root), "build", "--exclude-unapproved"]) == 0
    home = root / "site" / "index.html"
    home.write_text(
        home.read_text("utf-8") + f"<p>{FRAGMENT[:6]}&#x{ord(FRAGMENT[6]):x};"
        f"<b>{FRAGMENT[7:]}</b></p>",
        encoding="utf-8",
    )
    assert "site-withdrawn-text site/index.html" in check(withdrawn_site, root / "site")


@pytest.mark.attack
def test_a_page_quoting_the_withdrawn_text_stops_the_build(
    withdrawn_site: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    quoting = "content/notices/关于宣讲会的补充通知.md"
    withdrawn_site.write(
        quoting,
        post_text(
            title="关于宣讲会的补充通知",
            body=f"前期通知：{BODY}现补充如下：请携带身份证件。\n",
        ),
    )
    withdrawn_site.approve_all(quoting)
    root = withdrawn_site.root
    assert main(["--root", str(root), "build", "--exclude-unapproved"]) == 1
    err = capsys.readouterr().err
    assert "[site-withdrawn-text]" in err and "关于宣讲会的补充通知" in err
    assert not (root / "site").exists()


def test_the_project_policy_names_the_withdrawal_approvals(published: Repo) -> None:
    text = (PROJECT / "site_config" / "policy.yml").read_text("utf-8")
    assert "withdrawal:" in text
    policy = published.config.policy
    assert policy.withdrawal == policy.withdrawal_requirements()
