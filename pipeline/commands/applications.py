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
import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pipeline
from pipeline import application as model
from pipeline import notices as notice_model
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
from pipeline.commands.options import day
from pipeline.config import SiteConfig, load_config
from pipeline.deadline import (
    DEFAULT_PRESET,
    PRESETS,
    Deadline,
    DeadlineRules,
    add_working_days,
    check_correction_request,
    correction_deadline,
    third_party_deadline,
    working_days_between,
)
from pipeline.errors import PortalError, raise_if_any
from pipeline.output import result
from pipeline.workdays import WorkCalendar, load_calendar
from pipeline.yamlfile import LineDict

logger = logging.getLogger(__name__)

TZ_DEFAULT = dt.timezone(dt.timedelta(hours=8))
OPEN_INFORMATION_HEAD = "open_information_head"
_PLACEHOLDER = "0000-0000"
# The default time to correct (``request-correction --by``): the rules set none
# (《政府信息公开条例》第三十条 asks for a reasonable one), so the bureau gives as many
# working days as its own reply period (附件2 第十三条).
CORRECTION_DAYS = 15


def clock(tz: dt.tzinfo) -> dt.datetime:
    """Now, in ``tz``: the one place commands ask the time (tests set it)."""
    return dt.datetime.now(tz)


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
        return clock(self.tz).date()


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
        help="经办人在花名册中的编号，如 chen-jing（默认：init --clerk 记下的经办人，"
        "再次为登记簿 git 配置的 user.name）",
    )
    group = commands.add_parser(
        "applications",
        parents=[common],
        help="依申请公开登记簿：登记、补正、延期、第三方意见、办结、期限（附件2）",
    )
    group.add_argument(
        "--register",
        type=Path,
        default=None,
        help=f"登记簿目录（默认：环境变量 {reg.ENV_VARIABLE}，再次为本机设置）",
    )
    sub = group.add_subparsers(dest="action", required=True, parser_class=type(group))
    both = [where, who]

    init = sub.add_parser("init", parents=[who], help="建立登记簿（独立的 git 仓库）")
    init.add_argument(
        "dir", type=Path, metavar="DIR", help="登记簿目录（须在网站仓库之外）"
    )
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
    show.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    show.add_argument("--on", type=day, default=None, help="按哪一天（默认：今天）")

    listing = sub.add_parser("list", parents=[where], help="列出申请")
    listing.add_argument(
        "--status",
        choices=list(STATUSES),
        default=None,
        help="只列此状态：" + model.choices_text(STATUSES),
    )
    listing.add_argument("--year", type=int, default=None, help="只列此年收到的申请")

    due = sub.add_parser("due", parents=[where], help="已逾期和即将到期的申请")
    due.add_argument("--on", type=day, default=None, help="按哪一天（默认：今天）")
    due.add_argument(
        "--within",
        type=int,
        default=5,
        metavar="N",
        help="列出 N 个工作日内到期的（默认：5）",
    )

    correct = sub.add_parser(
        "correct", parents=both, help="登记补正后的申请（重新计算期限）"
    )
    correct.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    correct.add_argument(
        "--received-at",
        type=local_time,
        required=True,
        help=f"收到补正后申请的时间，{_TIME_HELP}",
    )
    _content_options(correct)
    _document_options(correct)

    request = sub.add_parser(
        "request-correction", parents=both, help="一次性告知补正（附件2 第十条（六））"
    )
    request.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    request.add_argument(
        "--item", action="append", default=[], help="须更改、补充的一项（可多次）"
    )
    request.add_argument("--on", type=day, default=None, help="告知日期（默认：今天）")
    request.add_argument(
        "--by",
        type=day,
        default=None,
        help="申请人补正的最后一天（默认：告知日期后第 "
        f"{CORRECTION_DAYS} 个工作日，写入补正告知书；due 据此提示逾期未补正）",
    )

    extend = sub.add_parser("extend", parents=both, help="延期答复（附件2 第十三条）")
    extend.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    extend.add_argument(
        "--approved-by",
        required=True,
        metavar="ROSTER_ID",
        help="批准延期的政府信息公开工作机构负责人（花名册编号）",
    )
    extend.add_argument(
        "--approved-on", type=day, required=True, help="批准日期 YYYY-MM-DD"
    )
    extend.add_argument(
        "--notified-on",
        type=day,
        required=True,
        help="书面告知申请人的日期 YYYY-MM-DD（须在原期限届满前）",
    )
    extend.add_argument(
        "--days", type=int, required=True, help="延长的工作日数（不超过政策上限）"
    )
    extend.add_argument("--reason", required=True, help="延期理由（写入延期告知书）")

    third = sub.add_parser(
        "third-party", parents=both, help="征求第三方意见及其答复（附件2 第十二条）"
    )
    third.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    third.add_argument(
        "--sent", type=day, default=None, help="发函日期 YYYY-MM-DD（不晚于今天）"
    )
    third.add_argument("--party", default="", help="第三方名称")
    third.add_argument(
        "--answered", type=day, default=None, help="答复日期 YYYY-MM-DD（不晚于今天）"
    )
    third.add_argument(
        "--answer",
        choices=list(THIRD_PARTY_ANSWERS),
        default=None,
        help="第三方的答复：" + model.choices_text(THIRD_PARTY_ANSWERS),
    )

    split = sub.add_parser("split", parents=both, help="按一事一申请拆分（第十六条）")
    split.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    split.add_argument("--items", nargs="+", required=True, help="每个事项的内容描述")
    split.add_argument("--on", type=day, default=None, help="拆分日期（默认：今天）")

    repeats = sub.add_parser(
        "repeats", parents=both, help="同一申请人就同一内容的重复申请（第十五条）"
    )
    repeats.add_argument(
        "--link", action="store_true", help="把找到的重复申请登记为 repeated_of"
    )
    repeats.add_argument(
        "--on", type=day, default=None, help="认定重复的日期（默认：今天）"
    )
    repeats.add_argument(
        "--number",
        action="append",
        default=[],
        metavar="N",
        help="只登记这件重复申请（可多次；默认：找到的全部）",
    )

    disposal = sub.add_parser(
        "disposal", parents=both, help="无联系方式、留存满一年的申请（第十五条）"
    )
    disposal.add_argument(
        "--on", type=day, default=None, help="按哪一天（默认：今天；不能晚于今天）"
    )
    disposal.add_argument(
        "--dispose", action="store_true", help="标为已处置（文件保留）"
    )

    close = sub.add_parser("close", parents=both, help="办结：记一个办理结果代码")
    close.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    close.add_argument(
        "--outcome",
        default=None,
        metavar="CODE",
        help="年度报告表三的办理结果代码，如 disclosed、partial、withheld.state_secret、"
        "unavailable.not_held、not_handled.repeated、other.other（全部代码见错误提示；"
        "默认：已发出的答复告知书所载的结果，须与之相符）",
    )
    close.add_argument(
        "--basis",
        default="",
        help="理由和法律依据（不予公开、不予处理的必填；默认：已发出的答复告知书所载）",
    )
    close.add_argument(
        "--notice-kind",
        default=None,
        choices=list(NOTICE_KINDS),
        help="答复告知书种类（默认：已发出的答复告知书的种类）",
    )
    close.add_argument(
        "--notice",
        default="",
        help="已签批并发出（issue）的答复告知书，登记簿中 replies/ 下的 .md"
        "（默认：最近发出的一份）",
    )
    close.add_argument(
        "--on", type=day, default=None, help="办结日期（默认：今天；不能晚于今天）"
    )

    reopen = sub.add_parser(
        "reopen",
        parents=both,
        help="更正错误的办结：原结果记入记录，申请恢复办理中，可重新办结",
    )
    reopen.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    reopen.add_argument("--reason", required=True, help="更正的原因")
    reopen.add_argument("--on", type=day, default=None, help="更正日期（默认：今天）")

    receipt = sub.add_parser(
        "receipt",
        parents=both,
        help="补录签收时间或与申请人确认收到的时间（《政府信息公开条例》第三十一条）",
    )
    receipt.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    receipt.add_argument(
        "--signed-for-at",
        type=local_time,
        default=None,
        help=f"信函的签收时间，{_TIME_HELP}",
    )
    receipt.add_argument(
        "--confirmed-at",
        type=local_time,
        default=None,
        help=f"与申请人确认收到申请的时间，{_TIME_HELP}",
    )

    appeal = sub.add_parser("appeal", parents=both, help="行政复议、行政诉讼（表四）")
    appeal.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    appeal.add_argument(
        "--kind",
        required=True,
        choices=list(model.APPEAL_KINDS),
        help=model.choices_text(model.APPEAL_KINDS),
    )
    appeal.add_argument(
        "--result",
        default="pending",
        choices=list(model.APPEAL_RESULTS),
        help="结果（默认 pending）：" + model.choices_text(model.APPEAL_RESULTS),
    )
    appeal.add_argument(
        "--filed-on",
        type=day,
        default=None,
        help="提起日期；登记结果时可省略（更新同种尚未审结的一件）",
    )
    appeal.add_argument("--decided-on", type=day, default=None, help="审结日期")

    notice = sub.add_parser(
        "notice",
        parents=both,
        help="生成告知书：受理、补正、延期即出 .docx；答复须局领导签批后 issue",
    )
    notice.add_argument("number", metavar="N", help="申请编号，如 2026-0007")
    notice.add_argument(
        "kind", choices=list(NOTICE_KINDS), help=model.choices_text(NOTICE_KINDS)
    )
    notice.add_argument(
        "--on",
        type=day,
        default=None,
        help="告知书日期（默认：登记簿中所告知事项的日期，如延期的告知日期、补正告知"
        "日期、发函日期；答复默认今天；不早于收到申请之日）",
    )
    notice.add_argument(
        "--url",
        default=None,
        help="门户网站的完整网址（mkdocs.yml 没有 site_url 时，proactively_published 须给出）",
    )
    notice.add_argument(
        "--page",
        help="已主动公开信息的标题、文号，或稿件路径 content/<栏目>/<文件>.md"
        "（proactively_published；多份相符时取现行有效的一份，不能确定时拒绝并列出）",
    )
    notice.add_argument("--body", help="负责公开该信息的机关名称（not_ours）")
    notice.add_argument(
        "--body-contact", default="", help="该机关的联系方式（not_ours）"
    )
    notice.add_argument(
        "--special-law", help="规定查询办法的法律、行政法规（special_law）"
    )
    notice.add_argument("--provided-form", help="实际提供的形式（disclosed，第十四条）")
    notice.add_argument(
        "--decision",
        help="第三方意见征询后的处理决定（third_party_outcome）："
        "disclosed（予以公开）、partial（部分公开）、withheld（不予公开）；"
        "须与登记的第三方答复相符（附件2 第十二条）",
    )
    notice.add_argument(
        "--basis",
        default=None,
        help="理由和法律依据（withheld、partial 等；默认：办结时登记的依据）",
    )
    notice.add_argument(
        "--reason",
        default=None,
        help="不予公开的理由：年度报告代码（如 withheld.state_secret）或文字"
        "（默认：按办结时登记的办理结果）",
    )
    notice.add_argument(
        "--reply-days",
        type=int,
        default=None,
        help="答复期限工作日数（默认按 policy.yml）",
    )
    notice.add_argument(
        "--new-due",
        type=day,
        default=None,
        help="延长后的答复期限（extension；须与推算的期限一致，默认即推算值）",
    )
    notice.add_argument(
        "--reply-by",
        type=day,
        default=None,
        help="第三方答复期限 YYYY-MM-DD（third_party_consultation）",
    )
    notice.add_argument("--note", default="", help="补充说明，印在告知书中")
    notice.add_argument(
        "--new-version",
        action="store_true",
        help="已签批或已发出的告知书不覆盖，另存为新版本（如 withheld-v2.md）",
    )
    sign_reply = sub.add_parser(
        "sign-reply",
        parents=[where],
        help="局领导对答复告知书作保密审查签批（附件2 第九条、附件4 第六条）",
    )
    sign_reply.add_argument("notice", metavar="NOTICE", help="登记簿中的告知书 .md")
    sign_reply.add_argument(
        "--role",
        required=True,
        choices=("supervising_leader", "principal_leader"),
        help="签批身份：supervising_leader（分管领导）或 principal_leader（主要领导）",
    )
    sign_reply.add_argument("--key", type=Path, required=True, help="签批人的私钥文件")
    sign_reply.add_argument(
        "--decision",
        choices=("approve", "return"),
        default="approve",
        help="approve（同意发出，默认）或 return（退回修改）",
    )
    sign_reply.add_argument("--comment", default="", help="审查意见")
    sign_reply.add_argument(
        "--at",
        type=local_time,
        default=None,
        help=f"签批时间（默认：现在；不早于告知书日期），{_TIME_HELP}",
    )
    issue = sub.add_parser(
        "issue", parents=both, help="签批后生成答复告知书 .docx，并登记发出日期"
    )
    issue.add_argument("notice", metavar="NOTICE", help="登记簿中的告知书 .md")
    issue.add_argument(
        "--on", type=day, default=None, help="发出日期（默认：今天；不早于告知书日期）"
    )
    status = sub.add_parser(
        "reply-status", parents=[where], help="答复告知书的签批情况"
    )
    status.add_argument("notice", metavar="NOTICE", help="登记簿中的告知书 .md")


