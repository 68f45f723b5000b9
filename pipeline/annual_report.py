"""The bureau's annual report on government information disclosure, and its tables.

The report follows the national format (国办公开办函〔2021〕30号). Its tables come
from data: table 二 from the site's own posts, table 三 from the register of
applications, table 四 from the appeals recorded there. Table 三 must reconcile in
every column (new + carried over = handled + carried to next year); a register that
does not is refused, naming the column and the applications involved.

Counting rules (where the national format leaves a choice):

- 规章 and 行政规范性文件 are posts of kind ``regulation`` and ``normative`` issued by
  this bureau: ``issuer`` is the bureau's name (``site_config/site.yml`` title) or
  absent. Imported national and local laws name their issuer and are not counted.
  Issued this year: ``published`` in the year. Repealed this year: at year end the
  document is repealed, expired or replaced (not merely amended) and its first day
  no longer in force falls in the year; one repealed without a known date is listed
  as a warning and not counted. In force: in force on 31 December (``lifecycle``).
- An application is new in the year it was received, carried over when received
  before the year and not finished before it, handled when closed in the year,
  carried to next year when not finished by 31 December (or by the day the report is
  made, when the year has not ended: the figures are then provisional and the report
  says so, with the cut-off date). An application split into parts is not counted;
  its parts are (一事一申请).
- An application without contact details (附件2 第十五条: registered and kept for a
  year, because no reply can reach the applicant) is not 结转下年度继续办理: nothing
  is carried on for it. It counts as handled in the year it was received, in
  （六）其他处理 “其他” (``other.other``), whether the year of keeping is still running
  or it has been disposed of; the disposal a year later is the register's own
  housekeeping and is not counted again. It is counted by what the register says
  when the report is made: one whose applicant later gave contact details is an
  ordinary application. The report states this rule under table 三, with the number.
- Appeals are counted in the year they were filed; one decided after 31 December is
  counted as 尚未审结. Recording a decision updates the pending appeal (one entry
  per appeal); two entries of one kind filed on the same day for one application
  are the same appeal written twice, and the report is refused until one is removed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.application import (
    APPEAL_KINDS,
    APPEAL_RESULTS,
    APPLICANT_TYPES,
    OUTCOME_CODES,
    Application,
    was_split,
)
from pipeline.config import SiteConfig
from pipeline.errors import PortalError, raise_if_any
from pipeline.lifecycle import EXPIRED, REPEALED, REPLACED, standing
from pipeline.notices import Templates, chinese_date, fill, public_article
from pipeline.post import Post

TOTAL = "total"
COLUMNS = (*APPLICANT_TYPES, TOTAL)
COLUMN_LABELS = {**APPLICANT_TYPES, TOTAL: "总计"}
FINISHED = ("closed", "disposed")
NEW, CARRIED_OVER, CARRIED_NEXT = "new", "carried_over", "carried_next"
# How an application kept without contact details (附件2 第十五条) is counted.
RETAINED_CODE = "other.other"
RETAINED_ARTICLE = "附件2 第十五条"
ARTICLE = "国办公开办函〔2021〕30号"
DUE_ARTICLE = "《政府信息公开条例》第四十九条"
TEMPLATE = "annual_report"
PLACEHOLDERS = {
    "bureau": "本局名称",
    "year": "报告年度",
    "date": "报告日期",
    "period": "统计期限和数据截止日期（年度未结束时注明为初步数据）",
    "table3_notes": "表三的统计说明（无联系方式留存的申请如何计数等）",
    "table2": "表二：主动公开政府信息情况",
    "table3": "表三：收到和处理政府信息公开申请情况",
    "table4": "表四：行政复议、行政诉讼情况",
    "new_total": "本年新收申请数",
    "carried_over_total": "上年结转申请数",
    "handled_total": "本年办结申请数",
    "carried_next_total": "结转下年度申请数",
    "reconsideration_total": "本年行政复议数",
    "litigation_total": "本年行政诉讼数",
}
# The rows of 本年度办理结果, with their labels in the national format.
_GROUP_ROWS = {
    "disclosed": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_handled": "（五）不予处理",
    "other": "（六）其他处理",
}


class ReportError(PortalError):
    """The register or the site cannot give a report that reconciles."""


# --------------------------------------------------------------------------- table 二


@dataclass(frozen=True)
class ContentRow:
    """One row of table 二: issued, repealed this year, in force at year end."""

    issued: int = 0
    repealed: int = 0
    in_force: int = 0


@dataclass(frozen=True)
class ContentTable:
    """Table 二 (第二十条第（一）项), with the documents whose repeal has no date."""

    regulations: ContentRow
    normative: ContentRow
    undated: tuple[str, ...] = ()


def is_own(post: Post, bureau: str) -> bool:
    """Whether ``post`` was issued by this bureau (no issuer means the bureau)."""
    return post.issuer in (None, bureau)


def content_table(
    posts: Mapping[str, Post], config: SiteConfig, year: int
) -> ContentTable:
    """Table 二 from the site's posts (by repository path) for ``year``."""
    bureau = config.site.title
    last = dt.date(year, 12, 31)
    rows: dict[str, Counter[str]] = {"regulation": Counter(), "normative": Counter()}
    undated = []
    for post in posts.values():
        if post.kind not in rows or not is_own(post, bureau) or post.published > last:
            continue
        counts = rows[post.kind]
        state = standing(post, posts, config, on=last)
        counts["issued"] += post.published.year == year
        counts["in_force"] += state.in_force
        if state.state in (REPEALED, EXPIRED, REPLACED):
            # A status alone says nothing of when; a "since" after the year is only the
            # validity the policy would have given, not the day it was repealed.
            if state.since is None or state.since > last:
                undated.append(post.path)
            else:
                counts["repealed"] += state.since.year == year
    return ContentTable(
        ContentRow(**rows["regulation"]),
        ContentRow(**rows["normative"]),
        tuple(sorted(undated)),
    )


