"""One application for government information (附件2): the model, read from and written
to its YAML file in the register.

Public API:

- ``Application`` with ``Received``, ``Applicant``, ``IdDocument``, ``Contact``,
  ``Agent``, ``Request``, ``Event``, ``Outcome``, ``Appeal``: frozen dataclasses, one
  per part of the file;
- ``read_application(path_text, text) -> (Application | None, problems)``: parse one
  file, collecting every problem with file, line and field (``application_from`` for
  YAML already loaded);
- ``dump_application(app) -> str``: the file's text, keys in the documented order;
- ``missing_content(app)``: what 第七条 requires and the application lacks;
- ``agent_problems(app)``: what an agent lacks under 第五条;
- changes, each returning the changed application or raising ``ApplicationError``:
  ``request_correction``, ``record_correction``, ``consult_third_party``,
  ``third_party_answered``, ``extend``, ``close``, ``record_appeal``, ``split``,
  ``dispose``; and ``was_split`` (the annual report counts a split application's
  parts, not the original), ``kept_until``, ``check_outcome_code``;
- ``find_repeats(apps)``: repeated applications (附件2 第十五条), judged by
  ``same_applicant`` and ``same_content``;
- the vocabularies ``CHANNELS``, ``APPLICANT_TYPES``, ``STATUSES``, ``EVENT_KINDS``,
  ``OUTCOME_CODES``, ``OUTCOME_GROUPS``, ``NOTICE_KINDS``, ``APPEAL_KINDS``,
  ``APPEAL_RESULTS`` (id → Chinese label) and ``NUMBER`` (the number pattern).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from pipeline import yamlfile
from pipeline.errors import PortalError
from pipeline.fields import Fields


class ApplicationError(PortalError):
    """An application file in the register is malformed or an action on it is refused."""


NUMBER = re.compile(r"^(\d{4})-(\d{4})(-[1-9]\d{0,2})?$")

CHANNELS = {
    "in_person": "当面提交",
    "online": "在线申请",
    "email": "电子邮件",
    "letter": "信函",
    "telegram": "电报",
    "fax": "传真",
}
APPLICANT_TYPES = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "public_interest_organisation": "社会公益组织",
    "legal_services": "法律服务机构",
    "other": "其他",
}
STATUSES = {
    "open": "办理中",
    "awaiting_correction": "待补正",
    "closed": "已办结",
    "disposed": "留存期满已处置",
}
# National annual report format 国办公开办函〔2021〕30号, table 三.
OUTCOME_CODES = {
    "disclosed": "予以公开",
    "partial": "部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld.state_secret": "不予公开：属于国家秘密",
    "withheld.prohibited_by_law": "不予公开：其他法律行政法规禁止公开",
    "withheld.security_stability": "不予公开：危及“三安全一稳定”",
    "withheld.third_party": "不予公开：保护第三方合法权益",
    "withheld.internal_affairs": "不予公开：属于三类内部事务信息",
    "withheld.process_information": "不予公开：属于四类过程性信息",
    "withheld.enforcement_files": "不予公开：属于行政执法案卷",
    "withheld.query_matters": "不予公开：属于行政查询事项",
    "unavailable.not_held": "无法提供：本机关不掌握相关政府信息",
    "unavailable.needs_creation": "无法提供：没有现成信息需要另行制作",
    "unavailable.still_unclear": "无法提供：补正后申请内容仍不明确",
    "not_handled.petition": "不予处理：信访举报投诉类申请",
    "not_handled.repeated": "不予处理：重复申请",
    "not_handled.publication": "不予处理：要求提供公开出版物",
    "not_handled.excessive": "不予处理：无正当理由大量反复申请",
    "not_handled.confirmation": "不予处理：要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.no_fee": "其他处理：申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "其他处理：其他",
}
OUTCOME_GROUPS = {
    "disclosed": "予以公开",
    "partial": "部分公开",
    "withheld": "不予公开",
    "unavailable": "无法提供",
    "not_handled": "不予处理",
    "other": "其他处理",
}
NOTICE_KINDS = {
    "acceptance": "受理告知书",
    "correction": "补正告知书",
    "extension": "延期答复告知书",
    "third_party_consultation": "第三方意见征询函",
    "third_party_outcome": "第三方意见处理结果告知书",
    "disclosed": "予以公开告知书",
    "proactively_published": "已主动公开告知书",
    "withheld": "不予公开告知书",
    "not_exist": "信息不存在告知书",
    "not_ours": "非本机关公开告知书",
    "partial": "部分公开告知书",
    "repeated": "重复申请告知书",
    "unrelated": "与特殊需要无关告知书",
    "already_answered": "已答复不再重复处理告知书",
    "special_law": "依其他法律办理告知书",
    "not_accepted": "不予受理告知书",
    "split_request": "一事一申请告知书",
}
APPEAL_KINDS = {
    "reconsideration": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_reconsideration": "复议后起诉",
}
APPEAL_RESULTS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
}
THIRD_PARTY_ANSWERS = {"agree": "同意公开", "disagree": "不同意公开", "none": "未答复"}
# kind → (required fields, optional fields); every event has exactly one of on/at.
EVENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "correction_requested": (("on", "items"), ("by", "article")),
    "corrected": (("at",), ("items",)),
    "third_party_sent": (("on", "party"), ()),
    "third_party_answered": (("on", "answer"), ("party",)),
    "extended": (
        ("approved_by", "approved_on", "notified_on", "days", "reason"),
        (),
    ),
    "replied": (("on",), ("notice",)),
    "notice_sent": (("on", "notice"), ()),
    "closed": (("on",), ()),
    "not_accepted": (("on", "reason"), ("article",)),
    "split": (("on", "numbers"), ("items",)),
    "linked_repeat": (("on", "number"), ()),
    "disposed": (("on",), ("article",)),
    "reopened": (("on", "reason"), ("items",)),
}
EVENT_KINDS = {
    "correction_requested": "一次性告知补正",
    "corrected": "收到补正后的申请（重新计算答复期限）",
    "third_party_sent": "书面征求第三方意见",
    "third_party_answered": "第三方答复",
    "extended": "延期答复",
    "replied": "答复",
    "notice_sent": "发出文书（不予受理告知书、第三方意见征询函等，不是答复）",
    "closed": "办结",
    "not_accepted": "不予受理",
    "split": "按一事一申请拆分",
    "linked_repeat": "认定为重复申请",
    "disposed": "留存期满处置",
    "reopened": "更正办结（撤销原办结，原结果见记录）",
}
_EVENT_ORDER = (
    "kind",
    "on",
    "at",
    "by",
    "items",
    "party",
    "answer",
    "approved_by",
    "approved_on",
    "notified_on",
    "days",
    "reason",
    "notice",
    "numbers",
    "number",
    "article",
)
TOP_KEYS = (
    "number",
    "received",
    "applicant",
    "agent",
    "request",
    "status",
    "events",
    "repeated_of",
    "split_from",
    "outcome",
    "appeals",
)


@dataclass(frozen=True)
class Received:
    """How and when the application reached the office (附件2 第六条), and who logged it.

    ``signed_for_at`` (a letter signed for) and ``confirmed_at`` (receipt confirmed
    with the applicant: online, e-mail, fax, unsigned post) are optional; the 2019
    regulation's 第三十一条 dates receipt by them.
    """

    channel: str
    at: dt.datetime
    registered_by: str
    confirmed_at: dt.datetime | None = None
    signed_for_at: dt.datetime | None = None


@dataclass(frozen=True)
class IdDocument:
    """An identity document: its kind (居民身份证, 营业执照…) and number."""

    kind: str
    number: str


@dataclass(frozen=True)
class Contact:
    """How to reach the applicant; every part optional (all empty → 第十五条)."""

    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""

    def is_empty(self) -> bool:
        """Whether no way of replying is known (phone, e-mail or postal address)."""
        return not (self.phone or self.email or self.address)


@dataclass(frozen=True)
class Applicant:
    """Who applies: a person or an organisation (``type`` is the annual report's column)."""

    type: str
    name: str = ""
    id_document: IdDocument | None = None
    contact: Contact = Contact()
    accessibility: str = ""


@dataclass(frozen=True)
class Agent:
    """Someone applying on the applicant's behalf (附件2 第五条)."""

    name: str
    id_document: IdDocument | None = None
    authorisation: str = ""


@dataclass(frozen=True)
class Request:
    """What is asked for (附件2 第七条（二）（三）) and how it is to be delivered."""

    description: str = ""
    form: str = ""
    delivery: str = ""
    purpose: str = ""
    own_records: bool = False


@dataclass(frozen=True)
class Event:
    """One step in handling the application; which fields apply depends on ``kind``
    (see ``EVENT_FIELDS``)."""

    kind: str
    on: dt.date | None = None
    at: dt.datetime | None = None
    by: dt.date | None = None
    items: tuple[str, ...] = ()
    party: str = ""
    answer: str = ""
    approved_by: str = ""
    approved_on: dt.date | None = None
    notified_on: dt.date | None = None
    days: int | None = None
    reason: str = ""
    notice: str = ""
    numbers: tuple[str, ...] = ()
    number: str = ""
    article: str = ""

    def day(self) -> dt.date:
        """The day the event happened: ``on``, the date of ``at``, or ``approved_on``."""
        if self.on is not None:
            return self.on
        if self.at is not None:
            return self.at.date()
        assert self.approved_on is not None
        return self.approved_on


@dataclass(frozen=True)
class Outcome:
    """How the application was closed: one annual-report code, the notice, the basis."""

    code: str
    notice_kind: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Appeal:
    """An administrative reconsideration or lawsuit about the reply (table 四)."""

    kind: str
    filed_on: dt.date
    result: str = "pending"
    decided_on: dt.date | None = None


@dataclass(frozen=True)
class Application:
    """One application as registered, with everything that happened to it since."""

    number: str
    received: Received
    applicant: Applicant
    request: Request
    status: str = "open"
    agent: Agent | None = None
    events: tuple[Event, ...] = ()
    repeated_of: str = ""
    split_from: str = ""
    outcome: Outcome | None = None
    appeals: tuple[Appeal, ...] = ()

    @property
    def year(self) -> int:
        """The year of the number (the receipt year)."""
        return int(self.number[:4])

    def events_of(self, kind: str) -> tuple[Event, ...]:
        """The events of ``kind``, in order."""
        return tuple(event for event in self.events if event.kind == kind)

    def last_event(self, kind: str) -> Event | None:
        """The latest event of ``kind``, if any."""
        found = self.events_of(kind)
        return found[-1] if found else None

    def with_event(self, event: Event, **changes: Any) -> Application:
        """A copy with ``event`` appended and the other ``changes`` applied."""
        return dataclasses.replace(self, events=(*self.events, event), **changes)

    def has_contact(self) -> bool:
        """Whether the office can reply at all (附件2 第十五条)."""
        return not self.applicant.contact.is_empty()

    def kept_without_contact(self) -> bool:
        """Registered without any contact details and kept (附件2 第十五条)."""
        return self.status in ("open", "awaiting_correction") and not self.has_contact()

    def clock_start(self) -> dt.datetime:
        """When the reply period's application arrived: the last corrected one, else
        the original (附件2 第十条（六）)."""
        corrected = self.last_event("corrected")
        if corrected is not None and corrected.at is not None:
            return corrected.at
        return self.received.at


def missing_content(app: Application) -> list[str]:
    """What 附件2 第七条 requires and ``app`` lacks, one Chinese item per gap."""
    missing = []
    if not app.applicant.name:
        missing.append("申请人的姓名或者名称（附件2 第七条（一））")
    if not app.has_contact():
        missing.append(
            "申请人的联系方式（电话、电子邮箱或通信地址）（附件2 第七条（一））"
        )
    if not app.request.description:
        missing.append("申请公开的政府信息的内容描述（附件2 第七条（二））")
    if not app.request.form:
        missing.append("申请公开的政府信息的形式要求（附件2 第七条（三））")
    if app.request.own_records and app.applicant.id_document is None:
        missing.append(
            "申请与本人相关的信息须出示的有效身份证件或证明文件（附件2 第五条）"
        )
    return missing


def agent_problems(app: Application) -> list[str]:
    """What an agent lacks under 附件2 第五条 (empty without an agent)."""
    if app.agent is None:
        return []
    problems = []
    if app.applicant.id_document is None:
        problems.append("申请人的有效证件")
    if app.agent.id_document is None:
        problems.append("代理人的有效证件")
    if not app.agent.authorisation:
        problems.append("授权委托书")
    return problems


def outcome_label(code: str) -> str:
    """``partial（部分公开…）``: the code with its Chinese label."""
    return f"{code}（{OUTCOME_CODES.get(code, '未知')}）"


def choices_text(vocabulary: dict[str, str]) -> str:
    """Every id of ``vocabulary`` with its Chinese label, for messages."""
    return "、".join(f"{key}（{label}）" for key, label in vocabulary.items())


# Reading


def read_application(
    path_text: str, text: str
) -> tuple[Application | None, list[PortalError]]:
    """Parse the YAML ``text`` of the file shown as ``path_text``.

    Returns the application (``None`` when it cannot be built) and every problem,
    each naming the file, line and field.
    """
    try:
        document = yamlfile.load(text, path=path_text, error=ApplicationError)
    except ApplicationError as exc:
        return None, [exc]
    return application_from(document, path_text)


def application_from(
    document: Any, path_text: str
) -> tuple[Application | None, list[PortalError]]:
    """Build an application from YAML already loaded (``yamlfile.load``)."""
    problems: list[PortalError] = []
    top = Fields(
        document, path=path_text, error=ApplicationError, problems=problems, line=1
    )
    app = _read_top(top)
    return (app if not problems else None), problems


def _read_top(top: Fields) -> Application | None:
    top.only(TOP_KEYS)
    number = _number(top, "number", required=True)
    received = _read_received(top.mapping_of("received"))
    applicant = _read_applicant(top.mapping_of("applicant"))
    agent_fields = top.mapping_of("agent", required=False)
    agent = _read_agent(agent_fields) if agent_fields else None
    request_fields = top.mapping_of("request", required=False)
    request = _read_request(request_fields) if request_fields else Request()
    status = top.text("status", choices=list(STATUSES)) or "open"
    events = tuple(
        event
        for event in map(_read_event, top.list_of("events", required=False))
        if event
    )
    _check_order(top, events)
    repeated_of = _number(top, "repeated_of", required=False)
    split_from = _number(top, "split_from", required=False)
    outcome_fields = top.mapping_of("outcome", required=False)
    outcome = _read_outcome(outcome_fields) if outcome_fields else None
    split_up = any(event.kind == "split" for event in events)
    if status == "closed" and outcome_fields is None and not split_up:
        top.fail(
            "outcome",
            "已办结的申请须有办理结果（年度报告表三的一个代码）。",
            f"请补上 outcome.code，可选：{'、'.join(OUTCOME_CODES)}。",
        )
    if status in ("open", "awaiting_correction") and outcome_fields is not None:
        top.fail(
            "outcome", f"状态为 {status}（{STATUSES[status]}）的申请不应已有办理结果。"
        )
    appeals = tuple(
        appeal
        for appeal in map(_read_appeal, top.list_of("appeals", required=False))
        if appeal
    )
    if number is None or received is None or applicant is None:
        return None
    return Application(
        number,
        received,
        applicant,
        request,
        status,
        agent,
        events,
        repeated_of or "",
        split_from or "",
        outcome,
        appeals,
    )


def _number(item: Fields, key: str, *, required: bool) -> str | None:
    if isinstance(item.mapping.get(key), int):
        item.fail(key, "编号应写成“年份-四位序号”，如 2026-0007。")
        return None
    return item.text(
        key,
        required=required,
        pattern=NUMBER,
        what="申请编号“年份-四位序号”，如 2026-0007（拆分的加 -1、-2）",
    )


def _digits_as_text(item: Fields, key: str) -> None:
    value = item.mapping.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        item.mapping[key] = str(value)


def _read_received(item: Fields | None) -> Received | None:
    if item is None:
        return None
    item.only(["channel", "at", "signed_for_at", "confirmed_at", "registered_by"])
    channel = item.text("channel", choices=list(CHANNELS))
    at = item.timestamp("at")
    clerk = item.ident("registered_by")
    signed = item.timestamp("signed_for_at") if item.has("signed_for_at") else None
    confirmed = item.timestamp("confirmed_at") if item.has("confirmed_at") else None
    if channel is None or at is None or clerk is None:
        return None
    return Received(channel, at, clerk, confirmed, signed)


def _read_id(item: Fields | None) -> IdDocument | None:
    if item is None:
        return None
    item.only(["kind", "number"])
    _digits_as_text(item, "number")
    kind = item.text("kind", what="证件种类，如 居民身份证")
    number = item.text("number", what="证件号码")
    if kind is None or number is None:
        return None
    return IdDocument(kind, number)


def _read_contact(item: Fields | None) -> Contact:
    if item is None:
        return Contact()
    keys = ("phone", "email", "address", "postcode")
    item.only(keys)
    for key in keys:
        _digits_as_text(item, key)
    values = [item.text(key, required=False) or "" for key in keys]
    return Contact(*values)


def _read_applicant(item: Fields | None) -> Applicant | None:
    if item is None:
        return None
    item.only(["type", "name", "id_document", "contact", "accessibility"])
    kind = item.text("type", choices=list(APPLICANT_TYPES))
    name = item.text("name", required=False) or ""
    document = _read_id(item.mapping_of("id_document", required=False))
    contact = _read_contact(item.mapping_of("contact", required=False))
    accessibility = item.text("accessibility", required=False) or ""
    if kind is None:
        return None
    return Applicant(kind, name, document, contact, accessibility)


def _read_agent(item: Fields) -> Agent | None:
    item.only(["name", "id_document", "authorisation"])
    name = item.text("name", what="代理人姓名")
    document = _read_id(item.mapping_of("id_document", required=False))
    authorisation = item.text("authorisation", required=False) or ""
    return Agent(name, document, authorisation) if name else None


def _read_request(item: Fields) -> Request:
    item.only(["description", "form", "delivery", "purpose", "own_records"])
    return Request(
        description=item.text("description", required=False) or "",
        form=item.text("form", required=False) or "",
        delivery=item.text("delivery", required=False) or "",
        purpose=item.text("purpose", required=False) or "",
        own_records=item.boolean("own_records", default=False),
    )


def _read_event(item: Fields) -> Event | None:
    kind = item.text("kind", choices=list(EVENT_FIELDS))
    if kind is None:
        return None
    required, optional = EVENT_FIELDS[kind]
    item.only(("kind", *required, *optional))
    values: dict[str, Any] = {}
    for key in (*required, *optional):
        needed = key in required
        if not needed and not item.has(key):
            continue
        value = _event_value(item, kind, key)
        if value is None:
            if needed:
                return None
            continue
        values[key] = value
    return Event(kind, **values)


def _event_value(item: Fields, kind: str, key: str) -> Any:
    if key in ("on", "by", "approved_on", "notified_on"):
        return item.date(key)
    if key == "at":
        return item.timestamp(key)
    if key in ("items", "numbers"):
        values = tuple(item.text_list(key))
        if not values and item.has(key):
            item.fail(key, "列表不能为空。")
        return values or None
    if key == "days":
        days = item.mapping.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            item.fail("days", "应为正整数（工作日数），如 15。")
            return None
        return days
    if key == "answer":
        return item.text(key, choices=list(THIRD_PARTY_ANSWERS))
    if key == "number":
        return _number(item, key, required=True)
    if key == "approved_by":
        return item.ident(key)
    return item.text(key)


def _check_order(top: Fields, events: tuple[Event, ...]) -> None:
    for before, after in zip(events, events[1:], strict=False):
        if after.day() < before.day():
            top.fail(
                "events",
                f"事件须按时间先后排列：{after.kind}（{after.day()}）"
                f"排在 {before.kind}（{before.day()}）之后。",
                "登记簿只追加记录；请按日期调整顺序。",
            )
            return


def _read_outcome(item: Fields) -> Outcome | None:
    item.only(["code", "notice_kind", "basis"])
    code = item.text("code", choices=list(OUTCOME_CODES))
    notice = item.text("notice_kind", required=False, choices=list(NOTICE_KINDS))
    basis = item.text("basis", required=False) or ""
    return Outcome(code, notice or "", basis) if code else None


def _read_appeal(item: Fields) -> Appeal | None:
    item.only(["kind", "filed_on", "result", "decided_on"])
    kind = item.text("kind", choices=list(APPEAL_KINDS))
    filed = item.date("filed_on")
    result = item.text("result", required=False, choices=list(APPEAL_RESULTS))
    decided = item.date("decided_on", required=False)
    if kind is None or filed is None:
        return None
    return Appeal(kind, filed, result or "pending", decided)


# Writing


def dump_application(app: Application) -> str:
    """The YAML text of ``app``: keys in the documented order, empty parts left out."""
    data: dict[str, Any] = {"number": app.number, "received": _received(app.received)}
    data["applicant"] = _applicant(app.applicant)
    if app.agent is not None:
        data["agent"] = _drop_empty(
            {
                "name": app.agent.name,
                "id_document": _id(app.agent.id_document),
                "authorisation": app.agent.authorisation,
            }
        )
    request = _drop_empty(
        {
            "description": app.request.description,
            "form": app.request.form,
            "delivery": app.request.delivery,
            "purpose": app.request.purpose,
        }
    )
    request["own_records"] = app.request.own_records
    data["request"] = request
    data["status"] = app.status
    if app.events:
        data["events"] = [_event(event) for event in app.events]
    if app.repeated_of:
        data["repeated_of"] = app.repeated_of
    if app.split_from:
        data["split_from"] = app.split_from
    if app.outcome is not None:
        data["outcome"] = _drop_empty(dataclasses.asdict(app.outcome))
    if app.appeals:
        data["appeals"] = [_drop_empty(dataclasses.asdict(a)) for a in app.appeals]
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


def _received(received: Received) -> dict[str, Any]:
    return _drop_empty(
        {
            "channel": received.channel,
            "at": received.at,
            "signed_for_at": received.signed_for_at,
            "confirmed_at": received.confirmed_at,
            "registered_by": received.registered_by,
        }
    )


def _applicant(applicant: Applicant) -> dict[str, Any]:
    return _drop_empty(
        {
            "type": applicant.type,
            "name": applicant.name,
            "id_document": _id(applicant.id_document),
            "contact": _drop_empty(dataclasses.asdict(applicant.contact)),
            "accessibility": applicant.accessibility,
        }
    )


def _id(document: IdDocument | None) -> dict[str, str] | None:
    if document is None:
        return None
    return {"kind": document.kind, "number": document.number}


def _event(event: Event) -> dict[str, Any]:
    values = dataclasses.asdict(event)
    out = {key: values[key] for key in _EVENT_ORDER}
    for key in ("items", "numbers"):
        out[key] = list(out[key])
    return _drop_empty(out)


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: v for key, v in values.items() if v not in (None, "", (), [], {})}


