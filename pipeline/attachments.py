"""Attachments: files published with a post, approved by the post's own signatures.

A post lists its attachments in its front matter, each with the SHA-256 of its
bytes; the files live in the folder named after the post, beside it
(``content/<column>/<name>/<file>``). Signing the post's bytes therefore signs the
attachments too: a file whose bytes differ from the listed hash is not the approved
file. Before anyone signs, ``inspect`` reports what a reader of the site would get
but the signer may not see: a file whose content is not what its extension says, and
hidden content inside Office and PDF files (author names, comments, tracked changes).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PyPdfError

# Extensions an attachment may have, with the leading bytes its content must start
# with (OOXML and OFD files are zip archives; old Office and WPS files are OLE).
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
KINDS: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".ofd": _ZIP,
    ".zip": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
    ".ppt": _OLE,
    ".wps": _OLE,
    ".et": _OLE,
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".txt": (),
    ".csv": (),
}
IMAGES = (".png", ".jpg", ".jpeg", ".gif")
_RESERVED = {"index.html", "404.html", "sitemap.xml"}
_OOXML_MAIN = {
    ".docx": "word/document.xml",
    ".xlsx": "xl/workbook.xml",
    ".pptx": "ppt/presentation.xml",
}
_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
}
# An Office file's text parts above this size are not searched for tracked changes.
_MAX_PART = 50 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """An attachment as listed and as read: name, listed hash, path and bytes."""

    name: str
    sha256: str
    path: str
    data: bytes

    @property
    def suffix(self) -> str:
        """The lower-case extension with its dot."""
        return PurePosixPath(self.name).suffix.lower()


@dataclass(frozen=True)
class Concern:
    """Something in an attachment a signer should know: what, and how serious."""

    kind: str
    message: str
    severe: bool


def folder_of(post_path: str) -> str:
    """``content/<column>/<name>`` for ``content/<column>/<name>.md``."""
    return PurePosixPath(post_path).with_suffix("").as_posix()


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an attachment's file name, if it cannot."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return "附件名只能是文件名，不能含有目录。"
    if unicodedata.normalize("NFC", name) != name:
        return "附件名不是 NFC 规范形式的 Unicode。"
    if name.startswith(".") or any(unicodedata.category(c)[0] == "C" for c in name):
        return "附件名不能以点开头，也不能含有控制字符或不可见字符。"
    if name.lower() in _RESERVED:
        return f"{name} 会与网站自己的页面冲突。"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in KINDS:
        return f"不接受 {suffix or '没有扩展名'} 的附件；可用：{'、'.join(KINDS)}。"
    return None


def inspect(attachment: Attachment) -> list[Concern]:
    """What the file holds that its name and the page do not show."""
    concerns = []
    mismatch = _content_mismatch(attachment)
    if mismatch:
        concerns.append(Concern("attachment-type", mismatch, True))
    elif attachment.suffix in _OOXML_MAIN:
        concerns.extend(_ooxml(attachment))
    elif attachment.suffix == ".pdf":
        concerns.extend(_pdf(attachment))
    return concerns


def _content_mismatch(attachment: Attachment) -> str | None:
    data = attachment.data
    suffix = attachment.suffix
    if suffix in (".txt", ".csv"):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return f"{attachment.name} 不是 UTF-8 文本，与扩展名 {suffix} 不符。"
        return None if b"\x00" not in data else f"{attachment.name} 含有二进制内容。"
    if not data.startswith(KINDS[suffix]):
        return (
            f"{attachment.name} 的内容不是扩展名 {suffix} 所说的文件类型"
            "（可能被改了扩展名）；读者下载到的会是另一种文件。"
        )
    main = _OOXML_MAIN.get(suffix)
    if main is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if main not in archive.namelist():
                    return (
                        f"{attachment.name} 不是有效的 {suffix} 文件（缺少 {main}）。"
                    )
        except zipfile.BadZipFile:
            return f"{attachment.name} 不是有效的 {suffix} 文件（无法解压）。"
    return None


def _ooxml(attachment: Attachment) -> list[Concern]:
    concerns = []
    with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
        names = archive.namelist()
        people = _core_people(archive, names)
        if people:
            concerns.append(
                Concern(
                    "attachment-metadata",
                    f"{attachment.name} 的文档属性记录了作者或修改人：{'、'.join(people)}。",
                    False,
                )
            )
        comments = [n for n in names if re.search(r"comments\d*\.xml$", n, re.I)]
        if comments:
            concerns.append(
                Concern(
                    "attachment-comments",
                    f"{attachment.name} 含有批注（{len(comments)} 个批注部件），读者下载后能看到。",
                    True,
                )
            )
        if attachment.suffix == ".docx" and _tracked_changes(archive, names):
            concerns.append(
                Concern(
                    "attachment-revisions",
                    f"{attachment.name} 含有未接受的修订（修订记录），读者能看到被删改的原文。",
                    True,
                )
            )
    return concerns


def _core_people(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    if "docProps/core.xml" not in names:
        return []
    try:
        root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except ElementTree.ParseError:
        return []
    people = []
    for tag in ("dc:creator", "cp:lastModifiedBy"):
        element = root.find(tag, _NS)
        if element is not None and element.text and element.text.strip():
            people.append(element.text.strip())
    return list(dict.fromkeys(people))


def _tracked_changes(archive: zipfile.ZipFile, names: list[str]) -> bool:
    for name in names:
        if not re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
            continue
        if archive.getinfo(name).file_size > _MAX_PART:
            return True  # too big to read: say so rather than miss it
        text = archive.read(name)
        if b"<w:ins " in text or b"<w:del " in text or b"<w:ins>" in text:
            return True
    return False


def _pdf(attachment: Attachment) -> list[Concern]:
    try:
        reader = PdfReader(io.BytesIO(attachment.data))
        info = reader.metadata
        author = str(info.author).strip() if info is not None and info.author else ""
        notes = sum(
            1
            for page in reader.pages
            for annotation in (page.get("/Annots") or [])
            if annotation.get_object().get("/Subtype")
            in ("/Text", "/FreeText", "/Popup")
        )
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return [
            Concern(
                "attachment-type",
                f"{attachment.name} 无法作为 PDF 读取，读者可能也打不开。",
                True,
            )
        ]
    concerns = []
    if author:
        concerns.append(
            Concern(
                "attachment-metadata",
                f"{attachment.name} 的文档属性记录了作者：{author}。",
                False,
            )
        )
    if notes:
        concerns.append(
            Concern(
                "attachment-comments",
                f"{attachment.name} 含有 {notes} 个注释，读者打开后能看到。",
                True,
            )
        )
    return concerns


def listing_block(entries: list[tuple[str, str]]) -> str:
    """The front-matter block that lists ``entries`` (file name, SHA-256)."""
    lines = ["attachments:"]
    for name, sha in entries:
        lines.append(f"  - file: {json.dumps(name, ensure_ascii=False)}")
        lines.append(f"    sha256: {sha}")
    return "\n".join(lines) + "\n"


def with_listing(text: str, entries: list[tuple[str, str]]) -> str:
    """The post ``text`` (LF line ends, front matter first) with its ``attachments``
    block replaced by, or added as, the listing of ``entries``; nothing else changes."""
    lines = text.split("\n")
    end = lines.index("---", 1)
    start = next(
        (i for i in range(1, end) if re.match(r"attachments\s*:", lines[i])), None
    )
    block = listing_block(entries).rstrip("\n").split("\n")
    if start is None:
        lines[end:end] = block
    else:
        stop = start + 1
        while stop < end and (
            lines[stop][:1] in (" ", "\t", "-", "#") or not lines[stop]
        ):
            stop += 1
        lines[start:stop] = block
    return "\n".join(lines)
