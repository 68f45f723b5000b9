"""Site sources and the page-by-page check, without any site generator.

A "built site" here is faked by writing each source's text into the HTML file its
page would be: the raw-HTML markers pass through unchanged, as with a real renderer.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import markdown
import pytest
import yaml

from pipeline.config import MKDOCS_BUILTIN_EXTENSIONS, SiteConfig, load_config
from pipeline.errors import ConfigError
from pipeline.findings import RULES, Finding, finding
from pipeline.post import Post, parse_post, sha256_hex
from pipeline.site import (
    HOME_SOURCE,
    SEARCH_INDEX,
    STYLESHEET,
    SiteSources,
    check_site,
    location_page,
    metadata_block,
    page_markers,
    page_path,
    page_url,
    site_sources,
)
from pipeline.verify import Report
from tests.helpers.repo import Repo, post_text

NOTICE = "content/notices/科技创新券申报通知.md"
# One file the fake theme provides, and the hash check_site is told to expect.
THEME_JS = b"console.log('theme');\n"
THEME = {"assets/javascripts/theme.js": sha256_hex(THEME_JS)}


def make_post(
    repo: Repo,
    path: str = NOTICE,
    *,
    published: str = "2026-03-01",
    **fields: str,
) -> Post:
    """A validated post (not signed: the check takes approval from the report)."""
    text = post_text(**fields).replace(
        "published: 2026-03-01", f"published: {published}"
    )
    post, problems = parse_post(path, text.encode("utf-8"), repo.config)
    assert post is not None, problems
    return post


def fake_build(site: Path, sources: SiteSources) -> None:
    """Write each page's source text into the HTML file the page would be built to."""
    for page in sources.pages.values():
        target = site / page.page
        target.parent.mkdir(parents=True, exist_ok=True)
        body = sources.files[page.source].decode("utf-8")
        target.write_text(f"<!doctype html><html><body>{body}</body></html>", "utf-8")
    index = {
        "config": {},
        "docs": [
            {"location": page_url(page), "title": "", "text": ""}
            for page in sources.pages
        ],
    }
    (site / "search").mkdir(parents=True, exist_ok=True)
    (site / SEARCH_INDEX).write_text(json.dumps(index), "utf-8")
    (site / "404.html").write_text("<html><body>404</body></html>", "utf-8")
    for name, data in sources.static_files().items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
    (site / "assets" / "javascripts").mkdir(parents=True)
    (site / "assets" / "javascripts" / "theme.js").write_bytes(THEME_JS)


def check(site: Path, sources: SiteSources, report: Report) -> list[Finding]:
    return check_site(site, sources, report, theme_files=THEME)


def rules_of(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.path, f.rule) for f in findings)


@pytest.fixture
def config(repo: Repo) -> SiteConfig:
    return repo.config


@pytest.fixture
def two_posts(repo: Repo) -> Report:
    older = make_post(
        repo, "content/notices/二月通知.md", published="2026-02-01", title="二月的通知"
    )
    newer = make_post(
        repo, "content/notices/三月通知.md", published="2026-03-05", title="三月的通知"
    )
    return Report(publishable=[older, newer])


# --------------------------------------------------------------------------- sources


def test_post_source_is_title_block_and_body(repo: Repo, config: SiteConfig) -> None:
    post = make_post(repo, body="正文第一段。\n\n正文第二段。\n")
    sources = site_sources(Report(publishable=[post]), config)
    page = sources.files["notices/科技创新券申报通知.md"].decode("utf-8")
    block = metadata_block(post, config)
    assert page == (
        f'---\ntitle: "{post.title}"\n---\n\n# {post.title}\n\n{block}\n\n'
        "正文第一段。\n\n正文第二段。\n"
    )


