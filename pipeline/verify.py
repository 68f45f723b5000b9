"""Verification: may each post be published, and if not, exactly why.

A post is publishable only when all of these hold:

1. its path, front matter and listed attachments are valid, its secrecy review is
   filled in by a handler of its department, and no content check blocks it
   (``checks``: markings, personal data, form, hidden content) unless acknowledged;
2. the secrecy-review opinion does not block publication (附件4 第七条);
3. its review record, or a batch manifest, names this post with the SHA-256 of its
   current bytes (an edit after approval voids those signatures);
4. every signature counted verifies (see ``check_signature``);
5. no role's latest decision is ``return``;
6. each role the policy requires for the post's tier and secrecy review has an
   ``approve`` by a distinct person (``assign_roles``), the handler's opinion is signed by
   the handler the front matter names, and the handler fills no approval role;
7. with ``production``, no counted signature was made with a demo key.

Files that are not posts (stray files under ``content/``, records with no post) are
reported too. The caller owns loading the configuration (a ``ConfigError`` means the
site cannot be judged at all) and deciding what to do with the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import sshsig
from pipeline.attachments import folder_of
from pipeline.batch import BatchIndex, read_batches
from pipeline.checks import content_findings
from pipeline.config import SiteConfig, handler_hint
from pipeline.errors import PortalError, SignatureError
from pipeline.findings import ERROR, WARNING, Finding, finding, from_error
from pipeline.policy import HANDLER, OPINION_LABELS, Requirement
from pipeline.post import (
    CONTENT_DIR,
    Post,
    parse_post,
    post_index,
    post_paths,
    read_post,
    sha256_hex,
)
from pipeline.register import register_files_in_site
from pipeline.review import (
    DECISIONS,
    NAMESPACE,
    REVIEWS_DIR,
    ReviewRecord,
    Signature,
    post_path_for,
    read_record,
    record_from_bytes,
    record_path,
    record_paths,
    signature_payload,
)
from pipeline.roster import ROLE_LABELS, KeyGrant, Person, day_start

if TYPE_CHECKING:
    from pipeline.takedown import Guard
    from pipeline.withdrawal import Withdrawal

# A signing time this far ahead of the verifier's clock is accepted as clock skew.
CLOCK_SKEW = dt.timedelta(minutes=5)

# Whether the signature ``armored`` in the record at ``path``, made with a key that is
# now revoked, was already on the branch when the revocation took effect. A signing
# time is only what the signer claims; the branch's history is what others saw.
Witness = Callable[[KeyGrant, str, str], bool]
# The committed bytes of the post at a path with a SHA-256, and its review record as
# it then stood, from the history.
EarlierVersion = Callable[[str, str], tuple[bytes, bytes | None] | None]


@dataclass(frozen=True)
class Counted:
    """A signature that verified: who made it, for which role, when and how."""

    signature: Signature
    person: Person
    key: KeyGrant
    source: str


@dataclass
class Report:
    """The outcome of verifying a repository."""

    findings: list[Finding] = field(default_factory=list)
    publishable: list[Post] = field(default_factory=list)
    checked: int = 0
    # Withdrawal and takedown records in force, whose posts leave a notice page.
    withdrawn: list[Withdrawal] = field(default_factory=list)
    # What emergency takedowns guard: no built file may hold any of it.
    guards: list[Guard] = field(default_factory=list)
    # Takedowns in force whose quotations could not be looked for (no key at hand).
    unchecked: list[Withdrawal] = field(default_factory=list)
    # The base branch's batch manifests, when verifying against one.
    base_batches: BatchIndex | None = None
    # The earlier approved versions corrected posts name, by (path, SHA-256).
    earlier: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == ERROR for f in self.findings)

    def blocked(self) -> dict[str, list[Finding]]:
        """Every file that will not be published, by path, with the errors that block it.

        Findings about a review record are filed under the post the record belongs to.
        """
        blocked: dict[str, list[Finding]] = {}
        for item in self.findings:
            if item.severity == ERROR:
                path = item.path
                if path.startswith(f"{REVIEWS_DIR}/") and not path.startswith(
                    f"{REVIEWS_DIR}/_"
                ):
                    path = post_path_for(path)
                blocked.setdefault(path, []).append(item)
        return dict(sorted(blocked.items()))


def verify_repository(
    root: Path,
    config: SiteConfig,
    *,
    now: dt.datetime | None = None,
    production: bool = False,
    base: Path | None = None,
    witness: Witness | None = None,
    earlier_records: Mapping[str, list[bytes]] | None = None,
    earlier_version: EarlierVersion | None = None,
    takedown_key: str | None = None,
) -> Report:
    """Verify every post under ``root/content`` against its record, roster and policy.

    ``base`` is a checkout of the branch the content is to be merged into; records
    there are append-only, so a signature it holds (a return, say) may not vanish.
    ``witness`` (from the history) voids signatures by a revoked key that reached the
    branch only after the revocation, whatever signing time they claim.
    ``earlier_records`` (from the history) holds every committed version of each
    withdrawal and takedown record: one deleted or rewritten since stays in force
    (``withdrawal.merge_history``). ``earlier_version`` finds the committed bytes of
    a post's earlier version for the corrections (更正说明) a post names;
    ``takedown_key`` lets emergency takedowns look for quotations of a leak; with
    ``base``, a post approved there and changed here must name the version it
    corrects.
    """
    now = now or dt.datetime.now(dt.UTC)
    report = Report()
    paths = post_paths(root)
    rewritten = _rewritten_records(root, base) if base is not None else {}
    batches = read_batches(root)
    report.findings.extend(from_error("review-invalid", p) for p in batches.problems)
    if base is not None:
        report.base_batches = read_batches(base)
        report.findings.extend(_rewritten_batches(batches, report.base_batches))
    batches = _checked_batches(batches, config, now, witness, set(paths), report)
    attached: set[str] = set()
    index = post_index(root, config)
    leaks = register_files_in_site(root)
    report.findings.extend(from_error("register-in-site", p) for p in leaks)
    # A register file is personal data, not a post to fix: nothing else is said of it.
    leaked = {problem.path for problem in leaks}
    for path in paths:
        if path in leaked:
            report.checked += 1
            continue
        post, findings = verify_post(
            root,
            path,
            config,
            now=now,
            production=production,
            batches=batches,
            witness=witness,
            posts=index,
        )
        findings.extend(rewritten.get(path, []))
        if post is not None:
            findings.extend(
                _correction_findings(
                    post,
                    base,
                    earlier_version,
                    report,
                    config,
                    now,
                    witness,
                    index,
                    root,
                )
            )
        report.checked += 1
        if post is not None:
            folder = folder_of(post.path)
            attached.update(f"{folder}/{entry.name}" for entry in post.listed)
        due = post is not None and is_due(post, config, now)
        if post is not None and not due:
            findings.append(_schedule_finding(post))
        report.findings.extend(findings)
        if post is not None and due and not any(f.severity == ERROR for f in findings):
            report.publishable.append(post)
    report.findings.extend(_stray_files(root, attached))
    report.findings.extend(_orphan_records(root, set(paths)))
    _apply_withdrawals(
        root, config, report, now, witness, earlier_records or {}, takedown_key
    )
    if base is not None:
        report.findings.extend(_vanished(base, set(paths), report))
    return report


def _vanished(base: Path, paths: set[str], report: Report) -> list[Finding]:
    """Posts published on the base branch and gone here without a withdrawal or
    takedown in force: their addresses would stop answering with no notice (附件1
    第十五条)."""
    findings = []
    for path in post_paths(base):
        if path in paths or _approved_on_base(base, path, report.base_batches) is None:
            continue
        if any(record.post == path for record in report.withdrawn):
            continue
        findings.append(
            finding(
                path,
                "withdrawal-missing",
                "这篇已发布的稿件被删除或改名了，却没有撤稿记录：原网址将不再有任何说明。",
                hint=f"请恢复该文件，再用 portal withdraw {path} --reason … 撤稿"
                "（网页改为撤稿说明）；要改名的，请在新文件中发布并撤下旧文件。",
            )
        )
    return findings


def _apply_withdrawals(
    root: Path,
    config: SiteConfig,
    report: Report,
    now: dt.datetime,
    witness: Witness | None,
    earlier: Mapping[str, list[bytes]],
    takedown_key: str | None,
) -> None:
    """Take withdrawn and taken-down posts, and posts quoting a leak, off the list."""
    # Imported here: withdrawal records are signed and checked with this module's
    # signature checks.
    from pipeline import withdrawal

    current = {p: (root / p).read_bytes() for p in withdrawal.record_paths(root)}
    records, findings = withdrawal.merge_history(current, earlier)
    report.findings.extend(findings)
    withdrawal.apply(
        report, records, config, now=now, witness=witness, takedown_key=takedown_key
    )


def verify_post(
    root: Path,
    path: str,
    config: SiteConfig,
    *,
    now: dt.datetime,
    production: bool = False,
    batches: BatchIndex | None = None,
    witness: Witness | None = None,
    posts: Mapping[str, Post] | None = None,
) -> tuple[Post | None, list[Finding]]:
    """Check one post (steps 1–7 above); return the post as read and every finding.

    ``batches``, the repository's manifests, and ``posts``, every post by path, are
    read from ``root`` when not given.
    """
    # 1–2. Path, front matter, secrecy review, opinion; text the signer could not see.
    post, findings = check_content(root, path, config, posts)
    if post is None:
        return None, findings

    # 3. The record and the batch manifests, bound to this path and these bytes.
    sources = _batch_sources(post, batches or read_batches(root), findings)
    record = _record_for(root, post, config, findings, covered=bool(sources))
    if record is not None:
        sources.insert(0, record)
    if not sources:
        return post, findings

    # 4. Each signature on its own.
    counted: list[Counted] = []
    rejected: list[tuple[Signature, Finding]] = []
    for source in sources:
        for signature in source.signatures:
            outcome = check_signature(
                source, signature, post, config, now=now, witness=witness
            )
            if isinstance(outcome, Finding):
                rejected.append((signature, outcome))
            else:
                counted.append(outcome)

    # 5–6. Returns, then the roles the policy requires.
    required = config.policy.requirements(post.tier)
    findings.extend(return_findings(counted, {r.role for r in required}))
    filled, missing = _requirement_findings(post, config, counted, now)
    findings.extend(missing)
    findings.extend(_settle(rejected, filled))

    # 7. Demo keys in production.
    if production:
        findings.extend(_demo_findings(counted))
    return post, findings


def _batch_sources(
    post: Post, batches: BatchIndex, findings: list[Finding]
) -> list[ReviewRecord]:
    """The manifests that list this post with its current hash, as records; a warning
    for each that lists earlier bytes (that approval is void for this post alone)."""
    sources = []
    for batch, sha in batches.listing(post.path):
        if sha == post.sha256:
            sources.append(batch.as_record())
        else:
            findings.append(
                finding(
                    batch.path,
                    "hash-mismatch",
                    f"批量审批清单所批准的是 {post.path} 改动之前的内容，对现在的内容不算数。",
                    severity=WARNING,
                    line=batch.lines.get(post.path),
                    field="posts",
                    hint=f"请为改动后的稿件单独审批：portal sign {post.path} --role <角色>。",
                )
            )
    return sources


def check_content(
    root: Path,
    path: str,
    config: SiteConfig,
    posts: Mapping[str, Post] | None = None,
) -> tuple[Post | None, list[Finding]]:
    """The checks that need no signature: path, front matter, secrecy review, opinion
    and content (steps 1–2); what an author can fix before anyone signs.

    ``posts``, every post by path (for links), is read from ``root`` when not given.
    """
    post, problems = read_post(root, path, config)
    findings = [_front_matter_finding(problem) for problem in problems]
    if post is not None:
        findings.extend(_handler_findings(post, config))
        findings.extend(_opinion_findings(post, config))
        index = posts if posts is not None else post_index(root, config)
        findings.extend(content_findings(post, config, index, root))
    return post, findings


def stale_approval(root: Path, post: Post) -> Finding | None:
    """A warning when the post changed after it was signed, in its own record or in a
    batch manifest: those signatures are void for it."""
    path = record_path(post.path)
    stale = 0
    if (root / path).is_file():
        record, _ = read_record(root, path)
        if record is not None and record.sha256 != post.sha256:
            stale += len(record.signatures)
    for batch, sha in read_batches(root).listing(post.path):
        if sha != post.sha256:
            stale += len(batch.signatures)
    if not stale:
        return None
    return finding(
        post.path,
        "hash-mismatch",
        f"此稿在签名后又改动过，{stale} 个已有签名对它将全部失效。",
        severity=WARNING,
        hint="若是有意修改，提交后请审批人对新内容重新签名；否则请撤销改动。",
    )


def is_due(post: Post, config: SiteConfig, now: dt.datetime) -> bool:
    """Whether the post's publication date has come, in the bureau's time zone."""
    return post.published <= now.astimezone(config.site.tz).date()


def _settle(
    rejected: list[tuple[Signature, Finding]], filled: set[str]
) -> list[Finding]:
    """Rejected signatures; one that merely aged out (its key or its signer's role
    ended) no longer blocks once a valid signature fills the same role."""
    settled = []
    for signature, item in rejected:
        if item.rule in _AGED and signature.role in filled:
            item = replace(
                item,
                severity=WARNING,
                message=item.message + "（该角色已有其他有效签名，此条仅作提示。）",
            )
        settled.append(item)
    return settled


_AGED = ("key-invalid", "signer-role")


def _schedule_finding(post: Post) -> Finding:
    return finding(
        post.path,
        "scheduled",
        f"发布日期 {post.published} 尚未到，此稿到当天才会出现在网站上。",
        severity=WARNING,
        field="published",
    )


def _front_matter_finding(problem: PortalError) -> Finding:
    if (problem.field or "").startswith("secrecy_review"):
        return from_error("secrecy-review", problem)
    return from_error("front-matter", problem)


def _handler_findings(post: Post, config: SiteConfig) -> list[Finding]:
    """The handler named must belong to the post's department on the review date."""
    review = post.secrecy_review
    person = config.roster.get(review.handler)
    moment = day_start(review.date, config.site.tz)
    if person is None:
        message = f"承办人 {review.handler} 不在花名册中。"
    elif any(
        person.holds(r, post.department, moment) for r in ("staff", "section_head")
    ):
        return []
    else:
        department = config.departments[post.department].name
        message = f"承办人 {person.name}在 {review.date} 不是{department}的人员；保密审查意见应由信息提供科室提出。"
    return [
        finding(
            post.path,
            "secrecy-review",
            message,
            article="附件4 第四条",
            field="secrecy_review.handler",
            hint=handler_hint(config, post.department, moment),
        )
    ]