_TIME_HELP = (
    "写作 2026-03-02T10:15:00+08:00，或 “2026-03-02 10:15”（不写时区按网站时区）"
)


def local_time(text: str) -> dt.datetime:
    """A time as people type it: ISO 8601, with or without a UTC offset (without one,
    the site's time zone is meant and attached later by ``_localise``)."""
    cleaned = text.strip().replace("：", ":")
    try:
        return dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"时间“{text}”无效；{_TIME_HELP}。") from None


def _registration_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="source", type=Path, default=None, help="申请内容的 YAML 文件"
    )
    parser.add_argument(
        "--channel",
        choices=list(CHANNELS),
        default=None,
        help="申请方式：" + model.choices_text(CHANNELS),
    )
    parser.add_argument(
        "--received-at",
        type=local_time,
        default=None,
        help=f"申请到达受理机构的时间（附件2 第六条），{_TIME_HELP}；不能晚于现在",
    )
    parser.add_argument(
        "--signed-for-at",
        type=local_time,
        default=None,
        help=f"信函、电报的签收时间（national-2019 第三十一条（二）），{_TIME_HELP}",
    )
    parser.add_argument(
        "--confirmed-at",
        type=local_time,
        default=None,
        help="与申请人确认收到的时间（national-2019 第三十一条（二）（三）："
        f"在线、电子邮件、传真、平信），{_TIME_HELP}",
    )
    parser.add_argument(
        "--type",
        dest="applicant_type",
        choices=list(APPLICANT_TYPES),
        help="申请人类型（默认 natural_person）："
        + model.choices_text(APPLICANT_TYPES),
    )
    parser.add_argument(
        "--accessibility",
        default=None,
        help="申请人需要的帮助（附件2 第十四条），如“视力障碍，需大字版告知书”",
    )
    parser.add_argument("--purpose", default=None, help="申请用途，如 科研需要")
    parser.add_argument(
        "--own-records",
        action="store_true",
        default=None,
        help="申请与本人相关的信息（须出示有效身份证件，附件2 第五条）",
    )
    _content_options(parser)
    _document_options(parser)


