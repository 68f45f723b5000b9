"""``portal applications …``: the register of applications for government information.

Every change is written atomically, then committed to the register's git repository
with the clerk as author, under the register's lock. The site repository, when found
(``--root`` or the current folder), supplies the roster, the deadline rules of
``policy.yml`` (``applications:``) and the calendar of ``site_config/calendar.yml``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pipeline
from pipeline import application as model
from pipeline import register as reg
from pipeline import register_git, yamlfile
from pipeline.application import (
    APPLICANT_TYPES,
    CHANNELS,
    NOTICE_KINDS,
    STATUSES,
    THIRD_PARTY_ANSWERS,
    Application,
    ApplicationError,
    Event,
    Outcome,
)
from pipeline.commands import notices
from pipeline.commands.options import day, timestamp
from pipeline.config import SiteConfig, load_config
from pipeline.deadline import (
    DEFAULT_PRESET,
    PRESETS,
    Deadline,
    DeadlineRules,
    add_working_days,
    check_correction_request,
)
from pipeline.errors import PortalError, raise_if_any
from pipeline.output import result
from pipeline.workdays import WorkCalendar, load_calendar
from pipeline.yamlfile import LineDict

logger = logging.getLogger(__name__)

TZ_DEFAULT = dt.timezone(dt.timedelta(hours=8))
OPEN_INFORMATION_HEAD = "open_information_head"
_PLACEHOLDER = "0000-0000"


@dataclass(frozen=True)
class Office:
    """What a command works with: the register, and the site's rules when found."""

    register: Path
    site: Path | None
    config: SiteConfig | None
    tz: dt.tzinfo
    rules: DeadlineRules
    calendar: WorkCalendar

    def today(self) -> dt.date:
        """Today in the bureau's time zone."""
        return dt.datetime.now(self.tz).date()


@dataclass(frozen=True)
class Clerk:
    """Who makes a change: the roster id recorded and the git author."""

    id: str
    name: str
    email: str


# Parser


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``applications`` and its subcommands to ``commands`` (the subparsers)."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--register",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"登记簿目录（默认：环境变量 {reg.ENV_VARIABLE}，再次为本机设置）",
    )
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument(
        "--clerk",
        default=None,
        metavar="ROSTER_ID",
        help="经办人在花名册中的编号（默认：git 配置的 user.name）",
    )
    group = commands.add_parser(
        "applications",
        parents=[common],
        help="依申请公开登记簿：登记、补正、延期、第三方意见、办结、期限（附件2）",
    )
    group.add_argument("--register", type=Path, default=None, help="登记簿目录")
    sub = group.add_subparsers(dest="action", required=True, parser_class=type(group))
    both = [where, who]

    init = sub.add_parser("init", parents=[who], help="建立登记簿（独立的 git 仓库）")
    init.add_argument("dir", type=Path, metavar="DIR")
    init.add_argument(
        "--no-setting", action="store_true", help="不写入本机设置（settings.yml）"
    )

    for name in ("register", "new"):
        new = sub.add_parser(
            name,
            parents=both,
            help="登记一件申请（附件2 第四条至第八条）"
            if name == "register"
            else "同 register",
        )
        _registration_options(new)

    show = sub.add_parser("show", parents=[where], help="一件申请的全部情况和期限推算")
    show.add_argument("number", metavar="N")
    show.add_argument("--on", type=day, default=None, help="按哪一天（默认：今天）")

    listing = sub.add_parser("list", parents=[where], help="列出申请")
    listing.add_argument("--status", choices=list(STATUSES), default=None)
    listing.add_argument("--year", type=int, default=None)

    due = sub.add_parser("due", parents=[where], help="已逾期和即将到期的申请")
    due.add_argument("--on", type=day, default=None, help="按哪一天（默认：今天）")
    due.add_argument(
        "--within", type=int, default=5, help="多少个工作日内到期（默认：5）"
    )

    correct = sub.add_parser(
        "correct", parents=both, help="登记补正后的申请（重新计算期限）"
    )
    correct.add_argument("number", metavar="N")
    correct.add_argument("--received-at", type=timestamp, required=True)
    _content_options(correct)

    request = sub.add_parser(
        "request-correction", parents=both, help="一次性告知补正（附件2 第十条（六））"
    )
    request.add_argument("number", metavar="N")
    request.add_argument(
        "--item", action="append", default=[], help="须更改、补充的一项（可多次）"
    )
    request.add_argument("--on", type=day, default=None, help="告知日期（默认：今天）")

    extend = sub.add_parser("extend", parents=both, help="延期答复（附件2 第十三条）")
    extend.add_argument("number", metavar="N")
    extend.add_argument("--approved-by", required=True, metavar="ROSTER_ID")
    extend.add_argument("--approved-on", type=day, required=True)
    extend.add_argument("--notified-on", type=day, required=True)
    extend.add_argument("--days", type=int, required=True)
    extend.add_argument("--reason", required=True)

    third = sub.add_parser(
        "third-party", parents=both, help="征求第三方意见及其答复（附件2 第十二条）"
    )
    third.add_argument("number", metavar="N")
    third.add_argument("--sent", type=day, default=None, help="发函日期")
    third.add_argument("--party", default="", help="第三方名称")
    third.add_argument("--answered", type=day, default=None, help="答复日期")
    third.add_argument("--answer", choices=list(THIRD_PARTY_ANSWERS), default=None)

    split = sub.add_parser("split", parents=both, help="按一事一申请拆分（第十六条）")
    split.add_argument("number", metavar="N")
    split.add_argument("--items", nargs="+", required=True, help="每个事项的内容描述")
    split.add_argument("--on", type=day, default=None)

    repeats = sub.add_parser(
        "repeats", parents=both, help="同一申请人就同一内容的重复申请（第十五条）"
    )
    repeats.add_argument(
        "--link", action="store_true", help="把找到的重复申请登记为 repeated_of"
    )

    disposal = sub.add_parser(
        "disposal", parents=both, help="无联系方式、留存满一年的申请（第十五条）"
    )
    disposal.add_argument("--on", type=day, default=None)
    disposal.add_argument(
        "--dispose", action="store_true", help="标为已处置（文件保留）"
    )

    close = sub.add_parser("close", parents=both, help="办结：记一个办理结果代码")
    close.add_argument("number", metavar="N")
    close.add_argument("--outcome", required=True, metavar="CODE")
    close.add_argument("--basis", default="", help="理由和法律依据")
    close.add_argument("--notice-kind", default=None, choices=list(NOTICE_KINDS))
    close.add_argument("--notice", default="", help="告知书文件（replies/ 下）")
    close.add_argument("--on", type=day, default=None)

    appeal = sub.add_parser("appeal", parents=both, help="行政复议、行政诉讼（表四）")
    appeal.add_argument("number", metavar="N")
    appeal.add_argument("--kind", required=True, choices=list(model.APPEAL_KINDS))
    appeal.add_argument(
        "--result", default="pending", choices=list(model.APPEAL_RESULTS)
    )
    appeal.add_argument("--filed-on", type=day, default=None)
    appeal.add_argument("--decided-on", type=day, default=None)

    notice = sub.add_parser(
        "notice",
        parents=[where],
        help="生成告知书：受理、补正、延期即出 .docx；答复须局领导签批后 issue",
    )
    notice.add_argument("number", metavar="N")
    notice.add_argument("kind", choices=list(NOTICE_KINDS))
    notice.add_argument("--on", type=day, default=None, help="告知日期（默认：今天）")
    notice.add_argument(
        "--page", help="已主动公开信息的标题或文号（proactively_published）"
    )
    notice.add_argument("--body", help="负责公开该信息的机关（not_ours）")
    notice.add_argument("--body-contact", default="", help="该机关的联系方式")
    notice.add_argument(
        "--special-law", help="规定查询办法的法律、行政法规（special_law）"
    )
    notice.add_argument("--provided-form", help="实际提供的形式（disclosed，第十四条）")
    notice.add_argument(
        "--decision", help="第三方意见征询的结果（third_party_outcome）"
    )
    notice.add_argument(
        "--reply-days", type=int, default=None, help="答复期限（默认按 policy.yml）"
    )
    notice.add_argument("--new-due", type=day, default=None, help="延长后的答复期限")
    notice.add_argument("--reply-by", type=day, default=None, help="第三方答复期限")
    notice.add_argument("--note", default="", help="补充说明")
    sign_reply = sub.add_parser(
        "sign-reply",
        parents=[where],
        help="局领导对答复告知书作保密审查签批（附件2 第九条、附件4 第六条）",
    )
    sign_reply.add_argument("notice", metavar="NOTICE", help="登记簿中的告知书 .md")
    sign_reply.add_argument(
        "--role", required=True, choices=("supervising_leader", "principal_leader")
    )
    sign_reply.add_argument("--key", type=Path, required=True, help="私钥文件")
    sign_reply.add_argument(
        "--decision", choices=("approve", "return"), default="approve"
    )
    sign_reply.add_argument("--comment", default="", help="意见")
    sign_reply.add_argument("--at", type=timestamp, default=None, help="签名时间")
    for name, text in (
        ("issue", "签批后生成答复告知书 .docx"),
        ("reply-status", "答复告知书的签批情况"),
    ):
        action = sub.add_parser(name, parents=[where], help=text)
        action.add_argument("notice", metavar="NOTICE", help="登记簿中的告知书 .md")