def _opinion_findings(post: Post, config: SiteConfig) -> list[Finding]:
    opinion = post.secrecy_review.opinion
    article = config.policy.blocking_opinions.get(opinion)
    if article is None:
        return []
    return [
        finding(
            post.path,
            "secrecy-opinion",
            f"保密审查意见为 {opinion}（{OPINION_LABELS[opinion]}），此稿不得发布。",
            article=article,
            field="secrecy_review.opinion",
            hint="待主管部门或保密工作部门确定可以公开后，修改意见并重新审批。",
        )
    ]


def _needed(post: Post, config: SiteConfig) -> str:
    tier = config.policy.tiers[post.tier]
    roles = "、".join(
        f"{ROLE_LABELS[r.role]}（{r.role}）"
        for r in config.policy.requirements(post.tier)
    )
    return f"{tier.label}信息需要：{roles}"


def _record_for(
    root: Path,
    post: Post,
    config: SiteConfig,
    findings: list[Finding],
    *,
    covered: bool = False,
) -> ReviewRecord | None:
    """The post's own record if it can count; ``covered`` when a batch manifest lists
    the post's current bytes (a missing or outdated own record is then no error)."""
    path = record_path(post.path)
    if not (root / path).is_file():
        if covered:
            return None
        findings.append(
            finding(
                post.path,
                "review-missing",
                f"没有审查记录 {path}，此稿未经审批。",
                hint=f"{_needed(post, config)}；各人分别运行 portal sign {post.path} --role <角色>。",
            )
        )
        return None
    record, problems = read_record(root, path)
    findings.extend(from_error("review-invalid", problem) for problem in problems)
    if record is None:
        return None
    if record.post != post.path:
        findings.append(
            finding(
                path,
                "review-path",
                f"记录写的是 {record.post}，却放在 {post.path} 的位置；签名只对所签的稿件有效。",
                field="post",
                hint="请为本稿重新审批，不要复制其他稿件的记录。",
            )
        )
        return None
    if record.sha256 != post.sha256:
        findings.append(
            finding(
                post.path,
                "hash-mismatch",
                "稿件在审批后被改动过（SHA-256 与审查记录不符），全部签名随之失效。"
                + ("此记录不再计入；批量审批清单中的签名仍然有效。" if covered else ""),
                severity=WARNING if covered else ERROR,
                hint=f"{_needed(post, config)}；各人分别对改动后的稿件重新运行 "
                f"portal sign {post.path} --role <角色>。",
            )
        )
        return None
    return record