def _document_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--id-kind", default=None, help="申请人证件种类，如 居民身份证、营业执照"
    )
    parser.add_argument("--id-number", default=None, help="申请人证件号码")
    parser.add_argument("--agent-name", default=None, help="代理人姓名（附件2 第五条）")
    parser.add_argument("--agent-id-kind", default=None, help="代理人证件种类")
    parser.add_argument("--agent-id-number", default=None, help="代理人证件号码")
    parser.add_argument(
        "--authorisation",
        default=None,
        help="授权委托书，如“授权委托书（2026-09-20 签署）”",
    )


def _content_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=None, help="申请人姓名或名称")
    parser.add_argument("--phone", default=None, help="申请人电话")
    parser.add_argument("--email", default=None, help="申请人电子邮箱")
    parser.add_argument("--address", default=None, help="申请人通信地址")
    parser.add_argument("--postcode", default=None, help="邮政编码")
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
            o,
            _clerk(o, a.clerk),
            a.number,
            tuple(a.item),
            on=_past_or_today(o, a.on, "--on"),
            by=a.by,
        ),
        "extend": _extend_action,
        "third-party": _third_party_action,
        "split": lambda o, a: split(
            o,
            _clerk(o, a.clerk),
            a.number,
            tuple(a.items),
            on=_past_or_today(o, a.on, "--on"),
        ),
        "repeats": lambda o, a: repeats(
            o,
            _clerk(o, a.clerk) if a.link else None,
            link=a.link,
            on=_past_or_today(o, a.on, "--on"),
            only=tuple(a.number),
        ),
        "disposal": lambda o, a: disposal(
            o,
            _clerk(o, a.clerk) if a.dispose else None,
            on=_past_or_today(o, a.on, "--on"),
            dispose=a.dispose,
        ),
        "close": _close_action,
        "reopen": lambda o, a: reopen(
            o,
            _clerk(o, a.clerk),
            a.number,
            a.reason,
            on=_past_or_today(o, a.on, "--on"),
        ),
        "receipt": _receipt_action,
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
    office = open_office(getattr(args, "register", None), site)
    register = office.register
    if args.action == "notice":
        _not_after_today(office, args.on, "--on")
        return notices.notice(
            site,
            register,
            args.number,
            args.kind,
            on=args.on,
            site_url=args.url,
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
            basis=args.basis,
            reason=args.reason,
            new_version=args.new_version,
            author=_author(_clerk(office, args.clerk)),
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
            at=_localise(office, args.at) if args.at else None,
        )
    if args.action == "issue":
        clerk = _clerk(office, args.clerk)
        return notices.issue_command(
            site,
            register,
            args.notice,
            on=_past_or_today(office, args.on, "--on"),
            author=_author(clerk),
            clerk_id=clerk.id,
        )
    return notices.reply_status(site, register, args.notice)


