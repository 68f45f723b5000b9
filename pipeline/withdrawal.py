"""Withdrawal (撤稿): a signed record that takes a published post off the site.

The record ``reviews/_withdrawals/<column>/<name>.yml`` names the post, the reason and
the date, and carries signatures made exactly as a post's (``review.payload``, the
``portal-review`` namespace) with the record's own path and the digest of its content
in place of a post's path and hash, as batch manifests do. Once the roles the policy
names for withdrawing (``policy.yml`` ``withdrawal``; by default the post's section
head and supervising leader) have approved, the post leaves the publishable posts and
its page becomes a notice saying when and why it was withdrawn. A record that is
unreadable, badly signed or not yet fully approved changes nothing and is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.config import SiteConfig
from pipeline.errors import PortalError, RecordError, SigningError, raise_if_any
from pipeline.fields import Fields
from pipeline.findings import WARNING, Finding, finding, from_error
from pipeline.policy import Requirement
from pipeline.post import Post, read_post
from pipeline.review import (
    REVIEWS_DIR,
    ReviewRecord,
    Signature,
    payload,
    read_signature,
    record_path,
)
from pipeline.roster import ROLE_LABELS, Person
from pipeline.sign import (
    SigningKey,
    key_unusable,
    run_ssh_keygen_sign,
    same_decision,
    signer_of,
    signing_moment,
)
from pipeline.verify import (
    Counted,
    Report,
    Witness,
    assign_roles,
    check_signer,
    return_findings,
    signature_finding,
)

WITHDRAWALS_DIR = f"{REVIEWS_DIR}/_withdrawals"
# Withdrawn text is searched for in the built site as every run of this many word
# characters: any quotation at least this long is found.
FRAGMENT = 12
_HEADER = (
    "# 撤稿记录：由 portal withdraw 生成和追加，请勿手工修改；改动会使签名失效。\n"
    "# Withdrawal record: written by `portal withdraw`; editing it voids the signatures.\n"
)
_NOT_WORD = re.compile(r"\W+")
_TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawal record: which post, why, since when, and the signatures over it."""

    path: str
    post: str
    reason: str
    date: dt.date
    signatures: tuple[Signature, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the record's content (post, reason, date) as canonical JSON."""
        content = {"post": self.post, "reason": self.reason, "date": str(self.date)}
        normalised = {k: unicodedata.normalize("NFC", v) for k, v in content.items()}
        text = json.dumps(
            normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256((text + "\n").encode("utf-8")).hexdigest()

    def as_record(self) -> ReviewRecord:
        """The record as a review record: its path and digest stand for a post's."""
        return ReviewRecord(self.path, self.path, self.digest, self.signatures)

    def dump(self) -> bytes:
        """The record file's bytes."""
        document = {
            "post": self.post,
            "reason": self.reason,
            "date": str(self.date),
            "signatures": [signature.entry() for signature in self.signatures],
        }
        return yamlfile.dump(document, header=_HEADER).encode("utf-8")


@dataclass(frozen=True)
class Withdrawn:
    """A post taken off the site by an approved withdrawal."""

    post: Post
    withdrawal: Withdrawal


def withdrawal_path(post_path: str) -> str:
    """``reviews/_withdrawals/<column>/<name>.yml`` for ``content/<column>/<name>.md``."""
    relative = PurePosixPath(record_path(post_path)).relative_to(REVIEWS_DIR)
    return f"{WITHDRAWALS_DIR}/{relative.as_posix()}"


def withdrawal_paths(root: Path) -> list[str]:
    """Every withdrawal record, sorted, repository-relative."""
    folder = root / WITHDRAWALS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in folder.rglob("*.yml")
        if p.is_file() and not p.is_symlink()
    )


def read_withdrawal(
    root: Path, path: str
) -> tuple[Withdrawal | None, list[PortalError]]:
    """Read and validate the record ``root/path``; ``None`` if it cannot be used."""
    try:
        text = yamlfile.read_text(root / path, shown_as=path, error=RecordError)
        document = yamlfile.load(text, path=path, error=RecordError)
    except RecordError as exc:
        return None, [exc]
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=RecordError, problems=problems, line=1)
    top.only(["post", "reason", "date", "signatures"])
    post = top.text("post", what="content/ 下的稿件路径")
    reason = top.text("reason", what="撤稿原因")
    date = top.date("date")
    signatures = [
        signature
        for signature in (
            read_signature(s) for s in top.list_of("signatures", required=False)
        )
        if signature is not None
    ]
    if post is not None and withdrawal_path(post) != path:
        top.fail(
            "post", f"撤稿记录写的是 {post}，却放在 {path}；签名只对所签的记录有效。"
        )
    if problems or post is None or reason is None or date is None:
        return None, problems
    return Withdrawal(path, post, reason, date, tuple(signatures)), []


