"""Notices and reports as Word documents: the Markdown they are written in, as .docx.

Only what the templates use is understood: ``#``–``###`` headings, paragraphs,
``-`` and ``1.`` lists, ``**bold**`` and pipe tables. Body text is set in 仿宋,
headings and tables in 宋体, for East Asian text as well as Latin.

Pipe tables cannot say that a cell spans several columns or rows, so the annual
report repeats a spanning header's text in every cell it covers; with
``merge_headers`` the header rows (the rows at the top of a table holding no figure)
are merged where they repeat: a cell equal to its left neighbour, or empty after a
filled one, joins it; a block equal to the one above joins it. Header rows repeat at
the top of each page.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

BODY_FONT = "仿宋"
LANGUAGE = "zh-CN"
LARGE_SCALE = 1.5
# In the core properties' keywords of every notice written from the register.
NOTICE_MARKER = "portal-register-notice"
HEADING_FONT = "宋体"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d+[.、]\s*")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_FIGURE = re.compile(r"^[\d.,，%]+$")


def markdown_to_docx(
    text: str,
    *,
    author: str = "",
    title: str = "",
    large: bool = False,
    register_notice: bool = False,
    merge_headers: bool = False,
) -> bytes:
    """The .docx bytes of the Markdown ``text``: A4 paper, Chinese (zh-CN), by
    ``author`` (the bureau). ``large`` sets every size up by half (大字版, 附件2
    第十四条); ``register_notice`` marks the file as a notice of the private register
    (``NOTICE_MARKER`` in its keywords), so the site check can refuse it;
    ``merge_headers`` merges the repeated cells of tables' header rows."""
    document = Document()
    _set_page(document)
    _set_fonts(document, scale=LARGE_SCALE if large else 1.0)
    _set_properties(document, author, title, register_notice)
    blocks = _blocks(text)
    for block in blocks:
        _add_block(document, block, merge_headers)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_page(document: DocumentObject) -> None:
    """A4 (21 × 29.7 cm) with the margins of official documents (GB/T 9704)."""
    for section in document.sections:
        section.page_width = Cm(21)
        section.page_height = Cm(29.7)
        section.top_margin = Cm(3.7)
        section.bottom_margin = Cm(3.5)
        section.left_margin = Cm(2.8)
        section.right_margin = Cm(2.6)


def _set_properties(
    document: DocumentObject, author: str, title: str, register_notice: bool
) -> None:
    properties = document.core_properties
    properties.author = author
    properties.last_modified_by = author
    properties.title = title
    properties.language = LANGUAGE
    for lang in document.styles.element.iter(qn("w:lang")):
        for attribute in ("w:val", "w:eastAsia"):
            lang.set(qn(attribute), LANGUAGE)
    properties.comments = ""
    properties.keywords = NOTICE_MARKER if register_notice else ""
    properties.category = "依申请公开告知书" if register_notice else ""


def _blocks(text: str) -> list[list[str]]:
    """Paragraph blocks: runs of non-blank lines; a heading or list item stands alone."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("<!--") and stripped.endswith("-->"):
            continue
        single = stripped.startswith(("#", "- ")) or _NUMBERED.match(stripped)
        if not stripped or single:
            if current:
                blocks.append(current)
            current = []
            if single:
                blocks.append([stripped])
            continue
        if current and current[0].startswith("|") != stripped.startswith("|"):
            blocks.append(current)
            current = []
        current.append(stripped)
    if current:
        blocks.append(current)
    return blocks


def _add_block(document: DocumentObject, block: list[str], merge: bool) -> None:
    first = block[0]
    if first.startswith("#"):
        level = len(first) - len(first.lstrip("#"))
        heading = document.add_heading(level=min(level, 3) - 1 if level > 1 else 0)
        _add_runs(heading, first.lstrip("#").strip(), HEADING_FONT)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER if level <= 2 else None
    elif first.startswith("|"):
        _add_table(document, block, merge)
    elif first.startswith("- "):
        paragraph = document.add_paragraph(style="List Bullet")
        _add_runs(paragraph, first[2:], BODY_FONT)
    else:
        paragraph = document.add_paragraph()
        _add_runs(paragraph, "".join(block), BODY_FONT)


def _add_runs(paragraph: Paragraph, text: str, font: str) -> None:
    """``text`` as runs, ``**bold**`` parts in bold, every run in ``font``."""
    position = 0
    for match in _BOLD.finditer(text):
        _run(paragraph, text[position : match.start()], font, bold=False)
        _run(paragraph, match.group(1), font, bold=True)
        position = match.end()
    _run(paragraph, text[position:], font, bold=False)


def _run(paragraph: Paragraph, text: str, font: str, *, bold: bool) -> None:
    if not text:
        return
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _add_table(document: DocumentObject, block: list[str], merge: bool) -> None:
    rows = [_cells(line) for line in block if not _TABLE_RULE.match(line)]
    if not rows:
        return
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    spans = _header_spans(rows) if merge else []
    covered = set()
    for top, left, bottom, right in spans:
        table.cell(top, left).merge(table.cell(bottom, right))
        covered |= {
            (r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)
        }
        covered.discard((top, left))
    for index in range(_header_count(rows) if merge else 0):
        _repeat_as_header(table.rows[index])
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            if (r, c) not in covered:
                _add_runs(table.cell(r, c).paragraphs[0], text, HEADING_FONT)


def _header_count(rows: list[list[str]]) -> int:
    """How many rows at the top hold no figure (the header rows)."""
    count = 0
    for row in rows:
        if any(_FIGURE.match(cell) for cell in row):
            break
        count += 1
    return count


def _header_spans(rows: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """The blocks (top, left, bottom, right) of repeated header cells to merge."""
    header = _header_count(rows)
    width = len(rows[0])
    taken: set[tuple[int, int]] = set()
    spans = []
    for r in range(header):
        for c in range(width):
            text = rows[r][c]
            if not text or (r, c) in taken:
                continue
            right = c
            while right + 1 < width and rows[r][right + 1] in (text, ""):
                if (r, right + 1) in taken:
                    break
                right += 1
            bottom = r
            while bottom + 1 < header and all(
                rows[bottom + 1][k] == text and (bottom + 1, k) not in taken
                for k in range(c, right + 1)
            ):
                bottom += 1
            taken |= {(i, k) for i in range(r, bottom + 1) for k in range(c, right + 1)}
            if (bottom, right) != (r, c):
                spans.append((r, c, bottom, right))
    return spans


def _repeat_as_header(row: Any) -> None:
    """Mark a table row as a header row, repeated at the top of each page."""
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in inner.split("|")]


def _set_fonts(document: DocumentObject, *, scale: float = 1.0) -> None:
    """Body and heading styles in the Chinese fonts and language, theme fonts
    removed; sizes times ``scale``."""
    for name, font, size in (
        ("Normal", BODY_FONT, 14),
        ("Title", HEADING_FONT, 20),
        ("Heading 1", HEADING_FONT, 18),
        ("Heading 2", HEADING_FONT, 16),
        ("List Bullet", BODY_FONT, 14),
    ):
        style = document.styles[name]
        style.font.name = font
        style.font.size = Pt(round(size * scale))
        properties = style.element.get_or_add_rPr()
        _set_language(properties)
        fonts = properties.get_or_add_rFonts()
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:eastAsia"), font)


def _set_language(properties: Any) -> None:
    """``w:lang`` zh-CN for Latin and East Asian text alike."""
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    for attribute in ("w:val", "w:eastAsia"):
        lang.set(qn(attribute), LANGUAGE)
