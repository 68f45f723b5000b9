"""Real MkDocs builds of a small signed repository: plugin, ``portal build``, check.

The repository has two approved posts with Chinese titles and file names and one
unapproved draft whose words must never reach the built site, search index included.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.main import main
from pipeline.site import SEARCH_INDEX, check_site, page_path, page_url, site_sources
from pipeline.verify import verify_repository
from tests.helpers.repo import Repo, make_repo, post_text

PROJECT = Path(__file__).resolve().parents[1]
NOTICE = "content/notices/科技创新券申报通知.md"
NOTICE_TITLE = "关于开展科技创新券申报工作的通知"
LAW = "content/laws/中华人民共和国科学技术进步法.md"
DRAFT = "content/notices/内部草稿.md"
# A two-character word jieba keeps whole, found only in the notice's body.
SEARCH_WORD = "月底"
# Text of the unapproved draft; none of it may appear anywhere in a built site.
DRAFT_TRACES = ("QZX9", "秘钥甲乙丙丁", "内部草稿", quote("内部草稿"))


def make_site_repo(root: Path, key_folder: Path) -> Repo:
    """A repository with the project's mkdocs.yml, two approved posts and a draft."""
    repo = make_repo(root, key_folder)
    repo.write("mkdocs.yml", (PROJECT / "mkdocs.yml").read_bytes())
    repo.write(
        NOTICE,
        post_text(
            title=NOTICE_TITLE,
            body="各有关单位：现将科技创新券申报工作通知如下。\n\n"
            "申报材料请于月底前提交至办公室。\n",
        ),
    )
    repo.approve_all(NOTICE)
    repo.write(
        LAW,
        post_text(
            title="中华人民共和国科学技术进步法",
            column="laws",
            department="policy",
            handler="pclerk",
            extra="issuer: 全国人民代表大会常务委员会\nstatus: effective\n"
            "effective: 2022-01-01\n",
            body="## 第一章 总则\n\n第一条 为了全面促进科学技术进步，制定本法。\n",
        ),
    )
    repo.sign(LAW, "pclerk", "handler")
    repo.sign(LAW, "phead", "section_head")
    repo.sign(LAW, "lead", "supervising_leader")
    repo.write(
        DRAFT,
        post_text(
            title="内部草稿通知",
            body="这是尚未审批的内容，含有独特词语秘钥甲乙丙丁QZX9。\n",
        ),
    )
    repo.sign(DRAFT, "clerk", "handler")
    return repo


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Repo:
    return make_site_repo(tmp_path_factory.mktemp("template") / "repo", key_folder)


@pytest.fixture
def site_repo(template: Repo, tmp_path: Path) -> Repo:
    """A fresh copy of the signed template repository."""
    root = tmp_path / "repo"
    shutil.copytree(template.root, root)
    return Repo(root, dict(template.keys))


def mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """Plain ``mkdocs build``, as someone bypassing ``portal build`` would run it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")]
    return subprocess.run(
        [*command, "-d", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def portal(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


def edit_mkdocs(repo: Repo, old: str, new: str) -> None:
    path = repo.root / "mkdocs.yml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def site_text(path: Path) -> str:
    """A built file as text a reader or a search would see (JSON unescaped, no ZWSP)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".json":
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return text.replace("\u200b", "")


