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

import html
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
from pypdf.generic import DictionaryObject

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
    mismatch = _content_mismatch(attachment)
    if mismatch:
        return [Concern("attachment-type", mismatch, True)]
    suffix = attachment.suffix
    if suffix in _OOXML_MAIN or suffix == ".ofd":
        return _zipped_xml(attachment)
    if suffix == ".pdf":
        return _pdf(attachment)
    if suffix in (".jpg", ".jpeg", ".png"):
        return _image(attachment)
    if suffix in _OPAQUE:
        return [
            Concern(
                "attachment-uninspectable",
                f"{attachment.name} 的格式无法检查其中的作者、批注、修订和个人信息。",
                True,
            )
        ]
    return []


def file_at(path: str, data: bytes) -> Attachment:
    """The file ``data`` at ``path`` (in a site or a commit) read as an attachment."""
    return Attachment(PurePosixPath(path).name, "", path, data)


def named_text(attachment: Attachment) -> str:
    """The attachment's name and, below it, the text a reader of it can read."""
    return f"{attachment.name}\n{text_of(attachment)}"


def readable_format(attachment: Attachment) -> bool:
    """Whether ``text_of`` can read the attachment's format (archives and old Office
    and WPS files it cannot; images only for their text chunks and comments)."""
    return attachment.suffix not in _OPAQUE


def text_of(attachment: Attachment) -> str:
    """The text a reader of the file can read, for the content checks ("" if the
    format cannot be read): every text node and shown attribute of Office and OFD
    files (hidden sheets, comments, watermarks, sheet names included), the text,
    properties, bookmarks and form values of a PDF, text chunks and comments of
    images, a text file as is."""
    suffix = attachment.suffix
    data = attachment.data
    try:
        if suffix in (".txt", ".csv"):
            return _numbers_written_out(data.decode("utf-8-sig").replace("\r", "\n"))
        if suffix in _OOXML_MAIN or suffix == ".ofd":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return _numbers_written_out(
                    "\n".join(
                        _xml_text(archive.read(info))
                        for info in archive.infolist()
                        if info.filename.endswith((".xml", ".vml", ".rels"))
                        and info.file_size <= _MAX_PART
                    )
                )
        if suffix == ".pdf":
            return _pdf_text(PdfReader(io.BytesIO(data)))
        if suffix in IMAGES:
            return "\n".join(
                chunk.decode("utf-8", "replace") for chunk in _IMAGE_TEXT.findall(data)
            )
    except (zipfile.BadZipFile, PyPdfError, ValueError, KeyError, OSError):
        return ""
    return ""


def _pdf_text(reader: PdfReader) -> str:
    parts = [page.extract_text() or "" for page in reader.pages]
    info = reader.metadata
    if info is not None:
        parts.extend(str(value) for value in info.values())
    parts.extend(
        str(field.get("/V", "")) for field in (reader.get_fields() or {}).values()
    )

    def titles(outline: object) -> None:
        for item in outline if isinstance(outline, list) else []:
            if isinstance(item, list):
                titles(item)
            else:
                parts.append(str(getattr(item, "title", "")))

    titles(reader.outline)
    return "\n".join(parts)


# Text an image file carries besides its pixels: PNG text chunks, JPEG and GIF
# comments, XMP and EXIF strings (approximately: runs of printable bytes).
_IMAGE_TEXT = re.compile(rb"[\x20-\x7e\x80-\xff]{6,}")
# Spreadsheets show 1.3812345678E10 as 13812345678.
_SCIENTIFIC = re.compile(r"\b(\d)\.(\d+)[Ee]\+?(\d{1,2})\b")


def _numbers_written_out(text: str) -> str:
    def expand(match: re.Match[str]) -> str:
        digits = match.group(1) + match.group(2)
        exponent = int(match.group(3))
        if exponent < len(match.group(2)) or exponent > 20:
            return match.group()
        return digits + "0" * (exponent - len(match.group(2)))

    return _SCIENTIFIC.sub(expand, text)


# Formats whose inside cannot be read here: old Office and WPS files, archives.
_OPAQUE = (".doc", ".xls", ".ppt", ".wps", ".et", ".zip")
# The content type [Content_Types].xml must give the main part of each format.
_MAIN_TYPES = {
    ".docx": b"wordprocessingml.document.main+xml",
    ".xlsx": b"spreadsheetml.sheet.main+xml",
    ".pptx": b"presentationml.presentation.main+xml",
}
# Where one paragraph, cell or row ends in Office and OFD XML: a line of text.
_TEXT_BREAK = re.compile(rb"</(?:w:p|a:p|si|c|row|ofd:TextObject)>|<w:br/>|<w:tab/>")
_TAG = re.compile(rb"<[^>]*>")


