"""Content checks on a post's text: what a signer could not see, and raw HTML that
would show or run something no approval covers.

A signer approves the bytes they read. Control characters (a lone carriage return
hides the text before it in a terminal), bidirectional overrides and invisible
formatting characters can make those bytes read differently from the page; raw HTML
such as ``<script>``, ``<style>`` or ``<iframe>`` can restyle the page, run code or
pull in content from elsewhere after approval. Both are refused (附件1 第九条).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.findings import Finding, finding

# Formatting characters that are ordinary in Chinese text and harmless on a page.
_ALLOWED_FORMAT = {"\u200b", "\u200c", "\u200d", "\ufeff"}
_UNSAFE_TAGS = (
    "script|style|iframe|frame|frameset|object|embed|applet|link|meta|base|form|"
    "input|button|textarea|select|svg|math|template|portal"
)
_UNSAFE_HTML = [
    (re.compile(rf"<\s*/?\s*({_UNSAFE_TAGS})\b", re.IGNORECASE), "标签 <{0}>"),
    (re.compile(r"<[^>\n]*\s(on[a-z]+)\s*=", re.IGNORECASE), "事件属性 {0}"),
    (re.compile(r"(javascript|vbscript)\s*:", re.IGNORECASE), "{0}: 链接"),
    (re.compile(r"(data)\s*:\s*text/html", re.IGNORECASE), "{0}:text/html 链接"),
    (re.compile(r"<[^>\n]*\s(style)\s*=", re.IGNORECASE), "{0} 属性"),
]


def scan_text(path: str, text: str) -> list[Finding]:
    """Findings for hidden characters and unsafe raw HTML in a post's decoded text.

    ``text`` is the file as read (before line ends are normalised), so a lone carriage
    return is still visible here.
    """
    return [*_hidden_characters(path, text), *_unsafe_html(path, text)]


def _hidden_characters(path: str, text: str) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        # NOTE: isprintable() is a fast C check; only lines it doubts are looked at
        # character by character (full-width spaces make it doubt, harmlessly).
        if line.isprintable():
            continue
        bad = sorted({c for c in line if _is_hidden(c)})
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


def _is_hidden(char: str) -> bool:
    if char == "\t" or char in _ALLOWED_FORMAT:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


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