def _registration_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="source", type=Path, default=None, help="申请内容的 YAML 文件"
    )
    parser.add_argument("--channel", choices=list(CHANNELS), default=None)
    parser.add_argument("--received-at", type=timestamp, default=None)
    parser.add_argument("--signed-for-at", type=timestamp, default=None)
    parser.add_argument("--confirmed-at", type=timestamp, default=None)
    parser.add_argument("--type", dest="applicant_type", choices=list(APPLICANT_TYPES))
    parser.add_argument("--id-kind", default=None)
    parser.add_argument("--id-number", default=None)
    parser.add_argument("--accessibility", default=None)
    parser.add_argument("--agent-name", default=None)
    parser.add_argument("--agent-id-kind", default=None)
    parser.add_argument("--agent-id-number", default=None)
    parser.add_argument("--authorisation", default=None)
    parser.add_argument("--purpose", default=None)
    parser.add_argument("--own-records", action="store_true", default=None)
    _content_options(parser)


def _content_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=None, help="申请人姓名或名称")
    parser.add_argument("--phone", default=None)
    parser.add_argument("--email", default=None)
    parser.add_argument("--address", default=None)
    parser.add_argument("--postcode", default=None)
    parser.add_argument("--description", default=None, help="所需信息的内容描述")
    parser.add_argument("--form", default=None, help="形式要求：纸质、电子…")
    parser.add_argument("--delivery", default=None, help="获取方式：邮寄、电子邮件…")


# Dispatch


def run(args: argparse.Namespace, site: Path | None) -> int:
    """Run ``portal applications <action>`` with the parsed ``args``."""
    if args.action == "init":
        return init(args.dir, clerk=args.clerk, record=not args.no_setting, site=site)
    if args.action in NOTICE_ACTIONS:
        if site is None:
            raise PortalError(
                "告知书要用网站的设置（局名称、花名册、答复期限）和已发布的信息：",
                hint="请在网站仓库目录中运行，或用 --root 指定网站仓库。",
            )
        return _notice_actions(args, site)
    office = open_office(args.register, site)
    _warn_uncommitted(office.register)
    actions: dict[str, Callable[[Office, argparse.Namespace], int]] = {
        "register": _register_action,
        "new": _register_action,
        "show": lambda o, a: show(o, a.number, on=a.on),
        "list": lambda o, a: list_applications(o, status=a.status, year=a.year),
        "due": lambda o, a: due(o, on=a.on, within=a.within),
        "correct": _correct_action,
        "request-correction": lambda o, a: request_correction(
            o, _clerk(o, a.clerk), a.number, tuple(a.item), on=a.on
        ),
        "extend": _extend_action,
        "third-party": _third_party_action,
        "split": lambda o, a: split(
            o, _clerk(o, a.clerk), a.number, tuple(a.items), on=a.on
        ),
        "repeats": lambda o, a: repeats(
            o, _clerk(o, a.clerk) if a.link else None, link=a.link
        ),
        "disposal": lambda o, a: disposal(
            o, _clerk(o, a.clerk) if a.dispose else None, on=a.on, dispose=a.dispose
        ),
        "close": _close_action,
        "appeal": lambda o, a: appeal(
            o,
            _clerk(o, a.clerk),
            a.number,
            a.kind,
            outcome=a.result,
            filed_on=a.filed_on,
            decided_on=a.decided_on,
        ),
    }
    return actions[args.action](office, args)