class _Dumper(yaml.SafeDumper):
    """Dates as ``2026-09-24``, times as ``2026-09-24T10:30:00+08:00``, unquoted."""


# Only what the register's strict reader (``yamlfile.load``) would take for something
# other than text gets quoted: ``on``, ``no`` and dates stay plain.
_Dumper.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if not tag.endswith((":timestamp", ":bool"))
    ]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.isoformat())


def _represent_date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.isoformat())


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dt.datetime, _represent_datetime)
_Dumper.add_representer(dt.date, _represent_date)


# Changes (each returns the changed application or raises ``ApplicationError``)


def _refuse(
    app: Application, message: str, hint: str | None = None
) -> ApplicationError:
    return ApplicationError(f"申请 {app.number}：{message}", hint=hint)


def _require_pending(app: Application, what: str) -> None:
    if app.status not in ("open", "awaiting_correction"):
        raise _refuse(
            app,
            f"状态为 {app.status}（{STATUSES[app.status]}），不能再{what}。",
        )


def request_correction(
    app: Application, items: tuple[str, ...], on: dt.date, by: dt.date | None = None
) -> Application:
    """Record the one-time correction request (附件2 第十条（六）) and ``by``, the
    last day the applicant has to correct (after ``on``)."""
    _require_pending(app, "告知补正")
    earlier = app.last_event("correction_requested")
    if earlier is not None:
        raise _refuse(
            app,
            f"已于 {earlier.day()} 一次性告知补正；补正只能告知一次（附件2 第十条（六））。",
            "补正后的申请仍不明确的，可按 unavailable.still_unclear 办结。",
        )
    if not items:
        raise _refuse(
            app, "补正告知须逐项列明需要更改、补充的内容。", "请用 --item 列出每一项。"
        )
    if on < app.received.at.date():
        raise _refuse(
            app, f"告知日期 {on} 早于收到申请的日期 {app.received.at.date()}。"
        )
    if by is not None and by <= on:
        raise _refuse(
            app,
            f"补正期限 {by} 应晚于告知日期 {on}。",
            "请用 --by YYYY-MM-DD 写明申请人补正的最后一天。",
        )
    event = Event(
        "correction_requested",
        on=on,
        by=by,
        items=items,
        article="附件2 第十条（六）",
    )
    return app.with_event(event, status="awaiting_correction")


