"""The normative form of a post (附件1 第十八条, 规范性): what a reader sees as sloppy.

``check_form`` judges one post's front matter and body, without network or git:

1. document numbers: ``doc_number`` in the form 机关代字〔年份〕序号号 (or an order
   such as 国务院令第731号), and citations in the body that use other brackets;
2. dates in the body that do not exist (2026年2月30日, 2026-02-30, 二〇二五年十三月一日);
3. titles without trailing punctuation;
4. images with alternative text;
5. links to other posts, their anchors and attachments that resolve;
6. external links over https rather than http.

Raw HTML is judged by ``pipeline.scan``; nothing here repeats it. Text inside code
(fenced blocks and code spans) is not prose and is skipped.
"""

from __future__ import annotations

import calendar
import functools
import html
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown

from pipeline import yamlfile
from pipeline.attachments import folder_of
from pipeline.errors import PortalError
from pipeline.findings import WARNING, Finding, finding
from pipeline.post import CONTENT_DIR, Post

# What each non-standard bracket around a document number's year is called.
_BRACKETS = {
    "[": "方括号 [ ]",
    "]": "方括号 [ ]",
    "【": "方头括号【】",
    "】": "方头括号【】",
    "(": "半角圆括号 ( )",
    ")": "半角圆括号 ( )",
    "（": "圆括号（）",
    "）": "圆括号（）",
    "［": "全角方括号［］",
    "］": "全角方括号［］",
    "〈": "单书名号〈〉",
    "〉": "单书名号〈〉",
    "<": "尖括号 < >",
    ">": "尖括号 < >",
}
_OPEN = "〔[【(（［〈<"
_CLOSE = "〕]】)）］〉>"
_DIGIT = "0-9０-９"
_NUMERAL = "〇○零一二三四五六七八九十百千"
_EXAMPLE = "常科综〔2018〕35号"

# 机关代字〔年份〕序号号, however badly bracketed, as a whole ``doc_number`` value.
_DOC_NUMBER = re.compile(
    rf"(?P<code>[^\s{re.escape(_OPEN + _CLOSE)}〔〕]*?)\s*"
    rf"(?P<open>[{re.escape(_OPEN)}])\s*(?P<year>[{_DIGIT}]+)\s*"
    rf"(?P<close>[{re.escape(_CLOSE)}])\s*(?P<serial>[{_DIGIT}]*)\s*(?P<hao>号?)"
)
# Orders and announcements: 中华人民共和国主席令第三十一号, 国务院令第731号,
# 国家知识产权局公告第二九九号, 公告2021年第5号.
_ORDER = re.compile(
    rf"\S+?(?:令|公告)(?:[{_DIGIT}]{{4}}年)?[（(]?第[{_DIGIT}{_NUMERAL}]+号[）)]?"
)
# A citation in the body: a bracketed four-digit year, then the serial and 号, right
# after Chinese characters (checked by ``_cited_doc_numbers``). 〔〕 with a serial of
# leading zeros is caught too.
# NOTE: the patterns here open with what they look for, not with a look-behind: that
# lets the regex engine skip ahead, three times faster on the real content. What may
# not come before a match is checked in Python.
_CITED = re.compile(
    rf"(?P<open>[{re.escape(_OPEN)}])[ \t]?"
    rf"(?P<year>(?:19|20)[0-9]{{2}})[ \t]?(?P<close>[{re.escape(_CLOSE)}])[ \t]?"
    r"(?P<serial>[0-9]+)号"
)