NOTICE_ACTIONS = ("notice", "sign-reply", "issue", "reply-status")


def _notice_actions(args: argparse.Namespace, site: Path) -> int:
    """``notice``, ``sign-reply``, ``issue`` and ``reply-status``."""
    register = getattr(args, "register", None)
    if args.action == "notice":
        return notices.notice(
            site,
            register,
            args.number,
            args.kind,
            on=args.on,
            page=args.page,
            body=args.body,
            body_contact=args.body_contact,
            special_law=args.special_law,
            provided_form=args.provided_form,
            decision=args.decision,
            reply_days=args.reply_days,
            new_due=args.new_due,
            reply_by=args.reply_by,
            note=args.note,
        )
    if args.action == "sign-reply":
        return notices.sign_reply_command(
            site,
            register,
            args.notice,
            role=args.role,
            key=args.key,
            decision=args.decision,
            comment=args.comment,
            at=args.at,
        )
    if args.action == "issue":
        return notices.issue_command(site, register, args.notice)
    return notices.reply_status(site, register, args.notice)


def _register_action(office: Office, args: argparse.Namespace) -> int:
    document, shown = registration_document(args)
    return register(office, _clerk(office, args.clerk), document, shown_as=shown)


def _correct_action(office: Office, args: argparse.Namespace) -> int:
    return correct(
        office,
        _clerk(office, args.clerk),
        args.number,
        args.received_at,
        _content_changes(args),
    )


def _extend_action(office: Office, args: argparse.Namespace) -> int:
    event = Event(
        "extended",
        approved_by=args.approved_by,
        approved_on=args.approved_on,
        notified_on=args.notified_on,
        days=args.days,
        reason=args.reason,
    )
    return extend(office, _clerk(office, args.clerk), args.number, event)


def _third_party_action(office: Office, args: argparse.Namespace) -> int:
    clerk = _clerk(office, args.clerk)
    if (args.sent is None) == (args.answered is None):
        raise PortalError(
            "请给出 --sent DATE --party 名称（发函），或 --answered DATE --answer "
            "agree|disagree|none（答复），二者取一。"
        )
    if args.sent is not None:
        if not args.party:
            raise PortalError("发函须写明第三方名称：--party 名称。")
        return third_party(office, clerk, args.number, sent=args.sent, party=args.party)
    if args.answer is None:
        raise PortalError("请用 --answer agree|disagree|none 写明第三方的答复。")
    return third_party(
        office,
        clerk,
        args.number,
        answered=args.answered,
        answer=args.answer,
        party=args.party,
    )


def _close_action(office: Office, args: argparse.Namespace) -> int:
    model.check_outcome_code(args.outcome)
    outcome = Outcome(args.outcome, args.notice_kind or "", args.basis)
    return close(
        office,
        _clerk(office, args.clerk),
        args.number,
        outcome,
        on=args.on,
        notice=args.notice,
    )


# Where things are


def open_office(option: Path | None, site: Path | None) -> Office:
    """The register and, when ``site`` is given, the site's roster, rules and calendar."""
    register = reg.locate_register(option, os.environ)
    config = load_config(site) if site is not None else None
    tz = config.site.tz if config is not None else TZ_DEFAULT
    rules = deadline_rules(site)
    calendar = load_calendar(site) if site else WorkCalendar()
    return Office(register, site, config, tz, rules, calendar)


def deadline_rules(site: Path | None) -> DeadlineRules:
    """The deadline rules of ``policy.yml``'s ``applications:`` (default: bureau-2018)."""
    if site is None:
        return PRESETS[DEFAULT_PRESET]
    return load_config(site).policy.applications


def _warn_uncommitted(root: Path) -> None:
    pending = register_git.uncommitted(root)
    leftover = reg.leftovers(root)
    if pending:
        logger.warning(
            "登记簿中有未提交的改动：%s。可能是上次命令在写入后、提交前中断；"
            "请核对这些文件（portal applications show），确认无误后在登记簿目录中 "
            "git add 并 git commit，提交说明写明经办人和原因。",
            "、".join(pending),
        )
    if leftover:
        logger.warning(
            "登记簿中有中断写入留下的临时文件：%s；申请文件本身完好，可删除这些临时文件。",
            "、".join(leftover),
        )


def _clerk(office: Office, given: str | None) -> Clerk:
    configured = register_git.configured_user(office.register)
    email_default = configured[1] if configured else None
    roster = office.config.roster if office.config else None
    if given is None:
        if configured is None:
            raise PortalError(
                "不知道经办人是谁。",
                hint="请用 --clerk 花名册编号 指定，或在 git 中设置 user.name 与 user.email。",
            )
        name = configured[0]
        person = None
        if roster is not None:
            person = roster.get(name) or next(
                (p for p in roster if p.name == name), None
            )
        if person is not None:
            return Clerk(person.id, person.name, configured[1])
        if re.match(r"^[a-z][a-z0-9-]{0,62}$", name) and roster is None:
            return Clerk(name, name, configured[1])
        raise PortalError(
            f"git 的 user.name“{name}”不是花名册中的人员。",
            hint="请用 --clerk 花名册编号 指定经办人。",
        )
    if roster is not None:
        person = roster.get(given)
        if person is None:
            staff = "、".join(f"{p.id}（{p.name}）" for p in roster)
            raise PortalError(
                f"经办人 {given} 不在花名册 site_config/roster.yml 中。",
                hint=f"花名册中的人员：{staff}。",
            )
        return Clerk(
            person.id, person.name, email_default or f"{given}@register.invalid"
        )
    if not re.match(r"^[a-z][a-z0-9-]{0,62}$", given):
        raise PortalError(
            f"经办人编号“{given}”格式不对（应为花名册编号，如 chen-jing）。"
        )
    return Clerk(given, given, email_default or f"{given}@register.invalid")