def write_withdrawal(root: Path, withdrawal: Withdrawal) -> None:
    """Write ``withdrawal`` atomically."""
    yamlfile.write_atomic(root / withdrawal.path, withdrawal.dump())


# --------------------------------------------------------------------------- verify


def apply_withdrawals(
    root: Path,
    config: SiteConfig,
    report: Report,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
) -> None:
    """Move each publishable post whose withdrawal is fully approved from
    ``report.publishable`` to ``report.withdrawn``; report every other record as a
    warning (it changes nothing)."""
    published = {post.path: post for post in report.publishable}
    for path in withdrawal_paths(root):
        withdrawal, problems = read_withdrawal(root, path)
        report.findings.extend(
            replace(from_error("withdrawal-invalid", p), severity=WARNING)
            for p in problems
        )
        if withdrawal is None:
            continue
        post = published.get(withdrawal.post)
        if post is None:
            report.findings.append(
                finding(
                    path,
                    "withdrawal-invalid",
                    f"撤稿记录所指的稿件 {withdrawal.post} 不存在或未获批准发布，此记录不起作用。",
                    severity=WARNING,
                    field="post",
                    hint="撤稿后请保留稿件和它的审查记录：网页要改为撤稿说明，网址继续有效。",
                )
            )
            continue
        findings = withdrawal_findings(withdrawal, post, config, now, witness)
        report.findings.extend(replace(f, severity=WARNING) for f in findings)
        if not findings:
            report.publishable.remove(post)
            report.withdrawn.append(Withdrawn(post, withdrawal))


def withdrawal_findings(
    withdrawal: Withdrawal,
    post: Post,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None = None,
) -> list[Finding]:
    """Why the withdrawal does not take effect yet; empty when it is fully approved.

    Each signature passes ``verify.check_signer`` and its signer must have held the
    role for the post's department when signing; each role the policy names needs an
    ``approve`` by a distinct person, and a role's latest decision may not be a return.
    """
    record = withdrawal.as_record()
    counted, findings = counted_signatures(record, post, config, now, witness)
    required = config.policy.withdrawal_requirements()
    findings.extend(return_findings(counted, {r.role for r in required}))
    filled = filled_roles(counted, required, config)
    department = config.departments[post.department].name
    for requirement in required:
        if requirement.role in filled:
            continue
        label = ROLE_LABELS[requirement.role]
        findings.append(
            finding(
                record.path,
                "withdrawal-pending",
                f"撤稿尚须{department}的{label}同意（由不同的人签名）；在此之前稿件照常发布。",
                severity=WARNING,
                article=requirement.cited(),
                hint=f"请{label}运行 portal withdraw {post.path} --role {requirement.role}。",
            )
        )
    return findings