def _author(clerk: Clerk) -> tuple[str, str]:
    return clerk.name, clerk.email


def _localise(office: Office, moment: dt.datetime) -> dt.datetime:
    """``moment`` in the site's time zone; a time typed without an offset is taken as
    the site's local time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=office.tz)
    return moment.astimezone(office.tz)


def _past_or_today(office: Office, given: dt.date | None, option: str) -> dt.date:
    """``given`` (default today), refused when it lies in the future."""
    today = office.today()
    if given is None:
        return today
    if given > today:
        raise ApplicationError(
            f"{option} {given} 晚于今天 {today}；登记簿只记已经发生的事。",
            field=option,
            hint=f"请用 {option} YYYY-MM-DD 写明实际日期（不晚于今天）。",
        )
    return given


def _not_future(office: Office, moment: dt.datetime | None, option: str) -> None:
    now = clock(office.tz)
    if moment is not None and moment > now + dt.timedelta(minutes=5):
        raise ApplicationError(
            f"{option} {moment.isoformat()} 晚于现在（{now:%Y-%m-%d %H:%M}）。",
            field=option,
            hint=f"请用 {option} 写明实际时间。",
        )


def _register_action(office: Office, args: argparse.Namespace) -> int:
    for option in ("received_at", "signed_for_at", "confirmed_at"):
        moment = getattr(args, option)
        if moment is not None:
            moment = _localise(office, moment)
            _not_future(office, moment, "--" + option.replace("_", "-"))
            setattr(args, option, moment)
    document, shown = registration_document(args)
    return register(office, _clerk(office, args.clerk), document, shown_as=shown)


def _correct_action(office: Office, args: argparse.Namespace) -> int:
    received_at = _localise(office, args.received_at)
    _not_future(office, received_at, "--received-at")
    return correct(
        office,
        _clerk(office, args.clerk),
        args.number,
        received_at,
        {**_content_changes(args), **_document_changes(args)},
    )


def _receipt_action(office: Office, args: argparse.Namespace) -> int:
    times = {
        "signed_for_at": args.signed_for_at,
        "confirmed_at": args.confirmed_at,
    }
    given = {key: _localise(office, value) for key, value in times.items() if value}
    if not given:
        raise ApplicationError(
            "请给出 --signed-for-at 时间（信函签收）或 --confirmed-at 时间（与申请人确认）。",
            hint=_TIME_HELP,
        )
    for key, moment in given.items():
        _not_future(office, moment, "--" + key.replace("_", "-"))
    return record_receipt(office, _clerk(office, args.clerk), args.number, given)


def _not_after_today(office: Office, given: dt.date | None, option: str) -> None:
    """Refuse ``given`` when it lies after today (a date that has not happened)."""
    if given is not None:
        _past_or_today(office, given, option)


def _extend_action(office: Office, args: argparse.Namespace) -> int:
    _not_after_today(office, args.approved_on, "--approved-on")
    _not_after_today(office, args.notified_on, "--notified-on")
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
    _not_after_today(office, args.sent, "--sent")
    _not_after_today(office, args.answered, "--answered")
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
    if args.outcome is not None:
        model.check_outcome_code(args.outcome)
    outcome = Outcome(args.outcome or "", args.notice_kind or "", args.basis)
    return close(
        office,
        _clerk(office, args.clerk),
        args.number,
        outcome,
        on=_past_or_today(office, args.on, "--on"),
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
    if given is None:
        given = reg.remembered_clerk(os.environ)
    configured = register_git.configured_user(office.register)
    email_default = configured[1] if configured else None
    roster = office.config.roster if office.config else None
    if given is None:
        if configured is None:
            raise PortalError(
                "不知道经办人是谁。",
                field="--clerk",
                hint="请用 --clerk 花名册编号 指定（或 portal applications init DIR --clerk 编号 记入本机设置），"
                "或在登记簿的 git 中设置 user.name 与 user.email。",
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
        setting = reg.record_setting(folder, os.environ, clerk=clerk)
        result(f"已记入本机设置：{setting}")
        if clerk:
            result(
                f"经办人 {clerk} 已记入本机设置；登记时可不写 --clerk（仍可用 --clerk 指定他人）。"
            )
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


def _document_changes(args: argparse.Namespace) -> dict[tuple[str, ...], Any]:
    """Identity documents and agent papers supplied with a correction (附件2 第五条)."""
    changes: dict[tuple[str, ...], Any] = {}
    if args.id_kind or args.id_number:
        if not (args.id_kind and args.id_number):
            raise ApplicationError(
                "申请人证件须同时写明种类和号码。",
                field="--id-kind/--id-number",
                hint="请同时给出 --id-kind 种类 和 --id-number 号码。",
            )
        changes[("applicant", "id_document")] = model.IdDocument(
            args.id_kind, args.id_number
        )
    agent_given = (
        args.agent_name,
        args.agent_id_kind,
        args.agent_id_number,
        args.authorisation,
    )
    if any(agent_given):
        changes[("agent",)] = agent_given
    return changes


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
    for line in notice_lines(office.register, app):
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
    timeliness = _timeliness(app, office)
    if timeliness:
        result(timeliness)
    elif (
        app.status == "closed" and app.outcome is not None and not model.was_split(app)
    ):
        result("办结时未登记发出答复告知书（无答复或按第十五条不重复答复）。")
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


def notice_lines(register: Path, app: Application) -> list[str]:
    """Every notice written for ``app`` (受理、补正、延期、征询函、答复…) with the date
    it bears and when it went out: a procedural notice goes out as written, a reply
    or letter once issued after a leader's approval."""
    folder = register / reg.replies_path(app.number)
    paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
    sent = {event.notice: event.day() for event in app.events if event.notice}
    lines = []
    for path in paths:
        relative = path.relative_to(register).as_posix()
        kind = notice_model.KINDS.get(notice_model.kind_of_path(relative))
        if kind is None:
            continue
        dated = notice_model.notice_date(path.read_text(encoding="utf-8"))
        bears = f"，落款 {dated}" if dated else ""
        if relative in sent:
            state = f"{sent[relative]} 发出"
        elif not kind.reply:
            state = "已开具（随即发出）"
        else:
            state = "未发出（须局领导签批后 issue）"
        name = model.NOTICE_KINDS.get(kind.id, kind.title)
        lines.append(f"  {name}{bears}：{state}　{relative}")
    return ["告知书：", *lines] if lines else []


