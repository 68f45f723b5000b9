"""The normative form of a post (附件1 第十八条): document numbers, dates, titles,
images, links; crafted cases and every real post in ``content/``."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import (
    MARKDOWN_EXTENSIONS,
    MKDOCS_BUILTIN_EXTENSIONS,
    SiteConfig,
    load_config,
)
from pipeline.findings import ERROR, RULES, WARNING, Finding
from pipeline.norms import check_form
from pipeline.post import Listed, Post, parse_post, post_paths, read_post

ROOT = Path(__file__).resolve().parents[1]
NOTICE = "content/notices/关于开展科技创新券申报工作的通知.md"
RULES_POST = "content/rules/依申请公开制度.md"
RULES_BODY = """
## 第一章 总则

第一条 为规范依申请公开工作，制定本制度。

## 第二章 受理

第五条 申请人应当出示有效身份证件。

## 第三章 答复 {#dafu .zhang}

第九条 答复期限为十五个工作日。

## Scope

适用范围。
"""


@pytest.fixture(scope="module")
def config() -> SiteConfig:
    return load_config(ROOT)


def make_post(
    config: SiteConfig,
    body: str = "正文。\n",
    *,
    path: str = NOTICE,
    title: str = "关于开展科技创新券申报工作的通知",
    doc_number: str | None = "常科综〔2026〕3号",
    published: str = "2026-03-01",
) -> Post:
    column = path.split("/")[1]
    number = f"doc_number: '{doc_number}'\n" if doc_number else ""
    text = (
        "---\n"
        f"title: '{title}'\n"
        f"column: {column}\n"
        "department: office\n"
        "tier: general\n"
        f"published: {published}\n"
        f"{number}"
        "kind: notice\n"
        "secrecy_review:\n"
        "  handler: chen-jing\n"
        "  opinion: publishable\n"
        "  basis: 不涉及国家秘密\n"
        f"  date: {published}\n"
        "---\n"
        f"{body}"
    )
    post, problems = parse_post(path, text.encode("utf-8"), config)
    assert post is not None, problems
    return post


def check(
    config: SiteConfig,
    body: str = "正文。\n",
    extensions: tuple[str, ...] = MKDOCS_BUILTIN_EXTENSIONS,
    root: Path | None = None,
    *,
    title: str = "关于开展科技创新券申报工作的通知",
    doc_number: str | None = "常科综〔2026〕3号",
    published: str = "2026-03-01",
    attached: tuple[str, ...] = (),
) -> list[Finding]:
    """Findings on a notice with ``body``, beside a rules post with headings;
    ``attached`` names the attachments the notice lists."""
    post = make_post(
        config, body, title=title, doc_number=doc_number, published=published
    )
    post = replace(post, listed=tuple(Listed(n, "0" * 64, 1) for n in attached))
    target = make_post(config, RULES_BODY, path=RULES_POST, doc_number=None)
    posts = {post.path: post, target.path: target}
    return check_form(post, posts, extensions, root=root)


def rules(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.rule, f.line) for f in findings]


# The body starts on line 15 of a post made by ``make_post`` with a document number.
BODY_LINE = 15


def test_the_rules_are_registered_under_article_18() -> None:
    for rule in (
        "doc-number",
        "doc-number-cited",
        "impossible-date",
        "title-punctuation",
        "image-alt",
        "broken-link",
        "insecure-link",
    ):
        assert RULES[rule] == "附件1 第十八条"


def test_a_clean_post_has_no_findings(config: SiteConfig) -> None:
    body = (
        "各有关单位：\n\n根据常科综〔2018〕35号文件，现将有关事项通知如下。\n\n"
        "申报时间为2026年3月1日至2026年3月31日。\n\n"
        "详见[《依申请公开制度》](../rules/依申请公开制度.md)。\n"
    )
    assert check(config, body) == []


# ------------------------------------------------------------ document numbers


@pytest.mark.parametrize(
    "value",
    [
        "常科综〔2018〕35号",
        "常科综〔2026〕3号",
        "国科发政〔2016〕106号",
        "法释〔2022〕9号",
        "中华人民共和国国务院令第731号",
        "中华人民共和国主席令第三十一号",
        "中华人民共和国主席令（第三十一号）",
        "国家知识产权局令第17号",
        "国家知识产权局公告第二九九号",
        None,
    ],
)
def test_well_formed_document_numbers_pass(
    config: SiteConfig, value: str | None
) -> None:
    assert check(config, doc_number=value) == []


@pytest.mark.parametrize(
    ("value", "wrong", "fixed"),
    [
        ("常科综[2018]35号", "方括号 [ ]", "常科综〔2018〕35号"),
        ("苏政发（2020）12号", "圆括号（）", "苏政发〔2020〕12号"),
        ("苏政发(2020)12号", "半角圆括号 ( )", "苏政发〔2020〕12号"),
        ("常科综【2018】35号", "方头括号【】", "常科综〔2018〕35号"),
        ("常科综［2018］35号", "全角方括号［］", "常科综〔2018〕35号"),
        ("常科综〈2018〉35号", "单书名号〈〉", "常科综〔2018〕35号"),
        ("常科综〔2018〕035号", "前导零", "常科综〔2018〕35号"),
        ("常科综〔18〕35号", "四位数", "常科综〔18〕35号"),
        ("常科综〔2027〕3号", "晚于发布日期 2026-03-01", "常科综〔2027〕3号"),
        ("常科综〔2018〕号", "缺少序号", "常科综〔2018〕序号号"),
        ("常科综〔2018〕35", "缺少「号」", "常科综〔2018〕35号"),
        ("常科综 〔2018〕 35号", "空格", "常科综〔2018〕35号"),
    ],
)
def test_malformed_document_number_is_an_error_on_its_field(
    config: SiteConfig, value: str, wrong: str, fixed: str
) -> None:
    [found] = check(config, doc_number=value)
    assert (found.rule, found.severity, found.field) == (
        "doc-number",
        ERROR,
        "doc_number",
    )
    assert found.line == 7  # the doc_number line of the front matter
    assert wrong in found.message and value in found.message
    assert found.hint is not None and f"「{fixed}」" in found.hint


@pytest.mark.parametrize("value", ["2018年35号", "第35号", "常科综35号", "无"])
def test_a_document_number_of_no_known_form_is_an_error(
    config: SiteConfig, value: str
) -> None:
    [found] = check(config, doc_number=value)
    assert found.rule == "doc-number" and "不是规范的文号形式" in found.message
    assert found.hint is not None and "常科综〔2018〕35号" in found.hint


def test_the_year_may_be_the_year_of_publication(config: SiteConfig) -> None:
    assert check(config, doc_number="常科综〔2026〕1号", published="2026-01-05") == []
    assert rules(check(config, doc_number="常科综〔2026〕1号", published="2025-12-31"))


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("根据常科综[2018]35号文件的要求，", "[2018]35号"),
        ("按照苏政发（2020）12号执行。", "（2020）12号"),
        ("见苏政发(2020)12号。", "(2020)12号"),
        ("依据国发【2015】7号。", "【2015】7号"),
        ("依据国发〔2015〕07号。", "〔2015〕07号"),
    ],
)
def test_malformed_cited_document_number_is_a_warning_with_its_line(
    config: SiteConfig, line: str, shown: str
) -> None:
    [found] = check(config, f"各单位：\n\n{line}\n")
    assert (found.rule, found.severity) == ("doc-number-cited", WARNING)
    assert found.line == BODY_LINE + 2 and shown in found.message
    assert found.field is None and found.hint is not None and "〔" in found.hint


@pytest.mark.parametrize(
    "line",
    [
        "根据常科综〔2018〕35号文件。",
        "《最高人民法院关于审理不正当竞争民事案件应用法律若干问题的解释》（法释〔2007〕2号）同时废止。",
        "2018年11月6日 中华人民共和国国务院令第706号公布",
        "中华人民共和国主席令第三十一号公布",
        "（2018）京01民初35号民事判决书",
        "本级党委或者政府副秘书长〔办公厅（室）副主任〕兼任",
        "国发〔2015〕号文件的精神",
        "《科学技术进步法》（2021年修订）第十二条",
        "科技创新券（2020）",
        "办公地址：人民路（北段）12号",
        "`常科综[2018]35号` 是错误写法的示例",
    ],
)
def test_look_alikes_of_cited_document_numbers_pass(
    config: SiteConfig, line: str
) -> None:
    assert check(config, f"{line}\n") == []


def test_cited_numbers_in_a_fenced_code_block_are_not_prose(config: SiteConfig) -> None:
    assert check(config, "示例：\n\n```\n常科综[2018]35号\n2026年2月30日\n```\n") == []


# ----------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2026年2月30日", "2 月只有 28 日"),
        ("2024年2月30日", "2 月只有 29 日"),
        ("2026-02-30", "2 月只有 28 日"),
        ("2026/04/31", "4 月只有 30 日"),
        ("2026.11.31", "11 月只有 30 日"),
        ("2026.11.1-2026.11.31", "11 月只有 30 日"),
        ("2026-02-01～2026-02-30", "2 月只有 28 日"),
        ("2025年13月1日", "没有 13 月"),
        ("2025年13月", "没有 13 月"),
        ("2025年0月1日", "没有 0 月"),
        ("2026年3月0日", "从 1 日起"),
        ("2023年2月29日", "2023 年不是闰年"),
        ("2100年2月29日", "2100 年不是闰年"),
        ("2026 年 2 月 30 日", "2 月只有 28 日"),
        ("２０２６年２月３０日", "2 月只有 28 日"),
        ("2月30日", "2 月只有 29 日"),
        ("6月31日", "6 月只有 30 日"),
        ("26年2月30日", "2 月只有 29 日"),
        ("二〇二六年二月三十日", "2 月只有 28 日"),
        ("二〇二五年十三月一日", "没有 13 月"),
        ("二〇二三年二月二十九日", "2023 年不是闰年"),
        ("二ＯＯ八年四月三十一日", "4 月只有 30 日"),
        ("十一月三十一日", "11 月只有 30 日"),
        ("九月三十二日", "9 月只有 30 日"),
    ],
)
def test_a_date_that_does_not_exist_is_an_error(
    config: SiteConfig, date: str, reason: str
) -> None:
    [found] = check(config, f"第一段。\n\n会议定于{date}召开。\n")
    assert (found.rule, found.severity, found.line) == (
        "impossible-date",
        ERROR,
        BODY_LINE + 2,
    )
    shown = found.message.split("「")[1].split("」")[0]
    assert date.endswith(shown) and len(shown) >= 4 and reason in found.message


@pytest.mark.parametrize(
    "text",
    [
        "2024年2月29日",
        "2000年2月29日",
        "2026年2月28日",
        "2026年12月31日",
        "2020年1月1日至2020年12月31日",
        "2019年1月1日至12月31日",
        "每年1月1日至12月31日",
        "2月29日",
        "2026-02-28",
        "1980-12-27",
        "2024年10月",
        "二〇二四年二月二十九日",
        "一九九二年九月三十日",
        "二零零七年二月一日",
        "一九八四年一月二十日",
        "一八四○年以后",
        "自公历一月一日起，至公历十二月三十一日止",
        "农历二月三十日",
        "农历十二月三十日（除夕）",
        "农历2月30日",
        "自收到申请之日起15日内",
        "期限为3个月30日",
        "第三十一条第二款",
        "联系电话：0512-52701234",
        "GB/T 2260-2007",
        "服务器地址 192.168.13.31",
        "增长12.5%，达到2026.13亿元",
        "版本 2.13.31",
        "2026-2027学年",
        "第2026-13-45号",
        "2026.3.1-2026.3.31",
        "2026-03-01—2026-03-31",
        "2026年1-3月",
        "2025年12月-2026年2月",
        "12月20日-1月10日",
        "（2026年3月1日—2026年3月31日）",
        "2026年3月1日（星期日）",
        "每周一至周五9:00-17:00",
        "第3.2.1条",
        "1.2026.2.30.4",
        "2026年度第1期",
        "项目编号 SZ2026-02-30",
        "批次 2026-02-30A",
        "`2026-02-30` 是错误示例",
    ],
)
def test_real_dates_ranges_and_numbers_pass(config: SiteConfig, text: str) -> None:
    assert check(config, f"{text}\n") == []


# ---------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    "title",
    [
        "关于开展科技创新券申报工作的通知。",
        "关于开展科技创新券申报工作的通知：",
        "科技创新券申报指南，",
        "这是什么？",
        "申报开始了！",
        "通知、",
        "Notice.",
        "Notice!",
    ],
)
def test_title_with_trailing_punctuation_is_a_warning(
    config: SiteConfig, title: str
) -> None:
    [found] = check(config, title=title)
    assert (found.rule, found.severity, found.field, found.line) == (
        "title-punctuation",
        WARNING,
        "title",
        2,
    )
    assert f"「{title[-1]}」" in found.message


@pytest.mark.parametrize(
    "title",
    [
        "关于开展科技创新券申报工作的通知",
        "《中华人民共和国科学技术进步法》",
        "人民检察院行政诉讼监督规则（试行）",
        "最高人民法院关于适用《合同法》若干问题的解释（一）",
        "关于2026年度科技计划项目的公示",
    ],
)
def test_titles_ending_in_a_word_or_closing_mark_pass(
    config: SiteConfig, title: str
) -> None:
    assert check(config, title=title) == []


# ---------------------------------------------------------------------- images


@pytest.mark.parametrize(
    "image",
    [
        "![](关于开展科技创新券申报工作的通知/申报流程.png)",
        "![ ](关于开展科技创新券申报工作的通知/申报流程.png)",
        "![　](关于开展科技创新券申报工作的通知/申报流程.png)",
        "![][流程图]\n\n[流程图]: 关于开展科技创新券申报工作的通知/申报流程.png",
        '<img src="关于开展科技创新券申报工作的通知/申报流程.png">',
        '<img src="关于开展科技创新券申报工作的通知/申报流程.png" alt="">',
        '<IMG SRC="关于开展科技创新券申报工作的通知/申报流程.png" ALT="  ">',
        "[![](关于开展科技创新券申报工作的通知/申报流程.png)](关于开展科技创新券申报工作的通知/申报流程.png)",
    ],
)
def test_image_without_alternative_text_is_an_error(
    config: SiteConfig, tmp_path: Path, image: str
) -> None:
    found = check(config, f"流程如下：\n\n{image}\n", attached=("申报流程.png",))
    assert rules(found) == [("image-alt", BODY_LINE + 2)]
    assert found[0].severity == ERROR and "替代文字" in found[0].message


@pytest.mark.parametrize(
    "image",
    [
        "![图1 申报流程](关于开展科技创新券申报工作的通知/申报流程.png)",
        '![图1 申报流程](关于开展科技创新券申报工作的通知/申报流程.png "申报流程")',
        '<img src="关于开展科技创新券申报工作的通知/申报流程.png" alt="图2 组织架构">',
        "`![](关于开展科技创新券申报工作的通知/申报流程.png)`",
        "[图1]: 关于开展科技创新券申报工作的通知/申报流程.png",
    ],
)
def test_image_with_alternative_text_passes(
    config: SiteConfig, tmp_path: Path, image: str
) -> None:
    assert check(config, f"{image}\n", attached=("申报流程.png",)) == []


# ----------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "link",
    [
        "[《依申请公开制度》](../rules/依申请公开制度.md)",
        "[规章制度栏目](../rules/)",
        "[《依申请公开制度》](<../rules/依申请公开制度.md>)",
        '[《依申请公开制度》](../rules/依申请公开制度.md "依申请公开制度")',
        "[制度](../rules/%E4%BE%9D%E7%94%B3%E8%AF%B7%E5%85%AC%E5%BC%80%E5%88%B6%E5%BA%A6.md)",
        "[总则](../rules/依申请公开制度.md#_1)",
        "[受理](../rules/依申请公开制度.md#_2)",
        "[Scope](../rules/依申请公开制度.md#scope)",
        "[本通知](关于开展科技创新券申报工作的通知.md)",
        "[本通知](./关于开展科技创新券申报工作的通知.md)",
        "[制度][zd]\n\n[zd]: ../rules/依申请公开制度.md",
        '<a href="../rules/依申请公开制度.md">制度</a>',
        "[规章制度栏目](../rules/index.md)",
        "[首页](../index.md)",
        "[国家法律法规数据库](https://flk.npc.gov.cn/)",
        "<https://www.gov.cn/>",
        "[来信](mailto:kjj@example.cn)",
        "[电话](tel:0512-52701234)",
        "见第[1]条(略)",
        "`[示例](不存在.md)`",
    ],
)
def test_links_that_resolve_pass(config: SiteConfig, link: str) -> None:
    assert check(config, f"{link}\n") == []


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("[制度](../rules/不存在的制度.md)", "content/rules/不存在的制度.md 不存在"),
        ("[制度](../rule/依申请公开制度.md)", "content/rule/依申请公开制度.md 不存在"),
        ("[制度](依申请公开制度.md)", "content/notices/依申请公开制度.md 不存在"),
        ("[制度](../rules/%E4%B8%8D.md)", "content/rules/不.md 不存在"),
        ("[制度](../rules/依申请公开制度/)", "content/rules/依申请公开制度 不存在"),
        ("[附件](附件1.pdf)", "content/notices/附件1.pdf 不存在"),
        ("[制度](/rules/依申请公开制度.md)", "以 / 开头"),
        ("[说明](../../README.md)", "content/ 以外"),
        ("[zd]: ../rules/无此文.md", "content/rules/无此文.md 不存在"),
        ('<a href="../rules/无此文.md">制度</a>', "content/rules/无此文.md 不存在"),
        ("![图1 流程](流程图.png)", "content/notices/流程图.png 不存在"),
    ],
)
def test_links_that_lead_nowhere_are_errors(
    config: SiteConfig, link: str, says: str
) -> None:
    [found] = check(config, f"附件：\n\n{link}\n")
    assert (found.rule, found.severity, found.line) == (
        "broken-link",
        ERROR,
        BODY_LINE + 2,
    )
    assert says in found.message and found.hint


def test_a_missing_anchor_lists_the_anchors_the_site_makes(config: SiteConfig) -> None:
    [found] = check(config, "[第五条](../rules/依申请公开制度.md#第五条)\n")
    assert found.rule == "broken-link" and "#第五条" in found.message
    assert found.hint is not None
    assert "#_1（第一章 总则）" in found.hint and "#scope（Scope）" in found.hint
    assert "#dafu-zhang（第三章 答复 {#dafu .zhang}）" in found.hint
    assert "_1、_2" in found.hint


def test_percent_encoded_anchor_is_decoded(config: SiteConfig) -> None:
    found = check(config, "[受理](../rules/依申请公开制度.md#%E7%AC%AC)\n")
    assert [f.message for f in found] == [
        "链接 ../rules/依申请公开制度.md#%E7%AC%AC 中的锚点 #第 在 content/rules/依申请公开制度.md 中找不到。"
    ]


def test_anchors_follow_the_sites_markdown_extensions(config: SiteConfig) -> None:
    link = "[答复](../rules/依申请公开制度.md#dafu)\n"
    # attr_list gives the heading the id it asks for; without it the braces are text
    # and the id is made from them: dafu-zhang.
    assert check(config, link, MARKDOWN_EXTENSIONS) == []
    assert rules(check(config, link, MKDOCS_BUILTIN_EXTENSIONS)) == [
        ("broken-link", BODY_LINE)
    ]


def test_an_anchor_in_the_same_post(config: SiteConfig) -> None:
    body = "## 申报条件\n\n见[申报条件](#_1)，不是[此处](#申报条件)。\n"
    assert rules(check(config, body)) == [("broken-link", BODY_LINE + 2)]
    # The post itself need not be among ``posts`` for its own anchors.
    post = make_post(config, body)
    assert rules(check_form(post, {}, MKDOCS_BUILTIN_EXTENSIONS)) == [
        ("broken-link", BODY_LINE + 2)
    ]


def test_a_link_to_an_attachment_passes_once_it_is_listed(
    config: SiteConfig, tmp_path: Path
) -> None:
    link = "[附件1 申报表](关于开展科技创新券申报工作的通知/附件1%20申报表.pdf)\n"
    assert rules(check(config, link, root=tmp_path)) == [("broken-link", BODY_LINE)]
    folder = tmp_path / "content/notices/关于开展科技创新券申报工作的通知"
    folder.mkdir(parents=True)
    (folder / "附件1 申报表.pdf").write_bytes(b"%PDF-1.4\n")
    [found] = check(config, link, root=tmp_path)
    assert "没有作为附件登记" in found.message
    assert check(config, link, attached=("附件1 申报表.pdf",)) == []


def test_a_link_to_a_post_the_caller_did_not_pass_is_broken(
    config: SiteConfig,
) -> None:
    post = make_post(config, "[制度](../rules/依申请公开制度.md)\n")
    found = check_form(post, {post.path: post}, MKDOCS_BUILTIN_EXTENSIONS)
    assert rules(found) == [("broken-link", BODY_LINE)]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("[国家法律法规数据库](http://flk.npc.gov.cn/)", "http://flk.npc.gov.cn/"),
        ("网址：http://www.gov.cn。", "http://www.gov.cn"),
        ("<http://www.gov.cn/zhengce/>", "http://www.gov.cn/zhengce/"),
        ('<a href="HTTP://www.js.gov.cn/">江苏</a>', "HTTP://www.js.gov.cn/"),
        ("[http://www.gov.cn](http://www.gov.cn)", "http://www.gov.cn"),
    ],
)
def test_http_link_is_a_warning_suggesting_https(
    config: SiteConfig, text: str, url: str
) -> None:
    [found] = check(config, f"链接：\n\n{text}\n")
    assert (found.rule, found.severity, found.line) == (
        "insecure-link",
        WARNING,
        BODY_LINE + 2,
    )
    assert url in found.message and found.hint is not None and "https" in found.hint


@pytest.mark.parametrize(
    "text",
    [
        "[国家法律法规数据库](https://flk.npc.gov.cn/)",
        "本办法所称 http 协议",
        "`http://127.0.0.1:8000/` 是本地预览地址",
    ],
)
def test_https_and_non_links_pass(config: SiteConfig, text: str) -> None:
    assert check(config, f"{text}\n") == []


def test_findings_come_in_line_order_and_read_in_chinese(config: SiteConfig) -> None:
    body = "见[制度](../rules/无.md)。\n\n会议于2026年2月30日召开。\n"
    found = check(config, body, title="通知。", doc_number="常科综[2026]3号")
    assert rules(found) == [
        ("title-punctuation", 2),
        ("doc-number", 7),
        ("broken-link", BODY_LINE),
        ("impossible-date", BODY_LINE + 2),
    ]
    assert (
        found[1].text().startswith(f"{NOTICE}:7: 错误 [doc-number] 字段 doc_number：")
    )
    assert "（附件1 第十八条）" in found[1].text()


# ------------------------------------------------------------ the real content


@pytest.fixture(scope="module")
def real_posts(config: SiteConfig) -> dict[str, Post]:
    posts = {}
    for path in post_paths(ROOT):
        post, problems = read_post(ROOT, path, config)
        assert post is not None, problems
        posts[path] = post
    return posts


def test_every_real_post_is_read(real_posts: dict[str, Post]) -> None:
    assert len(real_posts) == 233


def test_the_real_content_has_no_false_alarms(
    config: SiteConfig, real_posts: dict[str, Post]
) -> None:
    found = [
        f
        for post in real_posts.values()
        for f in check_form(
            post, real_posts, config.site.markdown_extensions, root=ROOT
        )
    ]
    # Every finding on the 233 real posts, by rule. There are none, and each check
    # had real text to judge:
    # - doc_number: 常科综〔2018〕35号 and 55 orders (51 国务院令 such as
    #   中华人民共和国国务院令第731号, 2 中央军事委员会令, 国家知识产权局令第17号,
    #   国家科学技术委员会令第2号), all well formed;
    # - cited numbers: 8 in the body (常科综〔2018〕35号 ×5, 法释〔2022〕9号,
    #   法释〔2007〕2号, 法释〔2006〕11号), all in 〔〕; 〔办公厅（室）副主任〕 is no number;
    # - dates: 738 like 2019年11月27日, about 20 like 12月31日 on their own, 6 like
    #   一九九二年九月三十日 and 2 like 公历十二月三十一日, all of which exist;
    # - titles: none ends in punctuation (several end in ）or 》);
    # - links: the notice's four attachments and the four rules' links back, all posts;
    # - no images and no http:// links.
    assert Counter(f.rule for f in found) == Counter(), [f.text() for f in found]


def test_the_real_content_check_is_not_blind(
    config: SiteConfig, real_posts: dict[str, Post]
) -> None:
    # The real notice with the slips the precision test must not miss.
    path = "content/notices/科技局关于建立和完善政务信息工作制度的通知.md"
    text = real_posts[path].data.decode("utf-8")
    text = text.replace("\n常科综〔2018〕35号\n", "\n常科综[2018]35号\n")
    text = text.replace("特此通知。", "特此通知。2018年2月30日")
    text = text.replace("依申请公开制度.md)", "依申请公开制度.md#第五条)")
    post, problems = parse_post(path, text.encode("utf-8"), config)
    assert post is not None, problems
    found = check_form(post, real_posts, config.site.markdown_extensions, root=ROOT)
    assert Counter(f.rule for f in found) == Counter(
        {"doc-number-cited": 1, "impossible-date": 1, "broken-link": 1}
    )
