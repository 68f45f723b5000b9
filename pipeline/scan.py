"""Content checks on a post's text: what a signer could not see, and raw HTML that
would show or run something no approval covers.

A signer approves the bytes they read. Control characters (a lone carriage return
hides the text before it in a terminal), bidirectional overrides and invisible
formatting characters can make those bytes read differently from the page; raw HTML
such as ``<script>``, ``<style>`` or ``<iframe>`` can restyle the page, run code or
pull in content from elsewhere after approval. Both are refused (附件1 第九条).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Sequence
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown

from pipeline.config import MKDOCS_BUILTIN_EXTENSIONS
from pipeline.fields import is_hidden
from pipeline.findings import Finding, finding

_UNSAFE_TAGS = (
    "script|style|iframe|frame|frameset|object|embed|applet|link|meta|base|form|"
    "input|button|textarea|select|svg|math|template|portal"
)
_UNSAFE_HTML = [
    (re.compile(rf"<\s*/?\s*({_UNSAFE_TAGS})\b", re.IGNORECASE), "标签 <{0}>"),
    (re.compile(r"<[^>\n]*[\s/](on[a-z]+)\s*=", re.IGNORECASE), "事件属性 {0}"),
    (re.compile(r"(javascript|vbscript)\s*:", re.IGNORECASE), "{0}: 链接"),
    (re.compile(r"(data)\s*:\s*text/html", re.IGNORECASE), "{0}:text/html 链接"),
    (re.compile(r"<[^>\n]*[\s/](style)\s*=", re.IGNORECASE), "{0} 属性"),
]


def scan_text(
    path: str, text: str, extensions: Sequence[str] = MKDOCS_BUILTIN_EXTENSIONS
) -> list[Finding]:
    """Findings for hidden characters and unsafe raw HTML in a post's decoded text.

    ``text`` is the file as read (before line ends are normalised), so a lone carriage
    return is still visible here. Raw HTML is judged twice: by patterns on the text,
    and by rendering the Markdown exactly as the site will (``extensions``, the
    site's dialect) and allowing only listed tags, attributes and link targets in the
    result (what a browser would parse).
    """
    found = [*_hidden_characters(path, text), *_unsafe_html(path, text)]
    if not any(f.rule == "unsafe-html" for f in found):
        found.extend(_rendered_html(path, text, extensions))
    return found


def _hidden_characters(path: str, text: str) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        # A character reference (&#x202E;) reaches the page as the character itself.
        if "&" in line:
            line += html.unescape(line)
        # NOTE: isprintable() is a fast C check; only lines it doubts are looked at
        # character by character (full-width spaces make it doubt, harmlessly).
        if line.isprintable():
            continue
        bad = sorted({c for c in line if is_hidden(c)})
        if bad:
            shown = "、".join(
                f"U+{ord(c):04X}（{unicodedata.name(c, '控制字符')}）" for c in bad
            )
            findings.append(
                finding(
                    path,
                    "hidden-text",
                    f"这一行含有不可见或改变文字方向的字符：{shown}；审批人看到的可能与网页显示的不同。",
                    line=number,
                    hint="请删除这些字符后重新提交审批。",
                )
            )
    return findings


def _unsafe_html(path: str, text: str) -> list[Finding]:
    lines: dict[int, Finding] = {}
    for pattern, what in _UNSAFE_HTML:
        for match in pattern.finditer(text):
            number = text.count("\n", 0, match.start()) + 1
            if number in lines:
                continue
            lines[number] = finding(
                path,
                "unsafe-html",
                f"正文含有不允许的 HTML：{what.format(match.group(1).lower())}。"
                "它可能在审批之后改变页面显示、运行脚本或引入外部内容。",
                line=number,
                hint="请改用普通 Markdown（文字、表格、链接、图片）。",
            )
    return [lines[number] for number in sorted(lines)]


# What the rendered Markdown may contain: the tags and attributes Markdown itself
# produces, and simple tables and text markup written as HTML.
_TAGS = set(
    "p br hr h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr th td "
    "caption colgroup col blockquote pre code em strong b i u s del ins sub sup small "
    "mark abbr a img span div kbd q cite sup".split()
)
_ATTRIBUTES = {
    "*": {"title", "id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "li": {"value"},
}
# The only style Markdown itself writes: a table column's alignment.
_ALIGN = re.compile(r"^text-align:\s*(left|right|center);?$")
_LINK_SCHEMES = {"", "http", "https", "mailto", "tel"}
# The front matter as the post reader splits it: up to the first line of just "---".
_FRONT_MATTER = re.compile(r"---\r?\n(?:.*?\r?\n)??---\r?(?:\n|$)", re.DOTALL)
_WORTH_RENDERING = re.compile(r"<|&|\]\(|\]:|\{|script|:", re.IGNORECASE)


def _rendered_html(path: str, text: str, extensions: Sequence[str]) -> list[Finding]:
    front_matter = _FRONT_MATTER.match(text)
    body = text[front_matter.end() :] if front_matter else text
    if not _WORTH_RENDERING.search(body):
        return []
    checker = _AllowList()
    checker.feed(render(body, tuple(extensions)))
    checker.close()
    return [
        finding(
            path,
            "unsafe-html",
            f"正文含有不允许的 HTML：{problem}。它可能在审批之后改变页面显示、运行脚本或引入外部内容。",
            line=_line_of(text, needle),
            hint="请只用普通 Markdown：文字、标题、列表、表格、站内链接和 http/https 链接。",
        )
        for problem, needle in checker.problems[:5]
    ]


def body_of(text: str) -> str:
    """The text after the front matter, as the post reader splits it."""
    front_matter = _FRONT_MATTER.match(text)
    return text[front_matter.end() :] if front_matter else text


@functools.lru_cache(maxsize=4)
def _renderer(extensions: tuple[str, ...]) -> markdown.Markdown:
    return markdown.Markdown(extensions=list(extensions))


@functools.lru_cache(maxsize=8)
def render(body: str, extensions: tuple[str, ...]) -> str:
    """``body`` as HTML, the way the site renders it (``extensions``: its dialect).

    The same body is judged twice (allowed markup, then the text a reader sees), so
    the last few renderings are kept.
    """
    renderer = _renderer(extensions)
    renderer.reset()
    return renderer.convert(body)


def visible_text(text: str, extensions: Sequence[str]) -> str:
    """The body as a reader of the page sees it: rendered in the site's dialect,
    entities decoded, tags gone, white space collapsed as a browser does, one block
    a line; the alt text, titles and link targets come as lines of their own."""
    body = body_of(text)
    if not _MARKUP.search(body):
        return body  # nothing rendering would join, decode or hide: read as written
    reader = _Reader()
    reader.feed(render(body, tuple(extensions)))
    reader.close()
    return reader.text()


# What rendering changes for a reader: markup, references, emphasis, links, tables,
# escapes, and a line break inside a number or a marking (a reader sees a space).
_MARKUP = re.compile(
    r"[<&*_`\[\]|\\]|\d[ \t]*\r?\n[ \t]*\d|[绝机秘内][ \t]*\r?\n[ \t]*[密部]"
)
_BLOCKS = set(
    "p div li dt dd tr h1 h2 h3 h4 h5 h6 blockquote pre table ul ol dl hr caption".split()
)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.extra: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.blocks.append([])
        elif tag in ("td", "th", "br"):
            self.blocks[-1].append(" ")
        self.extra.extend(
            value
            for name, value in attrs
            if name in ("alt", "title", "href", "src") and value
        )

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        self.blocks[-1].append(data)

    def text(self) -> str:
        lines = [" ".join("".join(parts).split()) for parts in self.blocks]
        return "\n".join([line for line in lines if line] + self.extra)


def _line_of(text: str, needle: str) -> int | None:
    index = text.lower().find(needle.lower()) if needle else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else None


class _AllowList(HTMLParser):
    """Collects every tag, attribute and link target not on the allow-list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.problems.append((f"标签 <{tag}>", f"<{tag}"))
            return
        allowed = _ATTRIBUTES["*"] | _ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name == "style" and tag in ("td", "th") and _ALIGN.match(value or ""):
                continue  # a Markdown table column's alignment (| ---: |)
            if name not in allowed:
                self.problems.append((f"<{tag}> 的属性 {name}", name))
            elif name in ("href", "src") and not _safe_target(tag, name, value or ""):
                shown = html.escape((value or "")[:60])
                self.problems.append(
                    (f"<{tag}> 的链接目标 {shown}", (value or "")[:20])
                )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    # Comments, declarations and CDATA: readers do not see them, and browsers end
    # them by rules of their own (``<!-->`` closes at once in a browser, not here),
    # so what follows could be markup this parser never judged.
    def handle_comment(self, data: str) -> None:
        self.problems.append(
            ("HTML 注释 <!-- -->（读者看不到，浏览器对它的解析也与此不同）", "<!--")
        )

    def handle_decl(self, decl: str) -> None:
        self.problems.append((f"HTML 声明 <!{html.escape(decl[:20])}>", "<!"))

    def unknown_decl(self, data: str) -> None:
        self.problems.append((f"HTML 声明 <![{html.escape(data[:20])}", "<!["))

    def handle_pi(self, data: str) -> None:
        self.problems.append(("HTML 处理指令 <?…>", "<?"))


def _safe_target(tag: str, name: str, value: str) -> bool:
    # Browsers read a backslash in a URL as a slash: /\host is //host.
    target = "".join(value.split()).lower().replace("\\", "/")
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    if parts.scheme not in _LINK_SCHEMES:
        return False
    # An image shown from another host can be swapped after approval.
    return not (name == "src" and (parts.scheme or target.startswith("//")))