def _event_detail(event: Event) -> str:
    details = {
        "corrected": f"（{event.at}）",
        "third_party_sent": f"：{event.party}",
        "third_party_answered": f"：{THIRD_PARTY_ANSWERS.get(event.answer, '')}",
        "extended": f"：{event.days} 个工作日，{event.approved_by} 批准，"
        f"{event.notified_on} 告知；{event.reason}",
        "replied": f"：{event.notice}" if event.notice else "",
        "notice_sent": f"：{event.notice}",
        "correction_requested": "："
        + "；".join(event.items)
        + (f"；补正期限 {event.by}" if event.by else ""),
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
    left = working_days_between(on, due_day, office.calendar)
    return (
        f"距期限还有 {left} 个工作日（{(due_day - on).days} 个自然日，"
        f"期限当日仍可答复，按 {on}）。"
    )


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
    """The office's daily look: overdue replies and those due within ``within``
    working days of ``on`` (each application as it stood on ``on``: later events
    ignored), and everything whose clock the office must move itself:
    third parties not answering, correction requests not yet sent, applications whose
    deadline cannot be computed, and applications kept a year without contact.

    Returns 1 when something is overdue or cannot be computed, else 0.
    """
    if within < 0:
        raise PortalError(
            f"--within {within} 无效：工作日数不能是负数。",
            field="--within",
            hint="请用 --within 工作日数，如 --within 5。",
        )
    day = on or office.today()
    limit, _ = add_working_days(day, within, office.calendar)
    apps, problems = reg.load_all(office.register)
    for problem in problems:
        logger.error(problem.diagnostics())
    rows = _DueRows()
    for app in apps:
        then = model.as_of(app, day)
        if then is not None:
            _due_rows(then, office, day, limit, rows)
    for label, found in (("已逾期", rows.overdue), ("即将到期", rows.soon)):
        for due_day, app, deadline in sorted(found, key=lambda r: (r[0], r[1].number)):
            flag = "（暂定）" if deadline.provisional else ""
            left = ""
            if label == "即将到期":
                n = working_days_between(day, due_day, office.calendar)
                left = f"，距期限还有 {n} 个工作日" if n else "，今天到期"
            result(
                f"{label}：{app.number} 期限 {due_day}{flag}{left}　"
                f"{app.applicant.name}　{(app.request.description or '')[:30]}"
            )
    for line in (*rows.waiting, *rows.blocked, *rows.kept):
        result(line)
    for app, deadline in rows.provisional:
        years = "、".join(str(y) for y in deadline.unknown_years)
        result(
            f"注意：{app.number} 的期限是暂定的：请在 site_config/calendar.yml 补充 "
            f"{years} 年的节假日安排（国务院办公厅通知）。"
        )
    result(
        f"{day}：已逾期 {len(rows.overdue)} 件，{within} 个工作日内（至 {limit}）到期 "
        f"{len(rows.soon)} 件；待办 {len(rows.waiting)} 件，无法推算期限 "
        f"{len(rows.blocked)} 件。"
    )
    failing = rows.overdue or rows.blocked or rows.late_steps or problems
    return 1 if failing else 0


@dataclass
class _DueRows:
    overdue: list[tuple[dt.date, Application, Deadline]] = dataclasses.field(
        default_factory=list
    )
    soon: list[tuple[dt.date, Application, Deadline]] = dataclasses.field(
        default_factory=list
    )
    provisional: list[tuple[Application, Deadline]] = dataclasses.field(
        default_factory=list
    )
    waiting: list[str] = dataclasses.field(default_factory=list)
    blocked: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)
    late_steps: int = 0


def _due_rows(
    app: Application, office: Office, day: dt.date, limit: dt.date, rows: _DueRows
) -> None:
    """Sort one application into the rows of ``due``; nothing pending is left out."""
    if app.status not in ("open", "awaiting_correction"):
        return
    if not app.has_contact():
        if model.kept_until(app) <= day:
            rows.kept.append(
                f"留存期满：{app.number} 无联系方式，留存至 {model.kept_until(app)}，"
                "请用 portal applications disposal --dispose 处置（附件2 第十五条）。"
            )
        return
    if app.status == "awaiting_correction":
        _correction_row(app, office, day, rows)
        return
    found, reasons = reg.deadline_of(app, office.calendar, office.rules, office.tz)
    if found is None:
        rows.blocked.append(_blocked_line(app, reasons))
        return
    if model.open_consultations(app) > 0:
        _third_party_row(app, office, day, rows)
    if found.due is None:
        return
    if found.provisional:
        rows.provisional.append((app, found))
    if found.due < day:
        rows.overdue.append((found.due, app, found))
    elif found.due <= limit:
        rows.soon.append((found.due, app, found))


def _blocked_line(app: Application, reasons: Sequence[PortalError]) -> str:
    why = "；".join(problem.message for problem in reasons) or "原因不明"
    return (
        f"无法推算期限：{app.number} {app.applicant.name}：{why}"
        f"请补录：portal applications receipt {app.number} "
        "--confirmed-at 时间（或 --signed-for-at 时间）。"
    )