# Attributes whose value a reader sees: watermark text, sheet names, prompts, link
# targets (tel: and mailto: among them).
_SHOWN_ATTRIBUTE = re.compile(
    rb'\s(?:string|name|prompt|promptTitle|error|errorTitle|Target|tooltip)="([^"]*)"'
)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _xml_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    shown = b"\n".join(_SHOWN_ATTRIBUTE.findall(data))
    data = _CDATA.sub(lambda m: m.group(1).replace(b"<", b"&lt;"), data)
    text = _TAG.sub(b"", _TEXT_BREAK.sub(b"\n", data)) + b"\n" + shown
    return html.unescape(text.decode("utf-8", "replace"))


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
    if suffix in _OOXML_MAIN or suffix == ".ofd":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if suffix == ".ofd":
                    return (
                        None
                        if "OFD.xml" in names
                        else _not_valid(attachment, "OFD.xml")
                    )
                main = _OOXML_MAIN[suffix]
                if main not in names or "[Content_Types].xml" not in names:
                    return _not_valid(attachment, main)
                if _MAIN_TYPES[suffix] not in archive.read("[Content_Types].xml"):
                    return (
                        f"{attachment.name} 声明的文档类型不是 {suffix}"
                        "（可能是别的格式改了扩展名，或含有宏）。"
                    )
        except zipfile.BadZipFile:
            return f"{attachment.name} 不是有效的 {suffix} 文件（无法解压）。"
    return None


def _not_valid(attachment: Attachment, part: str) -> str:
    return f"{attachment.name} 不是有效的 {attachment.suffix} 文件（缺少 {part}）。"


def _zipped_xml(attachment: Attachment) -> list[Concern]:
    concerns = []
    name = attachment.name
    with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
        names = archive.namelist()
        people = _core_people(archive, names)
        if people:
            concerns.append(
                Concern(
                    "attachment-metadata",
                    f"{name} 的文档属性记录了作者或修改人：{'、'.join(people)}。",
                    False,
                )
            )
        if _has_comments(archive, names):
            concerns.append(
                Concern(
                    "attachment-comments",
                    f"{name} 含有批注，读者下载后能看到。",
                    True,
                )
            )
        if _tracked_changes(archive, names):
            concerns.append(
                Concern(
                    "attachment-revisions",
                    f"{name} 含有未接受的修订（修订记录），读者能看到被删改的原文。",
                    True,
                )
            )
        types = (
            archive.read("[Content_Types].xml")
            if "[Content_Types].xml" in names
            else b""
        )
        if (
            b"vbaProject" in types
            or b"macroEnabled" in types
            or any(
                n.lower().endswith(".bin") and archive.read(n)[:8] == _OLE[0]
                for n in names
            )
        ):
            concerns.append(Concern("attachment-script", f"{name} 含有宏代码。", True))
        embedded = [
            n
            for n in names
            if "/embeddings/" in n.lower()
            or "altchunk" in n.lower()
            or n.startswith("Attachs/")
        ]
        if embedded or any(
            b"altChunk" in archive.read(n) for n in names if n.endswith(".rels")
        ):
            concerns.append(
                Concern(
                    "attachment-embedded",
                    f"{name} 内嵌了其他文件或文档片段，无法逐一检查。",
                    True,
                )
            )
        if any(
            b"<w:vanish/>" in archive.read(n) or b"<w:vanish " in archive.read(n)
            for n in names
            if n.startswith("word/") and n.endswith(".xml")
        ):
            concerns.append(
                Concern(
                    "attachment-hidden",
                    f"{name} 含有设为隐藏的文字，打印和阅读时看不到，打开后可以显示。",
                    True,
                )
            )
        large = [
            info.filename for info in archive.infolist() if info.file_size > _MAX_PART
        ]
        if large:
            concerns.append(
                Concern(
                    "attachment-uninspectable",
                    f"{name} 中的 {large[0]} 太大，无法检查其中的内容。",
                    True,
                )
            )
    return concerns


def _has_comments(archive: zipfile.ZipFile, names: list[str]) -> bool:
    """Comment parts, by their names or by the relationships that point at them."""
    if any("comment" in n.lower() or n.startswith("Annots/") for n in names):
        return True
    return any(
        re.search(rb"""Type=["'][^"']*/comments["']""", archive.read(n))
        for n in names
        if n.endswith(".rels")
    )