def _save(
    office: Office, clerk: Clerk, apps: Sequence[Application], message: str
) -> None:
    paths = [reg.save_application(office.register, app) for app in apps]
    register_git.commit(office.register, paths, message, clerk.name, clerk.email)


def _change(
    office: Office,
    clerk: Clerk,
    number: str,
    change: Callable[[Application], Application],
    message: str,
) -> Application:
    with reg.register_lock(office.register):
        app = reg.load_application(office.register, number)
        changed = change(app)
        _save(office, clerk, [changed], f"{number}：{message}（{clerk.id}）")
    return changed


# init


def init(
    folder: Path, *, clerk: str | None, record: bool, site: Path | None = None
) -> int:
    """Create the register at ``folder``: git repository, marker, README, templates."""
    folder = folder.expanduser().resolve()
    reg.check_outside_site(folder)
    if (folder / reg.MARKER).is_file():
        reg.check_marker(folder)
        result(f"{folder} 已是登记簿，未作改动。")
    else:
        if folder.exists() and any(folder.iterdir()):
            raise reg.RegisterError(
                f"{folder} 不是空目录，不能在此建立登记簿。",
                hint="请指定一个新的或空的目录。",
            )
        _create(folder, clerk)
        result(f"已建立登记簿：{folder}")
    if record:
        setting = reg.record_setting(folder, os.environ)
        result(f"已记入本机设置：{setting}")
    else:
        result(f"请设置环境变量 {reg.ENV_VARIABLE}={folder}，或用 --register 指定。")
    return 0


def _create(folder: Path, clerk: str | None) -> None:
    paths = reg.create_layout(folder)
    templates = Path(pipeline.__file__).parent / "templates" / "notices"
    for template in sorted(templates.glob("*.md")) if templates.is_dir() else []:
        shutil.copyfile(template, folder / reg.TEMPLATES_DIR / template.name)
        paths.append(f"{reg.TEMPLATES_DIR}/{template.name}")
    register_git.init_register(folder)
    name, email = register_git.configured_user(folder) or (
        "portal",
        "portal@register.invalid",
    )
    register_git.commit(folder, paths, "建立依申请公开登记簿", clerk or name, email)


# register


def registration_document(args: argparse.Namespace) -> tuple[LineDict, str]:
    """The application as YAML mappings: the ``--from`` file with the options over it."""
    shown = "命令行参数"
    document = _line_dict()
    if args.source is not None:
        shown = str(args.source)
        text = yamlfile.read_text(args.source, shown_as=shown, error=ApplicationError)
        loaded = yamlfile.load(text, path=shown, error=ApplicationError)
        if loaded is not None:
            if not isinstance(loaded, LineDict):
                raise ApplicationError("应是“键: 值”形式的映射。", path=shown, line=1)
            document = loaded
    for key in ("number", "status", "events", "outcome", "appeals"):
        if key in document:
            raise ApplicationError(
                f"登记时不能填写 {key}；它由登记簿生成。",
                path=shown,
                line=document.line_of(key),
                field=key,
            )
    _put(document, ("received", "channel"), args.channel)
    _put(document, ("received", "at"), _iso(args.received_at))
    _put(document, ("received", "signed_for_at"), _iso(args.signed_for_at))
    _put(document, ("received", "confirmed_at"), _iso(args.confirmed_at))
    _put(document, ("applicant", "type"), args.applicant_type)
    _put(document, ("applicant", "id_document", "kind"), args.id_kind)
    _put(document, ("applicant", "id_document", "number"), args.id_number)
    _put(document, ("applicant", "accessibility"), args.accessibility)
    _put(document, ("agent", "name"), args.agent_name)
    _put(document, ("agent", "id_document", "kind"), args.agent_id_kind)
    _put(document, ("agent", "id_document", "number"), args.agent_id_number)
    _put(document, ("agent", "authorisation"), args.authorisation)
    _put(document, ("request", "purpose"), args.purpose)
    _put(document, ("request", "own_records"), args.own_records)
    for path, value in _content_changes(args).items():
        _put(document, path, value)
    _default(document, ("applicant", "type"), "natural_person")
    return document, shown


def _content_changes(args: argparse.Namespace) -> dict[tuple[str, ...], Any]:
    pairs = {
        ("applicant", "name"): args.name,
        ("applicant", "contact", "phone"): args.phone,
        ("applicant", "contact", "email"): args.email,
        ("applicant", "contact", "address"): args.address,
        ("applicant", "contact", "postcode"): args.postcode,
        ("request", "description"): args.description,
        ("request", "form"): args.form,
        ("request", "delivery"): args.delivery,
    }
    return {path: value for path, value in pairs.items() if value is not None}


def _line_dict(line: int = 0) -> LineDict:
    mapping = LineDict()
    mapping.line = line
    mapping.key_lines = {}
    return mapping


def _put(document: LineDict, path: tuple[str, ...], value: Any) -> None:
    if value is None:
        return
    target = document
    for key in path[:-1]:
        inner = target.get(key)
        if not isinstance(inner, LineDict):
            inner = _line_dict(target.line_of(key))
            target[key] = inner
        target = inner
    target[path[-1]] = value


