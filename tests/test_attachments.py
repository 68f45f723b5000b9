"""Attachments: listed with their hashes in the post, so the post's signatures cover
them; inspected for what a reader would get but a signer may not see."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest

from pipeline.attachments import Attachment, inspect, with_listing
from pipeline.main import main
from pipeline.post import read_post
from pipeline.verify import verify_repository
from tests.helpers.repo import NOW, Repo, post_text

POST = "content/notices/关于申报科技计划项目的通知.md"
FOLDER = "content/notices/关于申报科技计划项目的通知"


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def docx(*, author: str = "", comment: bool = False, tracked: bool = False) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    paragraph = document.add_paragraph("科技计划项目申报表")
    document.core_properties.author = author
    document.core_properties.last_modified_by = ""
    if comment:
        document.add_comment(paragraph.runs, text="此处金额待核", author="李四")
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    if tracked:
        import zipfile

        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "word/document.xml":
                    content = content.replace(
                        b"<w:p>",
                        b'<w:p><w:ins w:id="1" w:author="x" w:date="2026-01-01T00:00:00Z">'
                        b"<w:r><w:t>\xe5\x88\xa0</w:t></w:r></w:ins>",
                        1,
                    )
                target.writestr(item, content)
        data = out.getvalue()
    return data


def attach(repo: Repo, tmp_path: Path, name: str, data: bytes) -> int:
    source = tmp_path / "upload" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    return main(["attach", "--root", str(repo.root), POST, str(source)])


def findings(repo: Repo) -> list[tuple[str, str, str]]:
    report = verify_repository(repo.root, repo.config, now=NOW)
    return [(f.path, f.rule, f.severity) for f in report.findings]


def test_attach_lists_the_file_and_its_hash_in_the_post(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text(title="关于申报科技计划项目的通知"))
    assert attach(repo, tmp_path, "申报流程图.png", png()) == 0
    assert "已登记附件" in capsys.readouterr().out
    text = (repo.root / POST).read_text(encoding="utf-8")
    assert 'attachments:\n  - file: "申报流程图.png"\n    sha256: ' in text
    assert (repo.root / FOLDER / "申报流程图.png").read_bytes() == png()
    repo.approve_all(POST)
    post, problems = read_post(repo.root, POST, repo.config)
    assert problems == [] and post is not None
    assert [a.name for a in post.attachments] == ["申报流程图.png"]
    assert findings(repo) == []


def test_a_second_attach_keeps_the_first_and_updates_a_changed_file(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(POST, post_text())
    attach(repo, tmp_path, "a.png", png())
    attach(repo, tmp_path, "b.png", png())
    attach(repo, tmp_path, "a.png", png() + b"\x00")
    post, _ = read_post(repo.root, POST, repo.config)
    assert post is not None
    assert [(a.name, len(a.data)) for a in post.attachments] == [
        ("a.png", len(png()) + 1),
        ("b.png", len(png())),
    ]


@pytest.mark.attack
def test_an_attachment_swapped_after_approval_blocks_the_post(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(POST, post_text())
    attach(repo, tmp_path, "申报流程图.png", png())
    repo.approve_all(POST)
    (repo.root / FOLDER / "申报流程图.png").write_bytes(png() + b"tampered")
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert report.publishable == []
    [problem] = [f for f in report.findings if f.severity == "error"]
    assert problem.field == "attachments[0].sha256" and "不符" in problem.message


def test_a_file_in_the_folder_that_is_not_listed_is_not_published(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(POST, post_text())
    attach(repo, tmp_path, "a.png", png())
    repo.approve_all(POST)
    repo.write(f"{FOLDER}/未登记.pdf", b"%PDF-1.4\n")
    assert findings(repo) == [(f"{FOLDER}/未登记.pdf", "unapproved-file", "warning")]


@pytest.mark.parametrize(
    "name",
    ["../逃出.png", ".隐藏.png", "index.html", "脚本.svg", "无扩展名", "a\u202e.png"],
)
def test_unsafe_attachment_names_are_refused(
    repo: Repo, tmp_path: Path, name: str
) -> None:
    repo.write(POST, post_text())
    listing = with_listing(
        (repo.root / POST).read_text(encoding="utf-8"), [(name, "0" * 64)]
    )
    repo.write(POST, listing)
    post, problems = read_post(repo.root, POST, repo.config)
    assert post is None and problems[0].field == "attachments[0].file"


def test_a_renamed_file_is_caught_and_can_be_acknowledged(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(POST, post_text())
    attach(repo, tmp_path, "通知全文.pdf", png())
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    [problem] = [f for f in report.findings if f.severity == "error"]
    assert problem.rule == "attachment-type" and problem.code
    assert problem.code in (problem.hint or "")
    # The handler acknowledges it with a reason: the post changes, so it is re-signed.
    text = (
        (repo.root / POST)
        .read_text(encoding="utf-8")
        .replace(
            "  date: 2026-03-01\n",
            "  date: 2026-03-01\n  acknowledged:\n"
            f"    - finding: {problem.code}\n      reason: 扫描件以图片格式提供，内容已核对\n",
        )
    )
    repo.write(POST, text)
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert [p.path for p in report.publishable] == [POST]
    [warning] = report.findings
    assert (
        warning.rule == "attachment-type" and "扫描件以图片格式提供" in warning.message
    )


def test_an_acknowledgement_for_nothing_is_reported(repo: Repo) -> None:
    text = post_text().replace(
        "  date: 2026-03-01\n",
        "  date: 2026-03-01\n  acknowledged:\n"
        "    - finding: attachment-type:0123456789ab\n      reason: 旧的确认\n",
    )
    repo.write(POST, text)
    repo.approve_all(POST)
    assert findings(repo) == [(POST, "acknowledgement-unused", "warning")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (docx(author="张三"), [("attachment-metadata", False)]),
        (docx(comment=True), [("attachment-comments", True)]),
        (docx(tracked=True), [("attachment-revisions", True)]),
        (docx(), []),
    ],
)
def test_hidden_content_in_word_files(
    data: bytes, expected: list[tuple[str, bool]]
) -> None:
    concerns = inspect(Attachment("申报表.docx", "", "x", data))
    assert [(c.kind, c.severe) for c in concerns] == expected


def test_a_pdf_with_an_author_and_a_note() -> None:
    from pypdf import PdfWriter
    from pypdf.annotations import Text

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "王五"})
    writer.add_annotation(0, Text(text="内部意见：暂缓", rect=(10, 10, 30, 30)))
    buffer = io.BytesIO()
    writer.write(buffer)
    concerns = inspect(Attachment("说明.pdf", "", "x", buffer.getvalue()))
    assert [(c.kind, c.severe) for c in concerns] == [
        ("attachment-metadata", False),
        ("attachment-comments", True),
    ]
    assert "王五" in concerns[0].message


@pytest.mark.slow
def test_the_site_publishes_the_approved_attachment_and_checks_it(
    tmp_path: Path, key_folder: Path
) -> None:
    from tests.test_build import make_site_repo

    repo = make_site_repo(tmp_path / "repo", key_folder)
    body = (
        "申报流程见下图。\n\n![申报流程图](关于申报科技计划项目的通知/申报流程图.png)\n"
    )
    repo.write(POST, post_text(title="关于申报科技计划项目的通知", body=body))
    attach(repo, tmp_path, "申报流程图.png", png())
    repo.approve_all(POST)
    assert main(["build", "--root", str(repo.root), "--exclude-unapproved"]) == 0
    site = repo.root / "site"
    page_folder = site / "notices" / "关于申报科技计划项目的通知"
    assert (page_folder / "申报流程图.png").read_bytes() == png()
    page = (page_folder / "index.html").read_text(encoding="utf-8")
    assert 'src="%E7%94%B3%E6%8A%A5%E6%B5%81%E7%A8%8B%E5%9B%BE.png"' in page or (
        'src="申报流程图.png"' in page
    )
    assert "附件：" in page
    # A file swapped in the built site is caught by the page-by-page check.
    (page_folder / "申报流程图.png").write_bytes(png() + b"x")
    assert main(["check-site", "--root", str(repo.root), "site"]) == 1


def rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """``data`` (a zip) with parts replaced, added, or (None) removed."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename in change:
                continue
            target.writestr(item, source.read(item.filename))
        for name, content in change.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def xlsx(*, comment: bool = False, hidden_ids: str = "") -> bytes:
    import openpyxl
    from openpyxl.comments import Comment

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "获奖单位"
    if comment:
        sheet["A1"].comment = Comment("此处待核实", "王五")
    if hidden_ids:
        hidden = book.create_sheet("备用")
        hidden.sheet_state = "veryHidden"
        hidden["A1"] = hidden_ids
    book.properties.creator = None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kinds(name: str, data: bytes) -> list[tuple[str, bool]]:
    return [(c.kind, c.severe) for c in inspect(Attachment(name, "", "x", data))]


