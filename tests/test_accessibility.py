"""Accessibility (附件2 第十四条): WCAG 2.1 AA, checked by axe-core in headless Chromium.

A site is built with ``portal build`` from the signed fixture repository of
``test_build`` plus a long regulation (chapters, sections, many articles) and a post
with a Markdown table, served by ``http.server`` on 127.0.0.1 (a free port, in a
thread) and opened in Debian's Chromium, driven over the DevTools protocol on a pipe
(``DevTools`` of ``test_search_browser``). On the home page, a column index and both
posts:

- axe-core, read from ``node_modules/axe-core`` (installed by ``npm install`` at the
  repository root, see README) and injected with ``Runtime.evaluate``, runs the
  WCAG 2.0/2.1 A and AA rules; no violation may be ``serious`` or ``critical``;
- the page declares ``lang="zh-CN"`` and loads nothing from beyond 127.0.0.1;
- the keyboard: the first Tab stop is a skip link to the page's heading, which leads
  past the navigation, and Tab reaches the main navigation and the content's links;
- printing: the print stylesheet hides the header, navigation, search and footer and
  keeps the article.

Without Chromium or axe-core the browser tests are skipped, saying which is missing;
in CI (``CI`` set) they fail instead: ``.ci/run`` installs both.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.main import main
from pipeline.post import sha256_hex
from pipeline.site import location_page, page_path, page_url
from tests.helpers.repo import Repo, post_text
from tests.helpers.serve import serving
from tests.test_attachments import png
from tests.test_build import PROJECT, make_site_repo
from tests.test_search_browser import CHROMIUM, TIMEOUT, DevTools

# Pinned: the install step of .ci/run and README install this version.
AXE_VERSION = "4.14.1"
AXE_SCRIPT = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
LANGUAGE = "zh-CN"
TAB_PRESSES = 40

REGULATION = "content/laws/常熟市科技创新促进条例.md"
TABLE_POST = "content/notices/二〇二六年科技创新券兑付情况.md"
IMAGE_POST = "content/notices/科技创新券申报流程.md"

pytestmark = pytest.mark.browser


def _url(post: str) -> str:
    return page_url(page_path(post.removeprefix("content/")))


# Page name → site-relative URL of each page audited (see ``add_audited_posts``).
AUDITED_PAGES = {
    "home": "",
    "column-index": "laws/",
    "long-post": _url(REGULATION),
    "table-post": _url(TABLE_POST),
    "image-post": _url(IMAGE_POST),
}


def missing_tools() -> str | None:
    """Why the browser tests cannot run here; None when Chromium and axe-core are."""
    if not Path(CHROMIUM).exists():
        return f"needs Debian's chromium ({CHROMIUM})"
    if not AXE_SCRIPT.is_file():
        return (
            f"needs axe-core in {AXE_SCRIPT.parent}: at the repository root run "
            f"npm install --prefix . --no-save axe-core@{AXE_VERSION}"
        )
    return None


@pytest.fixture(scope="module")
def tools() -> None:
    """Skip without Chromium or axe-core, except in CI, which must have them."""
    reason = missing_tools()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the accessibility audit, but it {reason}")
    if reason:
        pytest.skip(reason)


# --------------------------------------------------------------------------- site


def regulation_body() -> str:
    """A regulation's body: history, chapters with sections, many numbered articles."""
    numbers = "一二三四五六七八九十"
    parts = [
        "## 制定和修改沿革\n\n"
        "- 2020年6月1日 常熟市人民代表大会常务委员会通过\n"
        "- 2024年9月1日 常熟市人民代表大会常务委员会修正\n"
    ]
    article = 0
    for chapter in numbers[:6]:
        parts.append(f"## 第{chapter}章 科技创新第{chapter}部分\n")
        for section in numbers[:2]:
            parts.append(f"### 第{section}节 分项规定\n")
            for _ in range(4):
                article += 1
                parts.append(
                    f"第{article}条 市科学技术行政部门应当会同有关部门，"
                    "按照本条例的规定做好科技创新的组织、协调和服务工作。\n\n"
                    "有关单位应当予以配合，并依法保护当事人的合法权益。\n"
                )
    parts.append(
        "## 附则\n\n科技创新券的申报，按照[有关通知](../notices/科技创新券申报通知.md)"
        "执行。\n\n本条例自公布之日起施行。\n"
    )
    return "\n".join(parts)


