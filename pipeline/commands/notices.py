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
from collections.abc import Sequence
from pathlib import Path

from pipeline import register_git
from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError
from pipeline.notices import (
    Body,
    NoticeFacts,
    PublishedPage,
    Templates,
    find_published,
    issue_reply,
    kind_named,
    render_notice,
    review_path,
    sign_reply,
    verify_reply,
    write_docx,
    write_notice,
)
from pipeline.output import result
from pipeline.register import deadline_of, load_application, locate_register
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
) -> int:
    """Render the notice ``kind`` for application ``number`` into the register."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    application = load_application(register, number)
    notice_kind = kind_named(kind)
    found = None
    if notice_kind.id == "proactively_published":
        found = _published_page(root, config, page or application.request.description)
    rules = config.policy.applications
    if new_due is None and notice_kind.id == "extension":
        deadline, _ = deadline_of(
            application, load_calendar(root), rules, config.site.tz
        )
        new_due = deadline.due if deadline is not None else None
    facts = NoticeFacts(
        on=on or dt.datetime.now(config.site.tz).date(),
        reply_days=reply_days or rules.reply_days,
        new_due=new_due,
        reply_by=reply_by,
        provided_form=provided_form,
        page=found,
        right_body=Body(body, body_contact) if body else None,
        special_law=special_law,
        decision=decision,
        note=note,
    )
    rendered = render_notice(
        notice_kind.id,
        application,
        facts,
        bureau=config.site.title,
        templates=Templates.for_register(register),
    )
    written = [write_notice(register, rendered)]
    if not notice_kind.reply:
        written.append(write_docx(register, rendered.path))
    relative = [path.relative_to(register).as_posix() for path in written]
    _commit(register, relative, f"{number}：{notice_kind.title}（{notice_kind.id}）")
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


def _published_page(root: Path, config: SiteConfig, query: str) -> PublishedPage:
    pages = find_published(root, config, query)
    if not pages:
        raise PortalError(
            f"在网站内容中找不到标题或文号与“{query}”相符的稿件。",
            hint="请用 --page 给出已公开信息的标题或文号（附件2 第十条（二））。",
        )
    if not pages[0].url.startswith(("http://", "https://")):
        logger.warning(
            "mkdocs.yml 没有 site_url，告知书中的网址只有站内路径 %s；"
            "请在 mkdocs.yml 写明 site_url（门户网站的完整网址）。",
            pages[0].url,
        )
    for other in pages[1:4]:
        logger.info("另有相符的稿件：《%s》%s", other.title, other.path)
    return pages[0]


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
    _commit(register, [record.path], f"保密审查签批：{relative}（{decision}）")
    result(record.path)
    return 0


def issue_command(
    root: Path,
    register_option: Path | None,
    notice_path: str,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Write the .docx of an approved reply; 1 with every reason when not approved."""
    config = load_config(root)
    register = locate_register(register_option, os.environ)
    relative = _relative(register, notice_path)
    moment = now or dt.datetime.now(config.site.tz)
    target = issue_reply(register, config, relative, now=moment)
    written = target.relative_to(register).as_posix()
    _commit(register, [written], f"发出答复告知书：{relative}")
    result(written)
    return 0


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


def _commit(register: Path, paths: Sequence[str], message: str) -> None:
    user = register_git.configured_user(register)
    if user is None:
        raise PortalError(
            "登记簿的每项改动都要以经办人名义提交，但 git 没有设置 user.name 和 user.email。",
            path=str(register),
            hint="请在登记簿目录中运行 git config user.name <姓名> 和 git config user.email <邮箱>；"
            "文件已写入，设置后请手动提交。",
        )
    register_git.commit(register, paths, message, *user)