# --------------------------------------------------------------------------- table 三


@dataclass(frozen=True)
class Entry:
    """Where one application falls in table 三 of the year: its column, whether it
    starts as new or carried over, and whether it ends handled (its outcome code) or
    carried to next year; ``why`` explains an entry that does not balance."""

    number: str
    column: str
    start: str | None
    end: str | None
    why: str = ""
    retained: bool = False


@dataclass(frozen=True)
class ApplicationTable:
    """Table 三 of ``year``: counts per row and column, and the entries behind them."""

    year: int
    entries: tuple[Entry, ...]

    def count(self, row: str) -> dict[str, int]:
        """The row ``new``, ``carried_over``, ``carried_next``, an outcome code, an
        outcome group (``withheld``) or ``handled`` (every outcome), per column."""
        counts = dict.fromkeys(COLUMNS, 0)
        for entry in self.entries:
            if _in_row(entry, row):
                counts[entry.column] += 1
                counts[TOTAL] += 1
        return counts

    def retained(self) -> int:
        """Applications received in the year and kept without contact details
        (附件2 第十五条), counted in ``other.other``."""
        return sum(1 for e in self.entries if e.retained and e.start == NEW)

    def problems(self) -> list[ReportError]:
        """One error per column whose identity fails, naming the applications."""
        found = []
        for column in COLUMNS:
            start = self.count(NEW)[column] + self.count(CARRIED_OVER)[column]
            end = self.count("handled")[column] + self.count(CARRIED_NEXT)[column]
            if start == end:
                continue
            involved = [
                entry
                for entry in self.entries
                if (entry.start is None) != (entry.end is None)
                and column in (entry.column, TOTAL)
            ]
            listed = "；".join(f"{e.number}（{e.why}）" for e in involved)
            found.append(
                ReportError(
                    f"表三“{COLUMN_LABELS[column]}”列不平衡：本年新收加上年结转为 {start} 件，"
                    f"办理结果合计加结转下年度为 {end} 件（{ARTICLE}：第一项加第二项之和应等于"
                    f"第三项加第四项之和）。涉及的申请：{listed or '（无法确定）'}。",
                    hint="请在登记簿中改正这些申请（补上办理结果或办结日期），再生成年度报告。",
                )
            )
        return found