def counted_signatures(
    record: ReviewRecord,
    post: Post,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None = None,
) -> tuple[list[Counted], list[Finding]]:
    """The signatures of ``record`` that count for ``post``: each passes
    ``verify.check_signer`` and its signer held the role for the post's department
    when signing; a finding for each that does not."""
    findings: list[Finding] = []
    counted: list[Counted] = []
    for signature in record.signatures:
        outcome = check_signer(record, signature, config, now=now, witness=witness)
        if isinstance(outcome, Finding):
            findings.append(outcome)
        elif not outcome.person.holds(
            signature.role, post.department, signature.signed_at
        ):
            department = config.departments[post.department].name
            findings.append(
                signature_finding(
                    signature,
                    record.path,
                    "signer-role",
                    f"{outcome.person.name}在 {signature.signed_at_text} 不是{department}的"
                    f"{ROLE_LABELS[signature.role]}，这个签名不算数。",
                )
            )
        else:
            counted.append(outcome)
    return counted, findings


def filled_roles(
    counted: list[Counted], required: Iterable[Requirement], config: SiteConfig
) -> set[str]:
    """The required roles an ``approve`` fills, each by a distinct person."""
    candidates = {
        r.role: {
            c.person.id
            for c in counted
            if c.signature.role == r.role and c.signature.decision == "approve"
        }
        for r in required
    }
    return assign_roles(candidates, config.policy.one_person_several_roles)


# --------------------------------------------------------------------------- site


def readable_texts(data: bytes, *, json_text: bool = False) -> list[str]:
    """A built file's text as the trace search sees it: character references and JSON
    escapes resolved, only word characters kept; once whole, once without the tags
    (whose names would otherwise split a marked-up quotation)."""
    text = data.decode("utf-8", errors="replace")
    if json_text:
        try:
            text += json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return [
        _NOT_WORD.sub("", html.unescape(shown)) for shown in (text, _TAG.sub("", text))
    ]


@dataclass(frozen=True)
class Traces:
    """Every run of ``FRAGMENT`` word characters in the withdrawn posts' bodies (a
    shorter body whole), with the post it comes from."""

    windows: dict[str, str]

    @classmethod
    def of(cls, posts: Iterable[Post]) -> Traces:
        """The traces of ``posts``."""
        windows: dict[str, str] = {}
        for post in posts:
            # The file name is the page's URL, public in any case: not a trace.
            for part in post.body.split(PurePosixPath(post.path).stem):
                stream = _NOT_WORD.sub("", part)
                size = min(FRAGMENT, len(stream))
                for start in range(len(stream) - size + 1 if stream else 0):
                    windows.setdefault(stream[start : start + size], post.path)
        return cls(windows)

    def found_in(self, texts: Iterable[str]) -> set[str]:
        """The posts some of whose text is in one of ``texts`` (see
        ``readable_texts``)."""
        found: set[str] = set()
        sizes = sorted({len(window) for window in self.windows})
        for text in texts:
            for size in sizes:
                for start in range(len(text) - size + 1):
                    post = self.windows.get(text[start : start + size])
                    if post is not None:
                        found.add(post)
        return found


def notice_page(item: Withdrawn, config: SiteConfig, page: str) -> bytes:
    """The plain page left at a withdrawn post's URL: when and why, none of its text.

    Written as finished HTML (a static file to the site generator), so that it is in
    no navigation, search index or sitemap. ``page`` is its site-relative file.
    """
    up = "../" * (len(PurePosixPath(page).parts) - 1)
    withdrawal = item.withdrawal
    column = config.columns[item.post.column]
    # Without a reason (an emergency takedown) the notice says only when.
    done = "撤稿" if withdrawal.reason else "撤下"
    why = (
        f"<p>撤稿原因：{html.escape(withdrawal.reason)}</p>\n"
        if withdrawal.reason
        else ""
    )
    title = f"已{done} - {config.site.title}"
    return (
        "<!doctype html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        '<main class="portal-withdrawn" data-portal-generated="withdrawn" '
        f'data-portal-post="{html.escape(item.post.path)}" '
        f'data-portal-withdrawal="{withdrawal.digest}">\n'
        f"<h1>本页信息已{done}</h1>\n"
        f"<p>本页原发布的信息已于 {withdrawal.date.isoformat()} {done}。</p>\n"
        f"{why}"
        f'<p><a href="{up}{html.escape(column.id)}/">返回{html.escape(column.title)}</a>'
        f'　<a href="{up}">返回首页</a></p>\n'
        "</main>\n</body>\n</html>\n"
    ).encode()