@pytest.mark.attack
def test_comments_and_revisions_are_found_however_the_parts_are_named() -> None:
    assert kinds("汇总.xlsx", xlsx(comment=True)) == [("attachment-comments", True)]
    plain = docx()
    renamed = rezip(
        plain,
        {
            "word/notes.xml": b"<w:comments/>",
            "word/_rels/document.xml.rels": b'<Relationships><Relationship Id="r9" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" '
            b'Target="notes.xml"/></Relationships>',
        },
    )
    assert ("attachment-comments", True) in kinds("申报表.docx", renamed)
    import zipfile

    body = zipfile.ZipFile(io.BytesIO(plain)).read("word/document.xml")
    for tag in (b"<w:del\n w:id='1'>", b"<x:ins\tx:id='2'>", b"<w:moveFrom w:id='3'/>"):
        changed = rezip(
            plain, {"word/document.xml": body.replace(b"<w:p>", b"<w:p>" + tag, 1)}
        )
        assert ("attachment-revisions", True) in kinds("申报表.docx", changed), tag


@pytest.mark.attack
def test_personal_data_inside_an_attachment_blocks_the_post(
    repo: Repo, tmp_path: Path
) -> None:
    from stdnum.cn import ric

    number = "32058119900307123" + ric.calc_check_digit("32058119900307123" + "0")
    repo.write(POST, post_text())
    attach(repo, tmp_path, "获奖名单.xlsx", xlsx(hidden_ids=f"张三 {number}"))
    attach(repo, tmp_path, "名单.csv", "姓名,手机\n李四,13912345678\n".encode())
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert report.publishable == []
    blocking = {(f.rule, f.message) for f in report.findings if f.severity == "error"}
    assert (
        "id-number",
        "附件 获奖名单.xlsx 中发现居民身份证号码：32*************236",
    ) in blocking
    assert any(r == "mobile" and "名单.csv" in m for r, m in blocking)
    assert not any(number in m or "13912345678" in m for _, m in blocking)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "通知.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            ("attachment-uninspectable", True),
        ),
        ("材料.zip", rezip(docx(), {}), ("attachment-uninspectable", True)),
        ("通知.ofd", docx(), ("attachment-type", True)),
        ("汇总.docx", xlsx(), ("attachment-type", True)),
    ],
)
def test_formats_that_cannot_be_checked_or_are_mislabelled(
    name: str, data: bytes, expected: tuple[str, bool]
) -> None:
    assert kinds(name, data) == [expected]


