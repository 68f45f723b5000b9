"""Text a signer could not see, and raw HTML that could change the page after approval."""

from __future__ import annotations

import pytest

from pipeline.config import MARKDOWN_EXTENSIONS, MKDOCS_BUILTIN_EXTENSIONS
from pipeline.scan import scan_text

PATH = "content/notices/通知.md"


def rules(text: str) -> list[tuple[str, int | None]]:
    return [(f.rule, f.line) for f in scan_text(PATH, text)]


@pytest.mark.parametrize(
    "line",
    [
        "<script>alert(1)</script>",
        "<STYLE>.md-typeset p{font-size:0}</style>",
        '<iframe src="http://127.0.0.1:8799/frame.html"></iframe>',
        '<img src="a.png" onerror="x()">',
        '<a href="javascript:alert(1)">点此</a>',
        '<a href="data:text/html;base64,AAAA">点此</a>',
        '<span style="display:none">隐藏的文字</span>',
        '<object data="x.swf"></object>',
        '<link rel="stylesheet" href="x.css">',
    ],
)
def test_unsafe_html_is_found_with_its_line(line: str) -> None:
    assert rules(f"---\ntitle: x\n---\n正文\n{line}\n") == [("unsafe-html", 5)]


@pytest.mark.parametrize(
    "line",
    [
        "第一条 为了规范科技计划管理，制定本办法。",
        "| 项目 | 金额（万元） |",
        "[《依申请公开制度》](../rules/依申请公开制度.md)",
        "<br>",
        "　　全角空格缩进的段落。",
        "含零宽空格\u200b的分词文本",
        "<table><tr><td>表格</td></tr></table>",
    ],
)
def test_ordinary_text_passes(line: str) -> None:
    assert rules(f"{line}\n") == []


def test_lone_carriage_return_hides_text_in_a_terminal() -> None:
    text = "第一行\n即日起暂停全部兑付。\r定于 12 月 15 日召开。\n"
    [finding] = scan_text(PATH, text)
    assert (finding.rule, finding.line) == ("hidden-text", 2)
    assert "U+000D" in finding.message


def test_crlf_line_ends_are_fine() -> None:
    assert rules("第一行\r\n第二行\r\n") == []


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x00", "\x1b", "\u2028"])
def test_direction_overrides_and_control_characters(char: str) -> None:
    assert rules(f"正文{char}内容\n") == [("hidden-text", 1)]


@pytest.mark.parametrize(
    "body",
    [
        "<details/open/ontoggle=alert(1)><summary>附</summary></details>",
        '<img src="x"\nalt=""\nonerror="alert(2)">',
        '<div title=">" onclick="alert(3)">x</div>',
        "[点我](jav&#97;script:alert(4))",
        "[点我](javascript&colon;alert(4))",
        "![外部图片](https://example.invalid/banner.png)",
        '<video src="https://example.invalid/v.mp4" autoplay></video>',
        '段落\n{: onclick="alert(1)" }',
        '<p dir="rtl">倒排</p>',
        # Browsers close <!--> at once; Python's parser reads on to the next -->.
        '<!--><img src="x.png" alt="" title=""/onerror=alert(5)>-->',
        "<!--><b>没有事件属性也不行</b>-->",
        "<!-- 读者看不到的话 -->",
        "文字<![CDATA[ x ]]>",
        # A backslash is a slash to a browser: /\\host is another host.
        "![栏目示意图](/\\127.0.0.1:8765/banner.png)",
    ],
)
@pytest.mark.attack
def test_html_a_browser_would_run_or_fetch_is_refused(body: str) -> None:
    for dialect in (MKDOCS_BUILTIN_EXTENSIONS, MARKDOWN_EXTENSIONS):
        found = scan_text(PATH, f"---\ntitle: x\n---\n正文\n\n{body}\n", dialect)
        rules = [f.rule for f in found][:1]
        harmless = body.startswith("段落\n{:") and "attr_list" not in dialect
        assert rules == ([] if harmless else ["unsafe-html"]), (body, dialect)


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        '*[CQ]: <img src="https://evil.example/banner.png" width="100%">',
        '*[<img\nsrc="x"\nonerror="document.title=1">]: 安全',
    ],
)
def test_markup_an_extension_the_site_lacks_would_hide_is_judged(body: str) -> None:
    # The site renders with MkDocs' three built-ins: no abbreviations, so this line
    # reaches the page as written and must be judged as such.
    found = scan_text(PATH, f"---\ntitle: x\n---\n正文\n\n{body}\n")
    assert [f.rule for f in found][:1] == ["unsafe-html"]


@pytest.mark.attack
def test_character_references_to_hidden_characters_are_found() -> None:
    found = scan_text(PATH, "---\ntitle: x\n---\n金额 &#x202E;0005&#x202C; 元\n")
    assert [(f.rule, f.line) for f in found] == [("hidden-text", 4)]


@pytest.mark.parametrize(
    "body",
    [
        "[《依申请公开制度》](../rules/依申请公开制度.md)",
        "[国家法律法规数据库](https://flk.npc.gov.cn/)",
        "| 项目 | 金额 |\n| --- | --- |\n| 创新券 | 10 |",
        "联系电话：0512-52701234，邮箱：[kjj@example.cn](mailto:kjj@example.cn)",
        '<table><tr><td colspan="2">合并单元格</td></tr></table>',
        "| 项目 | 金额（万元） |\n| :--- | ---: |\n| 创新券 | 10 |",
    ],
)
def test_ordinary_markdown_and_simple_html_pass(body: str) -> None:
    found = scan_text(PATH, f"---\ntitle: x\n---\n{body}\n")
    assert [f.rule for f in found if f.rule == "unsafe-html"] == [], found


def test_script_tags_are_refused_even_in_code_samples() -> None:
    # NOTE: cautious by design; a portal post has no need to show HTML source.
    found = scan_text(PATH, "```\n<script>示例代码</script>\n```\n")
    assert [f.rule for f in found] == ["unsafe-html"]


def test_html_before_a_horizontal_rule_is_still_judged() -> None:
    text = "---\ntitle: x\n---\n![外部](https://example.invalid/a.png)\n\n---\n\n后文\n\n---\n\n结尾\n"
    assert [f.rule for f in scan_text(PATH, text)] == ["unsafe-html"]
