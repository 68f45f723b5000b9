"""Importing the LawRefBook corpus as posts (``pipeline.corpus``, ``portal import-laws``).

The first half builds a tiny corpus in ``tmp_path`` so the core is tested without
``../shared``; the second half reads the real corpus next to the repository and is
skipped when it is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline import corpus as lc
from pipeline.commands.import_laws import import_laws
from pipeline.config import SiteConfig, load_config
from pipeline.post import parse_post

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SELECTION = REPO / "imports" / "lawrefbook.yml"
REVIEW_DATE = dt.date(2026, 12, 4)

without_shared = pytest.mark.skipif(
    not (SHARED / lc.INDEX_PATH).is_file(),
    reason=f"needs the shared law corpus at {SHARED}",
)


@pytest.fixture(scope="module")
def config() -> SiteConfig:
    return load_config(REPO)


# --------------------------------------------------------------------------- fixture corpus

OLD = "lawrefbook-laws/行政法/科学技术进步法(2007-12-29).md"
NEW = "lawrefbook-laws/行政法/科学技术进步法(2021-12-24).md"
UNDATED = "lawrefbook-laws/DLC/北京地方法规/地方性法规/北京/北京市技术市场条例.md"
RULE = "lawrefbook-laws/部门规章/国家知识产权局/专利代理管理办法(2019-04-04).md"
ODD_NAME = (
    "lawrefbook-laws/司法解释/"
    "最高人民法院 最高人民检察院关于适用《专利法》若干问题的解释（一）(2020-01-01).md"
)
PART = "lawrefbook-laws/民法典/总则.md"

DOCUMENTS = {
    OLD: (
        "# 中华人民共和国科学技术进步法\n\n"
        "1993年7月2日 第八届全国人民代表大会常务委员会第二次会议通过\n\n"
        "2007年12月29日 第十届全国人民代表大会常务委员会第三十一次会议修订\n\n"
        "<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 旧版本正文。"
    ),
    NEW: (
        "# 中华人民共和国科学技术进步法\n\n"
        "中华人民共和国科学技术\n\n进步法\n\n"
        "1993年7月2日 第八届全国人民代表大会常务委员会第二次会议通过\n\n"
        "2021年12月24日 第十三届全国人民代表大会常务委员会第三十二次会议《关于修改〈中华\n\n"
        "人民共和国科学技术进步法〉的决定》第二次修订）\n\n"
        "<!-- INFO END -->\n\n"
        "<!-- FORCE BREAK -->\n\n"
        "# 第一章 总则\n\n"
        "第一条 为了全面促进科学技术进步。<!-- 注释 -->\n\n"
        "<!-- TABLE -->\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n<!-- TABLE END -->\n\n"
        "第二条 最后一条。\n\n\n"
    ),
    UNDATED: (
        "# 北京市技术市场条例\n\n"
        "1995年6月8日 北京市第十届人大常委会第十九次会议通过\n\n"
        "(2016年11月25日北京市第十四届人民代表大会常务委员会第三十一次会议修正)\n\n"
        "<!-- INFO END -->\n\n第一条 技术市场。\n"
    ),
    RULE: "# 专利代理管理办法\n\n<!-- INFO END -->\n\n第一条 专利代理。",
    ODD_NAME: (
        "# 最高人民法院 最高人民检察院关于适用《专利法》若干问题的解释（一）\n\n"
        "2019年12月1日 最高人民法院审判委员会第1780次会议、"
        "2019年12月5日最高人民检察院第十三届检察委员会第三十次会议通过\n\n"
        "2020年1月1日 施行\n\n<!-- INFO END -->\n\n第一条 解释。"
    ),
    PART: (
        "# 中华人民共和国民法典\n\n# 总则\n\n"
        "2020年5月28日 第十三届全国人民代表大会第三次会议通过\n\n"
        "2021年1月1日 施行\n\n<!-- INFO END -->\n\n第一条 民法。"
    ),
}

RECORDS: dict[str, dict[str, Any]] = {
    OLD: {
        "level": "法律",
        "category_folder": "行政法",
        "publish": "2007-12-29",
        "valid_from": "2008-07-01",
        "status_hint": "superseded_by_newer_version",
        "newer_version_in_subset": NEW,
    },
    NEW: {
        "level": "法律",
        "category_folder": "行政法",
        "publish": "2021-12-24",
        "valid_from": "2022-01-01",
    },
    UNDATED: {
        "level": "地方性法规",
        "category_folder": "地方性法规/北京",
        "status_hint": "expired_in_source",
    },
    RULE: {
        "level": "部门规章",
        "category_folder": "部门规章/国家知识产权局",
        "publish": "2019-04-04",
        "header_doc_numbers": ["国家市场监督管理总局令第６号"],
    },
    ODD_NAME: {
        "level": "司法解释",
        "category_folder": "司法解释",
        "publish": "2020-01-01",
    },
    PART: {
        "level": "法律",
        "category_folder": "民法典",
        "status_hint": "no_source_flag",
    },
}

FIXTURE_SELECTION = """\
rules:
  - name: 科技
    title_contains: [专利, 技术市场]
  - name: 法律
    levels: [法律]
    title_contains: [科学技术进步法]