def _default(document: LineDict, path: tuple[str, ...], value: Any) -> None:
    target: Any = document
    for key in path[:-1]:
        target = target.get(key) if isinstance(target, dict) else None
    if not isinstance(target, dict) or path[-1] not in target:
        _put(document, path, value)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def register(office: Office, clerk: Clerk, document: LineDict, *, shown_as: str) -> int:
    """Register one application (附件2 第四条至第八条); print its number, receipt
    date, reply deadline and next step."""
    document["number"] = _PLACEHOLDER
    _put(document, ("received", "registered_by"), clerk.id)
    document["status"] = "open"
    app, problems = model.application_from(document, shown_as)
    raise_if_any(problems)
    assert app is not None
    app = _judge_on_receipt(app, office)
    year = app.received.at.astimezone(office.tz).year
    with reg.register_lock(office.register):
        number = reg.next_number(office.register, year)
        app = _renumber(app, number)
        who = app.applicant.name or "（未写姓名）"
        _save(
            office,
            clerk,
            [app],
            f"登记 {number}：{who}（{CHANNELS[app.received.channel]}，{clerk.id}）",
        )
    result(f"已登记：{number}（{who}，{CHANNELS[app.received.channel]}）")
    result(_receipt_line(app, office))
    for line in _receipt_notes(app, office):
        result(line)
    similar = _similar_to(office, app)
    if similar:
        result(
            f"注意：与 {'、'.join(similar)} 可能是同一申请人就同一内容的重复申请（附件2 第十五条）；"
            "核实后运行 portal applications repeats --link 登记。"
        )
    return 0


def _renumber(app: Application, number: str) -> Application:
    events = tuple(
        dataclasses.replace(e, number=number) if e.number == _PLACEHOLDER else e
        for e in app.events
    )
    return dataclasses.replace(app, number=number, events=events)


def _judge_on_receipt(app: Application, office: Office) -> Application:
    lacking = model.agent_problems(app)
    if lacking:
        on = _receipt_day(app, office)
        event = Event(
            "not_accepted", on=on, reason=_refusal(lacking), article="附件2 第五条"
        )
        outcome = Outcome("other.other", basis=_refusal(lacking))
        return model.close(app.with_event(event), outcome, on)
    if app.has_contact() and model.missing_content(app):
        return dataclasses.replace(app, status="awaiting_correction")
    return app


def _refusal(lacking: list[str]) -> str:
    return f"代理人申请未出示{'、'.join(lacking)}，依附件2 第五条不予受理。"


def _receipt_notes(app: Application, office: Office) -> list[str]:
    lacking = model.agent_problems(app)
    if lacking:
        return [
            f"不予受理：{_refusal(lacking)}",
            "申请已登记存档（状态 closed，办理结果 other.other），以免遗漏；"
            "请书面告知代理人须补齐上述材料后重新提交申请。",
        ]
    missing = model.missing_content(app)
    if not app.has_contact():
        others = [item for item in missing if "联系方式" not in item]
        return [
            "申请书没有联系方式，无法答复申请人：已登记留存一年（附件2 第十五条），"
            f"至 {model.kept_until(app)} 期满；期满后用 portal applications disposal 列出并处置。",
            *[f"  另缺：{item}" for item in others],
        ]
    if missing:
        items = "\n".join(f"  {index}. {item}" for index, item in enumerate(missing, 1))
        return [
            "申请内容不全，须一次性告知补正（附件2 第十条（六））；状态为待补正，"
            "答复期限自收到补正后的申请起重新计算。",
            f"须补正的事项：\n{items}",
            "下一步：开具《补正告知书》，一次性列明以上全部事项，并登记："
            f"portal applications request-correction {app.number}"
            "（不写 --item 时按以上事项登记）。",
        ]
    return [
        _due_line(app, office),
        "下一步：开具《依申请公开政府信息受理告知书》（附件2 第八条）。",
    ]


# Deadlines


def _receipt_day(app: Application, office: Office) -> dt.date:
    receipt, _ = reg.receipt_of(app, office.rules, office.tz)
    return receipt.day if receipt else app.received.at.astimezone(office.tz).date()


def _deadline(app: Application, office: Office) -> Deadline | None:
    found, _ = reg.deadline_of(app, office.calendar, office.rules, office.tz)
    return found


def _due_line(app: Application, office: Office) -> str:
    found, problems = reg.deadline_of(app, office.calendar, office.rules, office.tz)
    if found is None:
        reasons = "；".join(problem.diagnostics() for problem in problems)
        return f"答复期限：尚不能推算：{reasons}"
    if found.due is None:
        return (
            "答复期限：正在征求第三方意见，所需时间不计入期限；第三方答复后继续计算。"
        )
    if found.extended_from:
        text = (
            f"答复期限：{found.due}（原期限 {found.extended_from} 经批准延期，"
            f"{office.rules.article_extension}）。"
        )
    else:
        text = (
            f"答复期限：{found.due}（{office.rules.article_reply}，"
            f"自收到申请次日起 {office.rules.reply_days} 个工作日）。"
        )
    warning = found.warning()
    return f"{text}\n注意：{warning}" if warning else text


def _receipt_line(app: Application, office: Office) -> str:
    local = app.received.at.astimezone(office.tz)
    receipt, problems = reg.receipt_of(app, office.rules, office.tz)
    head = f"收到申请：{local:%Y-%m-%d %H:%M}，{CHANNELS[app.received.channel]}"
    if receipt is None:
        return f"{head}；收到申请之日尚不能确定：" + "；".join(
            problem.diagnostics() for problem in problems
        )
    return f"{head}；收到申请之日 {receipt.day}（{receipt.text}）。"


# show, list, due


def show(office: Office, number: str, *, on: dt.date | None) -> int:
    """Print one application: parties, request, history, deadline and its reasoning."""
    app = reg.load_application(office.register, number)
    day = on or office.today()
    for line in describe(app, office):
        result(line)
    if app.status == "open" and app.has_contact():
        found = _deadline(app, office)
        result(_due_line(app, office))
        if found is not None and found.due is not None:
            result(_standing(found.due, day, office))
        if found is not None:
            result("期限推算：")
            for line in found.explain().splitlines():
                result(f"  {line}")
    history = register_git.history(office.register, reg.application_path(number))
    if history:
        result("登记簿记录（git）：")
        for commit_id, author, subject in reversed(history):
            result(f"  {commit_id} {author}：{subject}")
    return 0