@pytest.mark.parametrize(
    "title", ["no", "2018-05-02", "'\"引号\" \\ 与 #号: 冒号'", "'[方括号] {花括号}'"]
)
def test_post_front_matter_is_the_title_only(
    repo: Repo, config: SiteConfig, title: str
) -> None:
    """The post's own front matter (read differently by PyYAML) never reaches MkDocs."""
    text = post_text(title=title).replace(
        "doc_number: 常科综〔2026〕3号", "doc_number: 2026-02-30"
    )
    post, problems = parse_post(NOTICE, text.encode("utf-8"), config)
    assert post is not None, problems
    page = site_sources(Report(publishable=[post]), config).files[
        "notices/科技创新券申报通知.md"
    ]
    _, front, rest = page.decode("utf-8").split("---\n", 2)
    # PyYAML's own rules, as MkDocs reads front matter.
    assert yaml.safe_load(front) == {"title": post.title}
    for secret in ("secrecy_review", "handler", "opinion", "basis", "不涉及国家秘密"):
        assert secret not in page.decode("utf-8")
    heading, after = rest.removeprefix("\n").split("\n\n", 1)
    assert heading.startswith("# ")
    assert after.startswith(f"{metadata_block(post, config)}\n\n")
    assert "<dt>文号</dt><dd>2026-02-30</dd>" in rest


def test_title_with_yaml_line_breaks_stays_one_line(
    repo: Repo, config: SiteConfig
) -> None:
    post = replace(make_post(repo), title="甲\u2028乙\x85丙\ufeff丁")
    page = site_sources(Report(publishable=[post]), config).files[
        "notices/科技创新券申报通知.md"
    ]
    _, front, _ = page.decode("utf-8").split("---\n", 2)
    assert front.count("\n") == 1
    assert yaml.safe_load(front) == {"title": post.title}


def test_metadata_block_escapes_every_field(repo: Repo, config: SiteConfig) -> None:
    post = make_post(
        repo,
        extra="issuer: '<script>alert(1)</script> & 局'\nstatus: repealed\neffective: 2026-04-01\n",
    )
    post = Post(**{**post.__dict__, "doc_number": '常科〔2026〕"3"<b>号'})
    block = metadata_block(post, config)
    assert "<script>" not in block and "<b>" not in block
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 局" in block
    assert "常科〔2026〕&quot;3&quot;&lt;b&gt;号" in block
    assert "<dt>效力状态</dt><dd>已废止</dd>" in block
    assert "<dt>施行日期</dt><dd>2026-04-01</dd>" in block
    assert '<dt>栏目</dt><dd><a href="../">通知公告</a></dd>' in block
    (marker,) = page_markers(block)
    assert marker["data-portal-path"] == NOTICE
    assert marker["data-portal-sha256"] == post.sha256


def test_issuer_defaults_to_department_name(repo: Repo, config: SiteConfig) -> None:
    block = metadata_block(make_post(repo), config)
    assert "<dt>发布机关</dt><dd>办公室</dd>" in block
    assert "效力状态" not in block and "施行日期" not in block


@pytest.mark.attack
def test_title_with_html_is_escaped_everywhere(repo: Repo, config: SiteConfig) -> None:
    # Validation refuses < and > in titles; the sources escape them all the same.
    post = replace(make_post(repo), title="<img src=x onerror=alert(1)>通知")
    sources = site_sources(Report(publishable=[post]), config)
    page = next(
        name
        for name in sources.files
        if name.startswith("notices/") and "index" not in name
    )
    for name in ("notices/index.md", HOME_SOURCE, page):
        text = sources.files[name].decode("utf-8")
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;通知" in text


@pytest.mark.attack
@pytest.mark.parametrize(
    "title",
    [
        "**粗** _斜_ `码` [链接](https://example.invalid) ![图](x.png)",
        "<b>粗</b> &amp; &#60;i&#62; \\# 一 #",
        "1. 像列表",
        "- 像列表",
    ],
)
def test_title_heading_is_plain_text(
    repo: Repo, config: SiteConfig, title: str
) -> None:
    """Each page opens with its title as a Markdown heading (the theme's skip link
    points at it); no character of the title is read as Markdown or HTML."""
    post = replace(make_post(repo), title=title)
    sources = site_sources(Report(publishable=[post]), config)
    headings = {
        "notices/科技创新券申报通知.md": title,
        "notices/index.md": "通知公告",
        HOME_SOURCE: "测试门户",
    }
    for name, shown in headings.items():
        text = sources.files[name].decode("utf-8").split("---\n", 2)[2]
        rendered = markdown.markdown(text, extensions=list(MKDOCS_BUILTIN_EXTENSIONS))
        (heading,) = re.findall(r"<h1[^>]*>(.*?)</h1>", rendered)
        assert "<" not in heading
        assert html.unescape(heading) == shown


