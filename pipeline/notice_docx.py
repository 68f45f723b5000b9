"""Notices and reports as Word documents: the Markdown they are written in, as .docx.

Only what the templates use is understood: ``#``–``###`` headings, paragraphs,
``-`` and ``1.`` lists, ``**bold**`` and pipe tables. Body text is set in 仿宋,
headings and tables in 宋体, for East Asian text as well as Latin.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

BODY_FONT = "仿宋"
HEADING_FONT = "宋体"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d+[.、]\s*")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def markdown_to_docx(text: str) -> bytes:
    """The .docx bytes of the Markdown ``text``."""
    document = Document()
    _set_fonts(document)
    blocks = _blocks(text)
    for block in blocks:
        _add_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _blocks(text: str) -> list[list[str]]:
    """Paragraph blocks: runs of non-blank lines; a heading or list item stands alone."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
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


def _add_block(document: DocumentObject, block: list[str]) -> None:
    first = block[0]
    if first.startswith("#"):
        level = len(first) - len(first.lstrip("#"))
        heading = document.add_heading(level=min(level, 3) - 1 if level > 1 else 0)
        _add_runs(heading, first.lstrip("#").strip(), HEADING_FONT)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER if level <= 2 else None
    elif first.startswith("|"):
        _add_table(document, block)
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


def _add_table(document: DocumentObject, block: list[str]) -> None:
    rows = [_cells(line) for line in block if not _TABLE_RULE.match(line)]
    if not rows:
        return
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=False):
            paragraph = cell.paragraphs[0]
            _add_runs(paragraph, text, HEADING_FONT)


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in inner.split("|")]


def _set_fonts(document: DocumentObject) -> None:
    """Body and heading styles in the Chinese fonts, theme fonts removed."""
    for name, font, size in (
        ("Normal", BODY_FONT, 14),
        ("Title", HEADING_FONT, 20),
        ("Heading 1", HEADING_FONT, 18),
        ("Heading 2", HEADING_FONT, 16),
        ("List Bullet", BODY_FONT, 14),
    ):
        style = document.styles[name]
        style.font.name = font
        style.font.size = Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:eastAsia"), font)