_SPACE = "[ \t\u3000]*"
_YMD = re.compile(
    rf"(?P<year>[{_DIGIT}]{{4}}){_SPACE}年{_SPACE}"
    rf"(?P<month>[{_DIGIT}]{{1,2}}){_SPACE}月(?:{_SPACE}(?P<day>[{_DIGIT}]{{1,2}}){_SPACE}日)?"
)
_MD = re.compile(
    rf"(?P<month>[{_DIGIT}]{{1,2}}){_SPACE}月"
    rf"{_SPACE}(?P<day>[{_DIGIT}]{{1,2}}){_SPACE}日"
)
# 2026-02-30, 2026/02/30, 2026.02.30, also in ranges (2026.3.1-2026.3.31); codes such
# as SZ2026-02-30, 2026-02-30A or 1.2026.2.30.4 are not dates, and one whose month or
# day no calendar has (2026-13-45) is a serial.
_NUMERIC = re.compile(
    r"(?P<year>(?:19|20)[0-9]{2})(?P<sep>[-/.])"
    r"(?P<month>0?[1-9]|1[0-2])(?P=sep)(?P<day>0?[1-9]|[12][0-9]|3[01])"
    r"(?![0-9A-Za-z]|(?P=sep)[0-9])"
)
_CN_DIGITS = "〇○零OＯ一二三四五六七八九"
_CN_YMD = re.compile(
    rf"(?P<year>[{_CN_DIGITS}]{{4}})年(?P<month>[一二三四五六七八九十]{{1,3}})月"
    r"(?:(?P<day>[一二三四五六七八九十]{1,4})日)?"
)
_CN_MD = re.compile(
    r"(?P<month>[一二三四五六七八九十]{1,3})月(?P<day>[一二三四五六七八九十]{1,4})日"
)
_DIGIT_CHARS = "0123456789０１２３４５６７８９"
_LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Lunar dates (农历二月三十日, 农历2月30日) follow another calendar.
_LUNAR = re.compile("农历|阴历|夏历|旧历")

_TRAILING = "。，；：！？、.,;:!?"

_EMPTY_ALT = re.compile(r"!\[[ \t\u3000]*\](?=[ \t]*[(\[])")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HREF_TAG = re.compile(r"<(?:a|img)\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""[\s/](?P<name>[a-zA-Z-]+)\s*=\s*(?:"(?P<q>[^"]*)"|'(?P<s>[^']*)'|(?P<u>[^\s>]+))"""
)
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*)>")
_HTTP = re.compile(r"http://[^\s<>\"'()\[\]（）《》，。；、]+", re.IGNORECASE)
_ID = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


@dataclass(frozen=True)
class _Source:
    """A post's body with code blanked out, and where its lines are in the file."""

    post: Post
    text: str
    offset: int
    field_lines: dict[str, int]

    def line(self, index: int) -> int:
        """The file's line number of ``index`` in the body."""
        return self.offset + self.text.count("\n", 0, index) + 1


def check_form(
    post: Post,
    posts: Mapping[str, Post],
    extensions: Sequence[str],
    *,
    root: Path | None = None,
) -> list[Finding]:
    """Findings on the normative form of ``post`` (附件1 第十八条).

    ``posts`` holds every post by repository path: links must point at one of them.
    ``extensions`` is the site's Markdown dialect, which decides the anchors a heading
    gets. A link to a file that is not a post (an attachment) passes only if the
    file exists under ``root/content/``; without ``root`` it is reported.
    """
    source = _source(post)
    found = [
        *_doc_number_field(source),
        *_title(source),
        *_cited_doc_numbers(source),
        *_dates(source),
        *_images(source),
        *_links(source, posts, tuple(extensions), root),
        *_insecure_links(source),
    ]
    return sorted(found, key=lambda f: f.line or 0)


def _source(post: Post) -> _Source:
    try:
        text = yamlfile.decode(post.data, shown_as=post.path, error=PortalError)
    except PortalError:
        text = ""
    offset = 0
    field_lines: dict[str, int] = {}
    if text.endswith(post.body):
        head = text[: len(text) - len(post.body)]
        offset = head.count("\n")
        for number, line in enumerate(head.split("\n"), start=1):
            key = re.match(r"([A-Za-z_]+)\s*:", line)
            if key and key.group(1) not in field_lines:
                field_lines[key.group(1)] = number
    return _Source(post, _blank_code(post.body), offset, field_lines)