def test_column_index_lists_newest_first(two_posts: Report, config: SiteConfig) -> None:
    sources = site_sources(two_posts, config)
    text = sources.files["notices/index.md"].decode("utf-8")
    assert text.index("三月的通知") < text.index("二月的通知")
    assert "共 2 条" in text
    assert '<a href="%E4%B8%89%E6%9C%88%E9%80%9A%E7%9F%A5/">三月的通知</a>' in text
    home = sources.files[HOME_SOURCE].decode("utf-8")
    assert home.index("三月的通知") < home.index("二月的通知")
    assert 'href="notices/%E4%B8%89%E6%9C%88%E9%80%9A%E7%9F%A5/"' in home


def test_home_shows_five_newest_per_column(repo: Repo, config: SiteConfig) -> None:
    posts = [
        make_post(
            repo,
            f"content/notices/通知{day:02d}.md",
            published=f"2026-03-{day:02d}",
            title=f"第{day:02d}号通知",
        )
        for day in range(1, 8)
    ]
    sources = site_sources(Report(publishable=posts), config)
    home = sources.files[HOME_SOURCE].decode("utf-8")
    shown = [f"第{day:02d}号通知" for day in range(7, 2, -1)]
    assert [title for title in shown if title in home] == shown
    assert "第02号通知" not in home and "第01号通知" not in home
    assert "共 7 条" in home
    index = sources.files["notices/index.md"].decode("utf-8")
    assert all(f"第{day:02d}号通知" in index for day in range(1, 8))


def test_empty_column_says_so(two_posts: Report, config: SiteConfig) -> None:
    sources = site_sources(two_posts, config)
    laws = sources.files["laws/index.md"].decode("utf-8")
    assert "暂无信息" in laws and "共 0 条" in laws
    assert "维护科室：政策法规科" in laws


def test_markers_of_generated_pages(two_posts: Report, config: SiteConfig) -> None:
    sources = site_sources(two_posts, config)
    (home,) = page_markers(sources.files[HOME_SOURCE].decode("utf-8"))
    assert home["data-portal-generated"] == "home"
    (index,) = page_markers(sources.files["laws/index.md"].decode("utf-8"))
    assert index["data-portal-generated"] == "column-index"
    assert index["data-portal-column"] == "laws"
    for post in two_posts.publishable:
        source = post.path.removeprefix("content/")
        (marker,) = page_markers(sources.files[source].decode("utf-8"))
        assert marker == {
            "class": "portal-meta",
            "data-portal-path": post.path,
            "data-portal-sha256": post.sha256,
        }


def test_nav_lists_home_and_columns_never_posts(
    two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    assert sources.nav == [
        {"首页": "index.md"},
        {"通知公告": "notices/index.md"},
        {"法律法规": "laws/index.md"},
    ]
    targets = [target for entry in sources.nav for target in entry.values()]
    assert not any(
        post.path.removeprefix("content/") in targets for post in two_posts.publishable
    )


def test_page_paths_follow_directory_urls() -> None:
    assert page_path("index.md") == "index.html"
    assert page_path("laws/index.md") == "laws/index.html"
    assert page_path("laws/中华人民共和国科学技术进步法.md") == (
        "laws/中华人民共和国科学技术进步法/index.html"
    )
    assert page_url("laws/进步法/index.html") == "laws/%E8%BF%9B%E6%AD%A5%E6%B3%95/"
    assert (
        location_page("laws/%E8%BF%9B%E6%AD%A5%E6%B3%95/#_1")
        == "laws/进步法/index.html"
    )
    assert location_page("") == "index.html"


def test_crlf_post_gets_block_after_front_matter(
    repo: Repo, config: SiteConfig
) -> None:
    text = post_text().replace("\n", "\r\n")
    post, problems = parse_post(NOTICE, text.encode("utf-8"), config)
    assert post is not None, problems
    page = site_sources(Report(publishable=[post]), config).files[
        "notices/科技创新券申报通知.md"
    ]
    assert b"\r" not in page
    assert page.startswith(b'---\ntitle: "')
    assert b"---\n\n# " in page and b'\n\n<div class="portal-meta"' in page
    assert page.endswith(b"\n\n" + post.body.lstrip("\n").encode("utf-8"))


def test_blocked_posts_files_record_findings_under_the_post() -> None:
    record = finding("reviews/notices/草稿.yml", "approval-missing", "缺少签名。")
    front = finding("content/notices/坏稿.md", "front-matter", "缺少标题。")
    report = Report(findings=[record, front])
    assert report.blocked() == {
        "content/notices/坏稿.md": [front],
        "content/notices/草稿.md": [record],
    }


def test_site_rules_are_registered() -> None:
    for rule in (
        "site-extra-page",
        "site-page-mismatch",
        "site-page-missing",
        "site-extra-file",
        "site-config",
    ):
        assert RULES[rule] == "附件1 第九条"


# --------------------------------------------------------------------------- check


def test_faithful_site_passes(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    fake_build(tmp_path / "out" / "site", sources)
    assert check(tmp_path / "out" / "site", sources, two_posts) == []


@pytest.mark.attack
def test_injected_page_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "notices" / "内部草稿").mkdir()
    (site / "notices" / "内部草稿" / "index.html").write_text(
        "<p>未经审批</p>", "utf-8"
    )
    (site / "extra.htm").write_text("<p>x</p>", "utf-8")
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/extra.htm", "site-extra-page"),
        ("site/notices/内部草稿/index.html", "site-extra-page"),
    ]
    assert "没有审批标记" in findings[0].message