def _core_people(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    """Authors and last editors in Office core properties or an OFD's DocInfo."""
    people = []
    if "docProps/core.xml" in names:
        try:
            root = ElementTree.fromstring(archive.read("docProps/core.xml"))
        except ElementTree.ParseError:
            root = None
        for tag in ("dc:creator", "cp:lastModifiedBy"):
            element = root.find(tag, _NS) if root is not None else None
            if element is not None and element.text and element.text.strip():
                people.append(element.text.strip())
    if "OFD.xml" in names:
        people.extend(
            match.decode("utf-8", "replace").strip()
            for match in re.findall(
                rb"<ofd:Author>([^<]+)</ofd:Author>", archive.read("OFD.xml")
            )
        )
    return list(dict.fromkeys(p for p in people if p))


def _pdf(attachment: Attachment) -> list[Concern]:
    name = attachment.name
    try:
        reader = PdfReader(io.BytesIO(attachment.data))
        info = reader.metadata
        people = [str(info.author).strip()] if info is not None and info.author else []
        xmp = reader.xmp_metadata
        if xmp is not None and xmp.dc_creator:
            people.extend(str(p).strip() for p in xmp.dc_creator)
        notes = sum(
            1
            for page in reader.pages
            for annotation in (page.get("/Annots") or [])
            if annotation.get_object().get("/Subtype") not in ("/Link", "/Widget")
        )
        embedded = len(reader.attachments)
        root = reader.root_object
        names = root.get("/Names")
        action = root.get("/OpenAction")
        action = action.get_object() if action is not None else None
        # An /OpenAction that only sets the first view is common and harmless.
        script = (
            (isinstance(action, DictionaryObject) and action.get("/S") == "/JavaScript")
            or "/AA" in root
            or (names is not None and "/JavaScript" in names.get_object())
            # Actions anywhere else (links, pages, form fields) as plain objects.
            or re.search(rb"/(?:JavaScript|JS|Launch)\b", attachment.data) is not None
        )
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
        return [
            Concern(
                "attachment-type", f"{name} 无法作为 PDF 读取，读者可能也打不开。", True
            )
        ]
    concerns = []
    people = list(dict.fromkeys(p for p in people if p))
    if people:
        concerns.append(
            Concern(
                "attachment-metadata",
                f"{name} 的文档属性记录了作者：{'、'.join(people)}。",
                False,
            )
        )
    if notes:
        concerns.append(
            Concern(
                "attachment-comments",
                f"{name} 含有 {notes} 个注释或批注，读者打开后能看到。",
                True,
            )
        )
    if embedded:
        concerns.append(
            Concern(
                "attachment-embedded",
                f"{name} 内嵌了 {embedded} 个其他文件，无法逐一检查。",
                True,
            )
        )
    if script:
        concerns.append(
            Concern(
                "attachment-script", f"{name} 含有打开时自动执行的动作或脚本。", True
            )
        )
    return concerns


def _image(attachment: Attachment) -> list[Concern]:
    """Photos carry EXIF or XMP (camera, time, often the place); PNGs and GIFs text."""
    data = attachment.data
    markers = (
        (b"Exif\x00\x00", "EXIF"),
        (b"eXIf", "EXIF"),
        (b"http://ns.adobe.com/xap/1.0/", "XMP"),
        (b"tEXt", "文字"),
        (b"iTXt", "文字"),
        (b"zTXt", "文字"),
    )
    found = [label for marker, label in markers if marker in data]
    if _commented(attachment):
        found.append("注释")
    if not found:
        return []
    gps = b"GPSLatitude" in data or (
        ("EXIF" in found) and (b"\x88\x25" in data or b"\x25\x88" in data)
    )
    return [
        Concern(
            "attachment-metadata",
            f"{attachment.name} 含有附加信息（{'、'.join(dict.fromkeys(found))}）"
            + ("，其中有拍摄地点（GPS 坐标）" if gps else "，可能有相机、时间、作者等")
            + "。",
            gps,
        )
    ]


def _commented(attachment: Attachment) -> bool:
    """A JPEG comment segment (FF FE) or a GIF comment extension (21 FE) present."""
    data = attachment.data
    if attachment.suffix in (".jpg", ".jpeg"):
        return b"\xff\xfe" in data[2:]
    return attachment.suffix == ".gif" and b"\x21\xfe" in data


_REVISION = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:ins|del|moveFrom|moveTo)[\s/>]")


def _tracked_changes(archive: zipfile.ZipFile, names: list[str]) -> bool:
    return any(
        _REVISION.search(archive.read(name))
        for name in names
        if name.startswith("word/")
        and name.endswith(".xml")
        and archive.getinfo(name).file_size <= _MAX_PART
    )


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
