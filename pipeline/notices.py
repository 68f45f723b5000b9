"""Notices (告知书) to applicants, from Markdown templates the office can edit.

Each kind of notice (附件2 第八条、第十条至第十六条; 《政府信息公开条例》第三十六条（六）（七）)
has a template ``<kind>.md`` with ``$name`` placeholders (``string.Template``; ``$$`` is a
dollar sign). The register's ``templates/`` folder is read first, then the package's
defaults. A template that names an unknown placeholder, or one this application has no
value for, is refused naming the file, the line and the placeholder.

A reply notice is issued only after a leader approved it in a secrecy review (附件2
第九条, 附件4 第六条): ``sign_reply`` signs the notice's exact bytes with the same
signatures and record format as posts, ``verify_reply`` checks them. The record is
``replies/<number>/<kind>.review.yml`` beside the notice in the register.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.application import (
    CHANNELS,
    OUTCOME_CODES,
    Application,
    ApplicationError,
    codes_for_notice,
    notice_fits,
)
from pipeline.config import DisclosureOffice, SiteConfig
from pipeline.errors import PortalError, SigningError, raise_if_any
from pipeline.findings import Finding
from pipeline.lifecycle import IN_FORCE, STATE_LABELS, standing
from pipeline.post import Post, post_index, sha256_hex
from pipeline.review import (
    ReviewRecord,
    read_record,
    write_record,
)
from pipeline.roster import ROLE_LABELS
from pipeline.sign import (
    SigningKey,
    decision_by,
    key_unusable,
    sign_onto,
    signer_of,
    signing_moment,
)
from pipeline.site import page_path, page_url, post_source
from pipeline.verify import Counted, check_signer

REPLIES_DIR = "replies"
TEMPLATES_DIR = "templates"
DEFAULT_TEMPLATES = Path(__file__).parent / "templates" / "notices"
# Who may approve a reply in the secrecy review (附件4 第四条、第六条).
LEADER_ROLES = ("supervising_leader", "principal_leader")
REVIEW_ARTICLE = "附件2 第九条、附件4 第六条"
CITY_OFFICE = "常熟市人民政府办公室（政府信息公开工作主管部门）"
THIRD_PARTY_ANSWERS = {
    "agree": "明确表示同意公开",
    "disagree": "不同意公开",
    "none": "在规定期限内未提出意见",
}
# What a third_party_outcome notice may decide (``--decision``), as the notice says it.
THIRD_PARTY_DECISIONS = {
    "disclosed": "予以公开",
    "partial": "部分公开（对涉及第三方商业秘密、个人隐私的内容作区分处理后，公开其余内容）",
    "withheld": "不予公开",
}
_DECISION_WORDS = {
    "予以公开": "disclosed",
    "部分公开": "partial",
    "不予公开": "withheld",
}
# Which decisions the third party's recorded answer allows (附件2 第十二条: only an
# explicit consent allows disclosure, a refusal forbids it). Under the 2019 regulation
# (第三十二条) the bureau decides itself when the third party did not answer in time.
DECISIONS_FOR_ANSWER: dict[str, tuple[str, ...]] = {
    "agree": ("disclosed", "partial"),
    "disagree": ("partial", "withheld"),
    "none": ("partial", "withheld"),
}
NATIONAL_NO_ANSWER: tuple[str, ...] = ("disclosed", "partial", "withheld")
REASONS = {
    "withheld.state_secret": "属于国家秘密",
    "withheld.prohibited_by_law": "属于法律、行政法规禁止公开的信息",
    "withheld.security_stability": "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    "withheld.third_party": "涉及商业秘密、个人隐私，公开会损害第三方合法权益",
    "withheld.internal_affairs": "属于行政机关的内部事务信息",
    "withheld.process_information": "属于行政机关在履行职责过程中形成的过程性信息",
    "withheld.enforcement_files": "属于行政执法案卷信息",
    "withheld.query_matters": "属于行政查询事项",
    "unavailable.not_held": "本局不掌握相关政府信息",
    "unavailable.needs_creation": "没有现成信息，需要另行制作",
    "unavailable.still_unclear": "补正后申请内容仍不明确",
}


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notice: its id, title, the article it follows and whether it is a
    reply that needs a leader's secrecy-review approval before it is issued."""

    id: str
    title: str
    article: str
    reply: bool
    # The consultation letter goes to the third party, not the applicant: it must not
    # carry the applicant's personal needs, nor the applicant's remedies.
    to_applicant: bool = True