include:
  - lawrefbook-laws/民法典/总则.md
exclude: []
"""


def _index_line(path: str, fields: dict[str, Any]) -> str:
    title = DOCUMENTS[path].split("\n", 1)[0][2:]
    record = {
        "path": path,
        "title": title,
        "publish": None,
        "valid_from": None,
        "status_hint": "current_in_source",
        "newer_version_in_subset": None,
        "header_doc_numbers": [],
        "header_events": [],
        **fields,
    }
    return json.dumps(record, ensure_ascii=False)


def make_corpus(folder: Path, paths: list[str] | None = None) -> Path:
    """A corpus with the fixture documents (all of them, or ``paths``) and their index."""
    chosen = paths if paths is not None else list(DOCUMENTS)
    for path in chosen:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(DOCUMENTS[path], encoding="utf-8")
    (folder / "index").mkdir(parents=True, exist_ok=True)
    lines = [_index_line(path, RECORDS[path]) for path in chosen]
    (folder / lc.INDEX_PATH).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def make_root(folder: Path, selection: str = FIXTURE_SELECTION) -> Path:
    """A site repository with the real site_config and a selection file."""
    shutil.copytree(REPO / "site_config", folder / "site_config")
    (folder / "imports").mkdir()
    (folder / "imports" / "lawrefbook.yml").write_text(selection, encoding="utf-8")
    return folder


def fixture_posts(tmp_path: Path) -> dict[str, lc.ImportedPost]:
    corpus = make_corpus(tmp_path / "corpus")
    index = lc.load_index(corpus)
    posts, problems = lc.build_posts(corpus, index.values(), review_date=REVIEW_DATE)
    assert problems == []
    return {post.source: post for post in posts}


def front_matter(post: lc.ImportedPost, config: SiteConfig) -> Any:
    parsed, problems = parse_post(post.path, post.data, config)
    assert problems == [], [p.diagnostics() for p in problems]
    assert parsed is not None
    return parsed


def test_header_events_become_front_matter_and_history(
    tmp_path: Path, config: SiteConfig
) -> None:
    posts = fixture_posts(tmp_path)
    new = front_matter(posts[NEW], config)
    assert posts[NEW].path == "content/laws/科学技术进步法-2021-12-24.md"
    assert new.title == "中华人民共和国科学技术进步法"
    assert new.issuer == "全国人民代表大会常务委员会"
    assert (new.published, new.effective) == (
        dt.date(2021, 12, 24),
        dt.date(2022, 1, 1),
    )
    assert new.status == "effective" and new.superseded_by is None
    assert new.doc_number is None
    assert (new.column, new.department, new.tier, new.kind) == (
        "laws",
        "policy",
        "general",
        "regulation",
    )
    assert new.secrecy_review.handler == "lin-xiao"
    assert new.secrecy_review.date == REVIEW_DATE
    # The wrapped title in the header is dropped; a wrapped event is joined inside
    # its open brackets and loses the stray closing bracket.
    assert new.body.lstrip("\n").startswith(
        "## 制定和修改沿革\n\n"
        "- 1993年7月2日 第八届全国人民代表大会常务委员会第二次会议通过\n"
        "- 2021年12月24日 第十三届全国人民代表大会常务委员会第三十二次会议"
        "《关于修改〈中华人民共和国科学技术进步法〉的决定》第二次修订\n\n"
    )
    old = front_matter(posts[OLD], config)
    assert old.status == "amended"
    assert old.superseded_by == posts[NEW].path
    assert old.effective == dt.date(2008, 7, 1)


def test_body_has_no_comments_no_h1_and_one_final_newline(tmp_path: Path) -> None:
    data = fixture_posts(tmp_path)[NEW].data.decode("utf-8")
    body = data.split("\n---\n", 1)[1]
    assert "<!--" not in data and "-->" not in data
    assert "\n# " not in body and not body.startswith("# ")
    assert "## 第一章 总则" in body
    assert "第一条 为了全面促进科学技术进步。\n\n| 甲 | 乙 |" in body
    assert "| 1 | 2 |\n\n第二条 最后一条。" in body
    assert data.endswith("第二条 最后一条。\n")
    assert "\r" not in data and "\n\n\n" not in body


def test_document_without_date_in_file_name(tmp_path: Path, config: SiteConfig) -> None:
    post = fixture_posts(tmp_path)[UNDATED]
    parsed = front_matter(post, config)
    # No publish date in the index: the latest header event (a parenthesised line).
    assert post.path == "content/local-regulations/北京市技术市场条例-2016-11-25.md"
    assert parsed.published == dt.date(2016, 11, 25)
    assert parsed.issuer == "北京市人民代表大会常务委员会"
    assert parsed.status == "expired"
    assert parsed.effective is None


def test_full_width_digits_and_folder_issuer(
    tmp_path: Path, config: SiteConfig
) -> None:
    parsed = front_matter(fixture_posts(tmp_path)[RULE], config)
    assert parsed.doc_number == "国家市场监督管理总局令第6号"
    assert parsed.issuer == "国家知识产权局"  # no header events: the folder says
    assert "## 制定和修改沿革" not in parsed.body


def test_file_name_with_space_brackets_and_book_title_marks(
    tmp_path: Path, config: SiteConfig
) -> None:
    post = fixture_posts(tmp_path)[ODD_NAME]
    assert post.path == (
        "content/judicial-interpretations/"
        "最高人民法院最高人民检察院关于适用《专利法》若干问题的解释（一）-2020-01-01.md"
    )
    parsed = front_matter(post, config)
    assert parsed.issuer == "最高人民法院、最高人民检察院"
    assert parsed.effective == dt.date(2020, 1, 1)


def test_split_document_keeps_its_part_in_title_and_name(
    tmp_path: Path, config: SiteConfig
) -> None:
    post = fixture_posts(tmp_path)[PART]
    parsed = front_matter(post, config)
    assert post.path == "content/laws/民法典总则-2020-05-28.md"
    assert parsed.title == "中华人民共和国民法典 总则"
    # 施行 is the effective date, not the publication.
    assert (parsed.published, parsed.effective) == (
        dt.date(2020, 5, 28),
        dt.date(2021, 1, 1),
    )
    assert parsed.status is None
    assert "\nstatus:" not in post.data.decode("utf-8")


def test_values_that_need_quotes_are_quoted(config: SiteConfig) -> None:
    document = lc.parse_document("# 标题\n\n<!-- INFO END -->\n\n正文", source="x.md")
    for title in (
        "关于: 科技 #1 的规定",
        "*星号开头",
        "true",
        "123",
        "- 列表",
        "[方括号]",
    ):
        meta = lc.Metadata(
            title, "laws", dt.date(2020, 1, 1), None, "令: 第1号", None, None
        )
        data = lc.render_post(
            meta, document, superseded_by=None, review_date=REVIEW_DATE
        )
        parsed, problems = parse_post("content/laws/x-2020-01-01.md", data, config)
        assert problems == [] and parsed is not None
        assert (parsed.title, parsed.doc_number) == (title, "令: 第1号")


def test_issuer_from_header_events() -> None:
    record = lc.IndexRecord(
        "p.md", "t", "行政法规", "行政法规", None, None, "x", None, (), 1
    )

    def issuer(*texts: str) -> str | None:
        events = tuple(lc.HeaderEvent(dt.date(2000, 1, 1), "", t, 1) for t in texts)
        return lc.issuer(record, lc.Document("p.md", "t", (), events, (), ""))

    assert (
        issuer("国务院第76次常务会议通过", "中华人民共和国国务院令第431号公布")
        == "国务院"
    )
    assert issuer("国务院批准", "铁道部发布") == "铁道部"
    assert issuer("国务院批准 文化部 海关总署发布") == "文化部、海关总署"
    assert issuer("中华人民共和国国务院、中华人民共和国中央军事委员会令第1号公布") == (
        "国务院、中央军事委员会"
    )
    assert issuer(
        "郑州市第十二届人民代表大会常务委员会第二十三次会议通过",
        "河南省第十届人民代表大会常务委员会第二十七次会议批准",
    ) == ("郑州市人民代表大会常务委员会")
    assert (
        issuer("最高人民检察院第十三届检察委员会第三十次会议通过") == "最高人民检察院"
    )
    assert issuer("经人力资源和社会保障部第6次部务会议通过") == "人力资源和社会保障部"
    assert issuer("施行") == "国务院"  # nothing named: the level's issuer


def test_selection_rules_include_and_newer_versions(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    index = lc.load_index(corpus)
    file = tmp_path / "sel.yml"
    file.write_text(
        "rules:\n  - name: 旧法\n    levels: [法律]\n    title_contains: [科学技术进步法]\n"
        "include: []\nexclude:\n  - " + NEW + "\n",
        encoding="utf-8",
    )
    with pytest.raises(lc.SelectionError, match="较新版本|被排除"):
        lc.select(index, lc.load_selection(file, shown="sel.yml"))
    file.write_text(
        "rules:\n  - name: 专利\n    levels: [司法解释, 部门规章]\n    title_contains: [专利]\n"
        f"include:\n  - {OLD}\n",
        encoding="utf-8",
    )
    chosen = [
        r.path for r in lc.select(index, lc.load_selection(file, shown="sel.yml"))
    ]
    assert chosen == sorted([OLD, NEW, RULE, ODD_NAME])  # NEW follows OLD


def test_selection_problems_name_file_line_and_field(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    file = tmp_path / "sel.yml"
    file.write_text(
        "rules:\n  - name: 错\n    levels: [条例]\ninclude:\n  - lawrefbook-laws/无此文件.md\n",
        encoding="utf-8",
    )
    with pytest.raises(lc.SelectionError) as bad_level:
        lc.load_selection(file, shown="imports/sel.yml")
    assert "imports/sel.yml:3" in bad_level.value.diagnostics()
    assert "levels" in bad_level.value.diagnostics()
    file.write_text(
        "rules: []\ninclude:\n  - lawrefbook-laws/无此文件.md\n", encoding="utf-8"
    )
    with pytest.raises(lc.SelectionError) as unknown:
        lc.select(
            lc.load_index(corpus), lc.load_selection(file, shown="imports/sel.yml")
        )
    assert "imports/sel.yml:2" in unknown.value.diagnostics()
    assert "无此文件" in unknown.value.diagnostics()


def test_bad_index_line_and_bad_document_are_located(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", [NEW])
    with (corpus / lc.INDEX_PATH).open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(lc.CorpusError) as bad:
        lc.load_index(corpus)
    assert bad.value.line == 2 and "JSON" in bad.value.message
    with pytest.raises(lc.CorpusError, match="INFO END"):
        lc.parse_document("# 标题\n\n正文", source="a.md")
    with pytest.raises(lc.CorpusError) as no_date:
        lc.parse_document(
            "# 标题\n\n2021年2月30日 通过\n\n<!-- INFO END -->\n", source="a.md"
        )
    assert no_date.value.line == 3


def test_document_without_any_date_is_skipped(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", [RULE])
    record = lc.load_index(corpus)[RULE]
    undated = lc.IndexRecord(**{**record.__dict__, "publish": None})
    posts, problems = lc.build_posts(corpus, [undated], review_date=REVIEW_DATE)
    assert posts == [] and len(problems) == 1
    assert "published" in problems[0].message and problems[0].path == RULE


def test_command_writes_reproducibly_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    root = make_root(tmp_path / "site")
    selection = Path("imports/lawrefbook.yml")
    assert import_laws(root, corpus, selection=selection, date=REVIEW_DATE) == 0
    out = capsys.readouterr().out
    assert "导入 6 篇" in out and "新写入 6" in out
    assert "laws（法律）：3" in out and "amended（已修改）：1" in out
    first = {p: p.read_bytes() for p in (root / "content").rglob("*.md")}
    assert len(first) == 6
    assert import_laws(root, corpus, selection=selection, date=REVIEW_DATE) == 0
    assert "未变 6" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in (root / "content").rglob("*.md")} == first


def test_command_replaces_only_earlier_imports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    root = make_root(tmp_path / "site")
    selection = Path("imports/lawrefbook.yml")
    assert import_laws(root, corpus, selection=selection, date=dt.date(2026, 1, 1)) == 0
    # An earlier import (other review date) is replaced ...
    assert import_laws(root, corpus, selection=selection, date=REVIEW_DATE) == 0
    target = root / "content/laws/科学技术进步法-2021-12-24.md"
    assert b"date: 2026-12-04" in target.read_bytes()
    # ... a person's own post at the same path is not.
    own = target.read_bytes().replace(
        lc.BASIS.encode(), "经办人审查，可以公开".encode()
    )
    target.write_bytes(own)
    with caplog.at_level(logging.ERROR, logger="pipeline"):
        assert (
            import_laws(root, corpus, selection=selection, date=dt.date(2026, 12, 5))
            == 1
        )
    assert target.read_bytes() == own
    assert "未覆盖" in caplog.text and "科学技术进步法-2021-12-24.md" in caplog.text


def test_command_missing_corpus(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_root(tmp_path / "site")
    missing = tmp_path / "no-corpus"
    with caplog.at_level(logging.ERROR, logger="pipeline"):
        code = import_laws(
            root, missing, selection=Path("imports/lawrefbook.yml"), date=None
        )
    assert code == 2
    assert str(missing) in caplog.text and "import-laws" in caplog.text
    assert not (root / "content").exists()


# --------------------------------------------------------------------------- real corpus


def _real(path: str) -> tuple[lc.IndexRecord, lc.Document, lc.Metadata]:
    record = _index()[f"lawrefbook-laws/{path}"]
    document = lc.read_document(SHARED, record)
    return record, document, lc.describe(record, document)


_INDEX: dict[str, lc.IndexRecord] = {}


def _index() -> dict[str, lc.IndexRecord]:
    if not _INDEX:
        _INDEX.update(lc.load_index(SHARED))
    return _INDEX


def _real_posts() -> list[lc.ImportedPost]:
    chosen = lc.select(
        _index(), lc.load_selection(SELECTION, shown="imports/lawrefbook.yml")
    )
    posts, problems = lc.build_posts(SHARED, chosen, review_date=REVIEW_DATE)
    assert problems == [], [p.diagnostics() for p in problems]
    return posts


@pytest.mark.shared
@without_shared
def test_real_document_with_header_events() -> None:
    record, document, meta = _real("行政法规/信访条例(2005-01-10).md")
    assert meta.title == "信访条例"
    assert meta.issuer == "国务院"
    assert meta.doc_number == "中华人民共和国国务院令第431号"
    assert meta.published == dt.date(2005, 1, 10)
    assert meta.effective == dt.date(2005, 5, 1)  # from the 施行 event
    assert meta.status == "expired"
    assert [e.date for e in document.events] == [
        dt.date(2005, 1, 5),
        dt.date(2005, 1, 10),
        dt.date(2005, 5, 1),
    ]
    _, _, law = _real("行政法/科学技术进步法(2021-12-24).md")
    assert (law.issuer, law.effective, law.status) == (
        "全国人民代表大会常务委员会",
        dt.date(2022, 1, 1),
        "effective",
    )


@pytest.mark.shared
@without_shared
def test_real_amended_version_links_to_its_successor(config: SiteConfig) -> None:
    posts = {post.source: post for post in _real_posts()}
    old = posts["lawrefbook-laws/行政法/科学技术普及法(2002-06-29).md"]
    parsed = front_matter(old, config)
    assert parsed.status == "amended"
    assert parsed.superseded_by == "content/laws/科学技术普及法-2024-12-25.md"
    assert parsed.superseded_by in {post.path for post in posts.values()}


@pytest.mark.shared
@without_shared
def test_real_document_without_date_in_file_name() -> None:
    record, document, meta = _real(
        "DLC/北京地方法规/地方性法规/北京/北京市信息化促进条例.md"
    )
    assert record.publish is None
    assert (
        meta.published == max(e.date for e in document.events) == dt.date(2007, 9, 14)
    )
    assert (
        lc.post_name(record, document, meta.published)
        == "北京市信息化促进条例-2007-09-14.md"
    )
    assert meta.status == "expired"


@pytest.mark.shared
@without_shared
def test_real_full_width_doc_number() -> None:
    record, _, meta = _real(
        "部门规章/公安部/公安机关办理行政案件程序规定(2019-04-27).md"
    )
    assert "１２５" in record.doc_numbers[0]
    assert meta.doc_number == "中华人民共和国公安部令第125号"
    assert meta.issuer == "公安部"


@pytest.mark.shared
@without_shared
@pytest.mark.parametrize(
    ("path", "name"),
    [
        (
            "司法解释/最高人民法院 最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律"
            "若干问题的解释(2019-06-27).md",
            "最高人民法院最高人民检察院关于办理操纵证券期货市场刑事案件适用法律"
            "若干问题的解释-2019-06-27.md",
        ),
        (
            "司法解释/最高人民法院关于适用《合同法》若干问题的解释（一）(1999-12-29).md",
            "最高人民法院关于适用《合同法》若干问题的解释（一）-1999-12-29.md",
        ),
        (
            "DLC/北京地方法规/地方性法规/北京/北京市人民代表大会常务委员会关于依法防控新型冠状病毒"
            "感染肺炎疫情  坚决打赢疫情防控阻击战的决定(2020-02-07).md",
            "北京市人民代表大会常务委员会关于依法防控新型冠状病毒感染肺炎疫情"
            "坚决打赢疫情防控阻击战的决定-2020-02-07.md",
        ),
    ],
)
def test_real_file_names(path: str, name: str, config: SiteConfig) -> None:
    record, document, meta = _real(path)
    assert lc.post_name(record, document, meta.published) == name
    posts, problems = lc.build_posts(SHARED, [record], review_date=REVIEW_DATE)
    assert problems == [] and lc.validate_post(posts[0], config) == []


@pytest.mark.shared
@without_shared
def test_every_real_post_passes_the_repository_checks(config: SiteConfig) -> None:
    posts = _real_posts()
    assert 220 <= len(posts) <= 300
    for post in posts:
        assert lc.validate_post(post, config) == [], post.path
        text = post.data.decode("utf-8")
        assert "<!--" not in text and "\r" not in text
        assert text.endswith("\n") and not text.endswith("\n\n")
    assert len({post.path for post in posts}) == len(posts)


@pytest.mark.shared
@without_shared
def test_real_statuses_match_the_index() -> None:
    posts = _real_posts()
    index = _index()
    expected = Counter(
        lc.STATUS_BY_HINT[index[post.source].status_hint] for post in posts
    )
    assert Counter(post.status for post in posts) == expected
    assert expected["amended"] >= 10 and expected["expired"] >= 10
    assert expected["effective"] > 0 and expected[None] > 0
    levels = {index[post.source].level for post in posts}
    assert levels == set(lc.COLUMNS_BY_LEVEL)
    sources = {post.source for post in posts}
    for post in posts:
        newer = index[post.source].newer_version
        assert newer is None or newer in sources


@pytest.mark.shared
@without_shared
def test_real_import_is_reproducible(tmp_path: Path) -> None:
    roots = []
    for name in ("a", "b"):
        root = tmp_path / name
        shutil.copytree(REPO / "site_config", root / "site_config")
        shutil.copytree(REPO / "imports", root / "imports")
        selection = Path("imports/lawrefbook.yml")
        assert import_laws(root, SHARED, selection=selection, date=REVIEW_DATE) == 0
        roots.append(root)
    again = import_laws(
        roots[0], SHARED, selection=Path("imports/lawrefbook.yml"), date=REVIEW_DATE
    )
    assert again == 0

    def tree(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / "content").rglob("*")
            if p.is_file()
        }

    assert tree(roots[0]) == tree(roots[1])
    assert len(tree(roots[0])) == len(_real_posts())


def test_comments_and_level_one_headings_anywhere() -> None:
    document = lc.parse_document(
        "# 标题 <!-- 注 -->\n\n2020年1月1日 通过 <!-- 注 -->\n\n<!-- INFO END -->\n\n"
        "总则\n===\n\n# 第一章\n\n正文 <!-- 注 -->尾\n",
        source="a.md",
    )
    assert document.title == "标题"
    assert [e.text for e in document.events] == ["通过"]
    assert document.body == "## 总则\n\n## 第一章\n\n正文 尾"
    with pytest.raises(lc.CorpusError) as unclosed:
        lc.parse_document(
            "# 标题\n\n<!-- INFO END -->\n\n甲\n\n乙 <!-- 未闭合\n", source="a.md"
        )
    assert unclosed.value.line == 7


@pytest.mark.shared
@without_shared
def test_revision_carries_its_own_order_number() -> None:
    # Revised by order 711 (修订): the new order is this version's number. Amended by a
    # separate decision (公安部, 修正): the text keeps its first order's number (125).
    _, _, meta = _real("行政法规/政府信息公开条例(2019-04-03).md")
    assert meta.doc_number == "中华人民共和国国务院令第711号"