def record_correction(app: Application, at: dt.datetime, **parts: Any) -> Application:
    """Record the corrected application received at ``at``: the clock restarts
    (附件2 第十条（六））. ``parts`` replace ``applicant``/``request`` as corrected."""
    request = app.last_event("correction_requested")
    if app.status != "awaiting_correction" or request is None:
        raise _refuse(
            app,
            "没有待补正的告知，不能登记补正。",
            "请先用 portal applications request-correction 一次性告知补正。",
        )
    if at.date() < request.day():
        raise _refuse(app, f"补正收到时间 {at} 早于补正告知日期 {request.day()}。")
    event = Event("corrected", at=at, items=original_wording(app, **parts))
    return app.with_event(event, status="open", **parts)


def original_wording(app: Application, **parts: Any) -> tuple[str, ...]:
    """What a correction changes, as it stood before: one line per changed field, so
    the register keeps the applicant's original wording (附件2 第十条（六））."""
    labels = {
        "description": "内容描述",
        "form": "形式要求",
        "delivery": "获取方式",
        "purpose": "用途",
        "name": "申请人姓名或名称",
        "id_document": "申请人证件",
        "contact": "联系方式",
    }
    lines = []
    for part in ("request", "applicant"):
        if part not in parts:
            continue
        before, after = getattr(app, part), parts[part]
        for key, label in labels.items():
            old = getattr(before, key, None)
            if old != getattr(after, key, old):
                lines.append(f"原{label}：{_wording(old)}")
    if "agent" in parts and parts["agent"] != app.agent:
        lines.append(f"原代理人材料：{_wording(app.agent)}")
    return tuple(lines)