def _blank_code(body: str) -> str:
    """``body`` with fenced code blocks and code spans turned into spaces."""
    lines = body.split("\n")
    fence = ""
    for number, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            closing = opening and opening.group(1)
            if closing and closing[0] == fence[0] and len(closing) >= len(fence):
                fence = ""
            lines[number] = " " * len(line)
        elif opening:
            fence = opening.group(1)
            lines[number] = " " * len(line)
        elif "`" in line:
            lines[number] = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
    return "\n".join(lines)


# ------------------------------------------------------------------ document numbers


def _doc_number_field(source: _Source) -> list[Finding]:
    value = source.post.doc_number
    if not value or _ORDER.fullmatch(value):
        return []
    match = _DOC_NUMBER.fullmatch(value)
    if match is None:
        problems = ["不是规范的文号形式"]
        hint = (
            f"文号应写作 机关代字〔年份〕序号号，如 {_EXAMPLE}；"
            "国务院令、主席令等令号写作 国务院令第731号。"
        )
    else:
        problems = _doc_number_problems(match, source.post)
        hint = f"应写作「{_fixed(match)}」（机关代字〔年份〕序号号）。"
    if not problems:
        return []
    return [
        finding(
            source.post.path,
            "doc-number",
            f"文号「{value}」{'；'.join(problems)}。",
            line=source.field_lines.get("doc_number"),
            field="doc_number",
            hint=hint,
        )
    ]


def _doc_number_problems(match: re.Match[str], post: Post) -> list[str]:
    problems = []
    if not match.group("code"):
        problems.append("缺少机关代字")
    brackets = {match.group("open"), match.group("close")} - {"〔", "〕"}
    if brackets:
        names = dict.fromkeys(_BRACKETS[b] for b in sorted(brackets))
        problems.append(f"年份用了{'、'.join(names)}，应为六角括号〔〕")
    year = match.group("year")
    if len(year) != 4:
        problems.append(f"年份「{year}」应为四位数")
    elif int(year) > post.published.year:
        problems.append(f"年份 {int(year)} 晚于发布日期 {post.published.isoformat()}")
    serial = match.group("serial")
    if not serial:
        problems.append("缺少序号")
    elif serial.startswith(("0", "０")):
        problems.append(f"序号「{serial}」不应有前导零")
    if not match.group("hao"):
        problems.append("末尾缺少「号」字")
    if " " in match.group(0) or "\t" in match.group(0):
        problems.append("中间不应有空格")
    return problems


def _fixed(match: re.Match[str]) -> str:
    serial = match.group("serial")
    shown = str(int(serial)) if serial else "序号"
    return f"{match.group('code') or '机关代字'}〔{int(match.group('year'))}〕{shown}号"


def _cited_doc_numbers(source: _Source) -> list[Finding]:
    found = []
    for match in _CITED.finditer(source.text):
        before = source.text[max(0, match.start() - 2) : match.start()].rstrip(" \t")
        if not before or not "\u4e00" <= before[-1] <= "\u9fff":
            continue
        wrong = {match.group("open"), match.group("close")} - {"〔", "〕"}
        serial = match.group("serial")
        if wrong:
            names = "、".join(dict.fromkeys(_BRACKETS[b] for b in sorted(wrong)))
            problem = f"年份用了{names}，应为六角括号〔〕"
        elif serial.startswith("0"):
            problem = f"序号「{serial}」不应有前导零"
        else:
            continue
        fixed = f"〔{match.group('year')}〕{int(serial)}号"
        found.append(
            finding(
                source.post.path,
                "doc-number-cited",
                f"引用的文号「{match.group(0).strip()}」不规范：{problem}。",
                severity=WARNING,
                line=source.line(match.start()),
                hint=f"请改为「{fixed}」（机关代字〔年份〕序号号，如 {_EXAMPLE}）。",
            )
        )
    return found