def assert_no_trace(site: Path) -> None:
    files = [path for path in site.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert "内部草稿" not in path.as_posix()
        text = site_text(path)
        for needle in DRAFT_TRACES:
            assert needle not in text, (path, needle)


def check(repo: Repo, site: Path) -> list[str]:
    """``check_site`` against a fresh verification, as rule ids with paths."""
    report = verify_repository(repo.root, repo.config)
    sources = site_sources(report, repo.config)
    return sorted(f"{f.rule} {f.path}" for f in check_site(site, sources, report))


# --------------------------------------------------------------------------- plugin


def test_mkdocs_build_fails_naming_the_unapproved_post(site_repo: Repo) -> None:
    site = site_repo.root / "site"
    run = mkdocs_build(site_repo.root, site)
    assert run.returncode != 0
    assert DRAFT in run.stderr
    assert "approval-missing" in run.stderr
    assert "exclude_unapproved" in run.stderr
    assert not (site / "notices").exists()


def test_mkdocs_build_leaves_out_unapproved_post(site_repo: Repo) -> None:
    edit_mkdocs(site_repo, "exclude_unapproved: false", "exclude_unapproved: true")
    site = site_repo.root / "site"
    run = mkdocs_build(site_repo.root, site)
    assert run.returncode == 0, run.stderr
    assert f"已排除 {DRAFT}" in run.stderr
    assert_no_trace(site)
    assert (site / page_path("notices/科技创新券申报通知.md")).is_file()
    assert check(site_repo, site) == []


# --------------------------------------------------------------------------- portal build


def test_portal_build_refuses_unapproved_post(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site = site_repo.root / "site"
    assert portal(site_repo.root, "build") == 1
    err = capsys.readouterr().err
    assert DRAFT.replace("content", "reviews").replace(".md", ".yml") in err
    assert "--exclude-unapproved" in err
    assert not site.exists()


def test_portal_build_excluding_unapproved_passes_check(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    out, err = capsys.readouterr()
    assert f"已排除：{DRAFT}" in err
    assert "排除未获批准的文件 1 个" in out
    site = site_repo.root / "site"
    assert_no_trace(site)
    assert check(site_repo, site) == []
    assert portal(site_repo.root, "check-site", "site") == 0
    # No staging or backup folder is left next to the site.
    assert (
        sorted(p.name for p in site_repo.root.iterdir() if p.name.startswith(".")) == []
    )


def test_portal_build_all_approved(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_repo.root / DRAFT).unlink()
    (
        site_repo.root / DRAFT.replace("content", "reviews").replace(".md", ".yml")
    ).unlink()
    out_dir = site_repo.root / "public"
    assert portal(site_repo.root, "build", "--site-dir", "public") == 0
    out = capsys.readouterr().out
    assert re.search(
        r"网站已构建并通过逐页核对：5 个页面（稿件 2 篇），排除未获批准的文件 0 个，用时 [\d.]+ 秒",
        out,
    ), out
    assert check(site_repo, out_dir) == []


def test_chinese_title_and_file_name(site_repo: Repo) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    site = site_repo.root / "site"
    page = site / "notices" / "科技创新券申报通知" / "index.html"
    html = page.read_text("utf-8")
    assert f"<title>{NOTICE_TITLE} - 常熟市科学技术局</title>" in html
    assert f'data-portal-path="{NOTICE}"' in html
    assert "<dt>发布机关</dt><dd>办公室</dd>" in html
    law = (site / "laws" / "中华人民共和国科学技术进步法" / "index.html").read_text(
        "utf-8"
    )
    assert "<dt>发布机关</dt><dd>全国人民代表大会常务委员会</dd>" in law
    assert "<dt>效力状态</dt><dd>现行有效</dd>" in law
    index = (site / "notices" / "index.html").read_text("utf-8")
    assert f'href="{quote("科技创新券申报通知")}/">{NOTICE_TITLE}</a>' in index
    # The navigation (tabs and sidebar) holds the home page and the columns, no post.
    links = re.findall(r'<a href="([^"]*)" class="md-(?:nav|tabs)__link', html)
    assert sorted(set(links)) == ["../", "../..", "../../laws/"]


def test_chinese_search_index_segments_words(site_repo: Repo) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    index = json.loads((site_repo.root / "site" / SEARCH_INDEX).read_text("utf-8"))
    separator = re.compile(index["config"]["separator"])
    url = page_url(page_path("notices/科技创新券申报通知.md"))
    entries = [e for e in index["docs"] if e["location"].split("#")[0] == url]
    assert entries
    text = " ".join(re.sub(r"<[^>]+>", " ", e["text"]) for e in entries)
    assert "\u200b" in text
    tokens = set(separator.split(text))
    assert SEARCH_WORD in tokens
    assert "提交" in tokens


def test_build_without_plugin_still_only_verified(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_mkdocs(site_repo, "  - portal:\n      exclude_unapproved: false\n", "")
    # Plain MkDocs now publishes everything in content/, and the check catches it.
    plain = site_repo.root / "plain"
    run = mkdocs_build(site_repo.root, plain)
    assert run.returncode == 0, run.stderr
    problems = check(site_repo, plain)
    assert "site-extra-page plain/notices/内部草稿/index.html" in problems
    assert "site-search-index plain/search/search_index.json" in problems
    # portal build stages verified sources only, so the same mkdocs.yml is safe.
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    site = site_repo.root / "site"
    assert_no_trace(site)
    assert check(site_repo, site) == []
    # Only the generated navigation: home and columns.
    home = (site / "index.html").read_text("utf-8")
    assert "notices/" in home and NOTICE_TITLE in home


def test_site_failing_the_check_is_not_put_in_place(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    site = site_repo.root / "site"
    before = {
        p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()
    }
    capsys.readouterr()
    # A hook that slips a page in after the build: the check must refuse the result.
    site_repo.write(
        "leak.py",
        "from pathlib import Path\n\n\n"
        "def on_post_build(config):\n"
        "    page = Path(config.site_dir) / 'leak' / 'index.html'\n"
        "    page.parent.mkdir()\n"
        "    page.write_text('<p>未经审批</p>')\n",
    )
    edit_mkdocs(site_repo, "plugins:\n", "hooks:\n  - leak.py\n\nplugins:\n")
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 1
    err = capsys.readouterr().err
    assert "[site-extra-page]" in err and "site/leak/index.html" in err
    after = {
        p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()
    }
    assert after == before


def test_rebuild_replaces_the_whole_site(site_repo: Repo) -> None:
    site = site_repo.root / "site"
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    (site / "stale.html").write_text("<p>旧页面</p>", "utf-8")
    assert portal(site_repo.root, "check-site", "site") == 1
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    assert not (site / "stale.html").exists()
    assert portal(site_repo.root, "check-site", "site") == 0


@pytest.mark.parametrize("target", [".", "content", "site_config/site", ".."])
def test_site_dir_may_not_be_the_repository(
    site_repo: Repo, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in site_repo.root.iterdir())
    assert (
        portal(site_repo.root, "build", "--exclude-unapproved", "--site-dir", target)
        == 1
    )
    assert "网站目录" in capsys.readouterr().err
    assert sorted(p.name for p in site_repo.root.iterdir()) == before


def test_unrelated_folder_is_not_overwritten(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = site_repo.root / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("keep me", "utf-8")
    assert (
        portal(site_repo.root, "build", "--exclude-unapproved", "--site-dir", "notes")
        == 1
    )
    assert "不会覆盖" in capsys.readouterr().err
    assert (folder / "todo.txt").read_text("utf-8") == "keep me"