def _wording(value: Any) -> str:
    if value is None or value == "":
        return "（未写）"
    if isinstance(value, IdDocument):
        return f"{value.kind} {value.number}"
    if isinstance(value, Contact):
        parts = (value.phone, value.email, value.address, value.postcode)
        return "；".join(part for part in parts if part) or "（无）"
    if isinstance(value, Agent):
        document = _wording(value.id_document)
        return f"{value.name}，证件 {document}，授权委托书 {value.authorisation or '（未出示）'}"
    return str(value)


def open_consultations(app: Application) -> int:
    """How many third-party consultations await an answer."""
    return len(app.events_of("third_party_sent")) - len(
        app.events_of("third_party_answered")
    )


def consult_third_party(app: Application, on: dt.date, party: str) -> Application:
    """Record the written request for a third party's opinion (附件2 第十二条)."""
    _require_pending(app, "征求第三方意见")
    if open_consultations(app) > 0:
        raise _refuse(
            app, "已有一份征求第三方意见的函尚未答复。", "请先登记第三方的答复。"
        )
    return app.with_event(Event("third_party_sent", on=on, party=party))


def third_party_answered(
    app: Application, on: dt.date, answer: str, party: str = ""
) -> Application:
    """Record the third party's answer; the consultation's pause ends (附件2 第十三条)."""
    sent = app.last_event("third_party_sent")
    if sent is None or open_consultations(app) <= 0:
        raise _refuse(app, "没有待答复的第三方征求意见函。", "请先用 --sent 登记发函。")
    if answer not in THIRD_PARTY_ANSWERS:
        raise _refuse(
            app, f"答复“{answer}”无效；可选：{choices_text(THIRD_PARTY_ANSWERS)}。"
        )
    if on < sent.day():
        raise _refuse(app, f"答复日期 {on} 早于发函日期 {sent.day()}。")
    event = Event(
        "third_party_answered", on=on, answer=answer, party=party or sent.party
    )
    return app.with_event(event)