@pytest.mark.attack
def test_page_with_wrong_hash_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    page = site / "notices" / "三月通知" / "index.html"
    post = two_posts.publishable[1]
    page.write_text(page.read_text("utf-8").replace(post.sha256, "0" * 64), "utf-8")
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/notices/三月通知/index.html", "site-page-mismatch")
    ]
    assert "000000000000" in findings[0].message


@pytest.mark.attack
def test_page_of_one_post_at_anothers_place_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    first, second = (site / p.page for p in sources.pages.values() if p.kind == "post")
    first.write_bytes(second.read_bytes())
    findings = check(site, sources, two_posts)
    assert [f.rule for f in findings] == ["site-page-mismatch"]


@pytest.mark.attack
def test_page_with_a_second_marker_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    page = site / "notices" / "index.html"
    page.write_text(
        page.read_text("utf-8") + '<span data-portal-path="content/x.md"></span>',
        "utf-8",
    )
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [("site/notices/index.html", "site-page-mismatch")]
    assert "实有 2 个" in findings[0].message


@pytest.mark.attack
def test_page_of_unapproved_post_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    """A site built while a post was approved fails once that approval is gone."""
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    now = Report(publishable=two_posts.publishable[:1])
    findings = check(site, site_sources(now, config), now)
    assert ("site/notices/三月通知/index.html", "site-extra-page") in rules_of(findings)


def test_missing_page_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "notices" / "二月通知" / "index.html").unlink()
    (site / "laws" / "index.html").unlink()
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/laws/index.html", "site-page-missing"),
        ("site/notices/二月通知/index.html", "site-page-missing"),
    ]
    assert "稿件 content/notices/二月通知.md" in findings[1].message
    assert findings[1].hint and "content/notices/二月通知.md" in findings[1].hint


def test_missing_site_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    findings = check(tmp_path / "nothing", sources, two_posts)
    assert [f.rule for f in findings] == ["site-page-missing"]


@pytest.mark.attack
def test_search_index_entry_to_unexpected_page(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    index = json.loads((site / SEARCH_INDEX).read_text("utf-8"))
    index["docs"].append(
        {"location": "notices/%E8%8D%89%E7%A8%BF/#_1", "title": "草稿", "text": "内部"}
    )
    (site / SEARCH_INDEX).write_text(json.dumps(index), "utf-8")
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/search/search_index.json", "site-search-index")
    ]
    assert "notices/草稿/index.html" in findings[0].message


def test_unreadable_search_index_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / SEARCH_INDEX).write_text("{not json", "utf-8")
    assert [f.rule for f in check(site, sources, two_posts)] == ["site-search-index"]


@pytest.mark.attack
def test_source_files_are_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "notices" / "二月通知.md").write_bytes(two_posts.publishable[0].data)
    (site / "notes.markdown").write_text("x", "utf-8")
    stray = Report(
        publishable=two_posts.publishable,
        findings=[
            finding("content/notices/附件.docx", "unapproved-file", "不是稿件。")
        ],
    )
    (site / "notices" / "附件.docx").write_bytes(b"PK")
    findings = check(site, site_sources(stray, config), stray)
    assert rules_of(findings) == [
        ("site/notes.markdown", "site-source-file"),
        ("site/notices/二月通知.md", "site-source-file"),
        ("site/notices/附件.docx", "site-source-file"),
    ]