REGULATION = "《中华人民共和国政府信息公开条例》"
BUREAU_RULES = "《常熟市科技局依申请公开制度》"
KINDS = {
    kind.id: kind
    for kind in (
        NoticeKind(
            "acceptance", "依申请公开政府信息受理告知书", f"{BUREAU_RULES}第八条", False
        ),
        NoticeKind("correction", "补正告知书", f"{REGULATION}第三十条", False),
        NoticeKind(
            "extension", "延期答复告知书", f"{REGULATION}第三十三条第二款", False
        ),
        NoticeKind(
            "third_party_consultation",
            "第三方意见征询函",
            f"{REGULATION}第三十二条",
            True,
            to_applicant=False,
        ),
        NoticeKind(
            "third_party_outcome",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十二条",
            True,
        ),
        NoticeKind(
            "disclosed",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（二）项",
            True,
        ),
        NoticeKind(
            "proactively_published",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（一）项",
            True,
        ),
        NoticeKind(
            "withheld",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（三）项",
            True,
        ),
        NoticeKind(
            "not_exist",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（四）项",
            True,
        ),
        NoticeKind(
            "not_ours",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（五）项",
            True,
        ),
        NoticeKind(
            "partial", "依申请公开政府信息告知书", f"{REGULATION}第三十七条", True
        ),
        NoticeKind(
            "repeated",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（六）项",
            True,
        ),
        NoticeKind(
            "unrelated", "依申请公开政府信息告知书", f"{BUREAU_RULES}第十六条", True
        ),
        NoticeKind(
            "already_answered",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（六）项",
            True,
        ),
        NoticeKind(
            "special_law",
            "依申请公开政府信息告知书",
            f"{REGULATION}第三十六条第（七）项",
            True,
        ),
        NoticeKind(
            "not_accepted",
            "政府信息公开申请不予受理告知书",
            f"{BUREAU_RULES}第五条",
            True,
        ),
        NoticeKind(
            "split_request", "“一事一申请”告知书", f"{BUREAU_RULES}第十六条", False
        ),
    )
}
# Every placeholder a notice template may use, and what it holds (shown in messages).
PLACEHOLDERS = {
    "bureau": "本局名称",
    "title": "告知书名称",
    "article": "所依据的条款",
    "number": "申请编号",
    "applicant": "申请人（及代理人）",
    "applicant_name": "申请人姓名或名称",
    "agent": "代理人姓名",
    "received": "收到申请的日期",
    "received_at": "收到申请的时间",
    "channel": "申请方式",
    "description": "申请内容",
    "form": "申请人要求的信息形式",
    "delivery": "获取信息的方式",
    "purpose": "申请用途",
    "date": "告知书日期",
    "reply_days": "答复期限（工作日）",
    "due": "答复期限的最后一天（暂定的注明“暂定”及原因）",
    "correct_by": "补正期限的最后一天",
    "consultation_rule": "第三方不同意公开时如何处理（按所适用的规则）",
    "items": "需补正的事项",
    "parts": "按一事一申请拆分后的各事项及其编号",
    "extension_days": "延长的工作日数",
    "extension_reason": "延期理由",
    "new_due": "延长后的答复期限（暂定的注明“暂定”及原因）",
    "third_party": "第三方名称",
    "third_party_answer": "第三方的意见",
    "reply_by": "第三方答复期限",
    "decision": "处理决定",
    "provided_form": "实际提供的信息形式",
    "page_title": "已公开信息的标题",
    "page_doc_number": "已公开信息的文号",
    "page_url": "已公开信息的网址",
    "reason": "理由",
    "basis": "理由和法律依据",
    "right_body": "负责公开的机关及联系方式（或咨询指引）",
    "repeated_of": "此前申请的编号",
    "special_law": "规定信息获取办法的法律、行政法规",
    "note": "补充说明",
    "remedies": "救济途径（行政复议、行政诉讼）",
    "accessibility": "无障碍帮助（附件2 第十四条）",
    "need": "申请人登记的无障碍需要",
    "deadline_article": "答复期限所依据的条款",
    "extension_article": "延期所依据的条款",
    "you_own": "“您本人”（自然人）或“贵单位”（法人或其他组织）",
    "missing_papers": "代理人未出示的材料",
    "office_contact": "受理机构的名称、地址、办公时间、电话、传真、电子邮箱（附件2 第三条）",
    "office_name": "受理机构名称",
    "office_address": "受理机构办公地址",
    "office_hours": "受理机构办公时间",
    "office_phone": "受理机构联系电话",
    "office_fax": "受理机构传真号码",
    "office_email": "受理机构电子邮箱",
}
# Placeholders a template must keep, so no edit can drop what the rules require.
_REQUIRED = {"accessibility": "附件2 第十四条", "remedies": "救济途径"}


class TemplateError(PortalError):
    """A notice template is missing, or names a placeholder that cannot be filled."""


class ReplyError(PortalError):
    """A reply notice cannot be issued: no valid approval by a leader."""


@dataclass(frozen=True)
class PublishedPage:
    """A post on the portal that holds information asked for (附件2 第十条（二））."""

    title: str
    doc_number: str | None
    url: str
    path: str
    published: dt.date
    state: str = IN_FORCE

    @property
    def in_force(self) -> bool:
        """Whether the document is in force (not repealed, expired, amended, replaced)."""
        return self.state in ("in-force", "expiring")

    def describe(self) -> str:
        """``《标题》（文号，现行有效）content/…md``, for lists shown to the clerk."""
        number = f"{self.doc_number}，" if self.doc_number else ""
        return f"《{self.title}》（{number}{STATE_LABELS[self.state]}）{self.path}"


@dataclass(frozen=True)
class Body:
    """The body that is responsible for the information (附件2 第十条（五））."""

    name: str
    contact: str = ""


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice needs beyond the application itself."""

    on: dt.date
    reply_days: int = 15
    due: dt.date | None = None
    new_due: dt.date | None = None
    reply_by: dt.date | None = None
    provided_form: str | None = None
    page: PublishedPage | None = None
    right_body: Body | None = None
    special_law: str | None = None
    decision: str | None = None
    note: str = ""
    basis: str | None = None
    reason: str | None = None
    # The receipt day and time as the deadline counts them (the site's time zone).
    received_on: dt.date | None = None
    received_local: dt.datetime | None = None
    deadline_article: str = f"{REGULATION}第三十三条"
    extension_article: str = f"{REGULATION}第三十三条第二款"
    office: DisclosureOffice | None = None
    # The deadline rules' preset (``bureau-2018`` or ``national-2019``).
    preset: str = "bureau-2018"
    # Years whose holiday schedule is unknown on the way to ``due``/``new_due``:
    # the notice then calls the date provisional (暂定) and says why.
    provisional_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A rendered notice: its kind, the application's number, its Markdown and its
    version (1, then 2, 3… when a signed or issued one is kept and a new one made)."""

    kind: NoticeKind
    number: str
    markdown: str
    version: int = 1

    @property
    def path(self) -> str:
        """Where the notice lives in the register: ``replies/<number>/<kind>.md``
        (``<kind>-v2.md`` for a second version)."""
        return notice_path(self.number, self.kind.id, self.version)


# The first line of every notice the register writes: a Markdown comment (invisible
# when rendered, left out of the .docx) naming the application, the kind, the outcome
# codes the notice fits and the basis it states, so ``close`` can take them and the
# site check can recognise a notice copied into the site.
MARKER_PREFIX = "<!-- portal-register-notice "
_MARKER = re.compile(r"^<!-- portal-register-notice (\{.*\}) -->$", re.MULTILINE)


@dataclass(frozen=True)
class NoticeMark:
    """What a notice's first line records: the outcomes it fits and its basis."""

    number: str
    kind: str
    outcomes: tuple[str, ...] = ()
    basis: str = ""


def marker_line(mark: NoticeMark) -> str:
    """The first line of a notice carrying ``mark``."""
    data = {
        "number": mark.number,
        "kind": mark.kind,
        "outcomes": list(mark.outcomes),
        "basis": mark.basis,
    }
    text = json.dumps(data, ensure_ascii=False).replace(">", "\\u003e")
    return f"{MARKER_PREFIX}{text} -->"