def extend(
    app: Application,
    event: Event,
    *,
    first_due: dt.date | None,
    max_days: int,
    article: str,
) -> Application:
    """Record the one extension (附件2 第十三条): at most ``max_days`` working days,
    approved and notified on or before the first deadline ``first_due``."""
    _require_pending(app, "延期")
    earlier = app.last_event("extended")
    if earlier is not None:
        raise _refuse(
            app,
            f"已于 {earlier.approved_on} 延期一次；答复期限只能延长一次（{article}）。",
        )
    assert event.days is not None and event.approved_on and event.notified_on
    if event.days > max_days:
        raise _refuse(
            app,
            f"延期 {event.days} 个工作日超过上限 {max_days} 个工作日（{article}）。",
        )
    if event.notified_on < event.approved_on:
        raise _refuse(
            app,
            f"告知申请人的日期 {event.notified_on} 早于批准日期 {event.approved_on}。",
        )
    if first_due is None:
        raise _refuse(app, "答复期限无法确定，不能延期。")
    late = [
        f"{name} {day}"
        for name, day in (("批准", event.approved_on), ("书面告知", event.notified_on))
        if day > first_due
    ]
    if late:
        raise _refuse(
            app,
            f"{'、'.join(late)} 晚于原答复期限 {first_due}；延期须在期限届满前批准并书面告知申请人（{article}）。",
        )
    return app.with_event(event)