def check_signer(
    record: ReviewRecord,
    signature: Signature,
    config: SiteConfig,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
) -> Counted | Finding:
    """The checks every signature passes, whatever it approves.

    1. the signer is in the roster; 2. the SSHSIG armor parses; 3. the signing key
    is one of the signer's keys; 4. namespace and signature verify over the
    canonical payload (site, path, hash and every field); 5. the signing time is not
    in the future; 6. the key was valid and not revoked at that time, and, for a key
    revoked since, the signature was on the branch before the revocation took effect
    (``witness``). Whether the signer held the role is for the caller: it depends on
    what was signed.
    """
    path = record.path
    label = ROLE_LABELS[signature.role]

    # 1. The signer.
    person = config.roster.get(signature.signer)
    if person is None:
        return signature_finding(
            signature,
            path,
            "signer-unknown",
            f"签名人 {signature.signer} 不在花名册中。",
        )

    # 2–4. The signature itself, with the signer's own key.
    try:
        parsed = sshsig.parse_armored(signature.armored)
        key = person.key_matching(parsed.public_key)
        if key is None:
            return signature_finding(
                signature,
                path,
                "signature-invalid",
                f"签名所用的公钥 {parsed.public_key.fingerprint()} 不是 {person.id}"
                f"（{person.name}）在花名册中登记的钥匙。",
            )
        message = signature_payload(config.site.id, record, signature)
        sshsig.verify(parsed, message, namespace=NAMESPACE, public_key=key.key)
    except SignatureError as exc:
        return signature_finding(
            signature,
            path,
            "signature-invalid",
            f"{person.name}以{label}身份所作的签名无效：{exc.message}",
            hint="请重新签名；不要复制或改动签名。",
        )

    # 5. The time.
    if signature.signed_at > now + CLOCK_SKEW:
        return signature_finding(
            signature,
            path,
            "signed-in-future",
            f"签名时间 {signature.signed_at_text} 晚于当前时间。",
        )

    # 6. The key at that time.
    if not key.usable_at(signature.signed_at):
        state = (
            "已吊销"
            if key.revoked and signature.signed_at >= key.revoked
            else "不在有效期内"
        )
        return signature_finding(
            signature,
            path,
            "key-invalid",
            f"{person.name}的钥匙 {key.key.fingerprint()} 在签名时间 "
            f"{signature.signed_at_text} {state}（有效期 {key.window().describe()}）。",
            hint="请用有效的钥匙重新签名。",
        )
    if (
        key.revoked is not None
        and witness is not None
        and not witness(key, record.path, signature.armored)
    ):
        return signature_finding(
            signature,
            path,
            "key-invalid",
            f"{person.name}的钥匙 {key.key.fingerprint()} 已于 {key.revoked.date()} 起吊销，"
            f"而这个签名在吊销生效时还不在主分支上；签名时间 {signature.signed_at_text} "
            "只是签名人自称，不能证明签名早于吊销。",
            hint="此稿需要重新审批：请用有效的钥匙重新签名（附件1 第十条）。",
        )
    return Counted(signature, person, key, record.path)


