"""The LawRefBook corpus of Chinese laws and regulations, turned into posts.

The corpus (see ``shared/corpus/README.md``) holds Markdown documents under
``lawrefbook-laws/`` and one JSON record per document in
``index/lawrefbook-laws.jsonl``. A selection file (``imports/lawrefbook.yml``) says by
rule which documents to import. This module reads all three and turns each selected
document into the exact bytes of a post for ``content/<column>/``; it prints nothing and
writes nothing (``pipeline.commands.import_laws`` does that).

The index supplies what the document does not say about itself: level, publication and
entry-into-force dates, status and newer version, document numbers. The document
supplies the title, the header events (制定和修改沿革) and the text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.config import SiteConfig
from pipeline.errors import PortalError, raise_if_any
from pipeline.fields import Fields
from pipeline.post import CONTENT_DIR, check_path, parse_post

logger = logging.getLogger(__name__)

INDEX_PATH = "index/lawrefbook-laws.jsonl"
DOCUMENTS_DIR = "lawrefbook-laws"
INFO_END = "<!-- INFO END -->"
HISTORY_HEADING = "## 制定和修改沿革"

COLUMNS_BY_LEVEL = {
    "宪法": "laws",
    "法律": "laws",
    "行政法规": "administrative-regulations",
    "部门规章": "departmental-rules",
    "司法解释": "judicial-interpretations",
    "地方性法规": "local-regulations",
}
STATUS_BY_HINT: dict[str, str | None] = {
    "current_in_source": "effective",
    "superseded_by_newer_version": "amended",
    "expired_in_source": "expired",
    "no_source_flag": None,
}

# Fixed front matter of every imported post.
DEPARTMENT = "policy"
TIER = "general"
KIND = "regulation"
HANDLER = "lin-xiao"
OPINION = "publishable"
BASIS = "已由国家法律法规数据库公开发布的法律法规文本，不涉及国家秘密和个人信息"

_MAX_NAME_BYTES = 200
_NUM = "[0-9０-９一二三四五六七八九十百零〇]+"
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DATED_STEM = re.compile(r"^(?P<name>.*?)\s*\((?P<date>\d{4}-\d{2}-\d{2})\)$")
_NAME_CHARS = re.compile(
    "[^0-9A-Za-z\\-（）《》\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
)
_EVENT = re.compile(
    r"^[（(]?(?P<date>(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日)\s*(?P<text>.*)$"
)
_COMMENT_LINE = re.compile(r"^\s*(?:<!--.*?-->\s*)+$")
_COMMENT = re.compile(r"<!--.*?-->")
_H1 = re.compile(r"^( {0,3})#(?=[ \t]|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_IN_FORCE = re.compile(r"^(?:.*(?:公布|发布|之日))?起?(?:施行|实施|生效)$")
_ORGAN = re.compile(r"^[\u4e00-\u9fff、]{2,40}$")

# How an organ is named in a header event, strongest evidence first.
_LEGISLATURE = re.compile(
    rf"^(?P<place>[\u4e00-\u9fff]{{2,10}}?[省市])?(?:第{_NUM}届)?"
    rf"(?P<body>(?:全国)?(?:人民代表大会|人大)(?:常务委员会|常委会)?)(?:第{_NUM}次会议)?"
    r"(?P<rest>.*)$"
)
_ORDER = re.compile(rf"^(?P<organ>[^\s第]+?)(?:令第{_NUM}号|第{_NUM}号令)")
_PUBLISHED_BY = re.compile(
    rf"^(?P<organ>[\u4e00-\u9fff、\s]+?)(?:公告(?:第{_NUM}号)?)?(?:发布|公布)"
)
_COURT = re.compile(
    rf"(最高人民法院)审判委员会|(最高人民检察院)(?:第{_NUM}届)?检察委员会"
)
_MEETING = re.compile(
    rf"^经?(?P<organ>国务院|[\u4e00-\u9fff]+?(?:部|人民政府))(?:第{_NUM}次)?"
    r"(?:常务会议|部务会议|部长办公会议)"
)
_APPROVED_BY = re.compile(r"^经?(?P<organ>[\u4e00-\u9fff、]+?)批准")


class CorpusError(PortalError):
    """The corpus, its index or one of its documents is missing or malformed."""


class CorpusMissingError(CorpusError):
    """The corpus folder, its index or its documents folder does not exist."""


class SelectionError(PortalError):
    """The selection file is missing, malformed or names documents the index lacks."""


@dataclass(frozen=True)
class IndexRecord:
    """One document's record in ``index/lawrefbook-laws.jsonl`` (``line`` is 1-based)."""

    path: str
    title: str
    level: str
    category_folder: str
    publish: dt.date | None
    valid_from: dt.date | None
    status_hint: str
    newer_version: str | None
    doc_numbers: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class HeaderEvent:
    """A dated line of a document's header, e.g. ``2021年12月24日 …会议修订``."""

    date: dt.date
    date_text: str
    text: str
    line: int