# Which notices fit which outcome (年度报告表三 against 附件2 第十条至第十六条 and
# 《中华人民共和国政府信息公开条例》第三十六条). An empty tuple: no reply notice of its own.
NOTICE_KINDS_FOR_OUTCOME: dict[str, tuple[str, ...]] = {
    "disclosed": ("disclosed", "proactively_published", "third_party_outcome"),
    "partial": ("partial", "third_party_outcome"),
    "withheld.state_secret": ("withheld",),
    "withheld.prohibited_by_law": ("withheld",),
    "withheld.security_stability": ("withheld",),
    "withheld.third_party": ("withheld", "third_party_outcome"),
    "withheld.internal_affairs": ("withheld",),
    "withheld.process_information": ("withheld",),
    "withheld.enforcement_files": ("withheld",),
    "withheld.query_matters": ("withheld", "special_law"),
    "unavailable.not_held": ("not_exist", "not_ours"),
    "unavailable.needs_creation": ("not_exist",),
    "unavailable.still_unclear": ("not_exist",),
    "not_handled.petition": (),
    "not_handled.repeated": ("repeated", "already_answered"),
    "not_handled.publication": ("proactively_published",),
    "not_handled.excessive": ("repeated",),
    "not_handled.confirmation": ("already_answered",),
    "other.no_correction": (),
    "other.no_fee": (),
    "other.other": ("unrelated", "special_law"),
}
# Procedural notices: they never close an application.
PROCEDURAL_NOTICES = (
    "acceptance",
    "correction",
    "extension",
    "third_party_consultation",
    "not_accepted",
    "split_request",
)
# Outcomes that may close without a reply of their own: the applicant was already
# answered or never completed the application, or the rules let the bureau not reply
# again (附件2 第十五条).
REPLY_OPTIONAL = (
    "not_handled.petition",
    "not_handled.repeated",
    "other.no_correction",
    "other.no_fee",
    "other.other",
)
# Refusals must say why and on what legal basis (附件2 第十条（三）).
BASIS_REQUIRED = ("withheld.", "not_handled.")


def codes_for_notice(notice_kind: str) -> tuple[str, ...]:
    """The outcome codes the reply notice ``notice_kind`` can close with."""
    return tuple(
        code for code, kinds in NOTICE_KINDS_FOR_OUTCOME.items() if notice_kind in kinds
    )


def check_outcome_code(code: str) -> None:
    """Raise when ``code`` is not one of the annual report's outcome codes."""
    if code in NOTICE_KINDS and code not in OUTCOME_CODES:
        fitting = codes_for_notice(code)
        if code == "proactively_published":
            fitting = ("disclosed",)
        hint = "此种文书不办结申请；请按发出的答复告知书选择办理结果代码。"
        if fitting:
            listed = "、".join(outcome_label(c) for c in fitting)
            hint = (
                f"请改用 --outcome {fitting[0]}（与此告知书相符的办理结果：{listed}）。"
            )
        raise ApplicationError(
            f"“{code}”是告知书种类（{NOTICE_KINDS[code]}），不是办理结果代码。",
            field="--outcome",
            hint=hint,
        )
    if code not in OUTCOME_CODES:
        lines = "\n".join(f"  {key}：{label}" for key, label in OUTCOME_CODES.items())
        raise ApplicationError(
            f"办理结果代码“{code}”无效。每件申请只能有一个办理结果，"
            f"须为年度报告表三（国办公开办函〔2021〕30号）的代码之一：\n{lines}",
            field="--outcome",
            hint="请用 --outcome 代码 重新运行，如 --outcome partial。",
        )


def notice_fits(code: str, notice_kind: str) -> bool:
    """Whether the reply notice ``notice_kind`` agrees with the outcome ``code``."""
    return notice_kind in NOTICE_KINDS_FOR_OUTCOME.get(code, ())


