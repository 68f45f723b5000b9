"""The content checks a post passes before anyone signs it, in one place.

``content_findings`` gathers what the text and the attachments of a post hold that a
signer should know about: hidden characters and unsafe HTML (``scan``), the
normative form of the document (``norms``), secrecy markings and personal data
(``sensitive``), and what is inside the attachments (``attachments``). A finding that would block publication
but that the handler may judge harmless carries a code (``<kind>:<fingerprint>``,
bound to its place and content); the handler acknowledges it in the secrecy review
(``secrecy_review.acknowledged``) with a reason, which turns it into a warning that
says so. An acknowledgement that matches no finding is reported, since it may be
meant for text that has changed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.attachments import Attachment, inspect, text_of
from pipeline.config import SiteConfig
from pipeline.findings import ERROR, WARNING, Finding, finding
from pipeline.norms import check_form
from pipeline.post import Post
from pipeline.scan import body_of, scan_text, visible_text
from pipeline.sensitive import HIGH, Hit, find_sensitive


def content_findings(
    post: Post, config: SiteConfig, posts: Mapping[str, Post], root: Path
) -> list[Finding]:
    """Every content-check finding of ``post``, acknowledgements applied.

    ``posts`` holds every post of the site by path, for links between posts.
    """
    dialect = config.site.markdown_extensions
    found = scan_text(post.path, post.data.decode("utf-8-sig"), dialect)
    found.extend(check_form(post, posts, dialect, root=root))
    found.extend(_sensitive_findings(post, dialect))
    found.extend(_front_matter_comments(post))
    for attachment in post.attachments:
        found.extend(_attachment_findings(post, attachment))
    return acknowledge(post, found)


def _front_matter_comments(post: Post) -> list[Finding]:
    """Comments in the front matter: never shown on the site, yet anyone who can read
    the repository reads them, and a signer easily passes over them."""
    lines = post.data.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    found = []
    for number, line in enumerate(lines[1:], start=2):
        if line == "---":
            break
        if line.lstrip().startswith("#") or (
            " #" in line and not any(q in line for q in "'\"")
        ):
            found.append(
                finding(
                    post.path,
                    "front-matter-comment",
                    "front matter 中有注释：网站上不显示，但能看到仓库的人都能看到，审批人也容易忽略。",
                    severity=WARNING,
                    line=number,
                    hint="请删除注释；需要说明的内容请写进正文或保密审查的 basis。",
                )
            )
    return found


# Hint by kind: markings are removed, a person's data is removed or masked, and an
# office's telephone, mailbox or address may well be public.
_HINTS = {
    "secrecy-marking": "标有密级或“内部”字样的材料不得上网；请删去并按保密规定处理。"
    "确属误报的，由承办人确认。",
    "organisation-code": "单位的统一社会信用代码通常可以公开，请确认。",
    "landline": "若是单位的办公电话、传真，可以公开；若是个人的，请删除或用 portal scan --mask 打码。",
    "email": "若是单位的公共邮箱，可以公开；若是个人的，请删除或用 portal scan --mask 打码。",
    "address": "若是单位的办公地址，可以公开；若是个人住址，请删除或用 portal scan --mask 打码。",
}
_PERSONAL_HINT = (
    "个人信息一般不应公开：请删除，或运行 portal scan --mask 打码后核对。"
    "确需公开的（如获奖名单），由承办人在保密审查中确认。"
)


def _sensitive_findings(post: Post, dialect: Sequence[str]) -> list[Finding]:
    """Secrecy markings and personal data, masked; high ones block until acknowledged.

    Judged twice: in the file (with lines and columns), and in the text a reader of
    the page sees (entities decoded, tags and line breaks gone, alt text and link
    targets included), so that splitting or encoding a number in the source does
    not hide it. Attachment file names are judged too.
    """
    text = post.data.decode("utf-8-sig")
    lines = text.split("\n")
    hits: list[tuple[Hit, int | None, str, str]] = [
        (hit, hit.line, text[hit.start : hit.end], lines[hit.line - 1])
        for hit in find_sensitive(text)
    ]
    known = {(hit.kind, _essence(matched)) for hit, _, matched, _ in hits}
    # What the page shows: the body as read (judged again only when it differs from
    # the file) and the front-matter values as decoded.
    views = [
        _without_invisibles(
            "\n".join([post.title, post.issuer or "", post.doc_number or ""])
        )
    ]
    body = _without_invisibles(visible_text(text, dialect))
    if body != body_of(text):
        views.append(body)
    for page in views:
        for hit in find_sensitive(page):
            matched = page[hit.start : hit.end]
            if (hit.kind, _essence(matched)) not in known:
                known.add((hit.kind, _essence(matched)))
                hits.append((hit, None, matched, "网页显示的文字"))
    for entry in post.listed:  # a file name can carry a stamp: 机密-申报汇总.xlsx
        hits.extend(
            (hit, entry.line, entry.name, entry.name)
            # Judged as the file name of a link, the way the page will show it, and
            # with any level or 内部 word in it: names are short and never legal text.
            for hit in find_sensitive(f"[附件]({_marked(entry.name)})")
            if hit.kind == "secrecy-marking"
        )
    found = []
    seen: dict[tuple[str, str, str], int] = {}
    for hit, line, matched, context in hits:
        # The code names the hit by its text and its line's text (and which of equal
        # hits it is), not by line number: acknowledging it in the front matter moves
        # the lines, while any edit of that line makes a new finding.
        key = (hit.kind, matched, context)
        seen[key] = seen.get(key, 0) + 1
        where = (
            ""
            if line is not None
            else "（在网页显示的文字中；源文件里它被拆开、转义或改写了）"
        )
        found.append(
            finding(
                post.path,
                hit.kind,
                f"发现{hit.label}：{hit.masked}{where}",
                severity=ERROR if hit.severity == HIGH else WARNING,
                line=line,
                column=hit.column if line == hit.line else None,
                hint=_HINTS.get(hit.kind, _PERSONAL_HINT),
                code=code_for(hit.kind, matched, context, seen[key]),
            )
        )
    return found


# Characters that take no room on the page (zero-width spaces and joiners, word
# joiner, soft hyphen) and combining marks drawn over digits.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\u0300-\u036f\u20d0-\u20ff]")
_NAME_MARKING = re.compile(
    "绝密|机密|^秘密|内部资料|内部文件|内部使用|不得外传|注意保存"
)


def _without_invisibles(text: str) -> str:
    return _INVISIBLE.sub("", text)


def _marked(name: str) -> str:
    """A file name with each marking word set apart, so that 绝密材料汇总.jpg reads
    as the stamp it carries."""
    return _NAME_MARKING.sub(lambda m: f"-{m.group()}-", name)


def _essence(matched: str) -> str:
    """What two spellings of one number or marking have in common."""
    folded = unicodedata.normalize("NFKC", matched)
    return re.sub(r"[\W_]", "", folded).upper()


def _attachment_findings(post: Post, attachment: Attachment) -> list[Finding]:
    entry = next(e for e in post.listed if e.name == attachment.name)
    inside = [
        finding(
            post.path,
            hit.kind,
            f"附件 {attachment.name} 中发现{hit.label}：{hit.masked}",
            severity=ERROR if hit.severity == HIGH else WARNING,
            line=entry.line,
            field="attachments",
            hint=_HINTS.get(hit.kind, _PERSONAL_HINT).replace(
                "portal scan --mask", "原文件中"
            ),
            code=code_for(hit.kind, attachment.name, attachment.sha256, hit.start),
        )
        for hit in find_sensitive(_without_invisibles(text_of(attachment)))
    ]
    return inside + [
        finding(
            post.path,
            concern.kind,
            concern.message,
            severity=ERROR if concern.severe else WARNING,
            line=entry.line,
            field="attachments",
            hint=(
                "请在原文件中清除后重新用 portal attach 登记；"
                "确需保留的，由承办人在保密审查中确认（见确认码）。"
                if concern.severe
                else "发布前请确认这些信息可以公开，或从文件属性中删除。"
            ),
            code=code_for(concern.kind, attachment.name, attachment.sha256),
        )
        for concern in inspect(attachment)
    ]


def code_for(kind: str, *parts: object) -> str:
    """The acknowledgement code of a finding: its kind and 12 hex characters of a hash
    over what identifies it (place and content)."""
    digest = hashlib.sha256("\0".join([kind, *map(str, parts)]).encode("utf-8"))
    return f"{kind}:{digest.hexdigest()[:12]}"


def acknowledge(post: Post, found: list[Finding]) -> list[Finding]:
    """Errors the handler acknowledged become warnings saying so; unmatched
    acknowledgements are reported."""
    reasons = {a.finding: a for a in post.secrecy_review.acknowledged}
    used: set[str] = set()
    settled = []
    for item in found:
        acknowledgement = reasons.get(item.code or "")
        if acknowledgement is not None:
            used.add(acknowledgement.finding)
            item = replace(
                item,
                severity=WARNING,
                message=f"{item.message}（承办人已确认可以发布：{acknowledgement.reason}）",
                hint=None,
            )
        elif item.code:
            item = replace(
                item,
                hint=f"{item.hint or ''} 确认码 {item.code}：若确需发布，承办人在 "
                "secrecy_review.acknowledged 中写明此确认码和理由。".strip(),
            )
        settled.append(item)
    for code, acknowledgement in reasons.items():
        if code not in used:
            settled.append(
                finding(
                    post.path,
                    "acknowledgement-unused",
                    f"保密审查中确认的 {code} 没有对应的检查结果：所确认的内容可能已改动或删除。",
                    severity=WARNING,
                    line=acknowledgement.line,
                    field="secrecy_review.acknowledged",
                    hint="请删去这条确认；若又出现了新的检查结果，请按新的确认码重新确认。",
                )
            )
    return settled