# NOTE: no alignment row (`---:`): the content scan refuses the style attribute
# Markdown then puts on each cell.
TABLE_BODY = """\
各有关单位：现将二〇二六年第一批科技创新券兑付情况公布如下。

| 序号 | 企业名称 | 兑付金额（万元） | 服务机构 |
| --- | --- | --- | --- |
| 1 | 常熟某某精密机械有限公司 | 12.5 | 常熟市检验检测中心 |
| 2 | 常熟某某新材料科技有限公司 | 8.0 | 苏州某某知识产权代理事务所 |
| 3 | 常熟某某电子有限公司 | 20.0 | 常熟理工学院技术转移中心 |

申报办法见[科技创新券申报通知](科技创新券申报通知.md)，如有疑问请与办公室联系。
"""


def add_audited_posts(repo: Repo) -> None:
    """Write and approve the posts audited besides the fixture repository's own:
    a long regulation, a table, and an image with its text alternative (an
    attachment listed in the post, as ``portal attach`` writes it)."""
    repo.write(
        REGULATION,
        post_text(
            title="常熟市科技创新促进条例",
            column="laws",
            department="policy",
            handler="pclerk",
            extra="issuer: 常熟市人民代表大会常务委员会\nstatus: effective\n"
            "effective: 2024-09-01\n",
            body=regulation_body(),
        ),
    )
    repo.sign(REGULATION, "pclerk", "handler")
    repo.sign(REGULATION, "phead", "section_head")
    repo.sign(REGULATION, "lead", "supervising_leader")
    repo.write(
        TABLE_POST, post_text(title="二〇二六年科技创新券兑付情况", body=TABLE_BODY)
    )
    repo.approve_all(TABLE_POST)
    image = png()
    repo.write(f"{IMAGE_POST.removesuffix('.md')}/申报流程.png", image)
    repo.write(
        IMAGE_POST,
        post_text(
            title="科技创新券申报流程",
            body="申报流程如下图所示。\n\n"
            "![科技创新券申报流程：企业注册、提交申请、科室审核、兑付](科技创新券申报流程/申报流程.png)\n",
            extra=f'attachments:\n  - file: "申报流程.png"\n    sha256: {sha256_hex(image)}\n',
        ),
    )
    repo.approve_all(IMAGE_POST)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Path:
    repo = make_site_repo(tmp_path_factory.mktemp("a11y") / "repo", key_folder)
    add_audited_posts(repo)
    assert main(["--root", str(repo.root), "build", "--exclude-unapproved"]) == 0
    site = repo.root / "site"
    for url in AUDITED_PAGES.values():
        assert (site / location_page(url)).is_file(), url
    return site


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    """The built site on http://127.0.0.1:<free port>/, shut down afterwards."""
    with serving(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(
    tools: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevTools]:
    devtools = DevTools(tmp_path_factory.mktemp("a11y-chromium") / "profile")
    try:
        yield devtools
    finally:
        devtools.close()


# --------------------------------------------------------------------------- browser


class Tab:
    """One page, loaded in a target of its own, with the session that drives it."""

    def __init__(self, browser: DevTools, url: str) -> None:
        self.browser = browser
        self.target = browser.send("Target.createTarget", {"url": url})["targetId"]
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": self.target, "flatten": True}
        )["sessionId"]
        self._wait_until_loaded(url)

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str, *, wait: bool = False) -> Any:
        """The JSON value of ``expression`` (a promise awaited when ``wait``)."""
        reply = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": wait},
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression[:80]}…: {reply['exceptionDetails']}")
        return reply.get("result", {}).get("value")

    def _wait_until_loaded(self, url: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState + ' ' + location.href") == (
                f"complete {url}"
            ):
                return
            time.sleep(0.1)
        raise AssertionError(f"{url} did not load within {TIMEOUT} s")

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})


@pytest.fixture(params=sorted(AUDITED_PAGES))
def page(
    request: pytest.FixtureRequest, browser: DevTools, server: str
) -> Iterator[Tab]:
    """Each audited page, opened in a tab of its own."""
    tab = Tab(browser, server + AUDITED_PAGES[request.param])
    try:
        marked = "[data-portal-path], [data-portal-generated]"
        assert tab.evaluate(f"!!document.querySelector({marked!r})"), "not our page"
        yield tab
    finally:
        tab.close()