def check_outcome_notice(code: str, notice_kind: str) -> None:
    """Raise when the reply notice ``notice_kind`` contradicts the outcome ``code``."""
    if not notice_kind or notice_fits(code, notice_kind):
        return
    fitting = NOTICE_KINDS_FOR_OUTCOME.get(code, ())
    kinds = "、".join(f"{k}（{NOTICE_KINDS[k]}）" for k in fitting) or "（无）"
    raise ApplicationError(
        f"办理结果 {outcome_label(code)} 与告知书种类 {notice_kind}"
        f"（{NOTICE_KINDS.get(notice_kind, '未知')}）不符。",
        field="--notice-kind",
        hint=f"与此结果相符的告知书：{kinds}；请改 --outcome 或 --notice-kind。",
    )


def close(
    app: Application,
    outcome: Outcome,
    on: dt.date,
    *,
    notice: str = "",
    received_on: dt.date | None = None,
) -> Application:
    """Close with exactly one outcome; record the reply when ``notice`` is given.

    Refused when the date lies before receipt (``received_on``, the local receipt
    day; default the date of ``received.at``) or an earlier event, when the notice
    kind contradicts the outcome, and when a refusal gives no basis.
    """
    check_outcome_code(outcome.code)
    _require_pending(app, "办结")
    if outcome.notice_kind and outcome.notice_kind not in NOTICE_KINDS:
        raise _refuse(
            app,
            f"告知书种类“{outcome.notice_kind}”无效；可选：{choices_text(NOTICE_KINDS)}。",
        )
    check_outcome_notice(outcome.code, outcome.notice_kind)
    if outcome.code.startswith(BASIS_REQUIRED) and not outcome.basis.strip():
        raise _refuse(
            app,
            f"{outcome_label(outcome.code)} 须向申请人说明理由和法律依据"
            "（附件2 第十条（三））。",
            "请加 --basis “理由和法律依据”。",
        )
    if outcome.code == "other.no_correction":
        _check_no_correction(app, on)
    received = received_on or app.received.at.date()
    if on < received:
        raise _refuse(
            app,
            f"办结日期 {on} 早于收到申请之日 {received}。",
            "请用 --on YYYY-MM-DD 写明实际办结的日期。",
        )
    if app.events and on < app.events[-1].day():
        raise _refuse(
            app,
            f"办结日期 {on} 早于此前的记录 {app.events[-1].day()}。",
            "请用 --on YYYY-MM-DD 写明实际办结的日期。",
        )
    events = list(app.events)
    if notice:
        events.append(Event("replied", on=on, notice=notice))
    events.append(Event("closed", on=on))
    return dataclasses.replace(
        app, events=tuple(events), status="closed", outcome=outcome
    )


def _check_no_correction(app: Application, on: dt.date) -> None:
    """逾期不补正 is refused while the time to correct the notice gave still runs."""
    requested = app.last_event("correction_requested")
    if requested is not None and requested.by is not None and on <= requested.by:
        raise _refuse(
            app,
            f"补正期限 {requested.by}（含当日）尚未届满，不能按逾期不补正办结。",
            f"请于 {requested.by} 之后仍未收到补正时再办结。",
        )


def reopen(app: Application, on: dt.date, reason: str) -> Application:
    """Undo a wrong close as a new event: the earlier outcome is kept in the event,
    the application is open again and can be closed anew."""
    if app.status != "closed" or app.outcome is None or was_split(app):
        raise _refuse(
            app,
            "只有已办结（且未拆分）的申请可以更正办结。",
            "请用 portal applications show 核对状态。",
        )
    if not reason.strip():
        raise _refuse(app, "更正办结须写明原因。", "请加 --reason “原因”。")
    closed = app.last_event("closed")
    if closed is not None and on < closed.day():
        raise _refuse(app, f"更正日期 {on} 早于办结日期 {closed.day()}。")
    previous = app.outcome
    items = [f"原办理结果：{outcome_label(previous.code)}"]
    if previous.notice_kind:
        items.append(f"原告知书种类：{previous.notice_kind}")
    if previous.basis:
        items.append(f"原依据：{previous.basis}")
    event = Event("reopened", on=on, reason=reason, items=tuple(items))
    return app.with_event(event, status="open", outcome=None)


def record_appeal(
    app: Application,
    kind: str,
    *,
    filed_on: dt.date | None,
    result: str,
    decided_on: dt.date | None,
) -> Application:
    """Add an appeal, or record the decision of the pending one of ``kind`` (table 四)."""
    if kind not in APPEAL_KINDS:
        raise _refuse(
            app, f"救济种类“{kind}”无效；可选：{choices_text(APPEAL_KINDS)}。"
        )
    if result not in APPEAL_RESULTS:
        raise _refuse(
            app, f"结果“{result}”无效；可选：{choices_text(APPEAL_RESULTS)}。"
        )
    if result != "pending" and decided_on is None:
        raise _refuse(app, "已审结的须写明审结日期。", "请加 --decided-on YYYY-MM-DD。")
    appeals = list(app.appeals)
    pending = [
        index
        for index, appeal in enumerate(appeals)
        if appeal.kind == kind
        and appeal.result == "pending"
        and (filed_on is None or appeal.filed_on == filed_on)
    ]
    if pending and result == "pending":
        raise _refuse(
            app,
            f"已有 {appeals[pending[-1]].filed_on} 提起、尚未审结的{APPEAL_KINDS[kind]}。",
            "审结后请用 --result 登记结果（不必再写 --filed-on）。",
        )
    if pending:
        current = appeals[pending[-1]]
        if decided_on is not None and decided_on < current.filed_on:
            raise _refuse(
                app, f"审结日期 {decided_on} 早于提起日期 {current.filed_on}。"
            )
        appeals[pending[-1]] = Appeal(kind, current.filed_on, result, decided_on)
    elif filed_on is None:
        raise _refuse(
            app, f"没有尚未审结的{APPEAL_KINDS[kind]}。", "新登记请加 --filed-on。"
        )
    else:
        if decided_on is not None and decided_on < filed_on:
            raise _refuse(app, f"审结日期 {decided_on} 早于提起日期 {filed_on}。")
        appeals.append(Appeal(kind, filed_on, result, decided_on))
    return dataclasses.replace(app, appeals=tuple(appeals))


