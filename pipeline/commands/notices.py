"""``portal applications notice`` / ``sign-reply`` / ``issue``: notices to applicants.

A notice is written into the register as Markdown; a procedural notice (受理、补正、
延期) gets its .docx at once, a reply only once a leader has approved it in the
secrecy review (附件2 第九条, 附件4 第六条). Every file written is committed to the
register's git repository by the person configured there.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from pipeline import register_git
from pipeline.application import (
    EVENT_KINDS,
    NOTICE_KINDS,
    NOTICE_KINDS_FOR_OUTCOME,
    OUTCOME_CODES,
    PROCEDURAL_NOTICES,
    Application,
    ApplicationError,
    Event,
    notice_fits,
    outcome_label,
    was_answered,
)
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError
from pipeline.notices import (
    KINDS,
    Body,
    NoticeFacts,
    PublishedChoice,
    Templates,
    issue_reply,
    issued_already,
    kind_named,
    kind_of_path,
    needs_large_print,
    next_version,
    notice_date,
    notice_path,
    pick_published,
    public_article,
    render_notice,
    review_path,
    sign_reply,
    third_party_decision,
    verify_reply,
    write_docx,
    write_notice,
)
from pipeline.output import result
from pipeline.register import (
    deadline_of,
    load_application,
    locate_register,
    receipt_of,
    register_lock,
    save_application,
)
from pipeline.sign import SigningKey
from pipeline.workdays import load_calendar

logger = logging.getLogger(__name__)


def notice(
    root: Path,
    register_option: Path | None,
    number: str,
    kind: str,
    *,
    on: dt.date | None = None,
    page: str | None = None,
    body: str | None = None,
    body_contact: str = "",
    special_law: str | None = None,
    provided_form: str | None = None,
    decision: str | None = None,
    reply_days: int | None = None,
    new_due: dt.date | None = None,
    reply_by: dt.date | None = None,
    note: str = "",
    basis: str | None = None,
    reason: str | None = None,
    new_version: bool = False,
    author: tuple[str, str] | None = None,
    site_url: str | None = None,
) -> int:
    """Render the notice ``kind`` for application ``number`` into the register.

    The notice bears the day of the act it reports when the register holds one (the
    extension's ``notified_on``, the correction request, the letter to the third
    party, the refusal, the split, the receipt for an acceptance); ``on`` may not
    contradict an extension, a correction request or a letter. A reply bears ``on``
    or today. ``site_url`` is the portal's address when mkdocs.yml has no
    ``site_url``.

    Refused when it contradicts the application (an acceptance notice for an
    application not accepted, a reply that does not fit the recorded outcome), when it
    would bear a date before receipt, and when it would replace a notice already
    signed or issued (``new_version`` keeps that one and writes ``<kind>-v2.md``).
    """
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    application = load_application(register, number)
    notice_kind = kind_named(kind)
    rules = config.policy.applications
    tz = config.site.tz
    _check_fits(application, notice_kind.id, reason)
    receipt, _ = receipt_of(application, rules, tz)
    received_on = (
        receipt.day if receipt else application.received.at.astimezone(tz).date()
    )
    day = _notice_day(application, notice_kind.id, on, received_on) or (
        dt.datetime.now(tz).date()
    )
    if notice_kind.id == "repeated":
        _check_answered_before(register, application)
    if day < received_on:
        raise ApplicationError(
            f"告知书日期 {day} 早于收到申请之日 {received_on}。",
            field="--on",
            hint="请用 --on YYYY-MM-DD 写明告知书的实际日期（不早于收到申请之日）。",
        )
    found = None
    if notice_kind.id == "proactively_published":
        found = _published_page(
            root, config, page or application.request.description, day, site_url
        )
    if notice_kind.id == "third_party_outcome" and decision is not None:
        decision = third_party_decision(application, decision, preset=rules.preset)
    deadline, _ = deadline_of(application, load_calendar(root), rules, tz)
    computed = deadline.due if deadline is not None else None
    if notice_kind.id == "extension":
        new_due = _checked_new_due(new_due, computed, application)
    version = _version(register, number, notice_kind.id, new_version=new_version)
    if config.site.disclosure_office is None and notice_kind.to_applicant:
        logger.warning(
            "site_config/site.yml 没有 disclosure_office，告知书中缺少受理机构的联系方式"
            "（附件2 第三条）；请补上名称、地址、办公时间、电话、传真、电子邮箱。"
        )
    facts = NoticeFacts(
        on=day,
        reply_days=reply_days or rules.reply_days,
        due=computed if notice_kind.id == "acceptance" else None,
        new_due=new_due,
        reply_by=reply_by,
        provided_form=provided_form,
        page=found.page if found is not None else None,
        right_body=Body(body, body_contact) if body else None,
        special_law=special_law,
        decision=decision,
        note=note,
        basis=basis,
        reason=reason,
        received_on=received_on,
        received_local=application.received.at.astimezone(tz),
        deadline_article=public_article(rules.article_reply),
        extension_article=public_article(rules.article_extension),
        office=config.site.disclosure_office,
        preset=rules.preset,
        provisional_years=(
            deadline.unknown_years
            if deadline is not None and deadline.provisional
            else ()
        ),
    )
    rendered = render_notice(
        notice_kind.id,
        application,
        facts,
        bureau=config.site.title,
        templates=Templates.for_register(register),
        version=version,
    )
    written = [write_notice(register, rendered)]
    if not notice_kind.reply:
        written.append(
            write_docx(
                register,
                rendered.path,
                author=config.site.title,
                large=needs_large_print(application),
            )
        )
    relative = [path.relative_to(register).as_posix() for path in written]
    _commit(
        register,
        relative,
        f"{number}：{notice_kind.title}（{notice_kind.id}）",
        author=author,
    )
    for path in relative:
        result(path)
    if notice_kind.reply:
        logger.warning(
            "%s 须经局领导保密审查签批后才能发出（附件2 第九条、附件4 第六条）："
            "portal applications sign-reply %s --role supervising_leader --key <私钥>",
            rendered.path,
            rendered.path,
        )
    return 0


# The event that records the act a procedural notice reports, and its date field.
_REPORTED_ACT = {
    "extension": ("extended", "notified_on", "portal applications extend"),
    "correction": ("correction_requested", "on", "request-correction"),
    "third_party_consultation": ("third_party_sent", "on", "third-party --sent"),
    "not_accepted": ("not_accepted", "on", ""),
    "split_request": ("split", "on", ""),
}
# Notices whose date must be the registered day: the deadline is counted from it.
_FIXED_DAY = ("extension", "correction", "third_party_consultation")


def _notice_day(
    application: Application, kind: str, on: dt.date | None, received_on: dt.date
) -> dt.date | None:
    """The date the notice bears: the registered day of the act it reports, checked
    against ``on``; ``on`` (or ``None``: today) for a reply."""
    registered: dt.date | None = received_on if kind == "acceptance" else None
    act = _REPORTED_ACT.get(kind)
    if act is not None:
        event = application.last_event(act[0])
        registered = getattr(event, act[1]) if event is not None else None
    if on is None or registered is None:
        return on or registered
    if kind in _FIXED_DAY and on != registered:
        event_kind, field, command = act if act is not None else ("", "", "")
        raise ApplicationError(
            f"--on {on} 与登记簿不符：申请 {application.number} 登记的"
            f"{EVENT_KINDS[event_kind]}日期（{field}）为 {registered}，"
            "告知书须载明这一日期。",
            field="--on",
            hint=f"请省略 --on（按登记的 {registered}）；如登记有误，请核对 "
            f"portal applications show {application.number}"
            + (f"，并用 {command} 如实登记。" if command else "。"),
        )
    return on


def _check_answered_before(register: Path, application: Application) -> None:
    """A repeated-application notice says the earlier one was answered: refuse it
    unless a reply to the earlier application was issued (附件2 第十五条)."""
    number = application.number
    if not application.repeated_of:
        return
    earlier = load_application(register, application.repeated_of)
    if was_answered(earlier):
        return
    raise ApplicationError(
        f"申请 {number} 登记为 {earlier.number} 的重复申请，但 {earlier.number} "
        "没有发出过答复（不予受理、尚未办结的申请都不算已答复），"
        "不能告知申请人“本局已作出答复”（附件2 第十五条）。",
        hint=f"请把 {number} 作为新的申请办理；如重复登记有误，请核对 "
        f"portal applications show {number}。",
    )


def _check_fits(application: Application, kind: str, reason: str | None) -> None:
    """Refuse a notice that contradicts what the register says of the application."""
    refused = application.last_event("not_accepted")
    number = application.number
    if kind == "acceptance" and refused is not None:
        raise ApplicationError(
            f"申请 {number} 已于 {refused.day()} 不予受理（{refused.reason}），"
            "不能开具受理告知书。",
            hint=f"请开具不予受理告知书：portal applications notice {number} not_accepted。",
        )
    if kind == "split_request" and application.last_event("split") is None:
        raise ApplicationError(
            f"申请 {number} 尚未拆分，不能开具一事一申请告知书。",
            hint=f"请先拆分：portal applications split {number} --items 事项一 事项二"
            "（附件2 第十六条）；拆分时即生成此告知书。",
        )
    if kind == "not_accepted" and refused is None:
        raise ApplicationError(
            f"申请 {number} 没有不予受理的记录，不能开具不予受理告知书。",
            hint="代理人未出示证件或授权委托书的申请，登记时即记为不予受理（附件2 第五条）。",
        )
    if kind in PROCEDURAL_NOTICES or kind == "third_party_consultation":
        return
    if application.outcome is not None and not notice_fits(
        application.outcome.code, kind
    ):
        fitting = "、".join(NOTICE_KINDS_FOR_OUTCOME.get(application.outcome.code, ()))
        raise ApplicationError(
            f"申请 {number} 已按 {outcome_label(application.outcome.code)} 办结，"
            f"与 {kind}（{NOTICE_KINDS[kind]}）相矛盾。",
            hint=f"相符的告知书：{fitting or '（无）'}；如办结有误，请先用 "
            f"portal applications reopen {number} --reason 原因 更正。",
        )
    if reason in OUTCOME_CODES and not notice_fits(reason, kind):
        raise ApplicationError(
            f"--reason {reason} 与告知书种类 {kind} 不符。",
            field="--reason",
            hint=f"与 {reason} 相符的告知书："
            + ("、".join(NOTICE_KINDS_FOR_OUTCOME.get(reason, ())) or "（无）"),
        )


def _checked_new_due(
    given: dt.date | None, computed: dt.date | None, application: Application
) -> dt.date | None:
    if application.last_event("extended") is None:
        raise ApplicationError(
            f"申请 {application.number} 尚未登记延期，不能开具延期答复告知书。",
            hint="请先用 portal applications extend 登记经批准的延期。",
        )
    if given is not None and given != computed:
        raise ApplicationError(
            f"--new-due {given} 与推算的延长后期限 {computed or '（无法推算）'} 不一致。",
            field="--new-due",
            hint="请省略 --new-due（按推算值），或核对延期登记"
            "（portal applications show 编号 可看推算过程）。",
        )
    return computed


def _version(register: Path, number: str, kind: str, *, new_version: bool) -> int:
    current = notice_path(number, kind)
    latest = next_version(register, number, kind) - 1
    if latest >= 1:
        current = notice_path(number, kind, latest)
    why = issued_already(register, current) if latest >= 1 else None
    if new_version:
        return latest + 1
    if why is not None:
        raise ApplicationError(
            f"{current} {why}，不能覆盖。",
            hint=f"如需改写，请加 --new-version 另存为 {notice_path(number, kind, latest + 1)}"
            "（原件保留），改写后须重新签批。",
        )
    return max(latest, 1)


def _published_page(
    root: Path, config: SiteConfig, query: str, day: dt.date, site_url: str | None
) -> PublishedChoice:
    """The page the notice points to; the chosen one and every other match are
    listed in the output so the clerk sees what was (and was not) taken. Refused
    without the portal's full address: an applicant cannot open a site path."""
    choice = pick_published(root, config, query, on=day, site_url=site_url)
    result(f"已主动公开的信息：{choice.page.describe()}")
    for other in choice.others[:10]:
        result(f"另有相符的稿件（未选用）：{other.describe()}")
    if len(choice.others) > 10:
        result(f"……另有 {len(choice.others) - 10} 件相符的稿件未列出。")
    if choice.others:
        result("如要另选，请用 --page content/<栏目>/<文件>.md 指定。")
    if choice.warning:
        logger.warning(choice.warning)
    if not choice.page.url.startswith(("http://", "https://")):
        raise ApplicationError(
            "不知道门户网站的完整网址：告知书中只能写站内路径 "
            f"{urllib.parse.unquote(choice.page.url)}，"
            "申请人无法据此打开（附件2 第十条（二）：须提供详细的查询方法）。",
            path=str(root / "mkdocs.yml"),
            field="site_url",
            hint="请在 mkdocs.yml 写明 site_url（如 https://kjj.changshu.gov.cn/），"
            "或在 notice 命令中加 --url 门户网站网址。",
        )
    return choice