def run_axe(tab: Tab) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the page."""
    tab.evaluate(AXE_SCRIPT.read_text("utf-8"))
    assert tab.evaluate("axe.version") == AXE_VERSION, "see AXE_VERSION"
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    script = f"""axe.run(document, {json.dumps(options)}).then(results =>
        results.violations.map(v => ({{
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')),
            summary: (v.nodes[0] || {{}}).failureSummary || ''}})))"""
    violations: list[dict[str, Any]] = tab.evaluate(script, wait=True)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's impact, id, help and first target, with axe's advice."""
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['targets'])} elements, "
        f"first {v['targets'][0] if v['targets'] else '?'})\n  {v['summary']}"
        for v in violations
    )


TAB = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}
ENTER = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}
# What has the focus: the skip link, the main navigation (tabs and sidebar), the
# content, or another element (its tag and classes).
FOCUSED = """(() => { const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    if (e.matches('a.md-skip')) return 'skip';
    if (e.closest('.md-tabs, .md-nav--primary')) return 'navigation';
    if (e.closest('.md-content')) return 'content';
    return e.tagName.toLowerCase() + '.' + e.className; })()"""


def focus_page(tab: Tab) -> None:
    """Give the page keyboard focus, with nothing in it focused yet."""
    tab.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
    tab.evaluate("document.activeElement && document.activeElement.blur()")


def press(tab: Tab, key: dict[str, Any]) -> None:
    """Press and release ``key``."""
    tab.send("Input.dispatchKeyEvent", {"type": "keyDown", **key})
    released = {name: value for name, value in key.items() if name != "text"}
    tab.send("Input.dispatchKeyEvent", {"type": "keyUp", **released})


# --------------------------------------------------------------------------- tests


def test_axe_finds_no_serious_violation(page: Tab) -> None:
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found:\n" + describe(blocking)


def test_page_is_chinese_and_loads_nothing_from_elsewhere(
    page: Tab, server: str
) -> None:
    assert page.evaluate("document.documentElement.lang") == LANGUAGE
    resources = page.evaluate(
        "performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    assert resources
    assert [url for url in resources if not url.startswith(server)] == []


def test_every_built_page_declares_zh_cn(built_site: Path) -> None:
    """All of them, 404 page included: ``portal build`` sets the tag (see build.py)."""
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > len(AUDITED_PAGES)
    for path in pages:
        head = path.read_text("utf-8")[:500]
        assert f'<html lang="{LANGUAGE}"' in head, path


def test_tab_reaches_skip_link_navigation_and_content(page: Tab) -> None:
    focus_page(page)
    focused = []
    for _ in range(TAB_PRESSES):
        press(page, TAB)
        focused.append(page.evaluate(FOCUSED))
        if "navigation" in focused and "content" in focused:
            break
    assert focused[0] == "skip", focused
    assert "navigation" in focused and "content" in focused, focused


def test_skip_link_leads_past_the_navigation(page: Tab) -> None:
    target = page.evaluate(
        """(() => { const link = document.querySelector('a.md-skip');
        const id = link && decodeURIComponent(link.hash.slice(1));
        const target = id && document.getElementById(id);
        return target && target.closest('.md-content article') ? target.tagName
                                                               : null; })()"""
    )
    assert target == "H1"
    focus_page(page)
    press(page, TAB)
    assert page.evaluate(FOCUSED) == "skip"
    press(page, ENTER)
    press(page, TAB)
    assert page.evaluate(FOCUSED) == "content"


def test_print_hides_navigation_and_keeps_the_article(page: Tab) -> None:
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = page.evaluate(
            """(() => { const shown = s => Array.from(document.querySelectorAll(s))
                .some(e => e.checkVisibility({opacityProperty: true,
                                              visibilityProperty: true}));
            return {header: shown('.md-header'), tabs: shown('.md-tabs'),
                    navigation: shown('.md-sidebar--primary'),
                    search: shown('.md-search'), footer: shown('.md-footer'),
                    skip: shown('.md-skip'),
                    article: shown('.md-content article h1')}; })()"""
        )
    finally:
        page.send("Emulation.setEmulatedMedia", {"media": ""})
    hidden = ("header", "tabs", "navigation", "search", "footer", "skip")
    assert shown == {**dict.fromkeys(hidden, False), "article": True}