def check_signature(
    record: ReviewRecord,
    signature: Signature,
    post: Post,
    config: SiteConfig,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
) -> Counted | Finding:
    """Verify one signature of ``record`` for ``post``; a ``Finding`` says why it fails.

    Checks, in order: 1–6 as ``check_signer``; 5b. the signature comes after the
    secrecy review; 7. the signer held the role for the post's department at that
    time. The caller has already checked that the record names this post and its
    current hash.
    """
    path = record.path
    label = ROLE_LABELS[signature.role]
    checked = check_signer(record, signature, config, now=now, witness=witness)
    if isinstance(checked, Finding):
        return checked
    person, key = checked.person, checked.key

    # 5b. Approval comes after the secrecy review (先审查后公开).
    reviewed = day_start(post.secrecy_review.date, config.site.tz)
    if signature.signed_at < reviewed:
        return signature_finding(
            signature,
            path,
            "signed-before-review",
            f"签名时间 {signature.signed_at_text} 早于保密审查日期 {post.secrecy_review.date}；"
            "审批应在保密审查之后。",
            hint="请核对签名时间和 secrecy_review.date，重新签名。",
        )

    # 7. The role at that time.
    if signature.role == HANDLER:
        return _check_handler(record, signature, post, person, key, config)
    if not person.holds(signature.role, post.department, signature.signed_at):
        department = config.departments[post.department].name
        return signature_finding(
            signature,
            path,
            "signer-role",
            f"{person.name}在 {signature.signed_at_text} 不是{department}的{label}，"
            "这个签名不算数。",
            hint="请由当时在任的角色人员审批。",
        )
    return checked