def read_mark(markdown: str) -> NoticeMark | None:
    """The ``NoticeMark`` in a notice's first line; ``None`` without one."""
    first = markdown.split("\n", 1)[0]
    found = _MARKER.match(first)
    if found is None:
        return None
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return NoticeMark(
        str(data.get("number", "")),
        str(data.get("kind", "")),
        tuple(str(code) for code in data.get("outcomes") or ()),
        str(data.get("basis") or ""),
    )


_DECISION_CODES = {
    "disclosed": "disclosed",
    "partial": "partial",
    "withheld": "withheld.third_party",
}


def notice_outcomes(kind: str, facts: NoticeFacts) -> tuple[str, ...]:
    """The outcome codes a reply of ``kind`` with these facts can close with: the
    ``--reason`` code or the third party's ``--decision`` when given, else every
    code the kind fits."""
    if kind == "third_party_outcome" and facts.decision is not None:
        for code, words in THIRD_PARTY_DECISIONS.items():
            if facts.decision == words:
                return (_DECISION_CODES[code],)
    if facts.reason in OUTCOME_CODES and notice_fits(facts.reason, kind):
        return (facts.reason,)
    return codes_for_notice(kind)


def notice_path(number: str, kind: str, version: int = 1) -> str:
    """``replies/<number>/<kind>.md`` (``<kind>-v<version>.md`` after the first),
    register-relative."""
    suffix = f"-v{version}" if version > 1 else ""
    return f"{REPLIES_DIR}/{number}/{kind}{suffix}.md"


_VERSIONED = re.compile(r"^(?P<kind>[a-z_]+?)(?:-v(?P<version>[2-9]|[1-9]\d+))?$")


def kind_of_path(notice: str) -> str:
    """The notice kind of the file at ``notice`` (``withheld-v2.md`` → ``withheld``)."""
    match = _VERSIONED.match(PurePosixPath(notice).stem)
    return match.group("kind") if match else PurePosixPath(notice).stem


def public_article(article: str) -> str:
    """An article as an applicant can look it up: ``附件2 第十三条`` becomes
    ``《常熟市科技局依申请公开制度》第十三条``, ``《政府信息公开条例》`` its full name."""
    text = article.replace("附件2 ", BUREAU_RULES)
    return text.replace("《政府信息公开条例》", REGULATION)


def own_words(applicant_type: str) -> str:
    """How a notice says “you yourselves”: 您本人 to a person, 贵单位 otherwise."""
    return "您本人" if applicant_type == "natural_person" else "贵单位"


_NOTICE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", re.MULTILINE)


def notice_date(markdown: str) -> dt.date | None:
    """The date a notice bears: its last line written ``2026年9月24日``."""
    found = _NOTICE_DATE.findall(markdown)
    if not found:
        return None
    year, month, day = found[-1]
    return dt.date(int(year), int(month), int(day))


def review_path(notice: str) -> str:
    """``replies/<number>/<kind>.review.yml`` for the notice at ``notice``."""
    pure = PurePosixPath(notice)
    return pure.with_name(f"{pure.stem}.review.yml").as_posix()


def kind_named(kind: str) -> NoticeKind:
    """The notice kind ``kind``; a ``PortalError`` listing the kinds when unknown."""
    found = KINDS.get(kind)
    if found is None:
        raise PortalError(
            f"没有“{kind}”这种告知书。",
            hint=f"可选：{'、'.join(KINDS)}。",
        )
    return found


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Templates:
    """Where templates are looked up: the register's ``templates/`` first, then the
    package's defaults."""

    folders: tuple[Path, ...]

    @classmethod
    def for_register(cls, register: Path | None) -> Templates:
        """The register's templates (when it has them), then the defaults."""
        folders = [DEFAULT_TEMPLATES]
        if register is not None:
            folders.insert(0, register / TEMPLATES_DIR)
        return cls(tuple(folders))

    def read(self, name: str) -> tuple[str, str]:
        """The text of ``<name>.md`` and the path to show for it."""
        for folder in self.folders:
            path = folder / f"{name}.md"
            if path.is_file():
                text = yamlfile.read_text(path, shown_as=str(path), error=TemplateError)
                return text, str(path)
        raise TemplateError(
            f"找不到告知书模板 {name}.md。",
            path=str(self.folders[0] / f"{name}.md"),
            hint="请从 portal 自带的默认模板复制一份，或重新运行 portal applications init。",
        )


def fill(
    text: str,
    values: Mapping[str, str | None],
    *,
    shown_as: str,
    required: Iterable[str] = (),
    known: Mapping[str, str] = PLACEHOLDERS,
    sources: Mapping[str, str] | None = None,
) -> str:
    """``text`` with each ``$name`` replaced; every problem is reported at once.

    A placeholder not in ``known`` (default ``PLACEHOLDERS``, name → what it holds)
    is unknown; one whose value is ``None`` has
    nothing to fill it with for this application; a name in ``required`` must appear.
    """
    problems: list[PortalError] = []
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        line = text.count("\n", 0, match.start()) + 1
        name = match.group("named") or match.group("braced")
        if match.group("escaped") is not None:
            return "$"
        if name is None:
            problems.append(
                TemplateError(
                    "“$” 后面应是占位符名称（如 $number）。",
                    path=shown_as,
                    line=line,
                    hint="要写美元符号本身，请写 $$。",
                )
            )
            return match.group(0)
        used.add(name)
        if name not in known:
            problems.append(_unknown(name, shown_as, line, known))
            return match.group(0)
        value = values.get(name)
        if value is None:
            problems.append(
                TemplateError(
                    f"模板用到了 ${name}（{known[name]}），但本申请没有这项内容。",
                    path=shown_as,
                    line=line,
                    field=f"${name}",
                    hint=_supply_hint(name, SOURCES if sources is None else sources),
                )
            )
            return match.group(0)
        return value

    filled = string.Template.pattern.sub(substitute, text)
    for name in required:
        if name not in used:
            problems.append(
                TemplateError(
                    f"模板缺少 ${name}（{known[name]}）；每份文书都须载明这项内容。",
                    path=shown_as,
                    field=f"${name}",
                    hint=f"请把 ${name} 放回模板中"
                    + (f"（{_REQUIRED[name]}）。" if name in _REQUIRED else "。"),
                )
            )
    raise_if_any(problems)
    return filled


