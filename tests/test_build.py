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
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.commands import build as build_command
from pipeline.commands.build import read_mkdocs_config, theme_files
from pipeline.main import main
from pipeline.site import (
    SEARCH_INDEX,
    SiteSources,
    check_site,
    page_path,
    page_url,
    site_sources,
)
from pipeline.verify import Report, verify_repository
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
    settings, problems = read_mkdocs_config(repo.root / "mkdocs.yml")
    assert problems == []
    findings = check_site(site, sources, report, theme_files=theme_files(settings))
    return sorted(f"{f.rule} {f.path}" for f in findings)


# --------------------------------------------------------------------------- plugin


@pytest.mark.attack
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
    assert '<html lang="zh-CN"' in (site / "index.html").read_text("utf-8")
    assert check(site_repo, site) == []


# --------------------------------------------------------------------------- portal build


@pytest.mark.attack
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
        r"网站已构建并通过逐页核对：7 个页面（稿件 2 篇），排除未获批准的文件 0 个，用时 [\d.]+ 秒",
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


@pytest.mark.attack
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


@pytest.mark.attack
def test_site_failing_the_check_is_not_put_in_place(
    site_repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    site = site_repo.root / "site"
    before = {
        p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()
    }
    capsys.readouterr()
    # Something slips a page in after MkDocs ran: the check must refuse the result.
    real_run = build_command.run_mkdocs

    def leaky_run(
        root: Path, staging: Path, output: Path, sources: SiteSources, *, exclude: bool
    ) -> None:
        real_run(root, staging, output, sources, exclude=exclude)
        (output / "leak").mkdir()
        (output / "leak" / "index.html").write_text("<p>未经审批</p>", "utf-8")

    monkeypatch.setattr(build_command, "run_mkdocs", leaky_run)
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


# --------------------------------------------------------------------------- holes


@pytest.mark.attack
def test_post_front_matter_never_reaches_mkdocs(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """PyYAML refuses ``2026-02-30`` as a date; MkDocs must not see that YAML at all."""
    odd = {
        "content/notices/否.md": "no",
        "content/notices/日期标题.md": "2018-05-02",
    }
    for path, title in odd.items():
        text = post_text(title=title, extra="issuer: 2026-02-30\n")
        site_repo.write(path, text)
        site_repo.approve_all(path)
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0, (
        capsys.readouterr().err
    )
    site = site_repo.root / "site"
    for path, title in odd.items():
        page = site / page_path(path.removeprefix("content/"))
        html = page.read_text("utf-8")
        assert f"<title>{title} - 常熟市科学技术局</title>" in html
        assert "<dd>2026-02-30</dd>" in html
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            text = site_text(path)
            for secret in ("secrecy_review", "handler:", "opinion:", "basis:"):
                assert secret not in text, (path, secret)
        if path.is_file():
            assert "不涉及国家秘密" not in site_text(path), path
    assert check(site_repo, site) == []


def test_check_site_reports_files_other_than_pages(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    site = site_repo.root / "site"
    assert portal(site_repo.root, "check-site", "site") == 0
    capsys.readouterr()
    (site / "notices" / "fake.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "utf-8",
    )
    (site / "notice.txt").write_text("未经审批的通知", "utf-8")
    (site / "x").mkdir()
    (site / "x" / "page.xml").write_text("<page>未经审批</page>", "utf-8")
    (bundle,) = (site / "assets" / "javascripts").glob("bundle.*.min.js")
    with bundle.open("a") as file:
        file.write("alert(1);\n")
    assert portal(site_repo.root, "check-site", "site") == 1
    err = capsys.readouterr().err
    for name in ("notices/fake.svg", "notice.txt", "x/page.xml", bundle.name):
        assert re.search(rf"site/\S*{re.escape(name)}: 错误 \[site-extra-file\]", err)
    assert sorted(check(site_repo, site)) == sorted(
        f"site-extra-file site/{name}"
        for name in (
            "notices/fake.svg",
            "notice.txt",
            "x/page.xml",
            bundle.relative_to(site).as_posix(),
        )
    )


def test_stray_stylesheet_in_content_is_no_false_positive(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site_repo.write("content/assets/portal.css", "body { display: none; }\n")
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0, (
        capsys.readouterr().err
    )
    assert portal(site_repo.root, "check-site", "site") == 0
    css = (site_repo.root / "site" / "assets" / "portal.css").read_text("utf-8")
    assert "display: none" not in css


HOOK = "from pathlib import Path\n\nPath(__file__).with_name('hook-ran').touch()\n"
UNSAFE_SETTINGS = {
    "hooks": ("plugins:\n", "hooks:\n  - leak.py\n\nplugins:\n"),
    "theme.custom_dir": (
        "  name: material\n",
        "  name: material\n  custom_dir: over\n",
    ),
    "extra_javascript": ("extra:\n", "extra_javascript:\n  - assets/x.js\n\nextra:\n"),
    "extra_css": (
        "  - assets/portal.css\n",
        "  - assets/portal.css\n  - https://cdn.example.invalid/x.css\n",
    ),
    "extra_templates": ("extra:\n", "extra_templates:\n  - robots.txt\n\nextra:\n"),
    "plugins": ("  - search\n", "  - search\n  - blog\n"),
    "markdown_extensions": (
        "extra:\n",
        "markdown_extensions:\n  - toc\n  - pymdownx.snippets:\n      base_path: ['.']\n"
        "  - markdown_include.include\n\nextra:\n",
    ),
    "INHERIT": ("site_name:", "INHERIT: base.yml\nsite_name:"),
}


@pytest.mark.parametrize("key", sorted(UNSAFE_SETTINGS))
@pytest.mark.attack
def test_unsafe_mkdocs_settings_are_refused_before_building(
    site_repo: Repo, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    site_repo.write("leak.py", HOOK)
    site_repo.write("over/main.html", '{% extends "base.html" %}\n')
    site_repo.write("base.yml", "hooks:\n  - leak.py\n")
    edit_mkdocs(site_repo, *UNSAFE_SETTINGS[key])
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 1
    err = capsys.readouterr().err
    assert f"mkdocs.yml: 字段 {key}：" in err
    assert err.count("mkdocs.yml: 字段") == 1
    assert "请" in err.split(f"字段 {key}：")[1].splitlines()[0]
    assert not (site_repo.root / "site").exists()
    assert not (site_repo.root / "hook-ran").exists()


@pytest.mark.attack
def test_python_tags_in_mkdocs_yml_are_refused_unrun(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """MkDocs's YAML loader runs ``!!python/object/apply``; ours refuses it."""
    marker = site_repo.root / "tag-ran"
    edit_mkdocs(
        site_repo,
        "extra:\n",
        f"extra:\n  x: !!python/object/apply:os.mkdir ['{marker}']\n",
    )
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml:" in err and "!!python" in err
    assert not marker.exists()
    assert not (site_repo.root / "site").exists()


def test_allowed_mkdocs_settings_pass() -> None:
    _, problems = read_mkdocs_config(PROJECT / "mkdocs.yml")
    assert problems == []


def test_allowed_extensions_and_env_pass(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: !ENV [PORTAL_TEST_UNSET, 测试]\n"
        "theme:\n  name: material\n"
        "plugins:\n  - search:\n      lang: zh\n  - portal\n"
        "extra_css: [assets/portal.css]\n"
        "extra_javascript: []\n"
        "markdown_extensions:\n"
        + "".join(f"  - {name}\n" for name in build_command.ALLOWED_EXTENSIONS)
        + "  - toc:\n      permalink: true\n",
        "utf-8",
    )
    settings, problems = read_mkdocs_config(config)
    assert problems == []
    assert settings["site_name"] == "测试"


@pytest.mark.attack
def test_check_site_refuses_unsafe_settings(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0
    capsys.readouterr()
    edit_mkdocs(site_repo, "plugins:\n", "hooks:\n  - leak.py\n\nplugins:\n")
    assert portal(site_repo.root, "check-site", "site") == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml: 错误 [site-config] 字段 hooks：" in err


@pytest.mark.attack
def test_plugin_refuses_unsafe_settings(site_repo: Repo) -> None:
    edit_mkdocs(site_repo, "exclude_unapproved: false", "exclude_unapproved: true")
    edit_mkdocs(site_repo, *UNSAFE_SETTINGS["extra_javascript"])
    site = site_repo.root / "site"
    run = mkdocs_build(site_repo.root, site)
    assert run.returncode != 0
    assert "mkdocs.yml: 字段 extra_javascript：" in run.stderr
    assert not (site / "index.html").exists()


def test_missing_page_of_dot_file_post_names_it(
    site_repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MkDocs skips ``.name.md``; should such a post ever pass, the build says why."""
    hidden = "content/notices/.科技创新券申报通知.md"

    def verify_with_hidden_post(*args: object, **kwargs: object) -> Report:
        report = verify_repository(site_repo.root, site_repo.config)
        report.publishable = [
            replace(post, path=hidden) if post.path == NOTICE else post
            for post in report.publishable
        ]
        return report

    monkeypatch.setattr(build_command, "verified", verify_with_hidden_post)
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 1
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "[site-page-missing]" in line]
    assert f"稿件 {hidden}" in line
    assert f"请把 {hidden} 改成不以“.”开头的文件名" in line
    assert "mkdocs.yml" not in err
    assert not (site_repo.root / "site").exists()


@pytest.mark.attack
def test_the_site_must_render_with_the_dialect_posts_were_scanned_in(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_mkdocs(
        site_repo,
        "use_directory_urls: true\n",
        "use_directory_urls: true\nmarkdown_extensions:\n  - attr_list\n",
    )
    assert portal(site_repo.root, "build") == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml: 字段 markdown_extensions：" in err and "site.yml" in err
    assert not (site_repo.root / "site").exists()
    # Declared in site.yml too, the dialect is the same for the scan and the site.
    site = site_repo.root / "site_config/site.yml"
    site.write_text(
        site.read_text("utf-8") + "markdown_extensions: [attr_list]\n", "utf-8"
    )
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 0


@pytest.mark.attack
def test_an_application_copied_into_the_site_stops_verify_and_build(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Applications hold personal data: never built around, whatever the options."""
    site_repo.write(
        "content/notices/申请登记.txt",
        "number: 2026-0001\nreceived:\n  channel: email\n"
        "  at: 2026-09-24T10:30:00+08:00\napplicant:\n  name: 张三\n",
    )
    assert portal(site_repo.root, "verify") == 1
    assert "[register-in-site]" in capsys.readouterr().out
    assert portal(site_repo.root, "build", "--exclude-unapproved") == 1
    err = capsys.readouterr().err
    assert "--exclude-unapproved 对此不起作用" in err
    assert not (site_repo.root / "site").exists()


def test_verify_reminds_the_office_to_publish_where_to_apply(
    site_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    portal(site_repo.root, "verify")
    out = capsys.readouterr().out
    assert "site_config/site.yml: 警告 [disclosure-office]" in out
    assert "disclosure_office" in out and "附件2 第三条" in out