def test_marker_in_404_page_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "404.html").write_bytes(sources.files["notices/二月通知.md"])
    assert [f.rule for f in check(site, sources, two_posts)] == ["site-page-mismatch"]


@pytest.mark.attack
def test_sitemap_with_unexpected_location(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    base = "https://kjj.example.gov.cn/"
    locations = [base + page_url(page) for page in sources.pages]
    good = "".join(f"<url><loc>{loc}</loc></url>" for loc in locations)
    xml = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
    (site / "sitemap.xml").write_text(xml.format(good), "utf-8")
    assert check(site, sources, two_posts) == []
    bad = good + f"<url><loc>{base}notices/%E8%8D%89%E7%A8%BF/</loc></url>"
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(xml.format(bad).encode()))
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [("site/sitemap.xml.gz", "site-sitemap")]


@pytest.mark.attack
def test_symlink_in_site_is_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "repo").symlink_to(tmp_path)
    assert rules_of(check(site, sources, two_posts)) == [
        ("site/repo", "site-extra-page")
    ]


def test_files_other_than_pages_are_reported(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "notices" / "fake.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "utf-8",
    )
    (site / "notice.txt").write_text("未经审批的通知", "utf-8")
    (site / "x").mkdir()
    (site / "x" / "page.xml").write_text("<page>未经审批</page>", "utf-8")
    (site / "assets" / "javascripts" / "extra.js").write_text("alert(1)", "utf-8")
    (site / "search" / "notes.json").write_text("{}", "utf-8")
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/assets/javascripts/extra.js", "site-extra-file"),
        ("site/notice.txt", "site-extra-file"),
        ("site/notices/fake.svg", "site-extra-file"),
        ("site/search/notes.json", "site-extra-file"),
        ("site/x/page.xml", "site-extra-file"),
    ]
    assert all(f.article == "附件1 第九条" for f in findings)