# Where a missing placeholder's value comes from: the option or command to use.
SOURCES = {
    "reply_by": "请在 notice 命令中加 --reply-by YYYY-MM-DD",
    "basis": "请在 notice 命令中加 --basis “理由和法律依据”",
    "reason": "请在 notice 命令中加 --reason 代码或理由",
    "decision": "请在 notice 命令中加 --decision disclosed|partial|withheld（处理决定）",
    "special_law": "请在 notice 命令中加 --special-law “法律、行政法规名称”",
    "provided_form": "请在 notice 命令中加 --provided-form 形式",
    "page_title": "请在 notice 命令中加 --page 标题、文号或 content/<栏目>/<文件>.md",
    "page_doc_number": "请在 notice 命令中加 --page 标题、文号或 content/<栏目>/<文件>.md",
    "page_url": "请在 notice 命令中加 --page 标题、文号或 content/<栏目>/<文件>.md",
    "new_due": "请先用 portal applications extend 登记延期",
    "extension_days": "请先用 portal applications extend 登记延期",
    "extension_reason": "请先用 portal applications extend 登记延期",
    "items": "请先用 portal applications request-correction 登记须补正的事项",
    "correct_by": "请重新登记补正告知并写明期限：request-correction 编号 --item … --by YYYY-MM-DD",
    "parts": "请先用 portal applications split 编号 --items 事项一 事项二 拆分",
    "third_party": "请先用 portal applications third-party --sent 日期 --party 名称 登记发函",
    "third_party_answer": "请先用 portal applications third-party --answered 日期 --answer 登记答复",
    "repeated_of": "请先用 portal applications repeats --link --number 编号 登记原申请",
    "applicant": "请用 portal applications correct 编号 --name 补上申请人姓名或名称",
    "applicant_name": "请用 portal applications correct 编号 --name 补上申请人姓名或名称",
    "description": "请用 portal applications correct 编号 --description 补上内容描述",
    "form": "请用 portal applications correct 编号 --form 补上形式要求",
    "delivery": "请用 portal applications correct 编号 --delivery 补上获取方式",
    "purpose": "请用 portal applications correct 编号 补上申请用途",
    "agent": "本申请没有代理人",
    "due": "请先补录收到申请之日：portal applications receipt 编号 --confirmed-at 时间",
}


def _supply_hint(name: str, sources: Mapping[str, str] = SOURCES) -> str:
    source = sources.get(name)
    if name.startswith("office_"):
        source = (
            "请在 site_config/site.yml 的 disclosure_office 中写明受理机构的联系方式"
        )
    where = f"{source}；" if source else ""
    return f"{where}或从模板中删去这个占位符。"


def _unknown(
    name: str, shown_as: str, line: int, known: Mapping[str, str]
) -> TemplateError:
    close = [other for other in known if other.startswith(name[:3])]
    hint = f"可用的占位符：{'、'.join('$' + k for k in known)}。"
    if close:
        hint = f"是否想写 {'、'.join('$' + k for k in close)}？" + hint
    return TemplateError(
        f"未知的占位符 ${name}。", path=shown_as, line=line, field=f"${name}", hint=hint
    )


# --------------------------------------------------------------------------- rendering


def render_notice(
    kind: str,
    application: Application,
    facts: NoticeFacts,
    *,
    bureau: str,
    templates: Templates,
    version: int = 1,
) -> Notice:
    """The notice of ``kind`` for ``application``, rendered from its template."""
    notice_kind = kind_named(kind)
    values = notice_values(notice_kind, application, facts, bureau=bureau)
    values["office_contact"] = ""
    if facts.office is not None:
        values["office_contact"] = _render_part("office_contact", values, templates)
    if notice_kind.to_applicant:
        values["remedies"] = _render_part("remedies", values, templates)
        values["accessibility"] = ""
        if values.get("need"):
            values["accessibility"] = _render_part("accessibility", values, templates)
    text, shown = templates.read(notice_kind.id)
    if "office_contact" not in text and values["office_contact"]:
        # A template copied before the office's contact was required still gets it.
        text = text.rstrip("\n") + "\n\n$office_contact\n"
    _check_used(text, shown, facts)
    required = _required(notice_kind)
    sources = {**SOURCES, "reason": _reason_hint(notice_kind.id)}
    markdown = fill(text, values, shown_as=shown, required=required, sources=sources)
    mark = NoticeMark(
        application.number,
        notice_kind.id,
        notice_outcomes(notice_kind.id, facts) if notice_kind.to_applicant else (),
        _stated_basis(values) if notice_kind.reply else "",
    )
    body = marker_line(mark) + "\n\n" + _tidy(markdown)
    return Notice(notice_kind, application.number, body, version)


# Options a clerk gives for one notice: each must appear in the template, or what the
# clerk wrote would silently be left out.
_GIVEN = {"basis": "--basis", "reason": "--reason", "note": "--note"}


def _check_used(text: str, shown: str, facts: NoticeFacts) -> None:
    problems: list[PortalError] = []
    for name, option in _GIVEN.items():
        given = getattr(facts, name)
        if not given or f"${name}" in text or f"${{{name}}}" in text:
            continue
        problems.append(
            TemplateError(
                f"给出了 {option}，但模板没有 ${name}（{PLACEHOLDERS[name]}），"
                "写的内容不会出现在告知书中。",
                path=shown,
                field=option,
                hint=f"请省略 {option}，或在模板中加入 ${name}。",
            )
        )
    raise_if_any(problems)


def _reason_hint(kind: str) -> str:
    codes = [code for code in REASONS if notice_fits(code, kind)]
    example = f"，如 {codes[0]}；可选：{'、'.join(codes)}" if codes else ""
    return f"请在 notice 命令中加 --reason 代码或理由{example}"


def _stated_basis(values: Mapping[str, str | None]) -> str:
    parts = [values.get("reason"), values.get("basis")]
    return "；".join(part.strip().rstrip("。") for part in parts if part)


def _required(kind: NoticeKind) -> tuple[str, ...]:
    if not kind.to_applicant:
        return ()
    if kind.reply:
        return ("accessibility", "remedies")
    return ("accessibility",)


def _render_part(
    name: str, values: Mapping[str, str | None], templates: Templates
) -> str:
    text, shown = templates.read(name)
    return fill(text, values, shown_as=shown).strip()