def sign_reply_command(
    root: Path,
    register_option: Path | None,
    notice_path: str,
    *,
    role: str,
    key: Path,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> int:
    """A leader signs the reply notice at ``notice_path`` (register-relative)."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    relative = _relative(register, notice_path)
    dated = _dated(register, relative)
    if (
        at is not None
        and dated is not None
        and at.astimezone(config.site.tz).date() < dated
    ):
        raise ApplicationError(
            f"签批时间 {at.isoformat()} 早于告知书日期 {dated}。",
            field="--at",
            hint="请用 --at 写明实际签批时间，或重新生成告知书（notice --on 日期）。",
        )
    record = sign_reply(
        register,
        config,
        relative,
        role=role,
        key=SigningKey(key),
        decision=decision,
        comment=comment,
        at=at,
    )
    signer = config.roster.get(record.signatures[-1].signer)
    author = (
        (signer.name, f"{signer.id}@register.invalid") if signer is not None else None
    )
    _commit(
        register,
        [record.path],
        f"保密审查签批：{relative}（{decision}）",
        author=author,
    )
    result(record.path)
    return 0


def issue_command(
    root: Path,
    register_option: Path | None,
    notice_path: str,
    *,
    now: dt.datetime | None = None,
    on: dt.date | None = None,
    author: tuple[str, str] | None = None,
    clerk_id: str = "",
) -> int:
    """Write the .docx of an approved notice and record on the application the day it
    went out: a ``replied`` event for a reply, a ``notice_sent`` event for a notice
    that answers nothing (a refusal to accept, a letter to a third party)."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    relative = _relative(register, notice_path)
    moment = now or dt.datetime.now(config.site.tz)
    day = on or moment.date()
    dated = _dated(register, relative)
    if dated is not None and day < dated:
        raise ApplicationError(
            f"发出日期 {day} 早于告知书日期 {dated}。",
            field="--on",
            hint="请用 --on YYYY-MM-DD 写明实际发出的日期。",
        )
    number = PurePosixPath(relative).parent.name
    kind = KINDS.get(kind_of_path(relative))
    answers = kind is not None and kind.id not in PROCEDURAL_NOTICES
    title = kind.title if kind is not None else "告知书"
    with register_lock(register):
        application = load_application(register, number)
        if kind is not None:
            application = _record_issue(application, relative, day, answers=answers)
        target = issue_reply(
            register,
            config,
            relative,
            now=moment,
            large=needs_large_print(application),
        )
        written = [target.relative_to(register).as_posix()]
        if kind is not None:
            written.append(save_application(register, application))
        who = f"（{clerk_id}）" if clerk_id else ""
        what = "答复告知书" if answers else title
        _commit(register, written, f"发出{what}：{relative}，{day}{who}", author=author)
    for path in written:
        result(path)
    if answers:
        result(
            f"已登记 {number} 的答复于 {day} 发出；办结：portal applications close "
            f"{number}（办理结果和依据按已发出的告知书）。"
        )
    else:
        result(f"已登记 {number} 的{title}于 {day} 发出（不是答复）。")
    if kind is not None and kind.id == "third_party_consultation":
        sent = application.last_event("third_party_sent")
        if sent is None or sent.day() != day:
            logger.warning(
                "申请 %s 登记的发函日期%s与发出日期 %s 不一致；第三方意见所需时间自发函之日"
                "起不计入答复期限（附件2 第十三条），请核对："
                "portal applications third-party %s --sent %s --party 名称。",
                number,
                f" {sent.day()} " if sent is not None else "（未登记）",
                day,
                number,
                day,
            )
    return 0


def _record_issue(
    application: Application, notice: str, day: dt.date, *, answers: bool
) -> Application:
    if application.status not in ("open", "awaiting_correction", "closed"):
        raise ApplicationError(
            f"申请 {application.number} 的状态为 {application.status}，不能发出答复。"
        )
    if application.events and day < application.events[-1].day():
        last = application.events[-1]
        raise ApplicationError(
            f"发出日期 {day} 早于申请 {application.number} 的最后一条记录 {last.day()}。",
            field="--on",
            hint="请用 --on YYYY-MM-DD 写明实际发出的日期。",
        )
    if any(e.notice == notice for e in application.events):
        raise ApplicationError(
            f"{notice} 已登记发出，不能再次发出。",
            hint="如需改写，请用 notice --new-version 生成新版本，签批后发出。",
        )
    kind = "replied" if answers else "notice_sent"
    return application.with_event(Event(kind, on=day, notice=notice))


def _dated(register: Path, relative: str) -> dt.date | None:
    try:
        text = (register / relative).read_text(encoding="utf-8")
    except OSError:
        return None
    return notice_date(text)


def reply_status(
    root: Path,
    register_option: Path | None,
    notice_path: str,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Print whether the reply may be issued, and who approved it; 1 when not."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    relative = _relative(register, notice_path)
    review = verify_reply(
        register, config, relative, now=now or dt.datetime.now(config.site.tz)
    )
    for approval in review.approvals:
        result(
            f"{relative}：{approval.person.name}于 {approval.signature.signed_at_text} 签批同意"
            f"（{review_path(relative)}）。"
        )
    for problem in review.problems:
        result(f"{relative}：{problem}")
    return 0 if review.issued else 1


def _relative(register: Path, given: str) -> str:
    path = Path(given)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(register).as_posix()
        except ValueError:
            raise PortalError(
                f"{given} 不在登记簿 {register} 里。",
                hint="请给出登记簿中 replies/<编号>/ 下的告知书。",
            ) from None
    return path.as_posix()


def _commit(
    register: Path,
    paths: Sequence[str],
    message: str,
    *,
    author: tuple[str, str] | None = None,
) -> None:
    """Commit ``paths`` as ``author`` (the clerk or the signing leader), else as the
    person configured in the register's git."""
    user = author or register_git.configured_user(register)
    if user is None:
        raise PortalError(
            "登记簿的每项改动都要以经办人名义提交，但没有给出 --clerk，git 也没有设置 "
            "user.name 和 user.email。",
            path=str(register),
            field="--clerk",
            hint="请加 --clerk 花名册编号；文件已写入，设置后请手动提交。",
        )
    register_git.commit(register, paths, message, *user)
