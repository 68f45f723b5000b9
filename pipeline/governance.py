"""Governed files: the configuration that decides whose approval counts.

The roster, the policy, departments, columns, the site settings and ``mkdocs.yml``
decide who may approve what and what gets built, so a change to any of them is
itself approved like a post: the roles ``policy.yml`` names under
``governed_changes`` (by default proposed by the office and approved by the
principal leader, 附件1 第十一条、第十二条) sign the new file's SHA-256 in the record
``reviews/_governed/<path>``.

A change is judged by the roster and policy in force *before* it. ``govern`` walks the
states of the repository oldest first (the main branch's first-parent commits, then
the working tree); the first state that holds a roster is the trust root, and its
digest (``trust_digest``) must equal the pin given from outside the repository. A
change without the approvals it needs stays pending: the configuration approved
before it remains in force, and the change is reported until it is approved or
undone. Nothing here knows where the states come from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from pipeline.config import Reader, SiteConfig, load_config_from
from pipeline.errors import PortalError
from pipeline.findings import ERROR, WARNING, Finding, finding, from_error
from pipeline.policy import Requirement
from pipeline.review import REVIEWS_DIR, ReviewRecord, Signature, record_from_bytes
from pipeline.roster import ROLE_LABELS, KeyGrant
from pipeline.verify import (
    Counted,
    assign_roles,
    check_signer,
    return_findings,
    signature_finding,
)

GOVERNED_FILES = (
    "mkdocs.yml",
    "site_config/columns.yml",
    "site_config/departments.yml",
    "site_config/policy.yml",
    "site_config/roster.yml",
    "site_config/site.yml",
)
GOVERNED_REVIEWS = f"{REVIEWS_DIR}/_governed"
ROOT_FILE = "site_config/roster.yml"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class TrustError(PortalError):
    """The trust root cannot be established: nothing can be judged."""


@dataclass(frozen=True)
class State:
    """One state of the repository: a commit on the main branch, or the working tree."""

    label: str
    read: Reader


@dataclass
class Governance:
    """The configuration in force, where trust starts, and what is pending."""

    config: SiteConfig
    approved: dict[str, bytes | None]
    root: str
    digest: str
    pinned: bool
    states: int
    findings: list[Finding] = field(default_factory=list)
    # For each revoked key (by its blob): the state in which the revocation came
    # into force.
    revoked_in: dict[bytes, State] = field(default_factory=dict)
    # Every signature seen so far in the record of a governed change, by record path
    # and approved hash: a record is append-only, so a return removed later still counts.
    seen: dict[tuple[str, str], dict[str, Signature]] = field(default_factory=dict)
    # When the version in force of each governed file was approved (its latest
    # counted approval): an approval signed before that was for an earlier change
    # and cannot be replayed.
    approved_at: dict[str, dt.datetime] = field(default_factory=dict)
    # Every committed version of each withdrawal and takedown record, oldest first
    # (filled by the history adapter): a record deleted or rewritten since stays.
    records: dict[str, list[bytes]] = field(default_factory=dict)
    # The committed bytes of a post's version by path and SHA-256, with its review
    # record as it then stood (history adapter).
    earlier_version: Callable[[str, str], tuple[bytes, bytes | None] | None] | None = (
        None
    )

    def witness(self, key: KeyGrant, path: str, armored: str) -> bool:
        """Whether ``armored`` was in the file ``path`` when ``key``'s revocation came
        into force (``verify.Witness``)."""
        state = self.revoked_in.get(key.key.blob)
        if state is None:
            return True
        data = state.read(path)
        if data is None:
            return False
        # Records and manifests keep the armor as an indented block: compare the
        # text with all white space removed.
        wanted = "".join(armored.split()).encode("ascii", "replace")
        return wanted in b"".join(data.split())

    def _note_revocations(self, state: State) -> None:
        for person in self.config.roster:
            for grant in person.keys:
                if grant.revoked is not None:
                    self.revoked_in.setdefault(grant.key.blob, state)

    @property
    def ok(self) -> bool:
        """True when every governed file in the last state is approved."""
        return not any(f.severity == ERROR for f in self.findings)


def governed_record_path(path: str) -> str:
    """``reviews/_governed/<path>``: the record of the governed file ``path``."""
    return f"{GOVERNED_REVIEWS}/{path}"


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data`` in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def trust_digest(files: dict[str, bytes | None]) -> str:
    """The digest that pins a trust root: SHA-256 over ``sha256sum``-style lines.

    ``sha256sum mkdocs.yml site_config/*.yml | sha256sum`` gives the same value when
    every governed file exists, so anyone can check a pin by hand.
    """
    lines = "".join(
        f"{sha256(data) if (data := files.get(path)) is not None else '-'}  {path}\n"
        for path in GOVERNED_FILES
    )
    return sha256(lines.encode("utf-8"))


def check_pin(pin: str) -> str:
    """The pin, normalised; ``TrustError`` if it cannot be a digest."""
    value = pin.strip().lower()
    if not _DIGEST.match(value):
        raise TrustError(
            f"信任根 {pin!r} 不是 64 位十六进制的 SHA-256 摘要。",
            hint="请用 portal trust-root 查看正确的值，填入 --trust-root 或 PORTAL_TRUST_ROOT。",
        )
    return value


def govern(states: Sequence[State], *, pin: str | None, now: dt.datetime) -> Governance:
    """Walk ``states`` oldest first; the configuration in force after the last one.

    Raises ``TrustError`` when no state holds a roster or the root does not match
    ``pin``, and ``ConfigError`` when the root's configuration cannot be loaded.
    """
    start = next((i for i, s in enumerate(states) if s.read(ROOT_FILE)), None)
    if start is None:
        raise TrustError(
            f"历史中没有任何版本含有 {ROOT_FILE}，无法确定信任根。",
            path=ROOT_FILE,
            hint="请先由办公室提交花名册。",
        )
    root = states[start]
    approved = {path: root.read(path) for path in GOVERNED_FILES}
    digest = trust_digest(approved)
    findings: list[Finding] = []
    if pin is None:
        findings.append(_unpinned(root.label, digest))
    elif check_pin(pin) != digest:
        raise TrustError(
            f"信任根不符：历史中第一版花名册所在的{root.label}，其受管文件摘要是 {digest}，"
            f"而钉住的信任根是 {check_pin(pin)}。历史可能被改写过，或钉住的值有误。",
            path=ROOT_FILE,
            hint="在查明原因之前不要发布。若确认历史无误，请由办公室核对后更新仓库设置中的 PORTAL_TRUST_ROOT。",
        )
    # A root whose configuration cannot be loaded raises that ConfigError as it is:
    # it names the file, line and field to fix.
    config = load_config_from(approved.get)
    governance = Governance(config, approved, root.label, digest, pin is not None, 0)
    governance._note_revocations(root)
    since: dict[str, str] = {}
    previous = dict(approved)
    reasons: dict[str, list[Finding]] = {}
    for state in states[start + 1 :]:
        governance.states += 1
        current = {path: state.read(path) for path in GOVERNED_FILES}
        for path, data in current.items():
            if data != previous[path]:
                since[path] = state.label
        previous = current
        changed = [p for p in GOVERNED_FILES if current[p] != governance.approved[p]]
        if changed:
            reasons = _advance(governance, state, current, changed, now)
    findings.extend(_pending(governance, previous, since, reasons))
    governance.findings = findings
    return governance


def _advance(
    governance: Governance,
    state: State,
    current: dict[str, bytes | None],
    changed: list[str],
    now: dt.datetime,
) -> dict[str, list[Finding]]:
    """Accept the approved changes of ``state``; the reasons the others are not."""
    judged = {
        path: judge_change(path, current[path], state, governance, now)
        for path in changed
    }
    reasons = {path: found for path, (found, _) in judged.items()}
    accepted = [path for path in changed if not reasons[path]]
    if not accepted:
        return reasons
    candidate = dict(governance.approved)
    candidate.update((path, current[path]) for path in accepted)
    try:
        config = load_config_from(candidate.get)
    except PortalError as exc:
        problems = getattr(exc, "problems", [exc])
        for path in accepted:
            reasons[path] = [
                from_error("governed-invalid", problem) for problem in problems
            ]
        return reasons
    governance.approved = candidate
    governance.config = config
    for path in accepted:
        when = judged[path][1]
        if when is not None:
            governance.approved_at[path] = when
    governance._note_revocations(state)
    return reasons


def judge_change(
    path: str,
    data: bytes | None,
    state: State,
    governance: Governance,
    now: dt.datetime,
) -> tuple[list[Finding], dt.datetime | None]:
    """Why the change of ``path`` to ``data`` in ``state`` is not approved under the
    configuration in force before it (empty when it is), and when it was approved.

    Signatures earlier states' records held for the same bytes count too, so deleting
    a return from the record does not undo it; approvals signed before the version in
    force was approved were given for an earlier change and do not count.
    """
    config = governance.config
    record_path = governed_record_path(path)
    if data is None:
        return [
            finding(
                path,
                "governed-unapproved",
                "受管文件被删除；网站不能没有它。",
                hint="请恢复此文件。",
            )
        ], None
    raw = state.read(record_path)
    if raw is None:
        return [
            finding(
                path,
                "governed-unapproved",
                f"没有审查记录 {record_path}。",
                hint=_who_signs(path, config),
            )
        ], None
    record, problems = record_from_bytes(raw, record_path)
    findings = [from_error("review-invalid", problem) for problem in problems]
    if record is None:
        return findings or [
            finding(record_path, "review-invalid", "审查记录无法使用。")
        ], None
    if record.post != path:
        return [
            finding(
                record_path,
                "review-path",
                f"记录写的是 {record.post}，却放在 {path} 的位置。",
                field="post",
                hint="请为本文件重新审批，不要复制其他记录。",
            )
        ], None
    if record.sha256 != sha256(data):
        return [
            finding(
                path,
                "governed-unapproved",
                f"现在的内容与 {record_path} 所批准的不同（SHA-256 不符），批准只对所签的内容有效。",
                hint=_who_signs(path, config),
            )
        ], None
    known = governance.seen.setdefault((record_path, record.sha256), {})
    for signature in record.signatures:
        known.setdefault("".join(signature.armored.split()), signature)
    record = replace(record, signatures=tuple(known.values()))
    return _approvals(record, governance, now, governance.approved_at.get(path))


def _approvals(
    record: ReviewRecord,
    governance: Governance,
    now: dt.datetime,
    floor: dt.datetime | None,
) -> tuple[list[Finding], dt.datetime | None]:
    """The findings of a record whose hash matches (signatures, roles, returns), and
    the time of its latest counted approval; ``floor`` is when the version in force
    was approved. A revoked key counts only as far as ``governance.witness`` says."""
    config = governance.config
    requirements = config.policy.change_requirements()
    office = config.office
    counted: list[Counted] = []
    findings: list[Finding] = []
    for signature in record.signatures:
        if floor is not None and signature.signed_at <= floor:
            findings.append(
                signature_finding(
                    signature,
                    record.path,
                    "approval-replayed",
                    f"这个签名签于 {signature.signed_at_text}，早于现行版本获批的时间 "
                    f"{floor.isoformat()}：它批准的是更早的一次改动，不能拿来批准这次改动。",
                    hint=_who_signs(record.post, config),
                )
            )
            continue
        outcome = check_signer(
            record, signature, config, now=now, witness=governance.witness
        )
        if isinstance(outcome, Counted) and not outcome.person.holds(
            signature.role, office.id, signature.signed_at
        ):
            outcome = signature_finding(
                signature,
                record.path,
                "signer-role",
                f"{outcome.person.name}在 {signature.signed_at_text} 不是"
                f"{ROLE_LABELS[signature.role]}，这个签名不算数（按改动之前的花名册）。",
                hint="请由当时在任的人员签名。",
            )
        if isinstance(outcome, Finding):
            findings.append(outcome)
        else:
            counted.append(outcome)
    required = {r.role for r in requirements}
    findings.extend(return_findings(counted, required))
    candidates = {
        r.role: {
            c.person.id
            for c in counted
            if c.signature.role == r.role and c.signature.decision == "approve"
        }
        for r in requirements
    }
    filled = assign_roles(candidates, config.policy.one_person_several_roles)
    for requirement in requirements:
        if requirement.role not in filled:
            findings.append(_missing(record, requirement, candidates, config))
    if not any(
        f.rule in ("approval-missing", "distinct-persons", "returned") for f in findings
    ):
        # Every role is filled: signatures that did not count no longer matter.
        approvals = [
            c.signature.signed_at for c in counted if c.signature.decision == "approve"
        ]
        return [], max(approvals)
    return findings, None


def _missing(
    record: ReviewRecord,
    requirement: Requirement,
    candidates: dict[str, set[str]],
    config: SiteConfig,
) -> Finding:
    label = ROLE_LABELS[requirement.role]
    if candidates[requirement.role]:
        return finding(
            record.path,
            "distinct-persons",
            f"{label}的签名来自已充任其他角色的人；提出和批准须由不同的人。",
            article=requirement.cited(),
            hint=f"请另请一位{label}签名。",
        )
    return finding(
        record.path,
        "approval-missing",
        f"受管文件 {record.post} 的改动须有{label}的签名（按改动之前的花名册和审批规则），尚无有效签名。",
        article=requirement.cited(),
        hint=_who_signs(record.post, config),
    )


def _who_signs(path: str, config: SiteConfig) -> str:
    steps = "；".join(
        f"{ROLE_LABELS[r.role]}运行 portal sign {path} --role {r.role}"
        for r in config.policy.change_requirements()
    )
    return f"改动须按改动之前的审批规则批准：{steps}。"


def _pending(
    governance: Governance,
    last: dict[str, bytes | None],
    since: dict[str, str],
    reasons: dict[str, list[Finding]],
) -> list[Finding]:
    """An error for each governed file whose last state is not the approved one."""
    findings = []
    for path in GOVERNED_FILES:
        if last[path] == governance.approved[path]:
            continue
        where = since.get(path, "最新版本")
        own = [
            f
            for f in reasons.get(path, [])
            if f.path == path and f.rule == "governed-unapproved"
        ]
        because = "".join(f"{f.message}" for f in own)
        findings.append(
            finding(
                path,
                "governed-unapproved",
                f"受管文件 {path} 的改动（{where}）未经批准；{because}"
                "在批准之前，网站仍按此前批准的版本执行，凭这次改动新增的人员、钥匙或规则都不算数。",
                article=_articles(governance.config),
                hint=own[0].hint
                if own and own[0].hint
                else _who_signs(path, governance.config),
            )
        )
        findings.extend(f for f in reasons.get(path, []) if f not in own)
    return findings


def _articles(config: SiteConfig) -> str:
    """The articles behind the change requirements, each once (one that another
    already cites, as 附件1 第十一条 within 附件1 第十一条、第十二条, is left out)."""
    articles: list[str] = []
    for requirement in config.policy.change_requirements():
        articles.extend(a for a in requirement.articles if a not in articles)
    return "、".join(
        a for a in articles if not any(a != other and a in other for other in articles)
    )


def _unpinned(label: str, digest: str) -> Finding:
    return finding(
        ROOT_FILE,
        "trust-unpinned",
        f"没有钉住信任根：信任建立在首次使用上，即历史中第一版花名册（{label}），"
        f"其受管文件摘要为 {digest}。改写过的历史也会被当作可信。",
        severity=WARNING,
        hint=f"请在仓库外给出信任根：portal verify --trust-root {digest}，"
        "或设置环境变量 PORTAL_TRUST_ROOT（GitHub 仓库设置 → Variables）。",
    )