def _tidy(text: str) -> str:
    """Blank lines left by empty placeholders collapsed; one final newline."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept) + "\n"


def chinese_date(day: dt.date) -> str:
    """``2026年9月24日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def notice_values(
    kind: NoticeKind,
    application: Application,
    facts: NoticeFacts,
    *,
    bureau: str,
) -> dict[str, str | None]:
    """Every placeholder's value for this notice; ``None`` where there is none."""
    applicant = application.applicant
    request = application.request
    received = facts.received_local or application.received.at
    received_on = facts.received_on or received.date()
    agent = application.agent.name if application.agent is not None else None
    description = request.description or None
    if description is None and kind.id in ("correction", "not_accepted"):
        description = "申请书未写明所需信息的内容描述"
    values: dict[str, str | None] = {
        "bureau": bureau,
        "title": kind.title,
        "article": kind.article,
        "number": application.number,
        "applicant_name": applicant.name or None,
        "applicant": _applicant(applicant.name, agent),
        "agent": agent,
        "received": chinese_date(received_on),
        "received_at": f"{chinese_date(received.date())} {received:%H:%M}",
        "channel": CHANNELS.get(application.received.channel),
        "description": description,
        "form": request.form or None,
        "delivery": request.delivery or None,
        "purpose": request.purpose or None,
        "date": chinese_date(facts.on),
        "reply_days": str(facts.reply_days),
        "due": _provisional(_day(facts.due), facts)
        or f"收到申请之日起第 {facts.reply_days} 个工作日",
        "new_due": _provisional(_day(facts.new_due), facts),
        "consultation_rule": _consultation_rule(facts.preset),
        "reply_by": _day(facts.reply_by),
        "provided_form": facts.provided_form or request.form,
        "special_law": facts.special_law,
        "decision": facts.decision,
        "note": facts.note,
        "repeated_of": application.repeated_of or None,
        "need": applicant.accessibility or None,
        "right_body": _right_body(facts.right_body),
        "deadline_article": facts.deadline_article,
        "extension_article": facts.extension_article,
        "you_own": own_words(applicant.type),
        "missing_papers": "申请人、代理人的有效证件以及授权委托书",
    }
    for event in application.events_of("not_accepted"):
        values["missing_papers"] = _missing_papers(event.reason)
    values.update(_office_values(facts.office))
    values.update(_outcome_values(application))
    values.update(_event_values(application))
    values.update(_page_values(facts.page))
    if facts.basis is not None:
        values["basis"] = facts.basis
    if facts.reason is not None:
        values["reason"] = REASONS.get(facts.reason, facts.reason)
    if kind.id == "third_party_consultation" and facts.preset != "national-2019":
        values["article"] = f"{BUREAU_RULES}第十二条"
    if kind.id == "third_party_outcome":
        # The applicant never learns who the third party is (its privacy, 第十五条).
        values["third_party"] = "第三方"
    values["parts"] = _split_items(application)
    if kind.id == "split_request":
        # A template copied before $parts existed listed the matters as $items.
        values["items"] = values["parts"]
    return values


def _split_items(application: Application) -> str | None:
    """The parts of a split application, one numbered line each: matter and number."""
    event = application.last_event("split")
    if event is None:
        return None
    matters = event.items or ("",) * len(event.numbers)
    lines = [
        f"{index}. {matter}（编号 {number}）" if matter else f"{index}. 编号 {number}"
        for index, (number, matter) in enumerate(
            zip(event.numbers, matters, strict=False), 1
        )
    ]
    return "\n".join(lines)


def _missing_papers(reason: str) -> str:
    match = re.search(r"未出示(.+?)，", reason)
    return match.group(1) if match else "申请人、代理人的有效证件以及授权委托书"


def _office_values(office: DisclosureOffice | None) -> dict[str, str | None]:
    keys = ("name", "address", "hours", "phone", "fax", "email")
    if office is None:
        return {f"office_{key}": None for key in keys}
    return {f"office_{key}": getattr(office, key) for key in keys}


def _applicant(name: str, agent: str | None) -> str | None:
    if not name:
        return None
    return f"{name}（代理人：{agent}）" if agent else name


def _day(day: dt.date | None) -> str | None:
    return chinese_date(day) if day is not None else None


def _provisional(day: str | None, facts: NoticeFacts) -> str | None:
    """``day`` marked 暂定 with the reason when the count crossed an unknown year."""
    if day is None or not facts.provisional_years:
        return day
    years = "、".join(f"{year}年" for year in facts.provisional_years)
    return (
        f"{day}（暂定：国务院办公厅尚未公布{years}的节假日安排，本期限暂按法定节假日"
        "和周末推算；公布后如有变化，本局将按实际安排计算并告知您）"
    )


def _consultation_rule(preset: str) -> str:
    """What the letter tells the third party happens when it does not consent."""
    if preset == "national-2019":
        return (
            f"逾期未提出意见的，由本局依照{REGULATION}的规定决定是否公开。"
            "第三方不同意公开且有合理理由的，本局不予公开；本局认为不公开可能对公共利益"
            "造成重大影响的，可以决定予以公开，并将决定公开的内容和理由书面告知贵方"
            f"（{REGULATION}第三十二条）。"
        )
    return (
        "贵方明确表示同意公开的，本局可以公开；贵方不同意公开的，本局不予公开"
        f"（{BUREAU_RULES}第十二条）。"
    )


def _outcome_values(application: Application) -> dict[str, str | None]:
    outcome = application.outcome
    if outcome is None:
        return {"reason": None, "basis": None}
    return {"reason": REASONS.get(outcome.code), "basis": outcome.basis or None}


def _event_values(application: Application) -> dict[str, str | None]:
    """Values from the events: the last correction request, extension and third party."""
    values: dict[str, str | None] = {
        "items": None,
        "extension_days": None,
        "extension_reason": None,
        "third_party": None,
        "third_party_answer": None,
        "correct_by": None,
    }
    for event in application.events:
        if event.kind == "correction_requested" and event.items:
            values["items"] = "\n".join(
                f"{index}. {item}" for index, item in enumerate(event.items, 1)
            )
            values["correct_by"] = _day(event.by)
        elif event.kind == "extended":
            values["extension_days"] = str(event.days) if event.days else None
            values["extension_reason"] = event.reason or None
        elif event.kind == "third_party_sent":
            values["third_party"] = event.party or None
        elif event.kind == "third_party_answered" and event.answer:
            values["third_party_answer"] = THIRD_PARTY_ANSWERS.get(event.answer)
    return values