def signature_finding(
    signature: Signature, path: str, rule: str, message: str, hint: str | None = None
) -> Finding:
    """A finding about one signature of the record at ``path``."""
    return finding(
        path, rule, message, line=signature.line, field="signatures", hint=hint
    )


def _check_handler(
    record: ReviewRecord,
    signature: Signature,
    post: Post,
    person: Person,
    key: KeyGrant,
    config: SiteConfig,
) -> Counted | Finding:
    named = post.secrecy_review.handler
    if person.id != named:
        return signature_finding(
            signature,
            record.path,
            "handler-mismatch",
            f"以承办人身份签名的是 {person.id}（{person.name}），但稿件写明的承办人是 {named}。",
            hint="承办人签名须由 secrecy_review.handler 所写的人本人作出。",
        )
    member = any(
        person.holds(role, post.department, signature.signed_at)
        for role in ("staff", "section_head")
    )
    if not member:
        department = config.departments[post.department].name
        return signature_finding(
            signature,
            record.path,
            "handler-mismatch",
            f"承办人 {person.name}在签名时不是{department}的人员；保密审查意见应由信息提供科室提出。",
        )
    return Counted(signature, person, key, record.path)


def return_findings(counted: list[Counted], required: set[str]) -> list[Finding]:
    """A return by a role the post needs blocks it until a later approval in that role."""
    # NOTE: at equal times a return outranks an approval: when unsure, stay closed.
    latest: dict[str, Counted] = {}
    for item in sorted(counted, key=_decision_order):
        if item.signature.role in required:
            latest[item.signature.role] = item
    findings = []
    for role, item in latest.items():
        if item.signature.decision == "return":
            comment = f"：{item.signature.comment}" if item.signature.comment else ""
            findings.append(
                signature_finding(
                    item.signature,
                    item.source,
                    "returned",
                    f"{item.person.name}以{ROLE_LABELS[role]}身份于 "
                    f"{item.signature.signed_at_text} 退回了此稿{comment}。",
                    hint="修改后重新提交；须有更晚的同意签名才能发布。",
                )
            )
    return findings