def _in_row(entry: Entry, row: str) -> bool:
    if row in (NEW, CARRIED_OVER):
        return entry.start == row
    if row == CARRIED_NEXT:
        return entry.end == CARRIED_NEXT
    if entry.end in (None, CARRIED_NEXT):
        return False
    return row == "handled" or entry.end == row or entry.end.startswith(row + ".")


def finished_on(application: Application) -> dt.date | None:
    """The day the application was closed or disposed of, if it was."""
    for kind in ("closed", "disposed"):
        event = application.last_event(kind)
        if event is not None and event.on is not None:
            return event.on
    return None


def application_table(
    applications: Sequence[Application], year: int, *, paths: Mapping[str, str] = {}
) -> ApplicationTable:
    """Table 三 of ``year``; ``ReportError`` (all of them) when the register cannot
    be counted or the table does not reconcile. ``paths`` (number → file) lets the
    messages name the files."""
    problems = _register_problems(applications, paths)
    raise_if_any(problems)
    entries = tuple(
        entry
        for application in applications
        if not was_split(application)
        for entry in [_entry(application, year)]
        if entry.start is not None or entry.end is not None
    )
    table = ApplicationTable(year, entries)
    raise_if_any(list(table.problems()))
    return table


def _register_problems(
    applications: Sequence[Application], paths: Mapping[str, str]
) -> list[PortalError]:
    problems: list[PortalError] = []
    seen = Counter(application.number for application in applications)
    for number, times in sorted(seen.items()):
        if times > 1:
            problems.append(
                ReportError(
                    f"申请 {number} 在登记簿中出现 {times} 次，会被重复统计。",
                    path=paths.get(number),
                    field="number",
                    hint="每件申请只能有一个文件；请删去重复的一份。",
                )
            )
    for application in applications:
        where = paths.get(application.number)
        if application.applicant.type not in APPLICANT_TYPES:
            problems.append(
                ReportError(
                    f"申请 {application.number} 的申请人类型“{application.applicant.type}”"
                    "不是年度报告表三的列。",
                    path=where,
                    field="applicant.type",
                )
            )
        if was_split(application) and application.outcome is not None:
            problems.append(
                ReportError(
                    f"申请 {application.number} 已拆分，却又有办理结果；拆分后只统计各部分，"
                    "原申请再计一次会重复统计。",
                    path=where,
                    field="outcome",
                    hint="请删去原申请的 outcome，由拆分出的各件分别办结。",
                )
            )
        end = finished_on(application)
        if end is not None and end < application.received.at.date():
            problems.append(
                ReportError(
                    f"申请 {application.number} 的办结日期 {end} 早于收到日期 "
                    f"{application.received.at.date()}。",
                    path=where,
                    field="events",
                )
            )
    return problems


def retained_without_contact(application: Application) -> bool:
    """Whether ``application`` was registered without contact details and kept, or
    disposed of after the year of keeping (附件2 第十五条)."""
    return application.status == "disposed" or application.kept_without_contact()


def _entry(application: Application, year: int) -> Entry:
    received = application.received.at.date()
    if retained_without_contact(application):
        return _retained_entry(application, received, year)
    finished = finished_on(application) if application.status in FINISHED else None
    if application.status in FINISHED and finished is None:
        why = f"状态为 {application.status}，却没有办结日期"
        finished = received
    else:
        why = ""
    start: str | None = None
    if received.year == year:
        start = NEW
    elif received.year < year and (finished is None or finished.year >= year):
        start = CARRIED_OVER
    end: str | None = None
    if received.year <= year:
        if finished is None or finished.year > year:
            end = CARRIED_NEXT
        elif finished.year == year:
            end = application.outcome.code if application.outcome else None
            if end is None and not why:
                why = f"已于 {finished} 办结，却没有办理结果 outcome"
            elif end is not None and end not in OUTCOME_CODES:
                why, end = f"办理结果代码“{end}”不是表三的代码", None
    if why and end is not None and start is not None:
        end = None
    return Entry(application.number, _column(application), start, end, why)