# ------------------------------------------------------------------------- dates


def _dates(source: _Source) -> list[Finding]:
    found = []
    for index, shown, reason in _impossible_dates(source.text):
        found.append(
            finding(
                source.post.path,
                "impossible-date",
                f"日期「{shown}」不存在：{reason}。",
                line=source.line(index),
                hint="请核对原文，改为实际的日期。",
            )
        )
    return found


def _impossible_dates(text: str) -> Iterator[tuple[int, str, str]]:
    """(index, the date as written, why it cannot be) for every impossible date.

    A month and day without a year (2月30日) is judged only where it is not part of
    a full date already read.
    """
    covered: set[int] = set()
    for pattern, read, not_after in (
        (_YMD, _arabic, _DIGIT_CHARS),
        (_NUMERIC, _arabic, _DIGIT_CHARS + _LATIN + "./"),
        (_CN_YMD, _chinese, ""),
        (_MD, _arabic, _DIGIT_CHARS + ".-/"),
        (_CN_MD, _chinese, _CN_DIGITS + "十"),
    ):
        for match in pattern.finditer(text):
            start = match.start()
            if start in covered or (start and text[start - 1] in not_after):
                continue
            covered.update(range(start, match.end()))
            if _LUNAR.search(text, max(0, start - 4), start):
                continue
            numbers = [read(match, key) for key in ("year", "month", "day")]
            if -1 in numbers:
                continue  # not a number we can read, so not clearly a date
            reason = _impossible(*numbers)
            if reason:
                yield start, match.group(0), reason


def _arabic(match: re.Match[str], key: str) -> int | None:
    value = match.groupdict().get(key)
    return int(value) if value else None


def _chinese(match: re.Match[str], key: str) -> int | None:
    """The group's value: ``None`` when absent, -1 when it is not a plain number."""
    value = match.groupdict().get(key)
    if not value:
        return None
    if key == "year":
        digits = value.translate(
            str.maketrans("〇○零OＯ一二三四五六七八九", "00000123456789")
        )
        return int(digits)
    return _small_number(value)


def _small_number(text: str) -> int:
    """一 to 九十九 as an int; -1 for anything else (三十十, 十十)."""
    digits = {c: n for n, c in enumerate("〇一二三四五六七八九")}
    tens, ten, units = text.partition("十")
    if not ten:
        return digits[text] if len(text) == 1 and text in digits else -1
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return -1
    high = digits.get(tens, -1) if tens else 1
    low = digits.get(units, -1) if units else 0
    return -1 if min(high, low) < 0 or high == 0 else high * 10 + low


def _impossible(year: int | None, month: int | None, day: int | None) -> str | None:
    if month is None:
        return None
    if not 1 <= month <= 12:
        return f"没有 {month} 月"
    if day is None:
        return None
    if day < 1:
        return "日期应从 1 日起"
    leap = year is None or year < 1 or calendar.isleap(year)
    longest = 29 if month == 2 and leap else calendar.monthrange(2001, month)[1]
    if day <= longest:
        return None
    if month == 2 and day == 29:
        return f"{year} 年不是闰年，2 月只有 28 日"
    return f"{month} 月只有 {longest} 日"


# ------------------------------------------------------------------------ titles


def _title(source: _Source) -> list[Finding]:
    title = source.post.title.rstrip()
    if not title or title[-1] not in _TRAILING:
        return []
    return [
        finding(
            source.post.path,
            "title-punctuation",
            f"标题末尾有标点「{title[-1]}」。",
            severity=WARNING,
            line=source.field_lines.get("title"),
            field="title",
            hint="标题末尾不加句号、逗号、冒号等标点（书名号》和括号）除外），请删去。",
        )
    ]


# ------------------------------------------------------------------------ images