def _third_party_row(
    app: Application, office: Office, day: dt.date, rows: _DueRows
) -> None:
    sent = app.last_event("third_party_sent")
    assert sent is not None
    waited = working_days_between(sent.day(), day, office.calendar)
    line = (
        f"等待第三方意见：{app.number} 于 {sent.day()} 向{sent.party}发函，"
        f"已等待 {waited} 个工作日"
    )
    limit = third_party_deadline(sent.day(), office.calendar, office.rules)
    if limit is None or limit.due is None:
        line += (
            f"；{office.rules.article_third_party}未规定第三方答复期限，"
            "答复期限暂停计算，请催告第三方并登记其答复（third-party --answered）。"
        )
    elif limit.due < day:
        rows.late_steps += 1
        late = working_days_between(limit.due, day, office.calendar)
        line += (
            f"；第三方提出意见的期限 {limit.due} 已过 {late} 个工作日"
            f"（{office.rules.article_third_party_days}），逾期未提出意见的由本机关依法决定，"
            "请登记 third-party --answered 日期 --answer none。"
        )
    else:
        line += f"；第三方提出意见的期限至 {limit.due}（含当日）。"
    rows.waiting.append(line)


def _awaiting_line(
    app: Application, requested: Event, day: dt.date, office: Office
) -> str:
    """Waiting for a correction: measured against the date the notice gave."""
    waited = working_days_between(requested.day(), day, office.calendar)
    line = f"等待补正：{app.number} 于 {requested.day()} 告知补正，已 {waited} 个工作日"
    if requested.by is None:
        return (
            line + "；补正告知没有写明补正期限，不能认定逾期不补正，"
            "请收到补正后用 portal applications correct 登记。"
        )
    if requested.by < day:
        return (
            line + f"；补正期限 {requested.by} 已过，未收到补正，可按 "
            f"other.no_correction 办结：portal applications close {app.number} "
            "--outcome other.no_correction。"
        )
    return (
        line + f"；补正期限至 {requested.by}（含当日），"
        "收到补正后用 portal applications correct 登记。"
    )


def _correction_row(
    app: Application, office: Office, day: dt.date, rows: _DueRows
) -> None:
    requested = app.last_event("correction_requested")
    if requested is not None:
        rows.waiting.append(_awaiting_line(app, requested, day, office))
        return
    receipt = _receipt_day(app, office)
    line = f"待发补正告知：{app.number} {app.applicant.name}，{receipt} 收到，尚未一次性告知补正"
    limit = correction_deadline(receipt, office.calendar, office.rules)
    if limit is not None and limit.due is not None:
        if limit.due < day:
            rows.late_steps += 1
            late = working_days_between(limit.due, day, office.calendar)
            line += (
                f"；应于 {limit.due}（含当日）前告知，已逾期 {late} 个工作日"
                f"（{office.rules.article_correction_request}）"
            )
        else:
            left = working_days_between(day, limit.due, office.calendar)
            line += (
                f"；最迟 {limit.due}（含当日），距期限还有 {left} 个工作日"
                f"（{office.rules.article_correction_request}）"
            )
    else:
        line += "；请尽快告知（附件2 第十条（六））"
    rows.waiting.append(
        line
        + f"。请开具补正告知书并登记：portal applications request-correction {app.number}。"
    )


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
        applicant, request, agent = app.applicant, app.request, app.agent
        for path, value in changes.items():
            if path[0] == "request":
                request = dataclasses.replace(request, **{path[1]: value})
            elif path[0] == "agent":
                agent = _supplied_agent(app.agent, value)
            elif path[1] == "contact":
                contact = dataclasses.replace(applicant.contact, **{path[2]: value})
                applicant = dataclasses.replace(applicant, contact=contact)
            else:
                applicant = dataclasses.replace(applicant, **{path[1]: value})
        parts: dict[str, Any] = {"applicant": applicant, "request": request}
        if agent != app.agent:
            parts["agent"] = agent
        return model.record_correction(app, received_at, **parts)

    app = _change(office, clerk, number, change, "收到补正后的申请，重新计算答复期限")
    result(f"已登记补正：{number}，{received_at:%Y-%m-%d %H:%M} 收到补正后的申请。")
    still = model.missing_content(app)
    if still:
        result("补正后仍缺：" + "；".join(still))
        result("补正后申请内容仍不明确的，可按 unavailable.still_unclear 办结。")
    result(_due_line(app, office))
    return 0


def _supplied_agent(
    agent: model.Agent | None, given: tuple[str | None, ...]
) -> model.Agent:
    name, kind, number, authorisation = given
    current = agent or model.Agent(name or "")
    document = current.id_document
    if kind or number:
        if not (kind and number):
            raise ApplicationError(
                "代理人证件须同时写明种类和号码。",
                field="--agent-id-kind/--agent-id-number",
                hint="请同时给出 --agent-id-kind 种类 和 --agent-id-number 号码。",
            )
        document = model.IdDocument(kind, number)
    if not (name or current.name):
        raise ApplicationError(
            "补交代理人材料须写明代理人姓名。",
            field="--agent-name",
            hint="请加 --agent-name 姓名。",
        )
    return model.Agent(
        name or current.name, document, authorisation or current.authorisation
    )


