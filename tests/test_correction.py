"""Corrections (更正说明, 附件1 第十五条): a changed published post says when and what
was corrected, and its earlier approved versions stay reachable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.commands.build import read_mkdocs_config, theme_files
from pipeline.history import file_versions
from pipeline.main import main
from pipeline.post import sha256_hex
from pipeline.site import EARLIER, check_site, site_sources
from pipeline.verify import EarlierVersion, verify_repository
from tests.helpers.repo import NOW, Repo, post_text
from tests.test_build import make_site_repo

POST = "content/notices/关于申报科技计划项目的通知.md"
TITLE = "关于申报科技计划项目的通知"
FIRST = "申报截止日期为五月十日，逾期不予受理。\n"
SECOND = "申报截止日期为五月二十日，逾期不予受理。\n"
NOTE = "申报截止日期由五月十日更正为五月二十日"


def corrected(replaces: str, note: str = NOTE) -> str:
    extra = f"corrections:\n  - date: 2026-05-02\n    note: {note}\n    replaces: {replaces}\n"
    return post_text(title=TITLE, body=SECOND, extra=extra)


def published(repo: Repo) -> str:
    """The post approved and committed; the SHA-256 of that version."""
    repo.write(POST, post_text(title=TITLE, body=FIRST))
    repo.approve_all(POST)
    repo.commit("发布通知")
    return sha256_hex((repo.root / POST).read_bytes())


def versions(repo: Repo) -> EarlierVersion:
    return lambda path, sha: file_versions(repo.root, path).get(sha)


def test_the_page_shows_the_note_and_links_the_earlier_version(repo: Repo) -> None:
    first = published(repo)
    repo.write(POST, corrected(first))
    repo.approve_all(POST)
    report = verify_repository(
        repo.root, repo.config, now=NOW, earlier_version=versions(repo)
    )
    assert [f.rule for f in report.findings] == []
    sources = site_sources(report, repo.config, on=NOW.date())
    page = sources.files["notices/关于申报科技计划项目的通知.md"].decode()
    assert "更正说明" in page and "2026-05-02 更正：" + NOTE in page
    assert f"earlier-{first[:12]}/" in page
    [earlier] = [p for p in sources.pages.values() if p.kind == EARLIER]
    text = sources.files[earlier.source].decode()
    assert "五月十日" in text and "更正前的版本" in text and 'lang="zh-CN"' in text


def test_a_version_that_was_never_committed_is_refused(repo: Repo) -> None:
    published(repo)
    repo.write(POST, corrected("ab" * 32))
    repo.approve_all(POST)
    report = verify_repository(
        repo.root, repo.config, now=NOW, earlier_version=versions(repo)
    )
    assert [(f.path, f.rule) for f in report.findings] == [(POST, "correction-unknown")]
    assert report.publishable == []


@pytest.mark.attack
def test_changing_a_published_post_without_a_note_is_refused(
    repo: Repo, tmp_path: Path
) -> None:
    first = published(repo)
    base = tmp_path / "base"
    shutil.copytree(repo.root, base)
    repo.write(POST, post_text(title=TITLE, body=SECOND))
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW, base=base)
    [missing] = [f for f in report.findings if f.rule == "correction-missing"]
    assert first in (missing.hint or "") and report.publishable == []
    repo.write(POST, corrected(first))
    repo.approve_all(POST)
    report = verify_repository(
        repo.root, repo.config, now=NOW, base=base, earlier_version=versions(repo)
    )
    assert report.findings == [] and [p.path for p in report.publishable] == [POST]


def test_the_note_must_be_plain_text(repo: Repo) -> None:
    first = published(repo)
    repo.write(POST, corrected(first, note="<script>x</script>"))
    report = verify_repository(repo.root, repo.config, now=NOW)
    [problem] = [f for f in report.findings if f.rule == "front-matter"]
    assert "更正说明不能含有 < 或 >" in problem.message and report.publishable == []


@pytest.mark.slow
def test_real_build_keeps_the_earlier_version_reachable(
    tmp_path: Path, key_folder: Path
) -> None:
    repo = make_site_repo(tmp_path / "repo", key_folder)
    first = published(repo)
    repo.write(POST, corrected(first))
    repo.approve_all(POST)
    repo.commit("更正通知")
    assert main(["--root", str(repo.root), "build", "--exclude-unapproved"]) == 0
    site = repo.root / "site"
    page = (site / "notices" / TITLE / "index.html").read_text("utf-8")
    assert "更正说明" in page and NOTE in page and "五月二十日" in page
    earlier = site / "notices" / TITLE / f"earlier-{first[:12]}" / "index.html"
    assert "五月十日" in earlier.read_text("utf-8")
    assert f"earlier-{first[:12]}" not in (site / "sitemap.xml").read_text("utf-8")
    assert "五月十日" not in (site / "search" / "search_index.json").read_text("utf-8")
    report = verify_repository(repo.root, repo.config, earlier_version=versions(repo))
    settings, _ = read_mkdocs_config(repo.root / "mkdocs.yml")
    sources = site_sources(report, repo.config)
    assert check_site(site, sources, report, theme_files=theme_files(settings)) == []
    assert main(["--root", str(repo.root), "check-site", str(site)]) == 0


@pytest.mark.attack
def test_an_earlier_version_the_checks_block_is_never_shown(repo: Repo) -> None:
    # Signed, but with a script the content checks refuse: never publishable.
    repo.write(POST, post_text(title=TITLE, body=FIRST + "<script>alert(1)</script>\n"))
    repo.approve_all(POST)
    repo.commit("带脚本的版本")
    first = sha256_hex((repo.root / POST).read_bytes())
    repo.write(POST, corrected(first))
    repo.approve_all(POST)
    report = verify_repository(
        repo.root, repo.config, now=NOW, earlier_version=versions(repo)
    )
    assert [f.rule for f in report.findings] == ["correction-unapproved"]
    assert report.earlier == {}
    sources = site_sources(report, repo.config, on=NOW.date())
    assert not [p for p in sources.pages.values() if p.kind == EARLIER]
    page = sources.files["notices/关于申报科技计划项目的通知.md"].decode()
    assert NOTE in page and "earlier-" not in page


@pytest.mark.attack
def test_a_draft_never_approved_is_not_an_earlier_version(repo: Repo) -> None:
    repo.write(POST, post_text(title=TITLE, body="取消全部补贴。\n"))
    repo.commit("未经审批的草稿")
    draft = sha256_hex((repo.root / POST).read_bytes())
    repo.write(POST, corrected(draft))
    repo.approve_all(POST)
    report = verify_repository(
        repo.root, repo.config, now=NOW, earlier_version=versions(repo)
    )
    assert [f.rule for f in report.findings] == ["correction-unapproved"]
    assert report.earlier == {}