def _decision_order(item: Counted) -> tuple[dt.datetime, bool]:
    return item.signature.signed_at, item.signature.decision == "return"


def _requirement_findings(
    post: Post,
    config: SiteConfig,
    counted: list[Counted],
    now: dt.datetime,
) -> tuple[set[str], list[Finding]]:
    """The roles filled by distinct people, and a finding for each one that is not."""
    requirements = config.policy.requirements(post.tier)
    handler = post.secrecy_review.handler
    approvals = [c for c in counted if c.signature.decision == "approve"]
    findings = [
        signature_finding(
            c.signature,
            c.source,
            "handler-self-approval",
            f"承办人 {c.person.name}不能以{ROLE_LABELS[c.signature.role]}身份审批自己提出意见的稿件。",
            hint="请由其他在任人员审批。",
        )
        for c in approvals
        if c.signature.role != HANDLER and c.person.id == handler
    ]
    candidates = {
        r.role: {
            c.person.id
            for c in approvals
            if c.signature.role == r.role
            and (r.role == HANDLER or c.person.id != handler)
        }
        for r in requirements
    }
    filled = assign_roles(candidates, config.policy.one_person_several_roles)
    for requirement in requirements:
        if requirement.role not in filled:
            findings.append(_missing(post, requirement, candidates, config, now))
    return filled, findings


def _missing(
    post: Post,
    requirement: Requirement,
    candidates: dict[str, set[str]],
    config: SiteConfig,
    now: dt.datetime,
) -> Finding:
    label = ROLE_LABELS[requirement.role]
    command = f"portal sign {post.path} --role {requirement.role}"
    where = record_path(post.path)
    if candidates[requirement.role]:
        return finding(
            where,
            "distinct-persons",
            f"{label}的同意签名来自已充任其他角色的人；各角色须由不同的人担任。",
            article=requirement.cited(),
            hint=f"请另请一位{label}审批。",
        )
    department = config.departments[post.department].name
    if requirement.role == HANDLER:
        handler = config.roster.get(post.secrecy_review.handler)
        who = handler.name if handler else post.secrecy_review.handler
        message = "缺少承办人对保密审查意见的签名。"
        hint = f"请承办人{who}运行 {command}。"
    else:
        tier = config.policy.tiers[post.tier]
        if all(article.startswith("附件4") for article in requirement.articles):
            message = f"保密审查意见须经{department}的{label}批准，尚无有效的批准签名。"
        else:
            message = f"{tier.label}信息须经{department}的{label}审查同意，尚无有效的同意签名。"
        holders = [
            p.name
            for p in config.roster
            if p.holds(requirement.role, post.department, now)
        ]
        who = "、".join(holders) if holders else f"在任的{label}（花名册中暂无）"
        hint = f"请{who}运行 {command}。"
    return finding(
        where, "approval-missing", message, article=requirement.cited(), hint=hint
    )


def assign_roles(candidates: dict[str, set[str]], several: bool) -> set[str]:
    """The roles that can be filled, each by a different person unless ``several``."""
    if several:
        return {role for role, people in candidates.items() if people}
    taken: dict[str, str] = {}

    def place(role: str, seen: set[str]) -> bool:
        for person in sorted(candidates[role]):
            if person in seen:
                continue
            seen.add(person)
            if person not in taken or place(taken[person], seen):
                taken[person] = role
                return True
        return False

    for role in candidates:
        place(role, set())
    return set(taken.values())


def _demo_findings(counted: Iterable[Counted]) -> list[Finding]:
    return [
        signature_finding(
            c.signature,
            c.source,
            "demo-key",
            f"{c.person.name}的签名用的是演示钥匙 {c.key.key.fingerprint()}，正式发布不接受演示钥匙。",
            hint="请在花名册登记本人的正式钥匙并重新签名。",
        )
        for c in counted
        if c.key.demo
    ]


