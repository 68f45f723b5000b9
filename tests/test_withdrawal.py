"""Withdrawal (撤稿): a signed record turns a published post's page into a notice."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.errors import PortalError
from pipeline.main import main
from pipeline.post import read_post
from pipeline.sign import SigningKey
from pipeline.site import SEARCH_INDEX, WITHDRAWN, page_path, site_sources
from pipeline.verify import Report, verify_repository
from pipeline.withdrawal import (
    WITHDRAWAL,
    merge_history,
    read_withdrawal,
    record_path,
    sign_withdrawal,
)
from tests.helpers.repo import NOW, TZ, Repo, post_text
from tests.test_build import check, make_site_repo

POST = "content/notices/关于举办科技政策宣讲会的通知.md"
TITLE = "关于举办科技政策宣讲会的通知"
BODY = "定于四月十八日在虞山会堂举办科技政策宣讲会，请各企业派员参加。\n"
RECORD = "reviews/_withdrawals/notices/关于举办科技政策宣讲会的通知.yml"
REASON = "会议地点变更，另行通知"
AT = dt.datetime(2026, 4, 1, 9, 0, tzinfo=TZ)


def withdraw(repo: Repo, person: str, role: str, **kw: object) -> None:
    post, problems = read_post(repo.root, POST, repo.config)
    assert post is not None, problems
    sign_withdrawal(
        repo.root,
        repo.config,
        post,
        kind=WITHDRAWAL,
        reason=str(kw.pop("reason", REASON)),
        role=role,
        key=SigningKey(repo.keys[person]),
        at=AT,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def published(repo: Repo) -> Repo:
    """One approved office notice."""
    repo.write(POST, post_text(title=TITLE, body=BODY))
    repo.approve_all(POST)
    return repo


def verdict(
    repo: Repo, earlier: dict[str, list[bytes]] | None = None
) -> tuple[Report, list[tuple[str, str, str]]]:
    report = verify_repository(repo.root, repo.config, now=NOW, earlier_records=earlier)
    return report, [(f.path, f.rule, f.severity) for f in report.findings]


def test_the_record_sits_beside_the_review_records() -> None:
    assert record_path(WITHDRAWAL, POST) == RECORD


def test_one_approval_is_not_enough_and_changes_nothing(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert report.withdrawn == []
    assert findings == [(RECORD, "withdrawal-pending", "warning")]


def test_approved_withdrawal_replaces_the_page_by_a_notice(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader", reason="")
    record, problems = read_withdrawal(published.root, RECORD)
    assert problems == [] and record is not None and len(record.signatures) == 2
    report, findings = verdict(published)
    assert findings == [] and report.publishable == []
    assert [r.post for r in report.withdrawn] == [POST]
    sources = site_sources(report, published.config, on=NOW.date())
    notice = page_path("notices/关于举办科技政策宣讲会的通知.md")
    assert sources.pages[notice].kind == WITHDRAWN
    assert sources.page_for_post(POST) is None
    text = sources.files[notice].decode()
    assert "2026-04-01" in text and REASON in text and TITLE in text
    assert "虞山会堂" not in text
    assert "notices/关于举办科技政策宣讲会的通知.md" not in sources.files


def test_the_notice_stays_when_the_post_file_is_deleted(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    (published.root / POST).unlink()
    (published.root / "reviews/notices/关于举办科技政策宣讲会的通知.yml").unlink()
    report, _ = verdict(published)
    assert [r.post for r in report.withdrawn] == [POST]


@pytest.mark.attack
def test_a_reason_edited_after_signing_voids_the_withdrawal(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    path = published.root / RECORD
    path.write_text(path.read_text("utf-8").replace(REASON, "内容有误"), "utf-8")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (RECORD, "signature-invalid", "warning") in findings


@pytest.mark.attack
def test_deleting_a_committed_record_does_not_undo_it(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    committed = (published.root / RECORD).read_bytes()
    (published.root / RECORD).unlink()
    report, findings = verdict(published, {RECORD: [committed]})
    assert report.publishable == [] and [r.post for r in report.withdrawn] == [POST]
    assert (RECORD, "withdrawal-rewritten", "error") in findings


@pytest.mark.attack
def test_rewriting_or_stripping_a_committed_record_does_not_undo_it(
    published: Repo,
) -> None:
    withdraw(published, "head", "section_head")
    first = (published.root / RECORD).read_bytes()
    withdraw(published, "lead", "supervising_leader")
    second = (published.root / RECORD).read_bytes()
    # Back to the one-signature version: the second signature still counts.
    (published.root / RECORD).write_bytes(first)
    report, findings = verdict(published, {RECORD: [first, second]})
    assert (
        report.publishable == []
        and (RECORD, "withdrawal-rewritten", "error") in findings
    )
    # A new reason signed afresh is not the committed record.
    (published.root / RECORD).unlink()
    withdraw(published, "head", "section_head", reason="另一个原因")
    records, problems = merge_history(
        {RECORD: (published.root / RECORD).read_bytes()}, {RECORD: [first, second]}
    )
    # Both contents are judged; the committed one keeps both its signatures.
    committed = next(r for r in records if r.reason == REASON)
    assert len(committed.signatures) == 2
    assert [f.rule for f in problems] == ["withdrawal-rewritten"]
    report, _ = verdict(published, {RECORD: [first, second]})
    assert [r.reason for r in report.withdrawn] == [REASON]


@pytest.mark.attack
def test_a_placeholder_committed_first_on_a_side_branch_cancels_nothing(
    published: Repo,
) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    real = (published.root / RECORD).read_bytes()
    # Merged in so that the history lists it first: an unsigned record of another
    # content at the same path.
    (published.root / RECORD).unlink()
    withdraw(published, "head", "section_head", reason="占位")
    placeholder = (published.root / RECORD).read_bytes()
    (published.root / RECORD).write_bytes(placeholder)
    report, findings = verdict(published, {RECORD: [placeholder, real]})
    assert [r.reason for r in report.withdrawn] == [REASON]
    assert (RECORD, "withdrawal-rewritten", "error") in findings


@pytest.mark.attack
def test_a_signer_outside_the_department_is_refused(published: Repo) -> None:
    with pytest.raises(PortalError, match="不是办公室的科室负责人"):
        withdraw(published, "phead", "section_head")
    assert not (published.root / RECORD).exists()


def test_a_return_keeps_the_post_published(published: Repo) -> None:
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader", decision="return")
    report, findings = verdict(published)
    assert [p.path for p in report.publishable] == [POST]
    assert (RECORD, "withdrawal-returned", "warning") in findings


def test_the_policy_names_who_withdraws(published: Repo) -> None:
    with pytest.raises(PortalError, match="撤稿只由这些角色签名"):
        withdraw(published, "boss", "principal_leader")
    roles = [r.role for r in published.config.policy.withdrawal_requirements()]
    assert roles == ["section_head", "supervising_leader"]


def test_portal_withdraw_needs_a_reason_and_keeps_it(published: Repo) -> None:
    def run(*args: str) -> int:
        return main(["--root", str(published.root), "withdraw", POST, *args])

    head, lead = str(published.keys["head"]), str(published.keys["lead"])
    assert run("--role", "section_head", "--key", head) == 1
    assert not (published.root / RECORD).exists()
    assert run("--role", "section_head", "--key", head, "--reason", REASON) == 0
    assert run("--role", "supervising_leader", "--key", lead, "--reason", "别的") == 1
    assert run("--role", "supervising_leader", "--key", lead) == 0
    report = verify_repository(published.root, published.config)
    assert [r.reason for r in report.withdrawn] == [REASON]


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def site_template(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Repo:
    repo = make_site_repo(tmp_path_factory.mktemp("withdrawn") / "repo", key_folder)
    repo.write(POST, post_text(title=TITLE, body=BODY))
    repo.approve_all(POST)
    withdraw(repo, "head", "section_head")
    withdraw(repo, "lead", "supervising_leader")
    return repo


@pytest.mark.slow
def test_real_build_answers_the_url_with_the_notice_only(
    site_template: Repo, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(site_template.root, root)
    repo = Repo(root, dict(site_template.keys))
    assert main(["--root", str(root), "build", "--exclude-unapproved"]) == 0
    site = root / "site"
    notice = site / "notices" / TITLE / "index.html"
    html = notice.read_text("utf-8")
    assert REASON in html and "2026-04-01" in html and 'lang="zh-CN"' in html
    assert "noindex" in html
    index = json.loads((site / SEARCH_INDEX).read_text("utf-8"))
    assert not any(quote(TITLE) in e["location"] for e in index["docs"])
    assert not any("虞山会堂" in e["text"] for e in index["docs"])
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert quote(TITLE) not in sitemap
    column = (site / "notices" / "index.html").read_text("utf-8")
    assert TITLE not in column
    assert check(repo, site) == []


@pytest.mark.attack
def test_a_published_post_cannot_go_without_a_withdrawal_in_force(
    published: Repo, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    shutil.copytree(published.root, base)
    (published.root / POST).unlink()
    report, findings = verdict_on(published, base)
    assert (POST, "withdrawal-missing", "error") in findings
    # A hand-written record nobody signed is not a withdrawal.
    published.write(
        RECORD,
        f"kind: withdrawal\npost: {POST}\ndepartment: office\nsha256: x\n"
        "date: 2026-04-01\ntitle: x\nreason: x\n",
    )
    report, findings = verdict_on(published, base)
    assert (POST, "withdrawal-missing", "error") in findings
    (published.root / RECORD).unlink()
    shutil.copy(base / POST, published.root / POST)
    withdraw(published, "head", "section_head")
    withdraw(published, "lead", "supervising_leader")
    (published.root / POST).unlink()
    report, findings = verdict_on(published, base)
    assert not [f for f in findings if f[1] == "withdrawal-missing"]


def verdict_on(repo: Repo, base: Path) -> tuple[Report, list[tuple[str, str, str]]]:
    report = verify_repository(repo.root, repo.config, now=NOW, base=base)
    return report, [(f.path, f.rule, f.severity) for f in report.findings]