@pytest.mark.attack
def test_theme_and_generated_files_must_keep_their_bytes(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    sources = site_sources(two_posts, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    with (site / "assets" / "javascripts" / "theme.js").open("a") as file:
        file.write("alert(1);\n")
    with (site / STYLESHEET).open("a") as file:
        file.write("body::after { content: '未经审批'; }\n")
    findings = check(site, sources, two_posts)
    assert rules_of(findings) == [
        ("site/assets/javascripts/theme.js", "site-extra-file"),
        ("site/assets/portal.css", "site-extra-file"),
    ]
    messages = {f.path: f.message for f in findings}
    assert "主题自带的同名文件内容不同" in messages["site/assets/javascripts/theme.js"]
    assert "portal 生成的同名文件内容不同" in messages["site/assets/portal.css"]


def test_generated_stylesheet_is_not_taken_for_a_copied_source(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    """A stray content/assets/portal.css does not make our own stylesheet suspect."""
    stray = Report(
        publishable=two_posts.publishable,
        findings=[
            finding("content/assets/portal.css", "unapproved-file", "不是稿件。")
        ],
    )
    sources = site_sources(stray, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    assert check(site, sources, stray) == []
    # The stray file itself, copied in place of ours, is still caught.
    (site / STYLESHEET).write_text("body { display: none; }", "utf-8")
    assert rules_of(check(site, sources, stray)) == [
        ("site/assets/portal.css", "site-source-file")
    ]


def test_missing_page_of_a_dot_file_post_says_what_to_do(
    tmp_path: Path, two_posts: Report, config: SiteConfig
) -> None:
    """Site generators skip names starting with a dot; the finding says so."""
    hidden = replace(two_posts.publishable[0], path="content/notices/.二月通知.md")
    report = Report(publishable=[hidden, two_posts.publishable[1]])
    sources = site_sources(report, config)
    site = tmp_path / "out" / "site"
    fake_build(site, sources)
    (site / "notices" / ".二月通知").rename(site / "notices" / "gone")
    findings = [f for f in check(site, sources, report) if f.rule != "site-extra-page"]
    assert rules_of(findings) == [
        ("site/notices/.二月通知/index.html", "site-page-missing")
    ]
    (missing,) = findings
    assert "稿件 content/notices/.二月通知.md" in missing.message
    assert missing.hint is not None
    assert "content/notices/.二月通知.md" in missing.hint
    assert "“.”开头" in missing.hint
    assert "mkdocs.yml" not in missing.text()


# --------------------------------------------------------------------------- validity

BUILT = dt.date(2026, 12, 4)


def law(repo: Repo, name: str, title: str, extra: str) -> Post:
    return make_post(
        repo,
        f"content/laws/{name}.md",
        title=title,
        column="laws",
        department="policy",
        handler="pclerk",
        extra=extra,
    )


@pytest.fixture
def amended(repo: Repo) -> Report:
    new = law(
        repo, "进步法2021", "中华人民共和国科学技术进步法", "effective: 2022-01-01\n"
    )
    old = law(
        repo,
        "进步法2007",
        "中华人民共和国科学技术进步法（2007年修订）",
        "status: amended\nsuperseded_by: content/laws/进步法2021.md\n",
    )
    return Report(publishable=[new, old])


def test_amended_document_has_a_banner_linking_its_successor(
    amended: Report, config: SiteConfig
) -> None:
    sources = site_sources(amended, config, on=BUILT)
    page = sources.files["laws/进步法2007.md"].decode("utf-8")
    banner = page[page.index("<aside") : page.index("</aside>")]
    assert 'role="note"' in banner
    assert "本文件已修改（自 2022-01-01 起），仅供查阅；取代它的文件见" in banner
    link = quote("../进步法2021/")
    assert f'<a href="{link}">《中华人民共和国科学技术进步法》</a>' in banner
    assert page.index("<aside") < page.index('class="portal-meta"')
    assert "<dt>效力状态</dt><dd>已修改</dd>" in page
    current = sources.files["laws/进步法2021.md"].decode("utf-8")
    assert "<aside" not in current and "<dt>效力状态</dt><dd>现行有效</dd>" in current


def test_document_expires_on_the_build_date(repo: Repo, config: SiteConfig) -> None:
    post = law(repo, "暂行办法", "科技创新券管理暂行办法", "expires: 2026-12-03\n")
    report = Report(publishable=[post])
    before = site_sources(report, config, on=dt.date(2026, 12, 3))
    assert "<aside" not in before.files["laws/暂行办法.md"].decode("utf-8")
    after = site_sources(report, config, on=BUILT).files["laws/暂行办法.md"]
    text = after.decode("utf-8")
    assert "本文件已失效（自 2026-12-04 起），仅供查阅。" in text
    assert "<dt>有效期至</dt><dd>2026-12-03</dd>" in text


def test_normative_document_expires_by_the_policy_period(
    repo: Repo, config: SiteConfig
) -> None:
    post = law(
        repo, "若干意见", "关于促进科技创新的若干意见", "effective: 2020-01-01\n"
    )
    post = replace(post, kind="normative")
    page = site_sources(Report(publishable=[post]), config, on=BUILT).files[
        "laws/若干意见.md"
    ]
    assert "本文件已失效（自 2025-01-01 起）" in page.decode("utf-8")


def test_successor_not_published_is_named_without_link(
    repo: Repo, config: SiteConfig
) -> None:
    post = law(
        repo,
        "旧办法",
        "科技计划项目管理暂行办法",
        "status: repealed\nexpires: 2025-12-31\nsuperseded_by: content/laws/新办法.md\n",
    )
    page = site_sources(Report(publishable=[post]), config, on=BUILT).files[
        "laws/旧办法.md"
    ]
    text = page.decode("utf-8")
    assert (
        "本文件已废止（自 2026-01-01 起），仅供查阅；已有新的文件取代本文件。" in text
    )
    assert "<a href" not in text[text.index("<aside") : text.index("</aside>")]


def test_column_index_shows_status_and_links_in_force_page(
    amended: Report, config: SiteConfig
) -> None:
    sources = site_sources(amended, config, on=BUILT)
    index = sources.files["laws/index.md"].decode("utf-8")
    assert "共 2 条" in index
    assert f'<a href="{quote("../现行有效/laws/")}">只看现行有效的 1 条</a>' in index
    assert "<td>已修改</td>" in index and "<td>现行有效</td>" in index
    in_force = sources.files["现行有效/laws.md"].decode("utf-8")
    assert "法律法规（现行有效）" in in_force
    assert "（2007年修订）" not in in_force
    link = quote("../../laws/进步法2021/")
    assert f'<a href="{link}">中华人民共和国科学技术进步法</a>' in in_force
    assert '<a href="../../laws/">查看全部 2 条</a>' in in_force
    (marker,) = page_markers(in_force)
    assert marker["data-portal-generated"] == "in-force-index"
    assert marker["data-portal-column"] == "laws"
    assert "<script" not in in_force
    notices = sources.files["现行有效/notices.md"].decode("utf-8")
    assert "暂无信息" in notices and "现行有效 0 条" in notices


def test_check_site_knows_the_in_force_pages(
    tmp_path: Path, amended: Report, config: SiteConfig
) -> None:
    sources = site_sources(amended, config, on=BUILT)
    assert page_path("现行有效/laws.md") in sources.pages
    site = tmp_path / "built"
    fake_build(site, sources)
    assert check(site, sources, amended) == []
    (site / "现行有效" / "laws" / "index.html").unlink()
    assert rules_of(check(site, sources, amended)) == [
        ("built/现行有效/laws/index.html", "site-page-missing")
    ]
    fake_build(tmp_path / "other", sources)
    wrong = tmp_path / "other" / "现行有效" / "notices" / "index.html"
    wrong.write_text(
        (tmp_path / "other" / "notices" / "index.html").read_text("utf-8"), "utf-8"
    )
    found = check(tmp_path / "other", sources, amended)
    assert [(f.rule, "现行有效目录页" in f.message) for f in found] == [
        ("site-page-mismatch", True)
    ]


def test_real_regulations_carry_banners_and_in_force_lists() -> None:
    from pipeline.config import load_config
    from pipeline.post import post_index

    root = Path(__file__).resolve().parents[1]
    config = load_config(root)
    posts = post_index(root, config)
    sources = site_sources(Report(publishable=list(posts.values())), config, on=BUILT)
    ended = [
        p for p in posts.values() if p.status in ("amended", "expired", "repealed")
    ]
    assert len(ended) >= 20
    for post in posts.values():
        page = sources.files[post.path.removeprefix("content/")].decode("utf-8")
        assert ('role="note"' in page) == (post in ended), post.path
    listed = "".join(
        sources.files[f"现行有效/{column}.md"].decode("utf-8")
        for column in config.columns
    )
    for post in posts.values():
        link = quote(post.path.removeprefix("content/").removesuffix(".md") + "/")
        assert (f'href="../../{link}"' in listed) == (post not in ended), post.path


def test_status_defaults_to_today_in_the_site_time_zone(
    repo: Repo, config: SiteConfig
) -> None:
    today = dt.datetime.now(config.site.tz).date()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    post = law(repo, "暂行办法", "科技创新券管理暂行办法", f"expires: {yesterday}\n")
    report = Report(publishable=[post])
    assert site_sources(report, config).files == (
        site_sources(report, config, on=today).files
    )
    assert "本文件已失效" in site_sources(report, config).files[
        "laws/暂行办法.md"
    ].decode("utf-8")


OFFICE = """\
disclosure_office:
  name: 常熟市科学技术局办公室
  address: 常熟市海虞北路 1 号
  hours: 工作日 8:30—17:30
  phone: 0512-00000000
  fax: 0512-00000001
  email: open@example.invalid
"""


def test_the_receiving_office_is_published_with_every_field(repo: Repo) -> None:
    """附件2 第三条: name, address, hours, phone, fax and e-mail on the site."""
    site = (repo.root / "site_config/site.yml").read_text("utf-8")
    repo.write("site_config/site.yml", site + OFFICE)
    config = repo.config
    sources = site_sources(Report(), config, on=dt.date(2026, 6, 1))
    page = sources.files["依申请公开/index.md"].decode()
    for value in (
        "常熟市科学技术局办公室",
        "常熟市海虞北路 1 号",
        "工作日 8:30—17:30",
        "0512-00000000",
        "0512-00000001",
        "open@example.invalid",
    ):
        assert value in page
    assert f"{config.policy.applications.reply_days} 个工作日" in page
    assert {"依申请公开": "依申请公开/index.md"} in sources.nav
    assert sources.pages["依申请公开/index.html"].describe() == "依申请公开受理机构页"


def test_a_receiving_office_without_its_fax_is_refused(repo: Repo) -> None:
    site = (repo.root / "site_config/site.yml").read_text("utf-8")
    repo.write(
        "site_config/site.yml", site + OFFICE.replace("  fax: 0512-00000001\n", "")
    )
    with pytest.raises(ConfigError, match="传真号码"):
        load_config(repo.root)