def _was_approved(
    path: str,
    data: bytes,
    record_data: bytes | None,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None,
    posts: Mapping[str, Post],
    root: Path,
) -> bool:
    """Whether the version ``data`` of the post at ``path`` was approved by its review
    record of the time (``record_data``) as the policy in force asks, and passes the
    content checks a post must pass today."""
    if record_data is None:
        return False
    old, _ = parse_post(path, data, config)
    record, _ = record_from_bytes(record_data, record_path(path))
    if old is None or record is None or record.sha256 != old.sha256:
        return False
    counted = [
        outcome
        for signature in record.signatures
        if isinstance(
            outcome := check_signature(
                record, signature, old, config, now=now, witness=witness
            ),
            Counted,
        )
    ]
    required = {r.role for r in config.policy.requirements(old.tier)}
    _, missing = _requirement_findings(old, config, counted, now)
    if missing or return_findings(counted, required):
        return False
    # Signed is not enough: what the content checks block was never publishable.
    checks = [
        *_opinion_findings(old, config),
        *content_findings(old, config, posts, root),
    ]
    return not any(f.severity == ERROR for f in checks)


def _correction_findings(
    post: Post,
    base: Path | None,
    earlier_version: EarlierVersion | None,
    report: Report,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None,
    posts: Mapping[str, Post],
    root: Path,
) -> list[Finding]:
    """A published post that changed says so (附件1 第十五条): each correction names a
    committed earlier version, and a post approved on the base branch and changed
    here adds a correction naming that version."""
    findings = []
    for correction in post.corrections:
        found = (
            earlier_version(post.path, correction.replaces) if earlier_version else None
        )
        if found is not None:
            data, record = found
            if _was_approved(
                post.path, data, record, config, now, witness, posts, root
            ):
                report.earlier[(post.path, correction.replaces)] = data
            else:
                findings.append(
                    finding(
                        post.path,
                        "correction-unapproved",
                        f"更正说明（{correction.date}）所说的更正前版本 "
                        f"{correction.replaces[:12]}… 当时没有有效的审批，"
                        "网站不展示它，更正说明不带链接。",
                        severity=WARNING,
                        line=correction.line,
                        field="corrections.replaces",
                        hint="replaces 应为更正前已发布（已审批）的版本。",
                    )
                )
        elif earlier_version is not None:
            findings.append(
                finding(
                    post.path,
                    "correction-unknown",
                    f"更正说明（{correction.date}）所说的更正前版本 "
                    f"{correction.replaces[:12]}… 不在本稿件已提交的历史中。",
                    line=correction.line,
                    field="corrections.replaces",
                    hint="replaces 应为更正前已发布版本的 SHA-256（git show 主分支:稿件路径 | "
                    "sha256sum），不能是别的文件。",
                )
            )
    approved = (
        _approved_on_base(base, post.path, report.base_batches)
        if base is not None
        else None
    )
    if approved is not None and approved != post.sha256:
        if not any(c.replaces == approved for c in post.corrections):
            findings.append(
                finding(
                    post.path,
                    "correction-missing",
                    "这篇稿件已经批准发布，现在的内容与发布的版本不同：更正已发布的信息"
                    "须在 corrections 中写明更正日期和更正说明（附件1 第十五条）。",
                    field="corrections",
                    hint=f"请加上：corrections:\n  - date: YYYY-MM-DD\n    note: 更正了什么\n"
                    f"    replaces: {approved}",
                )
            )
    return findings


def _approved_on_base(
    base: Path, path: str, batches: BatchIndex | None = None
) -> str | None:
    """The SHA-256 of the post at ``path`` on the base branch when its record or a
    batch manifest there covers those bytes with an approval; ``None`` otherwise."""
    post = base / path
    if not post.is_file():
        return None
    sha256 = sha256_hex(post.read_bytes())
    record, _ = read_record(base, record_path(path))
    approvals = list(record.signatures) if record and record.sha256 == sha256 else []
    for batch, listed in (batches or read_batches(base)).listing(path):
        if listed == sha256:
            approvals.extend(batch.signatures)
    return sha256 if any(s.decision == "approve" for s in approvals) else None