def _images(source: _Source) -> list[Finding]:
    starts = [match.start() for match in _EMPTY_ALT.finditer(source.text)]
    for match in _IMG_TAG.finditer(source.text):
        alt = _attributes(match.group(0)).get("alt")
        if alt is None or not alt.strip():
            starts.append(match.start())
    return [
        finding(
            source.post.path,
            "image-alt",
            "图片没有替代文字（alt）：读屏软件无法向视障读者说明图片内容，图片加载失败时读者也看不到说明。",
            line=source.line(start),
            hint="请在 ![ ] 的方括号中写明图片内容，如 ![图1 申报流程](申报流程.png)；HTML 的 <img> 请加 alt 属性。",
        )
        for start in sorted(starts)
    ]


def _attributes(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(tag):
        value = next((v for v in match.group("q", "s", "u") if v is not None), "")
        found.setdefault(match.group("name").lower(), html.unescape(value))
    return found


# ------------------------------------------------------------------------- links


def _link_targets(text: str) -> Iterator[tuple[int, str]]:
    """(index, target) of every link and image in Markdown or HTML, outside code."""
    for match in re.finditer(r"\]\(", text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if "[" in text[line_start : match.start()]:
            target = _inline_target(text, match.end())
            if target is not None:
                yield match.start(), target
    for match in _REFERENCE.finditer(text):
        yield match.start(1), match.group(1)
    for match in _AUTOLINK.finditer(text):
        yield match.start(), match.group(1)
    for match in _HREF_TAG.finditer(text):
        attributes = _attributes(match.group(0))
        for name in ("href", "src"):
            if name in attributes:
                yield match.start(), attributes[name]


def _inline_target(text: str, start: int) -> str | None:
    index = start
    while index < len(text) and text[index] in " \t":
        index += 1
    if text.startswith("<", index):
        end = text.find(">", index)
        return None if end < 0 or "\n" in text[index:end] else text[index : end + 1]
    depth = 0
    end = index
    while end < len(text) and text[end] not in " \t\n":
        if text[end] == "\\":
            end += 2
            continue
        if text[end] == "(":
            depth += 1
        elif text[end] == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    return text[index:end]


def _links(
    source: _Source,
    posts: Mapping[str, Post],
    extensions: tuple[str, ...],
    root: Path | None,
) -> list[Finding]:
    found = []
    for index, target in _link_targets(source.text):
        problem = _broken(source.post, target, posts, extensions, root)
        if problem:
            message, hint = problem
            found.append(
                finding(
                    source.post.path,
                    "broken-link",
                    message,
                    line=source.line(index),
                    hint=hint,
                )
            )
    return found


def _broken(
    post: Post,
    target: str,
    posts: Mapping[str, Post],
    extensions: tuple[str, ...],
    root: Path | None,
) -> tuple[str, str] | None:
    """(message, hint) when the link ``target`` in ``post`` leads nowhere."""
    target = re.sub(r"\\(.)", r"\1", target.strip().removeprefix("<").removesuffix(">"))
    if not target or target.startswith("//") or urlsplit(target).scheme:
        return None  # external, or mailto: and the like
    path, _, fragment = target.partition("#")
    path = unquote(path.partition("?")[0])
    if path.startswith("/"):
        return (
            f"链接 {target} 以 / 开头：网站不会转换这种链接，读者点开会找不到页面。",
            "请改用相对于本稿件的路径，如 ../rules/依申请公开制度.md。",
        )
    if not path:
        return _missing_anchor(target, post.path, post, unquote(fragment), extensions)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(post.path), path))
    if resolved in posts:
        return _missing_anchor(
            target, resolved, posts[resolved], unquote(fragment), extensions
        )
    if _generated_page(resolved, posts) and not fragment:
        return None
    if not resolved.startswith(f"{CONTENT_DIR}/"):
        return (
            f"链接 {target} 指向 content/ 以外的 {resolved}，网站上没有这个文件。",
            "链接其他稿件请写相对路径，如 ../rules/依申请公开制度.md。",
        )
    if posixpath.splitext(resolved)[1].lower() in (".md", ".markdown"):
        return (
            f"链接 {target} 指向的稿件 {resolved} 不存在。",
            "请核对栏目目录和文件名；链接其他稿件请写相对路径，如 ../rules/依申请公开制度.md。",
        )
    if any(
        f"{folder_of(other.path)}/{entry.name}" == resolved
        for other in (post, *posts.values())
        for entry in other.listed
    ):
        return None
    exists = root is not None and (root / resolved).is_file()
    return (
        f"链接 {target} 指向的文件 {resolved} "
        + ("没有作为附件登记，不会发布。" if exists else "不存在。"),
        "附件请用 portal attach 添加（放进与稿件同名的文件夹并登记哈希）；"
        "链接其他稿件请写 .md 文件的相对路径。",
    )