def _retained_entry(application: Application, received: dt.date, year: int) -> Entry:
    """Handled on receipt as 其他处理 (see the module's counting rules)."""
    in_year = received.year == year
    return Entry(
        application.number,
        _column(application),
        NEW if in_year else None,
        RETAINED_CODE if in_year else None,
        retained=True,
    )


def _column(application: Application) -> str:
    kind = application.applicant.type
    return kind if kind in APPLICANT_TYPES else "other"


# --------------------------------------------------------------------------- table 四


@dataclass(frozen=True)
class AppealTable:
    """Table 四: appeals filed in the year, by kind and result at year end."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def get(self, kind: str, result: str) -> int:
        """Appeals of ``kind`` with ``result`` (``total`` for all results)."""
        if result == TOTAL:
            return sum(self.counts.get((kind, r), 0) for r in APPEAL_RESULTS)
        return self.counts.get((kind, result), 0)


def appeal_problems(
    applications: Iterable[Application], paths: Mapping[str, str] = {}
) -> list[PortalError]:
    """Appeals written twice: one kind, one filing day, one application (table 四
    would count them twice)."""
    problems: list[PortalError] = []
    for application in applications:
        seen = Counter((a.kind, a.filed_on) for a in application.appeals)
        for (kind, filed_on), times in sorted(seen.items()):
            if times < 2:
                continue
            results = "、".join(
                APPEAL_RESULTS[a.result]
                for a in application.appeals
                if (a.kind, a.filed_on) == (kind, filed_on)
            )
            problems.append(
                ReportError(
                    f"申请 {application.number} 登记了 {times} 条 {filed_on} 提起的"
                    f"{APPEAL_KINDS[kind]}（{results}），应是同一件，表四会重复统计。",
                    path=paths.get(application.number),
                    field="appeals",
                    hint="请在登记簿文件中删去重复的一条（保留有审结结果的那条），再生成年度报告；"
                    "以后登记审结结果请用 portal applications appeal 编号 --kind 种类 "
                    "--result 结果 --decided-on 日期（更新原来那条）。",
                )
            )
    return problems


def appeal_table(applications: Iterable[Application], year: int) -> AppealTable:
    """Table 四 of ``year`` from the appeals recorded in the register."""
    counts: Counter[tuple[str, str]] = Counter()
    for application in applications:
        for appeal in application.appeals:
            if appeal.filed_on.year != year:
                continue
            result = appeal.result
            if appeal.decided_on is not None and appeal.decided_on.year > year:
                result = "pending"
            counts[(appeal.kind, result)] += 1
    return AppealTable(dict(counts))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class AnnualReport:
    """The three tables of ``year`` and what the office should know about them."""

    year: int
    bureau: str
    content: ContentTable
    applications: ApplicationTable
    appeals: AppealTable
    warnings: tuple[str, ...] = ()
    # The day the data were taken (the register and the site as they were then).
    cutoff: dt.date | None = None

    @property
    def provisional(self) -> bool:
        """Whether the year had not ended on the cut-off day."""
        return self.cutoff is not None and self.cutoff <= dt.date(self.year, 12, 31)


def build_report(
    year: int,
    applications: Sequence[Application],
    posts: Mapping[str, Post],
    config: SiteConfig,
    *,
    today: dt.date,
    paths: Mapping[str, str] = {},
) -> AnnualReport:
    """The report of ``year`` with the data as of ``today``; ``ReportError`` when
    table 三 does not reconcile or an appeal is recorded twice."""
    content = content_table(posts, config, year)
    table = application_table(applications, year, paths=paths)
    raise_if_any(appeal_problems(applications, paths))
    warnings = due_warnings(year, today)
    if content.undated:
        warnings.append(
            "这些文件已废止或失效，但看不出是哪一年，未计入“本年废止件数”："
            + "、".join(content.undated)
            + "。请在稿件中写明 expires（有效的最后一天）或 superseded_by（附件1 第十四条）。"
        )
    return AnnualReport(
        year,
        config.site.title,
        content,
        table,
        appeal_table(applications, year),
        tuple(warnings),
        today,
    )


def due_warnings(year: int, today: dt.date) -> list[str]:
    """Warnings about when the report is made: before the year ends, or after the
    31 January it was due (《政府信息公开条例》第四十九条)."""
    due = dt.date(year + 1, 1, 31)
    if today <= dt.date(year, 12, 31):
        return [f"{year} 年尚未结束，报告中的数字截至今天（{today}），不是全年数据。"]
    if today > due:
        return [
            f"{year} 年度报告应于 {due} 前向社会公布（{DUE_ARTICLE}），现已逾期 "
            f"{(today - due).days} 天；请尽快公布。"
        ]
    return []


def render_markdown(report: AnnualReport, *, templates: Templates, on: dt.date) -> str:
    """The report as Markdown, from the office's template ``annual_report.md``."""
    table = report.applications
    values: dict[str, str | None] = {
        "bureau": report.bureau,
        "year": str(report.year),
        "date": chinese_date(on),
        "period": period_text(report.year, report.cutoff or on),
        "table3_notes": table3_notes(report),
        "table2": table2_markdown(report.content),
        "table3": table3_markdown(table),
        "table4": table4_markdown(report.appeals),
        "new_total": str(table.count(NEW)[TOTAL]),
        "carried_over_total": str(table.count(CARRIED_OVER)[TOTAL]),
        "handled_total": str(table.count("handled")[TOTAL]),
        "carried_next_total": str(table.count(CARRIED_NEXT)[TOTAL]),
        "reconsideration_total": str(report.appeals.get("reconsideration", TOTAL)),
        "litigation_total": str(
            report.appeals.get("litigation_direct", TOTAL)
            + report.appeals.get("litigation_after_reconsideration", TOTAL)
        ),
    }
    text, shown = templates.read(TEMPLATE)
    required = ("period", "table2", "table3", "table3_notes", "table4")
    filled = fill(text, values, shown_as=shown, required=required, known=PLACEHOLDERS)
    return filled.rstrip() + "\n"