def _rewritten_records(root: Path, base: Path) -> dict[str, list[Finding]]:
    """Per post: signatures the base branch's record holds that are gone here.

    A record is append-only while its post keeps the bytes it covers: deleting the
    record, changing its hash or dropping a signature (a return, say) is caught.
    Once the post itself changes, its old signatures are void anyway and a fresh
    record may replace the old one.
    """
    found: dict[str, list[Finding]] = {}
    for path in record_paths(base):
        old, _ = read_record(base, path)
        if old is None or not old.signatures:
            continue
        post = root / old.post
        if not post.is_file() or sha256_hex(post.read_bytes()) != old.sha256:
            continue
        new = read_record(root, path)[0] if (root / path).is_file() else None
        kept = (
            {s.armored.strip() for s in new.signatures}
            if new is not None and new.sha256 == old.sha256
            else set()
        )
        how = (
            "审查记录被删除了"
            if not (root / path).is_file()
            else "审查记录的哈希被改掉了"
            if new is not None and new.sha256 != old.sha256
            else "审查记录删去了"
        )
        for signature in old.signatures:
            if signature.armored.strip() not in kept:
                found.setdefault(old.post, []).append(
                    signature_finding(
                        signature,
                        path,
                        "review-rewritten",
                        f"稿件没有改动，{how}目标分支上已有的签名：{signature.signer} 以 "
                        f"{ROLE_LABELS[signature.role]}身份于 {signature.signed_at_text} 的"
                        f"“{DECISIONS[signature.decision]}”。审查记录只能追加，不能删改。",
                        hint="请恢复被删去的签名；若要推翻退回，请由该角色重新签署同意。",
                    )
                )
    return found


def _checked_batches(
    batches: BatchIndex,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None,
    posts: set[str],
    report: Report,
) -> BatchIndex:
    """Each manifest's signatures checked once: one that fails is reported once, for
    the manifest, and left out; the role and department checks stay per post. A
    manifest listing a post that no longer exists gets a warning."""
    kept = []
    for batch in batches.batches:
        record = batch.as_record()
        good = []
        for signature in batch.signatures:
            outcome = check_signer(record, signature, config, now=now, witness=witness)
            if isinstance(outcome, Finding):
                if outcome.rule in _AGED:
                    # Posts missing the role get their own errors.
                    outcome = replace(
                        outcome,
                        severity=WARNING,
                        message=outcome.message + "（此签名对清单中的稿件均不计入。）",
                    )
                report.findings.append(outcome)
            else:
                good.append(signature)
        kept.append(replace(batch, signatures=tuple(good)))
        report.findings.extend(
            finding(
                batch.path,
                "review-orphan",
                f"清单列出的稿件 {path} 不存在。",
                severity=WARNING,
                line=batch.lines.get(path),
                field="posts",
                hint="稿件已删除或改名；清单不能改动，若要恢复或改名后发布，须重新审批。",
            )
            for path in sorted(set(batch.posts) - posts)
        )
    return BatchIndex(kept, batches.problems)


def _rewritten_batches(here: BatchIndex, base: BatchIndex) -> list[Finding]:
    """Manifests are append-only too: one on the base branch may not lose a signature
    nor disappear while it holds one (a return would vanish with it)."""
    kept = {
        batch.path: {s.armored.strip() for s in batch.signatures}
        for batch in here.batches
    }
    found = []
    for old in base.batches:
        for signature in old.signatures:
            if signature.armored.strip() not in kept.get(old.path, set()):
                found.append(
                    signature_finding(
                        signature,
                        old.path,
                        "review-rewritten",
                        f"批量审批清单删去或丢失了目标分支上已有的签名：{signature.signer} 以 "
                        f"{ROLE_LABELS[signature.role]}身份于 {signature.signed_at_text} 的"
                        f"“{DECISIONS[signature.decision]}”。清单只能追加，不能删改。",
                        hint="请恢复此清单；要撤回批量审批，请由该角色签署退回。",
                    )
                )
    return found


def _stray_files(root: Path, attached: set[str]) -> list[Finding]:
    folder = root / CONTENT_DIR
    if not folder.is_dir():
        return []
    return [
        finding(
            p.relative_to(root).as_posix(),
            "unapproved-file",
            "content/ 下的这个文件既不是稿件，也不是哪篇稿件登记的附件；它没有审批，不会发布。",
            severity=WARNING,
            hint="附件请放在与稿件同名的文件夹中并用 portal attach 登记；否则请删除此文件。",
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.suffix != ".md"
        and p.relative_to(root).as_posix() not in attached
    ]


def _orphan_records(root: Path, posts: set[str]) -> list[Finding]:
    findings = []
    for path in record_paths(root):
        post = post_path_for(path)
        if post not in posts:
            findings.append(
                finding(
                    path,
                    "review-orphan",
                    f"审查记录对应的稿件 {post} 不存在。",
                    severity=WARNING,
                    hint="稿件已删除或改名时，请一并删除或重新审批此记录。",
                )
            )
    return findings