def _page_values(page: PublishedPage | None) -> dict[str, str | None]:
    if page is None:
        return {"page_title": None, "page_doc_number": None, "page_url": None}
    return {
        "page_title": f"《{page.title}》",
        "page_doc_number": page.doc_number or "（无文号）",
        "page_url": urllib.parse.unquote(page.url),
    }


def _right_body(body: Body | None) -> str:
    if body is None:
        return (
            f"本局不能确定负责公开该政府信息的行政机关，请您向{CITY_OFFICE}咨询"
            f"（{BUREAU_RULES}第十条第（五）项）。"
        )
    contact = f"，联系方式：{body.contact}" if body.contact else ""
    return (
        f"负责公开该政府信息的行政机关是{body.name}，请您向该机关申请{contact}"
        f"（{REGULATION}第三十六条第（五）项）。"
    )


# --------------------------------------------------------------------------- the site


def find_published(
    root: Path,
    config: SiteConfig,
    query: str,
    *,
    site_url: str | None = None,
    on: dt.date | None = None,
) -> list[PublishedPage]:
    """Posts under ``root/content`` whose title or document number matches ``query``:
    exact matches first, then titles containing it (or contained in it); within each,
    documents in force on ``on`` (default: today in the site's time zone) first."""
    exact, near = _matching(_site_pages(root, config, site_url, on), query)
    return exact + near


def _site_pages(
    root: Path, config: SiteConfig, site_url: str | None, on: dt.date | None
) -> list[PublishedPage]:
    base = site_url if site_url is not None else read_site_url(root)
    day = on or dt.datetime.now(config.site.tz).date()
    posts = post_index(root, config)
    return [
        published_page(post, base, standing(post, posts, config, on=day).state)
        for post in posts.values()
    ]


def _matching(
    pages: Sequence[PublishedPage], query: str
) -> tuple[list[PublishedPage], list[PublishedPage]]:
    """The pages matching ``query`` exactly (title or document number) and partly."""
    wanted = _normal(query)
    if not wanted:
        return [], []
    exact: list[PublishedPage] = []
    near: list[PublishedPage] = []
    for page in pages:
        title = _normal(page.title)
        if wanted in (title, _normal(page.doc_number or "")):
            exact.append(page)
        elif wanted in title or (len(title) > 3 and title in wanted):
            near.append(page)

    def order(page: PublishedPage) -> tuple[bool, int, str]:
        return (not page.in_force, -len(page.title), page.path)

    return sorted(exact, key=order), sorted(near, key=order)


@dataclass(frozen=True)
class PublishedChoice:
    """The page a proactively_published notice points to, the other matches (to list
    for the clerk) and a warning when the page chosen is no longer in force."""

    page: PublishedPage
    others: tuple[PublishedPage, ...]
    warning: str = ""


def pick_published(
    root: Path,
    config: SiteConfig,
    query: str,
    *,
    on: dt.date,
    site_url: str | None = None,
) -> PublishedChoice:
    """The one post ``query`` names (附件2 第十条（二））.

    ``query`` is a post's path (``content/<column>/<file>.md``, chosen exactly) or a
    title or document number. Of the matches, exact ones are preferred over partial
    ones; they must all be versions of one document (one title), and of those the one
    in force on ``on`` is taken. Several documents, or versions none or several of
    which are in force, are refused listing every candidate with its standing.
    """
    pages = _site_pages(root, config, site_url, on)
    if _is_path(query):
        return _by_path(pages, query)
    exact, near = _matching(pages, query)
    candidates = exact or near
    if not candidates:
        raise PortalError(
            f"在网站内容中找不到标题或文号与“{query}”相符的稿件。",
            field="--page",
            hint="请用 --page 给出已公开信息的完整标题、文号，或稿件路径 "
            "content/<栏目>/<文件>.md（附件2 第十条（二））。",
        )
    in_force = [page for page in candidates if page.in_force]
    titles = {_normal(page.title) for page in candidates}
    if len(titles) == 1 and len(in_force) == 1:
        chosen = in_force[0]
    elif len(candidates) == 1:
        chosen = candidates[0]
    else:
        raise _ambiguous(query, candidates, several=len(titles) > 1)
    others = tuple(page for page in exact + near if page is not chosen)
    return PublishedChoice(chosen, others, _not_in_force(chosen))


def _is_path(query: str) -> bool:
    text = query.strip()
    return text.startswith(("content/", "./content/")) or text.endswith(".md")


def _by_path(pages: Sequence[PublishedPage], query: str) -> PublishedChoice:
    path = query.strip().removeprefix("./")
    chosen = next((page for page in pages if page.path == path), None)
    if chosen is None:
        name = PurePosixPath(path).stem.split("-")[0]
        close = [page.path for page in pages if name and name in page.path][:5]
        raise PortalError(
            f"网站内容中没有稿件 {path}。",
            field="--page",
            hint="请给出 content/<栏目>/<文件>.md 形式的稿件路径"
            + (f"，如：{'、'.join(close)}。" if close else "。"),
        )
    title = _normal(chosen.title)
    others = tuple(
        page for page in pages if page is not chosen and _normal(page.title) == title
    )
    return PublishedChoice(chosen, others, _not_in_force(chosen))


def _ambiguous(
    query: str, candidates: Sequence[PublishedPage], *, several: bool
) -> PortalError:
    shown = [f"  {page.describe()}" for page in candidates[:12]]
    if len(candidates) > 12:
        shown.append(f"  ……另有 {len(candidates) - 12} 件")
    why = (
        "对应多份不同的文件"
        if several
        else "是同一文件的多个版本，但没有唯一一份现行有效"
    )
    return PortalError(
        f"“{query}”{why}，不能替申请人选定：\n" + "\n".join(shown),
        field="--page",
        hint="请用 --page content/<栏目>/<文件>.md 指定其中一份，或写出完整的标题或文号。",
    )