def test_a_pdf_highlight_note_embedded_file_and_script_are_found() -> None:
    from pypdf import PdfWriter
    from pypdf.annotations import Highlight
    from pypdf.generic import ArrayObject, FloatObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    quad = ArrayObject([FloatObject(v) for v in (10, 30, 30, 30, 10, 10, 30, 10)])
    writer.add_annotation(0, Highlight(rect=(10, 10, 30, 30), quad_points=quad))
    writer.add_attachment("底稿.xlsx", b"PK")
    from pypdf.actions import JavaScript

    writer.add_open_action(JavaScript("app.alert('x');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    found = kinds("说明.pdf", buffer.getvalue())
    assert ("attachment-comments", True) in found
    assert ("attachment-embedded", True) in found
    assert ("attachment-script", True) in found


def test_a_photo_with_its_location_is_found() -> None:
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a"
    segment = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    photo = b"\xff\xd8" + segment + b"\xff\xd9"
    assert kinds("现场.jpg", photo) == [("attachment-metadata", True)]
    assert kinds("图.png", png()) == []


def _with_body(extra: bytes) -> bytes:
    import zipfile

    plain = docx()
    body = zipfile.ZipFile(io.BytesIO(plain)).read("word/document.xml")
    return rezip(
        plain, {"word/document.xml": body.replace(b"<w:p>", b"<w:p>" + extra, 1)}
    )


@pytest.mark.attack
@pytest.mark.parametrize(
    ("name", "data", "hidden"),
    [
        (
            "a.docx",
            _with_body(b"<w:r><w:t><![CDATA[13912345678]]></w:t></w:r>"),
            "13912345678",
        ),
        (
            "b.docx",
            _with_body(
                b'<v:textpath string="\xe6\x9c\xba\xe5\xaf\x86\xe2\x98\x85\xe9\x95\xbf\xe6\x9c\x9f"/>'
            ),
            "机密★长期",
        ),
        ("c.csv", b"\xe6\x89\x8b\xe6\x9c\xba\n1.3912345678E+10\n", "13912345678"),
        ("d.txt", b"138\r12345678", "138\n12345678"),
    ],
)
def test_text_the_reader_gets_from_an_attachment(
    name: str, data: bytes, hidden: str
) -> None:
    from pipeline.attachments import text_of

    assert hidden in text_of(Attachment(name, "", "x", data))


@pytest.mark.attack
def test_hidden_runs_embedded_parts_and_renamed_macros_are_found() -> None:
    assert ("attachment-hidden", True) in kinds(
        "a.docx", _with_body(b"<w:r><w:rPr><w:vanish/></w:rPr><w:t>x</w:t></w:r>")
    )
    assert ("attachment-embedded", True) in kinds(
        "b.docx", rezip(docx(), {"word/embeddings/oleObject1.bin": b"x"})
    )
    macro = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8
    assert ("attachment-script", True) in kinds(
        "c.docx", rezip(docx(), {"word/vbaData1.bin": macro})
    )
    assert ("attachment-revisions", True) in kinds(
        "d.docx", rezip(docx(), {"word/sub/document.xml": b"<del xmlns='x'>old</del>"})
    )


def test_a_pdf_title_bookmark_and_link_script() -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    from pipeline.attachments import text_of

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "联系人手机 13912345678"})
    writer.add_outline_item(title="身份证号 " + "32058119850312201X", page_number=0)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/Extra")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = Attachment("说明.pdf", "", "x", buffer.getvalue())
    text = text_of(pdf)
    assert "13912345678" in text and "32058119850312201X" in text
    assert ("attachment-script", True) in [(c.kind, c.severe) for c in inspect(pdf)]


def test_image_comments_and_xmp_location() -> None:
    from pipeline.attachments import text_of

    comment = b"\xff\xfe\x00\x16" + "手机13912345678".encode()
    photo = b"\xff\xd8" + comment + b"\xff\xd9"
    assert "13912345678" in text_of(Attachment("a.jpg", "", "x", photo))
    assert kinds("a.jpg", photo) == [("attachment-metadata", False)]
    xmp = b"\xff\xd8\xff\xe1\x00\x40http://ns.adobe.com/xap/1.0/\x00<exif:GPSLatitude>31,39N</exif:GPSLatitude>\xff\xd9"
    assert kinds("b.jpg", xmp) == [("attachment-metadata", True)]