def describe(app: Application, office: Office) -> list[str]:
    """The application in a few Chinese lines, for the screen."""
    person = app.applicant
    contact = person.contact
    parts = [
        f"编号：{app.number}　状态：{app.status}（{STATUSES[app.status]}）",
        f"收到：{app.received.at.astimezone(office.tz):%Y-%m-%d %H:%M}，"
        f"{CHANNELS[app.received.channel]}；登记人 {app.received.registered_by}",
        f"申请人：{person.name or '（未写）'}（{APPLICANT_TYPES[person.type]}）",
        "联系方式："
        + (
            "；".join(
                f"{label} {value}"
                for label, value in (
                    ("电话", contact.phone),
                    ("邮箱", contact.email),
                    ("地址", contact.address),
                    ("邮编", contact.postcode),
                )
                if value
            )
            or "无（附件2 第十五条：登记留存一年）"
        ),
    ]
    if person.accessibility:
        parts.append(f"需要的帮助（附件2 第十四条）：{person.accessibility}")
    if app.agent is not None:
        parts.append(
            f"代理人：{app.agent.name}；授权委托书：{app.agent.authorisation or '未出示'}"
        )
    parts.append(f"所需信息：{app.request.description or '（未写）'}")
    parts.append(
        f"形式要求：{app.request.form or '（未写）'}；获取方式：{app.request.delivery or '（未写）'}"
    )
    for link, label in (
        (app.repeated_of, "重复申请，原申请"),
        (app.split_from, "拆分自"),
    ):
        if link:
            parts.append(f"{label}：{link}")
    for event in app.events:
        parts.append(
            f"  {event.day()} {model.EVENT_KINDS[event.kind]}{_event_detail(event)}"
        )
    if app.outcome is not None:
        parts.append(
            f"办理结果：{model.outcome_label(app.outcome.code)}"
            + (f"；依据：{app.outcome.basis}" if app.outcome.basis else "")
        )
    for item in app.appeals:
        decided = f"，{item.decided_on} 审结" if item.decided_on else ""
        parts.append(
            f"{model.APPEAL_KINDS[item.kind]}：{item.filed_on} 提起，"
            f"{model.APPEAL_RESULTS[item.result]}{decided}"
        )
    return parts


def _event_detail(event: Event) -> str:
    details = {
        "correction_requested": "：" + "；".join(event.items),
        "corrected": f"（{event.at}）",
        "third_party_sent": f"：{event.party}",
        "third_party_answered": f"：{THIRD_PARTY_ANSWERS.get(event.answer, '')}",
        "extended": f"：{event.days} 个工作日，{event.approved_by} 批准，"
        f"{event.notified_on} 告知；{event.reason}",
        "replied": f"：{event.notice}" if event.notice else "",
        "not_accepted": f"：{event.reason}",
        "split": "：" + "、".join(event.numbers),
        "linked_repeat": f"：同 {event.number}",
    }
    return details.get(event.kind, "")


def _standing(due_day: dt.date, on: dt.date, office: Office) -> str:
    if due_day < on:
        return f"已逾期：期限 {due_day} 已过（按 {on}）。"
    if due_day == on:
        return f"今天（{on}）到期。"
    return f"距期限还有 {(due_day - on).days} 天（按 {on}）。"


def list_applications(office: Office, *, status: str | None, year: int | None) -> int:
    """Print one line per application, filtered by status and year."""
    apps, problems = reg.load_all(office.register)
    for problem in problems:
        logger.error(problem.diagnostics())
    shown = [
        app
        for app in apps
        if (status is None or app.status == status)
        and (year is None or app.year == year)
    ]
    for app in shown:
        result(_list_line(app, office))
    result(f"共 {len(shown)} 件。")
    return 1 if problems else 0


def _list_line(app: Application, office: Office) -> str:
    description = app.request.description or "（未写内容描述）"
    if len(description) > 30:
        description = description[:29] + "…"
    extra = ""
    if app.status == "open" and not app.has_contact():
        extra = "，无联系方式留存"
    elif app.status == "open":
        found = _deadline(app, office)
        if found is not None and found.due is not None:
            extra = f"，期限 {found.due}" + ("（暂定）" if found.provisional else "")
    elif model.was_split(app):
        extra = "，已拆分为 " + "、".join(app.events_of("split")[-1].numbers)
    elif app.outcome is not None:
        extra = f"，{app.outcome.code}"
    return (
        f"{app.number} {STATUSES[app.status]}{extra}　"
        f"{app.applicant.name or '（未写）'}　{app.received.at.astimezone(office.tz):%Y-%m-%d}　"
        f"{description}"
    )


def due(office: Office, *, on: dt.date | None, within: int) -> int:
    """List overdue applications and those due within ``within`` working days of ``on``.

    Returns 1 when some application is overdue, else 0.
    """
    if within < 0:
        raise PortalError(f"--within {within} 无效：工作日数不能是负数。")
    day = on or office.today()
    limit, _ = add_working_days(day, within, office.calendar)
    apps, problems = reg.load_all(office.register)
    for problem in problems:
        logger.error(problem.diagnostics())
    overdue, soon, provisional = [], [], []
    for app in apps:
        if app.status != "open" or not app.has_contact():
            continue
        found = _deadline(app, office)
        if found is None or found.due is None:
            continue
        if found.provisional:
            provisional.append((app, found))
        if found.due < day:
            overdue.append((found.due, app, found))
        elif found.due <= limit:
            soon.append((found.due, app, found))
    for label, rows in (("已逾期", overdue), ("即将到期", soon)):
        for due_day, app, found in sorted(
            rows, key=lambda row: (row[0], row[1].number)
        ):
            flag = "（暂定）" if found.provisional else ""
            result(
                f"{label}：{app.number} 期限 {due_day}{flag}　{app.applicant.name}　"
                f"{(app.request.description or '')[:30]}"
            )
    for app, found in provisional:
        years = "、".join(str(y) for y in found.unknown_years)
        result(
            f"注意：{app.number} 的期限是暂定的：请在 site_config/calendar.yml 补充 "
            f"{years} 年的节假日安排（国务院办公厅通知）。"
        )
    result(
        f"{day}：已逾期 {len(overdue)} 件，{within} 个工作日内（至 {limit}）到期 {len(soon)} 件。"
    )
    return 1 if overdue or problems else 0


# Changes