def _not_in_force(page: PublishedPage) -> str:
    if page.in_force:
        return ""
    return (
        f"《{page.title}》{STATE_LABELS[page.state]}（{page.path}）；告知书将指向一份不再有效的文件。"
        "如申请人要的是现行文件，请用 --page content/<栏目>/<文件>.md 另选。"
    )


def _normal(text: str) -> str:
    return re.sub(r"[\s《》〈〉“”\"]", "", text)


def published_page(
    post: Post, site_url: str | None, state: str = IN_FORCE
) -> PublishedPage:
    """The post as a page of the built site, with its address and standing."""
    relative = page_url(page_path(post_source(post)))
    url = f"{site_url.rstrip('/')}/{relative}" if site_url else f"/{relative}"
    return PublishedPage(
        post.title, post.doc_number, url, post.path, post.published, state
    )


# --------------------------------------------------------------------------- third party


def third_party_decision(application: Application, given: str, *, preset: str) -> str:
    """The decision of a third_party_outcome notice, as the notice says it.

    ``given`` is ``disclosed``, ``partial`` or ``withheld`` (or 予以公开、部分公开、
    不予公开). Refused when no answer of the third party is recorded, when the
    decision contradicts it (附件2 第十二条; under ``national-2019`` the bureau
    decides itself when the third party did not answer, 《条例》第三十二条), or when
    it contradicts the outcome the application was closed with.
    """
    number = application.number
    code = _DECISION_WORDS.get(given.strip(), given.strip())
    if code not in THIRD_PARTY_DECISIONS:
        raise ApplicationError(
            f"--decision “{given}”不是可选的处理决定。",
            field="--decision",
            hint="可选：" + _decisions_text(tuple(THIRD_PARTY_DECISIONS)) + "。",
        )
    answered = application.last_event("third_party_answered")
    if answered is None:
        raise ApplicationError(
            f"申请 {number} 尚未登记第三方的答复，不能开具第三方意见处理结果告知书。",
            field="--decision",
            hint=f"请先登记：portal applications third-party {number} --answered 日期 "
            "--answer agree|disagree|none。",
        )
    allowed = DECISIONS_FOR_ANSWER[answered.answer]
    if answered.answer == "none" and preset == "national-2019":
        allowed = NATIONAL_NO_ANSWER
    if code not in allowed:
        raise ApplicationError(
            f"申请 {number} 的第三方于 {answered.day()} {THIRD_PARTY_ANSWERS[answered.answer]}"
            f"（附件2 第十二条：第三方明确同意的，可以公开；不同意的，不得公开），"
            f"--decision {code}（{THIRD_PARTY_DECISIONS[code]}）与之矛盾。",
            field="--decision",
            hint=f"与第三方答复相符的处理决定：{_decisions_text(allowed)}；"
            "如答复登记有误，请核对 portal applications show " + number + "。",
        )
    outcome = application.outcome
    if outcome is not None and outcome.code.partition(".")[0] != code:
        raise ApplicationError(
            f"申请 {number} 已按 {outcome.code} 办结，--decision {code}"
            f"（{THIRD_PARTY_DECISIONS[code]}）与之矛盾。",
            field="--decision",
            hint=f"如办结有误，请先用 portal applications reopen {number} --reason 原因 更正。",
        )
    return THIRD_PARTY_DECISIONS[code]


def _decisions_text(codes: Sequence[str]) -> str:
    return "、".join(f"{code}（{THIRD_PARTY_DECISIONS[code]}）" for code in codes)


_SITE_URL = re.compile(r"^site_url:\s*[\"']?([^\s\"'#]+)", re.MULTILINE)