def period_text(year: int, cutoff: dt.date) -> str:
    """What the figures cover and when they were taken; provisional before year end."""
    first = f"{year}年1月1日"
    if cutoff <= dt.date(year, 12, 31):
        return (
            f"**初步数据：**{year}年尚未结束。报告中所列数据的统计期限自{first}起，"
            f"截至{chinese_date(cutoff)}，不是全年数据；“结转下年度继续办理”为截至该日"
            f"尚未办结的申请。{year}年结束后，请重新生成本报告。"
        )
    return (
        f"报告中所列数据的统计期限自{first}起至{year}年12月31日止，"
        f"数据截至{chinese_date(cutoff)}（取自当日的依申请公开登记簿和门户网站内容）。"
    )


def table3_notes(report: AnnualReport) -> str:
    """The counting rules a reader of table 三 needs, with this year's numbers."""
    table = report.applications
    last = dt.date(report.year, 12, 31)
    end = chinese_date(min(report.cutoff or last, last))
    rules = public_article(RETAINED_ARTICLE)
    return "\n".join(
        [
            "表三统计说明：",
            "",
            f"1. 申请书没有联系方式、无法答复申请人的，依照{rules}登记后留存一年。"
            "此类申请在收到的年度计入“（六）其他处理”中的“3. 其他”，"
            "不计入“结转下年度继续办理”，留存期满处置时不再重复计数。"
            f"本年此类申请 {table.retained()} 件。",
            "2. 按“一事一申请”拆分的申请，按拆分后的件数统计，原申请不再计数。",
            f"3. “结转下年度继续办理”为截至{end}尚未办结的申请。",
        ]
    )


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def table2_markdown(content: ContentTable) -> str:
    """Table 二, 第二十条第（一）项."""
    return "\n".join(
        [
            _row(["第二十条第（一）项", "", "", ""]),
            _row(["---"] * 4),
            _row(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]),
            _row(["规章", *_content_cells(content.regulations)]),
            _row(["行政规范性文件", *_content_cells(content.normative)]),
        ]
    )