def correct(
    office: Office,
    clerk: Clerk,
    number: str,
    received_at: dt.datetime,
    changes: dict[tuple[str, ...], Any],
) -> int:
    """Record the corrected application: the reply period restarts from its receipt."""

    def change(app: Application) -> Application:
        applicant, request = app.applicant, app.request
        for path, value in changes.items():
            if path[0] == "request":
                request = dataclasses.replace(request, **{path[1]: value})
            elif path[1] == "contact":
                contact = dataclasses.replace(applicant.contact, **{path[2]: value})
                applicant = dataclasses.replace(applicant, contact=contact)
            else:
                applicant = dataclasses.replace(applicant, **{path[1]: value})
        return model.record_correction(
            app, received_at, applicant=applicant, request=request
        )

    app = _change(office, clerk, number, change, "收到补正后的申请，重新计算答复期限")
    result(f"已登记补正：{number}，{received_at:%Y-%m-%d %H:%M} 收到补正后的申请。")
    still = model.missing_content(app)
    if still:
        result("补正后仍缺：" + "；".join(still))
        result("补正后申请内容仍不明确的，可按 unavailable.still_unclear 办结。")
    result(_due_line(app, office))
    return 0


def request_correction(
    office: Office,
    clerk: Clerk,
    number: str,
    items: tuple[str, ...],
    *,
    on: dt.date | None,
) -> int:
    """Record the one-time correction request; the missing 第七条 items by default."""
    day = on or office.today()

    def change(app: Application) -> Application:
        listed = items or tuple(model.missing_content(app))
        return model.request_correction(app, listed, day)

    app = _change(office, clerk, number, change, "一次性告知补正")
    event = app.events[-1]
    result(f"已登记补正告知：{number}，{day}，共 {len(event.items)} 项：")
    for index, item in enumerate(event.items, 1):
        result(f"  {index}. {item}")
    late = check_correction_request(
        day, _receipt_day(app, office), office.calendar, office.rules
    )
    for problem in late:
        logger.warning(problem.diagnostics())
    return 0


def extend(office: Office, clerk: Clerk, number: str, event: Event) -> int:
    """Record the one extension after checking who approved it, when, and how long."""
    _check_approver(office, event)

    def change(app: Application) -> Application:
        found = _deadline(app, office)
        return model.extend(
            app,
            event,
            first_due=found.due if found is not None else None,
            max_days=office.rules.extension_days,
            article=office.rules.article_extension,
        )

    app = _change(office, clerk, number, change, f"延期答复 {event.days} 个工作日")
    result(f"已登记延期：{number}，延长 {event.days} 个工作日。")
    result(_due_line(app, office))
    result("下一步：开具《延期答复告知书》（应已于告知日书面告知申请人）。")
    return 0


def _check_approver(office: Office, event: Event) -> None:
    if office.config is None:
        raise PortalError(
            "核对延期批准人须读取网站仓库的花名册 site_config/roster.yml。",
            hint="请在网站仓库中运行，或用 --root 指定网站仓库。",
        )
    config = office.config
    office_dept = config.office
    moment = dt.datetime.combine(
        event.approved_on or office.today(), dt.time(12), tzinfo=office.tz
    )
    person = config.roster.get(event.approved_by)
    heads = [
        f"{p.id}（{p.name}）"
        for p in config.roster
        if p.holds("section_head", office_dept.id, moment)
        or p.holds(OPEN_INFORMATION_HEAD, "", moment)
    ]
    if person is not None and (
        person.holds("section_head", office_dept.id, moment)
        or person.holds(OPEN_INFORMATION_HEAD, "", moment)
    ):
        return
    who = (
        f"{person.id}（{person.name}）"
        if person
        else f"{event.approved_by}（不在花名册中）"
    )
    raise ApplicationError(
        f"延期须经政府信息公开工作机构负责人同意（附件2 第十三条）；{who}在 {moment.date()} "
        f"不是{office_dept.name}负责人。",
        field="approved_by",
        hint=f"可批准延期的人：{'、'.join(heads) or '（花名册中无）'}。",
    )


def third_party(
    office: Office,
    clerk: Clerk,
    number: str,
    *,
    sent: dt.date | None = None,
    party: str = "",
    answered: dt.date | None = None,
    answer: str = "",
) -> int:
    """Record a consultation letter sent, or the third party's answer (第十二条)."""
    if sent is not None:
        app = _change(
            office,
            clerk,
            number,
            lambda a: model.consult_third_party(a, sent, party),
            f"书面征求第三方（{party}）意见",
        )
        result(
            f"已登记：{number} 于 {sent} 书面征求 {party} 的意见；征求意见所需时间不计入答复期限。"
        )
    else:
        assert answered is not None
        app = _change(
            office,
            clerk,
            number,
            lambda a: model.third_party_answered(a, answered, answer, party),
            f"第三方答复：{THIRD_PARTY_ANSWERS[answer]}",
        )
        result(
            f"已登记：{number} 第三方于 {answered} 答复：{THIRD_PARTY_ANSWERS[answer]}。"
        )
        if answer == "disagree":
            result("第三方不同意公开的，不得公开（附件2 第十二条）。")
    result(_due_line(app, office))
    return 0


def split(
    office: Office,
    clerk: Clerk,
    number: str,
    items: tuple[str, ...],
    *,
    on: dt.date | None,
) -> int:
    """Split one application into one per matter, keeping its receipt time."""
    day = on or office.today()
    with reg.register_lock(office.register):
        app = reg.load_application(office.register, number)
        original, parts = model.split(app, items, day)
        taken = [
            p.number
            for p in parts
            if (office.register / reg.application_path(p.number)).exists()
        ]
        if taken:
            raise ApplicationError(f"编号 {'、'.join(taken)} 已存在，不能拆分。")
        _save(
            office,
            clerk,
            [original, *parts],
            f"{number}：按一事一申请拆分为 {len(parts)} 件（{clerk.id}）",
        )
    for part in parts:
        result(f"{part.number}：{part.request.description}")
    result(
        f"已把 {number} 拆分为 {len(parts)} 件，收到时间不变（附件2 第十六条）；原申请不再单独计数。"
    )
    return 0