def read_site_url(root: Path) -> str | None:
    """``site_url`` from the site's ``mkdocs.yml``, when it names one."""
    path = root / "mkdocs.yml"
    if not path.is_file():
        return None
    match = _SITE_URL.search(path.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class ReplyReview:
    """Whether a reply notice may be issued, with who approved it and every problem."""

    notice: str
    sha256: str
    approvals: tuple[Counted, ...]
    problems: tuple[str, ...]

    @property
    def issued(self) -> bool:
        """True when a leader's approval covers the notice's current bytes and no
        later return by a leader stands."""
        return bool(self.approvals) and not self.problems


def sign_reply(
    register: Path,
    config: SiteConfig,
    notice: str,
    *,
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> ReviewRecord:
    """Sign the reply notice at ``notice`` (register-relative) as ``role``.

    The signature covers the notice's exact bytes and is appended to its review
    record; signatures over earlier bytes are dropped. Refused when the key is not in
    the roster or its holder is not a leader over the office at ``at``.
    """
    data = _notice_bytes(register, notice)
    at = signing_moment(config, decision, comment, at)
    person = signer_of(config, key)
    grant = person.key_matching(key.public_key())
    problem = _leader_problem(config, person.id, role, at)
    if problem is not None:
        raise SigningError(problem, path=notice, hint=_leaders_hint(config, at))
    if grant is not None and not grant.usable_at(at):
        raise key_unusable(person, grant, at)
    fresh = ReviewRecord(review_path(notice), notice, sha256_hex(data), ())
    previous = _existing_record(register, fresh)
    kept = previous.signatures if previous and previous.sha256 == fresh.sha256 else ()
    _, signatures = sign_onto(
        config, key, fresh, kept, decision_by(role, person.id, decision, comment, at)
    )
    record = replace(fresh, signatures=signatures)
    write_record(register, record)
    return record


def verify_reply(
    register: Path, config: SiteConfig, notice: str, *, now: dt.datetime
) -> ReplyReview:
    """Whether the reply notice at ``notice`` may be issued.

    1. the notice and its review record exist, the record names this notice and the
       SHA-256 of its current bytes (an edit after signing voids every signature);
    2. each signature passes ``verify.check_signer`` (roster, key, payload, time);
    3. the signer was a leader over the office (分管领导 or 主要领导) when signing;
    4. the latest decision is an approval, not a return.
    """
    data = _notice_bytes(register, notice)
    digest = sha256_hex(data)
    path = review_path(notice)
    if not (register / path).is_file():
        return ReplyReview(
            notice,
            digest,
            (),
            (f"{notice} 尚未经领导保密审查签批（{REVIEW_ARTICLE}）。",),
        )

    # 1. The record, bound to this notice and these bytes.
    record, errors = read_record(register, path)
    problems = [error.diagnostics() for error in errors]
    if record is None:
        return ReplyReview(notice, digest, (), tuple(problems))
    if record.post != notice:
        problems.append(f"{path} 记录的是 {record.post}，不是 {notice}。")
        return ReplyReview(notice, digest, (), tuple(problems))
    if record.sha256 != digest:
        problems.append(
            f"{notice} 在签批后被改动过（SHA-256 与审查记录不符），签名全部失效；"
            "请领导对改动后的告知书重新签批。"
        )
        return ReplyReview(notice, digest, (), tuple(problems))

    # 2–3. Each signature and its signer's role.
    counted: list[Counted] = []
    for signature in record.signatures:
        outcome = check_signer(record, signature, config, now=now)
        if isinstance(outcome, Finding):
            problems.append(outcome.message)
            continue
        problem = _leader_problem(
            config, signature.signer, signature.role, signature.signed_at
        )
        if problem is not None:
            problems.append(problem)
            continue
        counted.append(outcome)

    # 4. The latest decision.
    approvals = _standing_approvals(counted, problems)
    if not approvals and not problems:
        problems.append(f"{notice} 尚无领导的同意签名（{REVIEW_ARTICLE}）。")
    return ReplyReview(notice, digest, approvals, tuple(problems))


_RETURNED = "退回了此告知书"


def _standing_approvals(
    counted: Sequence[Counted], problems: list[str]
) -> tuple[Counted, ...]:
    ordered = sorted(
        counted,
        key=lambda c: (c.signature.signed_at, c.signature.decision == "return"),
    )
    if ordered and ordered[-1].signature.decision == "return":
        last = ordered[-1]
        comment = f"：{last.signature.comment}" if last.signature.comment else ""
        problems.append(
            f"{last.person.name}于 {last.signature.signed_at_text} {_RETURNED}{comment}。"
        )
        return ()
    return tuple(c for c in ordered if c.signature.decision == "approve")


def _leader_problem(
    config: SiteConfig, person_id: str, role: str, at: dt.datetime
) -> str | None:
    person = config.roster.get(person_id)
    if person is None:
        return f"签名人 {person_id} 不在花名册中。"
    if role not in LEADER_ROLES:
        return (
            f"答复告知书的保密审查须由局领导批准（{REVIEW_ARTICLE}），"
            f"不能以 {ROLE_LABELS.get(role, role)} 身份签批。"
        )
    if not person.holds(role, config.office.id, at):
        return f"{person.name}在 {at.date()} 不是分管{config.office.name}的{ROLE_LABELS[role]}，签了也不算数。"
    return None


def _leaders_hint(config: SiteConfig, at: dt.datetime) -> str:
    leaders = [
        f"{person.name}（{ROLE_LABELS[role]}，--role {role}）"
        for person in config.roster
        for role in LEADER_ROLES
        if person.holds(role, config.office.id, at)
    ]
    who = "、".join(leaders) if leaders else "（花名册中暂无在任的局领导）"
    return f"可以签批答复告知书的是：{who}。"


def _notice_bytes(register: Path, notice: str) -> bytes:
    try:
        return (register / notice).read_bytes()
    except OSError as exc:
        raise ReplyError(f"无法读取告知书：{exc.strerror}。", path=notice) from None


def _existing_record(register: Path, fresh: ReviewRecord) -> ReviewRecord | None:
    if not (register / fresh.path).is_file():
        return None
    record, problems = read_record(register, fresh.path)
    if record is None:
        raise_if_any(problems)
    if record is None or record.post != fresh.post:
        return None
    return record


# --------------------------------------------------------------------------- files


def write_notice(register: Path, notice: Notice) -> Path:
    """Write the notice's Markdown atomically into the register; its path."""
    target = register / notice.path
    yamlfile.write_atomic(target, notice.markdown.encode("utf-8"))
    return target


def issue_reply(
    register: Path,
    config: SiteConfig,
    notice: str,
    *,
    now: dt.datetime,
    large: bool = False,
) -> Path:
    """Write the .docx of a reply notice that a leader approved; ``ReplyError`` (with
    every reason) when it is not approved."""
    review = verify_reply(register, config, notice, now=now)
    if not review.issued:
        hint = (
            f"请局领导运行 portal applications sign-reply {notice} "
            f"--role supervising_leader（{REVIEW_ARTICLE}）。"
        )
        if any(_RETURNED in problem for problem in review.problems):
            number = PurePosixPath(notice).parent.name
            hint = (
                "告知书已被退回，不能再签批原件：请经办人按退回意见改写，运行 "
                f"portal applications notice {number} {kind_of_path(notice)} "
                "--new-version 生成新版本，再请局领导对新版本运行 sign-reply"
                f"（{REVIEW_ARTICLE}）。"
            )
        raise ReplyError(
            f"{notice} 未通过保密审查签批，不能发出：" + "；".join(review.problems),
            path=notice,
            hint=hint,
        )
    return write_docx(register, notice, author=config.site.title, large=large)


def write_docx(
    register: Path, notice: str, *, author: str = "", large: bool = False
) -> Path:
    """Write ``<notice>.docx`` beside the Markdown notice, from its exact text, marked
    as a register notice; ``large`` for an applicant who needs large print."""
    from pipeline.notice_docx import markdown_to_docx

    text = _notice_bytes(register, notice).decode("utf-8")
    kind = KINDS.get(kind_of_path(notice))
    target = (register / notice).with_suffix(".docx")
    data = markdown_to_docx(
        text,
        author=author,
        title=kind.title if kind else "",
        large=large,
        register_notice=True,
    )
    yamlfile.write_atomic(target, data)
    return target


def needs_large_print(application: Application) -> bool:
    """Whether the applicant asked for large print (大字, 附件2 第十四条)."""
    return "大字" in application.applicant.accessibility


def issued_already(register: Path, notice: str) -> str | None:
    """Why the notice at ``notice`` may no longer be replaced: it was signed (a review
    record exists) or issued (its .docx exists); ``None`` when it may be."""
    if (register / review_path(notice)).is_file():
        return "已有保密审查签批记录"
    if (register / notice).with_suffix(".docx").is_file():
        return "已生成 .docx（已发出）"
    return None


def next_version(register: Path, number: str, kind: str) -> int:
    """The first version of ``kind`` for ``number`` not yet in the register."""
    version = 1
    while (register / notice_path(number, kind, version)).exists():
        version += 1
    return version