# --------------------------------------------------------------------------- sign


def sign_withdrawal(
    root: Path,
    config: SiteConfig,
    post_path: str,
    *,
    reason: str,
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> tuple[Withdrawal, Signature]:
    """Create or sign the withdrawal record of ``post_path`` as ``role``.

    The first signer writes the reason (required) and the date (the signing day);
    later signers sign the record as it stands (a reason given must be the same).
    Refused when the signer could not sign for ``role`` in the post's department.
    """
    post, problems = read_post(root, post_path, config)
    raise_if_any(problems)
    assert post is not None
    target = withdrawal_path(post.path)
    at = signing_moment(config, decision, comment, at)
    existing = None
    if (root / target).is_file():
        existing, problems = read_withdrawal(root, target)
        raise_if_any(problems)
    fresh = existing or Withdrawal(target, post.path, reason.strip(), at.date(), ())
    if not fresh.reason:
        raise SigningError(
            "请用 --reason 写明撤稿原因，它会显示在撤稿说明中。",
            hint=f'如 portal withdraw {post.path} --reason "内容已过时" --role {role}',
        )
    if existing is not None and reason.strip() not in ("", existing.reason):
        raise SigningError(
            f"撤稿记录 {target} 已写明原因“{existing.reason}”；已签的记录不能改动。",
            path=target,
            hint="请不带 --reason（或用同样的原因）签名。",
        )
    person = signer_of(config, key)
    roles = [r.role for r in config.policy.withdrawal_requirements()]
    check_may_sign(config, post, person, role, key, at, roles=roles, what="撤稿")
    signature = new_signature(
        config, key, person, role, decision, comment, at, fresh.as_record()
    )
    kept = tuple(s for s in fresh.signatures if not same_decision(s, signature))
    withdrawal = replace(fresh, signatures=(*kept, signature))
    write_withdrawal(root, withdrawal)
    return withdrawal, signature


def new_signature(
    config: SiteConfig,
    key: SigningKey,
    person: Person,
    role: str,
    decision: str,
    comment: str,
    at: dt.datetime,
    record: ReviewRecord,
) -> Signature:
    """A signature by ``person`` over ``record``'s path and digest, made exactly as
    a post's (``review.payload``, ``ssh-keygen -Y sign``)."""
    message = payload(
        site=config.site.id,
        path=record.post,
        sha256=record.sha256,
        role=role,
        signer=person.id,
        decision=decision,
        comment=comment.strip(),
        signed_at=at.isoformat(),
    )
    armored = run_ssh_keygen_sign(key, message)
    return Signature(
        role, person.id, decision, comment.strip(), at, at.isoformat(), armored
    )


def check_may_sign(
    config: SiteConfig,
    post: Post,
    person: Person,
    role: str,
    key: SigningKey,
    at: dt.datetime,
    *,
    roles: list[str],
    what: str,
) -> None:
    """Refuse a signature about ``post`` that would not count: an unusable key, a
    role outside ``roles`` (those the policy names for ``what``), or a role the
    signer does not hold for the post's department at ``at``."""
    grant = person.key_matching(key.public_key())
    problems: list[PortalError] = []
    if grant is not None and not grant.usable_at(at):
        problems.append(key_unusable(person, grant, at))
    if role not in roles:
        problems.append(
            SigningError(
                f"{what}只由这些角色签名：{'、'.join(roles)}；不能以 {role} 身份签名。",
                path=post.path,
                hint="见 site_config/policy.yml。",
            )
        )
    elif not person.holds(role, post.department, at):
        department = config.departments[post.department].name
        problems.append(
            SigningError(
                f"{person.name}在 {at.date()} 不是{department}的"
                f"{ROLE_LABELS.get(role, role)}，签了也不算数。",
                path=post.path,
                hint="请核对 --role，或由在任的人员签名。",
            )
        )
    raise_if_any(problems)