def normalised(text: str) -> str:
    """``text`` for comparison: NFKC, lower case, without spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        c
        for c in folded
        if not unicodedata.category(c).startswith(("Z", "P", "C", "S"))
    )


def _same_applicant(a: Application, b: Application) -> bool:
    first, second = a.applicant.id_document, b.applicant.id_document
    if first is not None and second is not None:
        return normalised(first.number) == normalised(second.number)
    return bool(a.applicant.name) and normalised(a.applicant.name) == normalised(
        b.applicant.name
    )


def _same_content(a: Application, b: Application) -> bool:
    first, second = normalised(a.request.description), normalised(b.request.description)
    if not first or not second:
        return False
    return (
        first == second or difflib.SequenceMatcher(None, first, second).ratio() >= 0.9
    )


def find_repeats(apps: Sequence[Application]) -> list[tuple[Application, Application]]:
    """(repeat, earlier) pairs: same applicant, same content (附件2 第十五条)."""
    ordered = sorted(apps, key=lambda app: (app.received.at, app.number))
    pairs = []
    for index, later in enumerate(ordered):
        if model.was_split(later):
            continue
        for earlier in ordered[:index]:
            if model.was_split(earlier) or later.split_from == earlier.number:
                continue
            if _same_applicant(later, earlier) and _same_content(later, earlier):
                original = (
                    _find(apps, earlier.repeated_of) if earlier.repeated_of else None
                )
                pairs.append((later, original or earlier))
                break
    return pairs


def _find(apps: Sequence[Application], number: str) -> Application | None:
    return next((app for app in apps if app.number == number), None)


def _similar_to(office: Office, app: Application) -> list[str]:
    apps, _ = reg.load_all(office.register)
    return [
        earlier.number
        for repeat, earlier in find_repeats(apps)
        if repeat.number == app.number
    ]


def repeats(office: Office, clerk: Clerk | None, *, link: bool) -> int:
    """List repeated applications; with ``link`` record ``repeated_of`` on each."""
    with reg.register_lock(office.register):
        apps, problems = reg.load_all(office.register)
        for problem in problems:
            logger.error(problem.diagnostics())
        pairs = find_repeats(apps)
        fresh = [(r, e) for r, e in pairs if r.repeated_of != e.number]
        for repeat, earlier in pairs:
            state = "已登记" if repeat.repeated_of == earlier.number else "未登记"
            result(
                f"{repeat.number} 重复 {earlier.number}（{state}）：{repeat.applicant.name}，"
                f"{(repeat.request.description or '')[:30]}"
            )
        if link and fresh:
            assert clerk is not None
            today = office.today()
            changed = [
                repeat.with_event(
                    Event(
                        "linked_repeat",
                        on=max(
                            today, repeat.events[-1].day() if repeat.events else today
                        ),
                        number=earlier.number,
                    ),
                    repeated_of=earlier.number,
                )
                for repeat, earlier in fresh
            ]
            _save(
                office, clerk, changed, f"登记重复申请 {len(changed)} 件（{clerk.id}）"
            )
    result(f"重复申请 {len(pairs)} 件，其中未登记 {len(fresh)} 件。")
    if fresh and not link:
        result(
            "核实后运行 portal applications repeats --link 登记；可按 not_handled.repeated 办结（附件2 第十五条）。"
        )
    elif fresh:
        result(f"已登记 {len(fresh)} 件的 repeated_of。")
    return 0


def disposal(
    office: Office, clerk: Clerk | None, *, on: dt.date | None, dispose: bool
) -> int:
    """List applications kept a year without contact details; ``dispose`` marks them."""
    day = on or office.today()
    with reg.register_lock(office.register):
        apps, problems = reg.load_all(office.register)
        for problem in problems:
            logger.error(problem.diagnostics())
        kept = [app for app in apps if app.kept_without_contact()]
        expired = [app for app in kept if model.kept_until(app) <= day]
        for app in kept:
            until = model.kept_until(app)
            state = "留存期满，可处置" if until <= day else "留存中"
            result(
                f"{app.number} {state}（收到 {app.received.at.date()}，留存至 {until}）：{app.applicant.name or '（未写）'}"
            )
        if dispose and expired:
            assert clerk is not None
            changed = [model.dispose(app, day) for app in expired]
            _save(
                office,
                clerk,
                changed,
                f"处置留存期满的申请 {len(changed)} 件（附件2 第十五条，{clerk.id}）",
            )
    verb = "已处置" if dispose else "可处置"
    result(
        f"无联系方式留存的申请 {len(kept)} 件，{verb} {len(expired)} 件（文件保留在登记簿中）。"
    )
    return 0


def close(
    office: Office,
    clerk: Clerk,
    number: str,
    outcome: Outcome,
    *,
    on: dt.date | None,
    notice: str,
) -> int:
    """Close an application with exactly one annual-report outcome code."""
    day = on or office.today()
    _change(
        office,
        clerk,
        number,
        lambda a: model.close(a, outcome, day, notice=notice),
        f"办结：{outcome.code}",
    )
    result(f"已办结：{number}，{model.outcome_label(outcome.code)}，{day}。")
    if outcome.code.startswith(("withheld.", "not_handled.")) and not outcome.basis:
        logger.warning(
            "不予公开、不予处理的，告知书须说明理由和法律依据；请补上 --basis。"
        )
    return 0


def appeal(
    office: Office,
    clerk: Clerk,
    number: str,
    kind: str,
    *,
    outcome: str,
    filed_on: dt.date | None,
    decided_on: dt.date | None,
) -> int:
    """Record an appeal or its decision (annual report table 四); ``outcome`` is its
    result (``pending`` while undecided)."""
    _change(
        office,
        clerk,
        number,
        lambda a: model.record_appeal(
            a, kind, filed_on=filed_on, result=outcome, decided_on=decided_on
        ),
        f"{model.APPEAL_KINDS[kind]}：{model.APPEAL_RESULTS[outcome]}",
    )
    result(
        f"已登记：{number} {model.APPEAL_KINDS[kind]}，{model.APPEAL_RESULTS[outcome]}。"
    )
    return 0