def split(
    app: Application, items: tuple[str, ...], on: dt.date
) -> tuple[Application, list[Application]]:
    """One application per matter (附件2 第十六条): the parts keep the receipt time and
    history; the original is closed as split (no outcome: its parts carry them), its
    ``split`` event naming each part's number and matter (for the split_request
    notice to the applicant)."""
    _require_pending(app, "拆分")
    if app.split_from:
        raise _refuse(app, f"本件已是从 {app.split_from} 拆分出的，不能再拆分。")
    if len(items) < 2:
        raise _refuse(app, "拆分至少要有两项事项。", "请为每个事项各写一个 --item。")
    numbers = tuple(f"{app.number}-{index}" for index, _ in enumerate(items, 1))
    parts = [
        dataclasses.replace(
            app,
            number=number,
            request=dataclasses.replace(app.request, description=item),
            split_from=app.number,
        )
        for number, item in zip(numbers, items, strict=True)
    ]
    event = Event("split", on=on, numbers=numbers, items=items)
    original = app.with_event(event, status="closed")
    return original, parts


def was_split(app: Application) -> bool:
    """Whether ``app`` was split into parts: the annual report counts the parts only."""
    return bool(app.events_of("split"))


def dispose(app: Application, on: dt.date) -> Application:
    """Mark an application kept without contact details for a year as disposed
    (附件2 第十五条); the file stays in the register."""
    if not app.kept_without_contact():
        raise _refuse(app, "不是无联系方式而登记留存的申请，不能按留存期满处置。")
    outcome = Outcome(
        "other.other",
        basis="申请书没有联系方式，无法答复申请人，登记后留存一年期满（附件2 第十五条）。",
    )
    event = Event("disposed", on=on, article="附件2 第十五条")
    return app.with_event(event, status="disposed", outcome=outcome)


def was_answered(app: Application) -> bool:
    """Whether a reply was issued to ``app``: an application refused (not accepted)
    or never replied to was not answered (附件2 第十五条 counts only those)."""
    if app.events_of("not_accepted"):
        return False
    return bool(app.events_of("replied"))


_STATUS_AFTER = {
    "correction_requested": "awaiting_correction",
    "corrected": "open",
    "closed": "closed",
    "split": "closed",
    "reopened": "open",
    "disposed": "disposed",
}


def as_of(app: Application, day: dt.date) -> Application | None:
    """The application as it stood at the end of ``day``: events after it ignored,
    the status they set undone; ``None`` when it had not been received by then."""
    if app.received.at.date() > day:
        return None
    kept = tuple(event for event in app.events if event.day() <= day)
    if len(kept) == len(app.events):
        return app
    waiting = app.status == "awaiting_correction" and not app.events_of(
        "correction_requested"
    )
    status = "awaiting_correction" if waiting else "open"
    for event in kept:
        status = _STATUS_AFTER.get(event.kind, status)
    outcome = app.outcome if status in ("closed", "disposed") else None
    return dataclasses.replace(app, events=kept, status=status, outcome=outcome)


def kept_until(app: Application) -> dt.date:
    """The day the year of keeping ends (附件2 第十五条): one year after receipt."""
    received = app.received.at.date()
    try:
        return received.replace(year=received.year + 1)
    except ValueError:
        return dt.date(received.year + 1, 3, 1)


def _comparable(text: str) -> str:
    """``text`` for comparison: NFKC, lower case, without spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        c
        for c in folded
        if not unicodedata.category(c).startswith(("Z", "P", "C", "S"))
    )


def same_applicant(a: Application, b: Application) -> bool:
    """Whether ``a`` and ``b`` come from the same applicant: the same identity
    document number, or else the same name."""
    first, second = a.applicant.id_document, b.applicant.id_document
    if first is not None and second is not None:
        return _comparable(first.number) == _comparable(second.number)
    return bool(a.applicant.name) and _comparable(a.applicant.name) == _comparable(
        b.applicant.name
    )


def same_content(a: Application, b: Application) -> bool:
    """Whether ``a`` and ``b`` ask for the same information (descriptions equal, or
    nearly so, once spacing and punctuation are set aside)."""
    first, second = (
        _comparable(a.request.description),
        _comparable(b.request.description),
    )
    if not first or not second:
        return False
    return (
        first == second or difflib.SequenceMatcher(None, first, second).ratio() >= 0.9
    )


def find_repeats(apps: Sequence[Application]) -> list[tuple[Application, Application]]:
    """(repeat, earlier) pairs: same applicant, same content, and the earlier one was
    answered (附件2 第十五条: 可以不重复答复). An earlier application refused (not
    accepted) or not yet answered does not make a later one a repeat: the complete
    resubmission is a new application (附件2 第五条、第十条（六））."""
    ordered = sorted(apps, key=lambda app: (app.received.at, app.number))
    pairs = []
    for index, later in enumerate(ordered):
        if was_split(later):
            continue
        for earlier in ordered[:index]:
            if was_split(earlier) or later.split_from == earlier.number:
                continue
            if not was_answered(earlier):
                continue
            if same_applicant(later, earlier) and same_content(later, earlier):
                original = (
                    find_application(apps, earlier.repeated_of)
                    if earlier.repeated_of
                    else None
                )
                pairs.append((later, original or earlier))
                break
    return pairs


def find_application(apps: Sequence[Application], number: str) -> Application | None:
    """The application numbered ``number`` among ``apps``."""
    return next((app for app in apps if app.number == number), None)