@dataclass(frozen=True)
class Document:
    """A corpus document split into title, header and body (comments removed)."""

    source: str
    title: str
    subtitles: tuple[str, ...]
    events: tuple[HeaderEvent, ...]
    preamble: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class Rule:
    """Select documents of ``levels`` (all when empty) whose title has a keyword."""

    name: str
    levels: frozenset[str]
    title_contains: tuple[str, ...]

    def matches(self, record: IndexRecord) -> bool:
        """Whether ``record`` is selected by this rule."""
        if self.levels and record.level not in self.levels:
            return False
        if not self.title_contains:
            return True
        return any(word in record.title for word in self.title_contains)


@dataclass(frozen=True)
class Selection:
    """The rules, explicit inclusions and exclusions of a selection file."""

    path: str
    rules: tuple[Rule, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    include_line: int = 0
    exclude_line: int = 0


@dataclass(frozen=True)
class Metadata:
    """What a post says about its document, before it is rendered."""

    title: str
    column: str
    published: dt.date
    effective: dt.date | None
    doc_number: str | None
    issuer: str | None
    status: str | None


@dataclass(frozen=True)
class ImportedPost:
    """A generated post: the source document, its target path and its exact bytes."""

    source: str
    path: str
    column: str
    title: str
    status: str | None
    data: bytes


# --------------------------------------------------------------------------- index


def check_corpus(corpus: Path) -> None:
    """Raise ``CorpusMissingError`` unless ``corpus`` has the index and documents folder."""
    for part, what in ((INDEX_PATH, "索引文件"), (DOCUMENTS_DIR, "文档目录")):
        target = corpus / part
        exists = target.is_file() if part == INDEX_PATH else target.is_dir()
        if not exists:
            raise CorpusMissingError(
                f"找不到法律法规语料的{what} {target}。",
                path=str(corpus),
                hint=(
                    f"请确认语料目录（含 {INDEX_PATH} 与 {DOCUMENTS_DIR}/）在该处，"
                    "或在命令中给出语料目录的正确路径，例如 portal import-laws ../shared/corpus。"
                ),
            )


def load_index(corpus: Path) -> dict[str, IndexRecord]:
    """Every record of the corpus index, by path; ``CorpusError`` on a malformed line."""
    check_corpus(corpus)
    shown = str(corpus / INDEX_PATH)
    text = yamlfile.read_text(corpus / INDEX_PATH, shown_as=shown, error=CorpusError)
    records: dict[str, IndexRecord] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        record = _record(line, shown, number)
        if record.path in records:
            raise CorpusError(
                f"路径 {record.path} 重复出现（第 {records[record.path].line} 行已有）。",
                path=shown,
                line=number,
                field="path",
            )
        records[record.path] = record
    for record in records.values():
        if record.newer_version is not None and record.newer_version not in records:
            raise CorpusError(
                f"较新版本 {record.newer_version} 不在索引中。",
                path=shown,
                line=record.line,
                field="newer_version_in_subset",
            )
    logger.debug("索引 %s：%d 条记录", shown, len(records))
    return records


def _record(line: str, shown: str, number: int) -> IndexRecord:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            f"不是有效的 JSON（{exc.msg}）。", path=shown, line=number
        ) from None
    if not isinstance(raw, dict):
        raise CorpusError("每行应是一个 JSON 对象。", path=shown, line=number)

    def text(key: str, *, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None or value == "":
            if required:
                raise CorpusError("缺少此字段。", path=shown, line=number, field=key)
            return None
        if not isinstance(value, str):
            raise CorpusError(
                f"应为文本，却是 {value!r}。", path=shown, line=number, field=key
            )
        return unicodedata.normalize("NFC", value)

    def date(key: str) -> dt.date | None:
        value = text(key, required=False)
        try:
            return None if value is None else dt.date.fromisoformat(value)
        except ValueError:
            raise CorpusError(
                f"日期“{value}”无效（应为 YYYY-MM-DD）。",
                path=shown,
                line=number,
                field=key,
            ) from None

    path, title, level, folder, hint = (
        text(key) or ""
        for key in ("path", "title", "level", "category_folder", "status_hint")
    )
    if level not in COLUMNS_BY_LEVEL:
        raise CorpusError(
            f"未知的效力级别“{level}”。", path=shown, line=number, field="level"
        )
    if hint not in STATUS_BY_HINT:
        raise CorpusError(
            f"未知的状态“{hint}”。", path=shown, line=number, field="status_hint"
        )
    numbers = raw.get("header_doc_numbers") or []
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise CorpusError(
            "应为文本列表。", path=shown, line=number, field="header_doc_numbers"
        )
    return IndexRecord(
        path=path,
        title=title,
        level=level,
        category_folder=folder,
        publish=date("publish"),
        valid_from=date("valid_from"),
        status_hint=hint,
        newer_version=text("newer_version_in_subset", required=False),
        doc_numbers=tuple(numbers),
        line=number,
    )


# --------------------------------------------------------------------------- selection


def load_selection(path: Path, *, shown: str) -> Selection:
    """Read and check a selection file; ``SelectionError`` names every problem."""
    if not path.is_file():
        raise SelectionError(
            "找不到选取规则文件。",
            path=shown,
            hint="请用 --selection 指定，默认是 imports/lawrefbook.yml。",
        )
    text = yamlfile.read_text(path, shown_as=shown, error=SelectionError)
    document = yamlfile.load(text, path=shown, error=SelectionError)
    problems: list[PortalError] = []
    top = Fields(document, path=shown, error=SelectionError, problems=problems, line=1)
    top.only(["rules", "include", "exclude"])
    rules = []
    for item in top.list_of("rules"):
        item.only(["name", "levels", "title_contains"])
        name = item.text("name", what="规则名称")
        levels = item.text_list("levels", required=False)
        for level in levels:
            if level not in COLUMNS_BY_LEVEL:
                item.fail(
                    "levels",
                    f"未知的效力级别“{level}”；可选：{'、'.join(COLUMNS_BY_LEVEL)}。",
                )
        words = tuple(item.text_list("title_contains", required=False))
        if name:
            rules.append(Rule(name, frozenset(levels), words))
    include = tuple(top.text_list("include", required=False))
    exclude = tuple(top.text_list("exclude", required=False))
    raise_if_any(problems)
    return Selection(
        path=shown,
        rules=tuple(rules),
        include=include,
        exclude=exclude,
        include_line=top.line_of("include"),
        exclude_line=top.line_of("exclude"),
    )


def select(index: Mapping[str, IndexRecord], selection: Selection) -> list[IndexRecord]:
    """The selected records sorted by path, with the newer version of each older one."""
    problems: list[PortalError] = []
    for key, paths, line in (
        ("include", selection.include, selection.include_line),
        ("exclude", selection.exclude, selection.exclude_line),
    ):
        for missing in (p for p in paths if p not in index):
            problems.append(
                SelectionError(
                    f"索引中没有文档 {missing}。",
                    path=selection.path,
                    line=line or None,
                    field=key,
                    hint=f"路径应与 {INDEX_PATH} 中的 path 完全一致。",
                )
            )
    raise_if_any(problems)
    excluded = set(selection.exclude)
    chosen = {
        path
        for path, record in index.items()
        if path not in excluded
        and any(rule.matches(record) for rule in selection.rules)
    }
    chosen.update(selection.include)
    pending = sorted(chosen)
    while pending:
        newer = index[pending.pop()].newer_version
        if newer is None or newer in chosen:
            continue
        if newer in excluded:
            raise SelectionError(
                f"{newer} 被排除，但已选取的旧版本要链接到它。",
                path=selection.path,
                line=selection.exclude_line or None,
                field="exclude",
                hint="请同时排除旧版本，或取消排除新版本。",
            )
        logger.debug("加入较新版本 %s", newer)
        chosen.add(newer)
        pending.append(newer)
    return [index[path] for path in sorted(chosen)]


# --------------------------------------------------------------------------- documents


def read_document(corpus: Path, record: IndexRecord) -> Document:
    """Read and split the document of ``record``; ``CorpusError`` names file and line."""
    text = yamlfile.read_text(
        corpus / record.path, shown_as=record.path, error=CorpusError
    )
    return parse_document(text, source=record.path)


def parse_document(text: str, *, source: str) -> Document:
    """Split a document's text into title, header events, preamble and body."""
    lines = text.split("\n")
    if not lines[0].startswith("# ") or not lines[0][2:].strip():
        raise CorpusError("第一行应为“# 标题”。", path=source, line=1)
    ends = [i for i, line in enumerate(lines) if line.strip() == INFO_END]
    if not ends:
        raise CorpusError(f"缺少表头结束标记 {INFO_END}。", path=source)
    end = ends[0]
    title = _nfc(_COMMENT.sub("", lines[0][2:]).strip())
    subtitles, events, preamble = _parse_header(lines[1:end], source, first_line=2)
    joined = "".join(preamble)
    if preamble and joined in (title, title.removeprefix("中华人民共和国")):
        logger.debug("%s：表头中分行重复的标题已略去", source)
        preamble = []
    body = _clean_body(lines[end + 1 :], source, first_line=end + 2)
    return Document(
        source=source,
        title=title,
        subtitles=tuple(subtitles),
        events=tuple(events),
        preamble=tuple(preamble),
        body=body,
    )


def _parse_header(
    lines: Sequence[str], source: str, *, first_line: int
) -> tuple[list[str], list[HeaderEvent], list[str]]:
    subtitles: list[str] = []
    events: list[HeaderEvent] = []
    preamble: list[str] = []
    for offset, raw in enumerate(lines):
        line = _nfc(_COMMENT.sub("", raw).strip())
        number = first_line + offset
        if "<!--" in line:
            raise CorpusError("表头中有未闭合的 HTML 注释。", path=source, line=number)
        if not line:
            continue
        match = _EVENT.match(line)
        if match:
            events.append(_event(match, source, number))
        elif line.startswith("# ") and not events:
            subtitles.append(line[2:].strip())
        elif events:
            last = events[-1]
            joiner = "" if _unclosed(last.text) else " "
            text = _tidy(last.text + joiner + line)
            events[-1] = HeaderEvent(last.date, last.date_text, text, last.line)
        else:
            preamble.append(line)
    return subtitles, events, preamble


def _event(match: re.Match[str], source: str, line: int) -> HeaderEvent:
    try:
        date = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise CorpusError(
            f"表头日期“{match['date']}”不存在。", path=source, line=line
        ) from None
    return HeaderEvent(date, match["date"], _tidy(match["text"]), line)


def _unclosed(text: str) -> bool:
    pairs = (("《", "》"), ("〈", "〉"), ("<", ">"), ("（", "）"), ("(", ")"))
    return any(text.count(left) > text.count(right) for left, right in pairs)


def _tidy(text: str) -> str:
    """Drop a closing bracket that nothing opened (``…修订）``), a common header slip."""
    text = text.strip()
    while (
        text
        and text[-1] in "）)"
        and text.count(text[-1]) > text.count("（" if text[-1] == "）" else "(")
    ):
        text = text[:-1].rstrip()
    return text


def _clean_body(lines: Sequence[str], source: str, *, first_line: int) -> str:
    kept: list[str] = []
    drop_blank = False
    for offset, line in enumerate(lines):
        if _COMMENT_LINE.match(line):
            drop_blank = bool(kept) and not kept[-1].strip()
            continue
        if drop_blank and not line.strip():
            drop_blank = False
            continue
        drop_blank = False
        line = _COMMENT.sub("", line)
        if "<!--" in line:
            raise CorpusError(
                "正文中有未闭合的 HTML 注释。", path=source, line=first_line + offset
            )
        if _SETEXT_H1.match(line) and kept and kept[-1].strip():
            kept[-1] = "## " + kept[-1].strip()  # 标题\n=== is a level-1 heading too
            continue
        kept.append(_H1.sub(r"\1##", line))
    return "\n".join(kept).strip("\n").rstrip()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- metadata


def describe(record: IndexRecord, document: Document) -> Metadata:
    """The front-matter facts of a document; ``CorpusError`` when it has no date at all."""
    in_force = [e.date for e in document.events if _IN_FORCE.match(e.text)]
    # The latest event that made this version (adopted, amended, promulgated); an
    # entry into force (施行) is its effective date, not its publication.
    made = [e.date for e in document.events if not _IN_FORCE.match(e.text)]
    published = record.publish or max(made or in_force, default=None)
    if published is None:
        raise CorpusError(
            "索引没有发布日期，表头也没有任何日期，无法确定 published。",
            path=record.path,
        )
    title = " ".join((document.title, *document.subtitles))
    return Metadata(
        title=title,
        column=COLUMNS_BY_LEVEL[record.level],
        published=published,
        effective=record.valid_from or (in_force[-1] if in_force else None),
        doc_number=doc_number(record, document),
        issuer=issuer(record, document),
        status=STATUS_BY_HINT[record.status_hint],
    )


def doc_number(record: IndexRecord, document: Document) -> str | None:
    """The document number of this version, full-width digits made ASCII.

    A revision promulgated by its own order (``…令第711号修订``) carries that order's
    number; an amendment made by a separate decision (``…令第149号《…决定》修正``)
    leaves the text under the number it was first promulgated with.
    """
    numbers = [n for n in record.doc_numbers if n.strip()]
    for event in reversed(document.events):
        if "决定" in event.text:
            continue
        for number in numbers:
            if number in event.text:
                return _plain_number(number)
    return _plain_number(numbers[0]) if numbers else None


def _plain_number(number: str) -> str:
    return _nfc(number).translate(_FULL_WIDTH_DIGITS).strip()


def issuer(record: IndexRecord, document: Document) -> str | None:
    """The issuing organ named by the header events, else implied by level and folder."""
    for finder in (_legislature, _promulgator, _court, _meeting, _approver):
        for event in document.events:
            organ = finder(event.text)
            if organ:
                return organ
    return _default_issuer(record)


def _legislature(text: str) -> str | None:
    match = _LEGISLATURE.match(text)
    if not match or match["rest"].startswith("批准"):
        return None
    return _congress(match)


def _approver(text: str) -> str | None:
    match = _LEGISLATURE.match(text)
    if match and match["rest"].startswith("批准"):
        return _congress(match)
    approved = _APPROVED_BY.match(text)
    return _organ(approved["organ"]) if approved else None


def _congress(match: re.Match[str]) -> str | None:
    body = match["body"].replace("人大", "人民代表大会").replace("常委会", "常务委员会")
    return _organ((match["place"] or "") + body)


def _promulgator(text: str) -> str | None:
    approved = _APPROVED_BY.match(text)
    if approved:  # 国务院批准 文化部 海关总署发布: the publishers follow the approval
        text = text[approved.end() :].strip()
    match = _ORDER.match(text) or _PUBLISHED_BY.match(text)
    return _organ(match["organ"]) if match else None


def _court(text: str) -> str | None:
    found = [left or right for left, right in _COURT.findall(text)]
    return "、".join(dict.fromkeys(found)) or None


def _meeting(text: str) -> str | None:
    match = _MEETING.match(text)
    return _organ(match["organ"]) if match else None


def _organ(text: str) -> str | None:
    organ = re.sub(r"\s+", "、", text.replace("中华人民共和国", "").strip()).strip("、")
    if not _ORGAN.match(organ) or "主席" in organ:
        return None
    return organ


def _default_issuer(record: IndexRecord) -> str | None:
    if record.level == "宪法":
        return "全国人民代表大会"
    if record.level == "行政法规":
        return "国务院"
    if record.level == "部门规章":
        return record.category_folder.rsplit("/", 1)[-1] or None
    if record.level == "司法解释":
        head = record.title.split("关于", 1)[0]
        found = [f"最高{c}" for c in ("人民法院", "人民检察院") if c in head]
        return "、".join(found) or None
    return None


# --------------------------------------------------------------------------- posts


def post_name(record: IndexRecord, document: Document, published: dt.date) -> str:
    """``<name>-<YYYY-MM-DD>.md`` from the source file name (see the module README)."""
    stem = PurePosixPath(record.path).stem
    match = _DATED_STEM.match(stem)
    name = match["name"] if match else stem
    if document.subtitles:
        # A split document (民法典/总则.md): the file name is only the part's name.
        name = document.title.removeprefix("中华人民共和国") + name
    name = _NAME_CHARS.sub("", _nfc(name))
    if not name:
        raise CorpusError("文件名去掉不允许的字符后为空。", path=record.path)
    file_name = f"{name}-{published.isoformat()}.md"
    if len(file_name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise CorpusError(
            f"生成的文件名过长（{len(file_name.encode('utf-8'))} 字节）。",
            path=record.path,
        )
    return file_name


def render_post(
    meta: Metadata,
    document: Document,
    *,
    superseded_by: str | None,
    review_date: dt.date,
) -> bytes:
    """The exact bytes of the post: front matter, header section, then the body."""
    fields: list[tuple[str, str | None]] = [
        ("title", meta.title),
        ("column", meta.column),
        ("department", DEPARTMENT),
        ("tier", TIER),
        ("published", meta.published.isoformat()),
        ("doc_number", meta.doc_number),
        ("kind", KIND),
        ("issuer", meta.issuer),
        ("effective", meta.effective.isoformat() if meta.effective else None),
        ("status", meta.status),
        ("superseded_by", superseded_by),
    ]
    lines = ["---"]
    lines += [f"{key}: {_scalar(value)}" for key, value in fields if value is not None]
    lines.append("secrecy_review:")
    review = (
        ("handler", HANDLER),
        ("opinion", OPINION),
        ("basis", BASIS),
        ("date", review_date.isoformat()),
    )
    lines += [f"  {key}: {_scalar(value)}" for key, value in review]
    lines.append("---")
    text = "\n".join(lines) + "\n" + render_body(document)
    return text.encode("utf-8")


def render_body(document: Document) -> str:
    """Preamble paragraphs, the ``制定和修改沿革`` list and the body, ending in one LF."""
    parts = list(document.preamble)
    if document.events:
        items = [f"- {e.date_text} {e.text}".rstrip() for e in document.events]
        parts.append(HISTORY_HEADING + "\n\n" + "\n".join(items))
    if document.body:
        parts.append(document.body)
    return "\n\n".join(parts).rstrip() + "\n"


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, else quoted."""
    try:
        plain = yamlfile.load(f"v: {value}\n", path="(scalar)")
    except PortalError:
        plain = None
    if isinstance(plain, dict) and plain.get("v") == value and value == value.strip():
        return value
    return json.dumps(value, ensure_ascii=False)


def build_posts(
    corpus: Path, records: Iterable[IndexRecord], *, review_date: dt.date
) -> tuple[list[ImportedPost], list[PortalError]]:
    """Every post for ``records``; a record that cannot be converted becomes a problem."""
    problems: list[PortalError] = []
    planned: dict[str, tuple[IndexRecord, Document, Metadata, str]] = {}
    by_path: dict[str, str] = {}
    for record in records:
        try:
            document = read_document(corpus, record)
            meta = describe(record, document)
            path = f"{CONTENT_DIR}/{meta.column}/{post_name(record, document, meta.published)}"
        except CorpusError as exc:
            logger.warning("跳过 %s", exc.diagnostics())
            problems.append(exc)
            continue
        if path in by_path:
            problems.append(
                CorpusError(
                    f"生成的稿件路径 {path} 与 {by_path[path]} 相同。", path=record.path
                )
            )
            continue
        by_path[path] = record.path
        planned[record.path] = (record, document, meta, path)
    posts: list[ImportedPost] = []
    for record, document, meta, path in planned.values():
        newer = None
        if meta.status == "amended" and record.newer_version is not None:
            if record.newer_version not in planned:
                problems.append(
                    CorpusError(
                        f"较新版本 {record.newer_version} 未能导入，superseded_by 无处可链。",
                        path=record.path,
                    )
                )
                continue
            newer = planned[record.newer_version][3]
        data = render_post(meta, document, superseded_by=newer, review_date=review_date)
        logger.debug("%s → %s", record.path, path)
        posts.append(
            ImportedPost(record.path, path, meta.column, meta.title, meta.status, data)
        )
    return posts, problems


def validate_post(post: ImportedPost, config: SiteConfig) -> list[PortalError]:
    """Every problem the repository's own post checks find in a generated post."""
    parsed, problems = parse_post(post.path, post.data, config)
    problems = check_path(post.path, config) + problems
    if parsed is not None and "<!--" in parsed.body:
        problems.append(CorpusError("正文仍含 HTML 注释。", path=post.path))
    return problems


def import_title(path: str, data: bytes, config: SiteConfig) -> str | None:
    """The title of the post ``data`` at ``path`` if this import wrote it, else ``None``.

    A post counts as imported when it is valid and its secrecy review is the import's
    own (handler ``lin-xiao`` and the basis sentence ``BASIS``, which only this module
    writes), with the department and kind every imported post has.
    """
    parsed, problems = parse_post(path, data, config)
    if parsed is None or problems:
        return None
    review = parsed.secrecy_review
    ours = (parsed.department, parsed.kind, review.handler, review.basis)
    return parsed.title if ours == (DEPARTMENT, KIND, HANDLER, BASIS) else None


def is_previous_import(post: ImportedPost, existing: bytes, config: SiteConfig) -> bool:
    """Whether ``existing``, the file now at ``post.path``, is an earlier import of it.

    It is when this import wrote it (``import_title``) under the same title, so a
    person's own post at that path is never replaced.
    """
    return import_title(post.path, existing, config) == post.title