def record_receipt(
    office: Office, clerk: Clerk, number: str, given: dict[str, dt.datetime]
) -> int:
    """Record when a letter was signed for or receipt confirmed with the applicant,
    after registration (《政府信息公开条例》第三十一条); an earlier value is never
    overwritten."""

    def change(app: Application) -> Application:
        received = app.received
        for key, moment in given.items():
            if getattr(received, key) is not None:
                raise ApplicationError(
                    f"申请 {number} 已记录 {key}：{getattr(received, key).isoformat()}，不能覆盖。",
                    field=key,
                    hint="如确有错误，请在登记簿中核对后由办公室负责人更正并写明原因。",
                )
            if moment < received.at:
                raise ApplicationError(
                    f"{moment.isoformat()} 早于申请到达的时间 {received.at.isoformat()}。",
                    field="--" + key.replace("_", "-"),
                    hint="请核对时间。",
                )
        received = dataclasses.replace(
            received,
            signed_for_at=given.get("signed_for_at", received.signed_for_at),
            confirmed_at=given.get("confirmed_at", received.confirmed_at),
        )
        return dataclasses.replace(app, received=received)

    labels = {"signed_for_at": "签收时间", "confirmed_at": "确认收到时间"}
    what = "、".join(labels[key] for key in given)
    app = _change(office, clerk, number, change, f"补录{what}")
    result(f"已补录：{number} 的{what}。")
    result(_receipt_line(app, office))
    if app.status == "open" and app.has_contact():
        result(_due_line(app, office))
    return 0


def reopen(
    office: Office, clerk: Clerk, number: str, reason: str, *, on: dt.date
) -> int:
    """Correct a wrong close: a new event keeps the earlier outcome; nothing is
    overwritten, and the application can be closed again."""
    app = _change(
        office,
        clerk,
        number,
        lambda a: model.reopen(a, on, reason),
        f"更正办结：{reason}",
    )
    result(f"已更正办结：{number} 恢复为办理中；原结果已记入记录：")
    for item in app.events[-1].items:
        result(f"  {item}")
    result(f"请按实际情况重新办结：portal applications close {number} --outcome 代码。")
    return 0


def request_correction(
    office: Office,
    clerk: Clerk,
    number: str,
    items: tuple[str, ...],
    *,
    on: dt.date | None,
    by: dt.date | None = None,
) -> int:
    """Record the one-time correction request; the missing 第七条 items by default,
    and the last day to correct (default: ``CORRECTION_DAYS`` working days after)."""
    day = on or office.today()
    last, _ = add_working_days(day, CORRECTION_DAYS, office.calendar)
    correct_by = by or last

    def change(app: Application) -> Application:
        listed = items or tuple(model.missing_content(app))
        return model.request_correction(app, listed, day, correct_by)

    app = _change(office, clerk, number, change, "一次性告知补正")
    event = app.events[-1]
    result(
        f"已登记补正告知：{number}，{day}，补正期限 {correct_by}（含当日），"
        f"共 {len(event.items)} 项："
    )
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
    """Split one application into one per matter, keeping its receipt time, and tell
    the applicant: the split_request notice (附件2 第十六条) is written and committed
    with it; 1 when it could not be (the split stands; the command to retry is shown)."""
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
    return _split_notice(office, clerk, original, day)


def _split_notice(
    office: Office, clerk: Clerk, original: Application, day: dt.date
) -> int:
    """Write the split_request notice telling the applicant how the matters go on."""
    number = original.number
    command = (
        f"portal applications notice {number} split_request --clerk {clerk.id} "
        f"--on {day}"
    )
    if not original.has_contact():
        result(
            "申请人没有联系方式，无法告知拆分（附件2 第十五条）；未生成一事一申请告知书。"
        )
        return 0
    if office.site is None:
        result(
            f"尚未告知申请人：请在网站仓库中运行 {command}，"
            "生成《“一事一申请”告知书》并送达申请人。"
        )
        return 0
    try:
        notices.notice(
            office.site,
            office.register,
            number,
            "split_request",
            on=day,
            author=_author(clerk),
        )
    except PortalError as exc:
        logger.error(exc.diagnostics())
        result(
            f"一事一申请告知书未能生成（拆分已登记）；改正上述问题后请运行：{command}"
        )
        return 1
    result("请把一事一申请告知书送达申请人（.docx 已生成，无须领导签批）。")
    return 0


def _similar_to(office: Office, app: Application) -> list[str]:
    apps, _ = reg.load_all(office.register)
    return [
        earlier.number
        for repeat, earlier in model.find_repeats(apps)
        if repeat.number == app.number
    ]