def _content_cells(row: ContentRow) -> list[int]:
    return [row.issued, row.repealed, row.in_force]


def table3_markdown(table: ApplicationTable) -> str:
    """Table 三, rows and columns as in the national format: three header rows
    (申请人情况; 自然人, 法人或其他组织, 总计; the five kinds of organisation), their
    text repeated where the .docx merges it."""
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    organisations = len(COLUMNS) - 2
    lines = [
        _row([note, *("申请人情况" for _ in COLUMNS)]),
        _row(["---"] * (len(COLUMNS) + 1)),
        _row(
            [note, "自然人", *("法人或其他组织" for _ in range(organisations)), "总计"]
        ),
        _row([note, *(COLUMN_LABELS[c] for c in COLUMNS)]),
        _row(["一、本年新收政府信息公开申请数量", *_cells(table, NEW)]),
        _row(["二、上年结转政府信息公开申请数量", *_cells(table, CARRIED_OVER)]),
        _row(["三、本年度办理结果", *("" for _ in COLUMNS)]),
    ]
    index: dict[str, int] = {}
    for code, label in OUTCOME_CODES.items():
        group = code.partition(".")[0]
        if "." not in code:
            lines.append(_row([_GROUP_ROWS[group], *_cells(table, code)]))
            continue
        if group not in index:
            lines.append(_row([_GROUP_ROWS[group], *("" for _ in COLUMNS)]))
        index[group] = index.get(group, 0) + 1
        reason = label.partition("：")[2] or label
        lines.append(_row([f"{index[group]}. {reason}", *_cells(table, code)]))
    lines.append(_row(["（七）总计", *_cells(table, "handled")]))
    lines.append(_row(["四、结转下年度继续办理", *_cells(table, CARRIED_NEXT)]))
    return "\n".join(lines)


def _cells(table: ApplicationTable, row: str) -> list[int]:
    counts = table.count(row)
    return [counts[column] for column in COLUMNS]


def table4_markdown(appeals: AppealTable) -> str:
    """Table 四 in the national format: 行政复议, then 行政诉讼 without and after
    reconsideration; header text is repeated where the .docx merges it."""
    results = [*APPEAL_RESULTS, TOTAL]
    labels = [*APPEAL_RESULTS.values(), "总计"]
    lawsuits = [kind for kind in APPEAL_KINDS if kind != "reconsideration"]
    width = len(results)
    return "\n".join(
        [
            _row(["行政复议"] * width + ["行政诉讼"] * (width * len(lawsuits))),
            _row(["---"] * (len(APPEAL_KINDS) * width)),
            _row(labels + [APPEAL_KINDS[kind] for kind in lawsuits for _ in results]),
            _row(labels * len(APPEAL_KINDS)),
            _row(
                appeals.get(kind, result) for kind in APPEAL_KINDS for result in results
            ),
        ]
    )


def write_report(out: Path, report: AnnualReport, markdown: str) -> tuple[Path, Path]:
    """Write ``<out>/<year>年政府信息公开工作年度报告.md`` and ``.docx`` atomically."""
    from pipeline import yamlfile
    from pipeline.notice_docx import markdown_to_docx

    stem = f"{report.year}年政府信息公开工作年度报告"
    markdown_path = out / f"{stem}.md"
    docx_path = out / f"{stem}.docx"
    docx = markdown_to_docx(
        markdown,
        author=report.bureau,
        title=f"{report.bureau}{stem}",
        merge_headers=True,
    )
    yamlfile.write_atomic(markdown_path, markdown.encode("utf-8"))
    yamlfile.write_atomic(docx_path, docx)
    return markdown_path, docx_path