def _generated_page(resolved: str, posts: Mapping[str, Post]) -> bool:
    """Whether ``resolved`` is the home page or a column's index, which the site makes."""
    if resolved in (CONTENT_DIR, f"{CONTENT_DIR}/index.md"):
        return True
    if any(posixpath.dirname(path) == resolved for path in posts):
        return True  # a column's folder: its index page
    folder, name = posixpath.split(resolved)
    return name == "index.md" and any(
        posixpath.dirname(path) == folder for path in posts
    )


def _missing_anchor(
    target: str,
    resolved: str,
    post: Post,
    fragment: str,
    extensions: tuple[str, ...],
) -> tuple[str, str] | None:
    if not fragment:
        return None
    anchors = dict(_anchors(post.body, extensions))
    if fragment in anchors:
        return None
    message = f"链接 {target} 中的锚点 #{fragment} 在 {resolved} 中找不到。"
    if not anchors:
        return (
            message,
            "该稿件没有可链接的小标题；请去掉 # 及其后的部分，只链接到稿件。",
        )
    shown = "、".join(
        f"#{anchor}（{label}）" if label else f"#{anchor}"
        for anchor, label in list(anchors.items())[:8]
    )
    more = "等" if len(anchors) > 8 else ""
    hint = f"可用的锚点有：{shown}{more}。"
    if any(re.fullmatch(r"_\d+", anchor) for anchor in anchors):
        hint += "本站的中文小标题按出现顺序编为 _1、_2……，而不是标题文字。"
    return message, hint


@functools.lru_cache(maxsize=512)
def _anchors(body: str, extensions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Every id the rendered ``body`` has, with its heading's text where it is one."""
    renderer = markdown.Markdown(extensions=list(extensions))
    rendered = renderer.convert(body)
    labels = dict(_headings(getattr(renderer, "toc_tokens", [])))
    ids = (html.unescape(a or b) for a, b in _ID.findall(rendered))
    return tuple((anchor, labels.get(anchor, "")) for anchor in dict.fromkeys(ids))


def _headings(tokens: list[dict[str, object]]) -> Iterator[tuple[str, str]]:
    for token in tokens:
        yield str(token["id"]), html.unescape(str(token["name"]))
        children = token.get("children")
        if isinstance(children, list):
            yield from _headings(children)


def _insecure_links(source: _Source) -> list[Finding]:
    seen: set[tuple[int, str]] = set()
    found = []
    for match in _HTTP.finditer(source.text):
        url = match.group(0).rstrip(".,;:!?")
        line = source.line(match.start())
        if (line, url) in seen:
            continue
        seen.add((line, url))
        found.append(
            finding(
                source.post.path,
                "insecure-link",
                f"外部链接 {url} 用的是不加密的 http://，内容在传输中可能被篡改。",
                severity=WARNING,
                line=line,
                hint="对方网站支持 https 时请改为 https://（在浏览器中打开 https:// 的地址确认可用）。",
            )
        )
    return found