def repeats(
    office: Office,
    clerk: Clerk | None,
    *,
    link: bool,
    on: dt.date | None = None,
    only: tuple[str, ...] = (),
) -> int:
    """List repeated applications; with ``link`` record ``repeated_of`` on each (or
    on the numbers in ``only``), dated ``on`` (default today)."""
    with reg.register_lock(office.register):
        apps, problems = reg.load_all(office.register)
        for problem in problems:
            logger.error(problem.diagnostics())
        pairs = model.find_repeats(apps)
        fresh = [(r, e) for r, e in pairs if r.repeated_of != e.number]
        unknown = [n for n in only if n not in {r.number for r, _ in fresh}]
        if link and unknown:
            raise ApplicationError(
                f"{'、'.join(unknown)} 不在未登记的重复申请之中。",
                field="--number",
                hint="请先不加 --link 运行，核对列出的重复申请编号。",
            )
        if only:
            fresh = [(r, e) for r, e in fresh if r.number in only]
        for repeat, earlier in pairs:
            state = "已登记" if repeat.repeated_of == earlier.number else "未登记"
            result(
                f"{repeat.number} 重复 {earlier.number}（{state}）：{repeat.applicant.name}，"
                f"{(repeat.request.description or '')[:30]}"
            )
        if link and fresh:
            assert clerk is not None
            day = on or office.today()
            early = [
                f"{r.number}（{r.events[-1].day()}）"
                for r, _ in fresh
                if r.events and r.events[-1].day() > day
            ]
            if early:
                raise ApplicationError(
                    f"认定日期 {day} 早于 {'、'.join(early)} 的最后一条记录。",
                    field="--on",
                    hint="请用 --on YYYY-MM-DD 写明实际认定的日期。",
                )
            changed = [
                repeat.with_event(
                    Event("linked_repeat", on=day, number=earlier.number),
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
    """Close an application with exactly one annual-report outcome code.

    A reply notice must have been issued first (signed by a leader and recorded by
    ``issue``); the outcome and basis default to what it states, and a code that
    contradicts it (its kind, its reason, the third party's decision) is refused.
    """
    day = on or office.today()

    def change(app: Application) -> Application:
        chosen = _closing_outcome(office, app, outcome, notice)
        return model.close(app, chosen, day, received_on=_receipt_day(app, office))

    app = _change(office, clerk, number, change, "办结")
    code = app.outcome.code if app.outcome is not None else outcome.code
    result(f"已办结：{number}，{model.outcome_label(code)}，{day}。")
    line = _timeliness(app, office)
    if line:
        result(line)
    return 0


def _closing_outcome(
    office: Office, app: Application, outcome: Outcome, notice: str
) -> Outcome:
    """The outcome with the kind of the reply issued for it; refused when the outcome
    needs a reply that was not issued, or the reply was not approved by a leader."""
    replied = _issued_reply(app, notice)
    if replied is None:
        if not outcome.code:
            raise ApplicationError(
                f"申请 {app.number} 没有已发出的答复告知书，须用 --outcome 写明办理结果。",
                field="--outcome",
                hint="无须答复即可办结的结果："
                + "、".join(model.REPLY_OPTIONAL)
                + "；其余须先发出答复告知书。",
            )
        if outcome.code in model.REPLY_OPTIONAL and not outcome.notice_kind:
            return outcome
        fitting = model.NOTICE_KINDS_FOR_OUTCOME.get(outcome.code, ())
        kind = outcome.notice_kind or (fitting[0] if fitting else "withheld")
        wanted = f"{app.number} 的答复告知书 {notice}" if notice else "答复告知书"
        raise ApplicationError(
            f"申请 {app.number}：{wanted}尚未发出，不能办结"
            f"（答复须经局领导保密审查签批后发出，{notice_model.REVIEW_ARTICLE}）。",
            field="--notice",
            hint=f"请依次运行：portal applications notice {app.number} {kind}；"
            "局领导 sign-reply；再 portal applications issue 告知书 --on 发出日期；然后办结。",
        )
    kind = notice_model.kind_of_path(replied.notice)
    outcome = _as_issued(office, app, outcome, replied.notice, kind)
    if outcome.notice_kind and outcome.notice_kind != kind:
        raise ApplicationError(
            f"申请 {app.number}：--notice-kind {outcome.notice_kind} 与已发出的告知书"
            f" {replied.notice}（{kind}）不符。",
            field="--notice-kind",
            hint="请省略 --notice-kind（按已发出的告知书），或先发出相符的告知书。",
        )
    if office.site is not None and office.config is not None:
        now = clock(office.tz)
        review = notice_model.verify_reply(
            office.register, office.config, replied.notice, now=now
        )
        if not review.issued:
            raise ApplicationError(
                f"申请 {app.number}：{replied.notice} 的保密审查签批无效："
                + "；".join(review.problems),
                field="--notice",
                hint="请局领导重新签批（sign-reply）后再 issue，然后办结。",
            )
    return dataclasses.replace(outcome, notice_kind=kind)


def _as_issued(
    office: Office, app: Application, outcome: Outcome, notice: str, kind: str
) -> Outcome:
    """``outcome`` completed from the issued notice: the code when one fits it, the
    basis it states; refused when the code contradicts the notice."""
    try:
        text = (office.register / notice).read_text(encoding="utf-8")
    except OSError:
        text = ""
    mark = notice_model.read_mark(text)
    fitting = mark.outcomes if mark is not None else model.codes_for_notice(kind)
    stated = mark.basis if mark is not None else ""
    listed = "、".join(model.outcome_label(code) for code in fitting) or "（无）"
    code = outcome.code
    if not code:
        if len(fitting) != 1:
            raise ApplicationError(
                f"申请 {app.number}：已发出的 {notice} 可对应多个办理结果，须选定一个。",
                field="--outcome",
                hint=f"请加 --outcome，相符的有：{listed}。",
            )
        code = fitting[0]
    elif fitting and code not in fitting:
        raise ApplicationError(
            f"申请 {app.number}：办理结果 {model.outcome_label(code)} 与已发出的答复"
            f"告知书 {notice} 所载不符（附件2 第十条：办理结果以告知申请人的为准）。",
            field="--outcome",
            hint=f"与该告知书相符的办理结果：{listed}；可省略 --outcome。"
            "如告知书有误，请用 notice --new-version 改写、签批、发出后再办结。",
        )
    if outcome.basis and stated and outcome.basis.strip() != stated:
        raise ApplicationError(
            f"申请 {app.number}：--basis 与已发出的告知书 {notice} 所载的理由和依据"
            f"（{stated}）不同。",
            field="--basis",
            hint="请省略 --basis（按告知书所载登记）。",
        )
    return dataclasses.replace(outcome, code=code, basis=outcome.basis or stated)


def _issued_reply(app: Application, notice: str) -> Event | None:
    """The ``replied`` event ``issue`` recorded (for ``notice`` when given)."""
    replies = [event for event in app.events_of("replied") if event.notice]
    if notice:
        replies = [event for event in replies if event.notice == notice]
    return replies[-1] if replies else None


def _timeliness(app: Application, office: Office) -> str | None:
    """Whether the reply went out on time: the issue day against the deadline."""
    replied = next(
        (event for event in reversed(app.events) if event.kind == "replied"), None
    )
    if replied is None:
        return None
    found, _ = reg.deadline_of(app, office.calendar, office.rules, office.tz)
    if found is None or found.due is None:
        return f"答复于 {replied.day()} 发出；答复期限无法推算，未能核对是否按时。"
    if replied.day() <= found.due:
        return (
            f"答复于 {replied.day()} 发出，在期限 {found.due}（含当日）内，按时答复。"
        )
    late = working_days_between(found.due, replied.day(), office.calendar)
    return (
        f"答复于 {replied.day()} 发出，晚于期限 {found.due}，逾期 {late} 个工作日"
        f"（{(replied.day() - found.due).days} 天）。"
    )


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
