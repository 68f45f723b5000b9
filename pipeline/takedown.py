"""Emergency takedown (紧急撤下, 附件4 第八条) and the incident register.

When something secret or personal was published, the office may act first: one
signature by the role ``policy.yml`` names (``takedown.emergency_by``, by default
office staff) takes the post off the next build, and the leaders the policy names
(by default the post's supervising leader) confirm within ``confirm_within_hours``;
until they do, every verification reports it, loudly once the time has passed.

Each incident is one signed YAML file ``incidents/<column>/<name>.yml``, outside
``content/`` and never published: what was found, when and by whom, the remedy and
to whom it was reported. Its signatures are made exactly as a post's, over the
file's own path and the digest of its content (as batch manifests and withdrawals).

The taken-down post's page becomes a plain notice without its title or the reason;
its text, attachments and entries in the search index and sitemap leave the site,
and every other post that quotes a run of its text (see ``withdrawal.Traces``) is
left out too and reported, to be edited and approved again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.config import SiteConfig
from pipeline.errors import PortalError, RecordError, SigningError, raise_if_any
from pipeline.fields import Fields
from pipeline.findings import WARNING, Finding, finding, from_error
from pipeline.post import CONTENT_DIR, Post, read_post
from pipeline.review import ReviewRecord, Signature, read_signature
from pipeline.roster import ROLE_LABELS
from pipeline.sign import SigningKey, same_decision, signer_of, signing_moment
from pipeline.verify import Report, Witness, return_findings
from pipeline.withdrawal import (
    Traces,
    Withdrawal,
    Withdrawn,
    check_may_sign,
    counted_signatures,
    filled_roles,
    new_signature,
    readable_texts,
)

logger = logging.getLogger(__name__)

INCIDENTS_DIR = "incidents"
REMEDY = "撤下稿件页面及其附件、搜索索引和站点地图中的条目；引用其文字的页面一并撤下，修改后重新审批"
_FIELDS = ("post", "what", "found_at", "found_by", "reported_to", "remedy")
_HEADER = (
    "# 事件登记：由 portal takedown 生成和追加，不发布；请勿手工修改，改动会使签名失效。\n"
    "# Incident record: written by `portal takedown`, never published; editing it voids the signatures.\n"
)


@dataclass(frozen=True)
class Incident:
    """One incident: the post taken down, what was found, when, by whom, the remedy,
    to whom it was reported, and the signatures over all of it."""

    path: str
    post: str
    what: str
    found_at: dt.datetime
    found_at_text: str
    found_by: str
    reported_to: str
    remedy: str
    signatures: tuple[Signature, ...]

    def content(self) -> dict[str, str]:
        """The fields the signatures cover, as written."""
        return {
            "post": self.post,
            "what": self.what,
            "found_at": self.found_at_text,
            "found_by": self.found_by,
            "reported_to": self.reported_to,
            "remedy": self.remedy,
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the content as canonical JSON (sorted keys, NFC, UTF-8, LF)."""
        normalised = {
            k: unicodedata.normalize("NFC", v) for k, v in self.content().items()
        }
        text = json.dumps(
            normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256((text + "\n").encode("utf-8")).hexdigest()

    def as_record(self) -> ReviewRecord:
        """The incident as a review record: its path and digest stand for a post's."""
        return ReviewRecord(self.path, self.path, self.digest, self.signatures)

    def dump(self) -> bytes:
        """The incident file's bytes."""
        document: dict[str, object] = dict(self.content())
        document["signatures"] = [s.entry() for s in self.signatures]
        return yamlfile.dump(document, header=_HEADER).encode("utf-8")


def incident_path(post_path: str) -> str:
    """``incidents/<column>/<name>.yml`` for ``content/<column>/<name>.md``."""
    relative = PurePosixPath(post_path).relative_to(CONTENT_DIR).with_suffix(".yml")
    return f"{INCIDENTS_DIR}/{relative.as_posix()}"


def incident_paths(root: Path) -> list[str]:
    """Every incident file, sorted, repository-relative."""
    folder = root / INCIDENTS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in folder.rglob("*.yml")
        if p.is_file() and not p.is_symlink()
    )


def read_incident(root: Path, path: str) -> tuple[Incident | None, list[PortalError]]:
    """Read and validate the incident ``root/path``; ``None`` if it cannot be used."""
    try:
        text = yamlfile.read_text(root / path, shown_as=path, error=RecordError)
        document = yamlfile.load(text, path=path, error=RecordError)
    except RecordError as exc:
        return None, [exc]
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=RecordError, problems=problems, line=1)
    top.only([*_FIELDS, "signatures"])
    values = {name: top.text(name) for name in _FIELDS if name != "found_at"}
    found_at = top.timestamp("found_at")
    signatures = tuple(
        signature
        for signature in (
            read_signature(s) for s in top.list_of("signatures", required=False)
        )
        if signature is not None
    )
    post = values["post"]
    if post is not None and (
        not post.startswith(f"{CONTENT_DIR}/") or incident_path(post) != path
    ):
        top.fail(
            "post", f"事件登记写的是 {post}，却放在 {path}；签名只对所签的登记有效。"
        )
    given = {name: value for name, value in values.items() if value is not None}
    if problems or found_at is None or len(given) != len(values):
        return None, problems
    incident = Incident(
        path,
        given["post"],
        given["what"],
        found_at,
        str(top.mapping["found_at"]).strip(),
        given["found_by"],
        given["reported_to"],
        given["remedy"],
        signatures,
    )
    return incident, []


# --------------------------------------------------------------------------- verify


def apply_takedowns(
    root: Path,
    config: SiteConfig,
    report: Report,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
) -> None:
    """Take each post with an effective takedown off the site (its page becomes a
    plain notice), with every other post that quotes its text; report the rest."""
    for path in incident_paths(root):
        incident, problems = read_incident(root, path)
        report.findings.extend(
            replace(from_error("takedown-invalid", p), severity=WARNING)
            for p in problems
        )
        if incident is None:
            continue
        post, _ = read_post(root, incident.post, config)
        if post is None:
            report.findings.append(
                finding(
                    path,
                    "takedown-invalid",
                    f"事件登记所指的稿件 {incident.post} 无法读取，无从撤下引用它的页面。",
                    severity=WARNING,
                    field="post",
                    hint="撤下后请保留稿件文件：网址要留给撤下说明，引用其文字的页面要靠它找出。",
                )
            )
            continue
        since, findings = takedown_state(incident, post, config, now, witness)
        report.findings.extend(findings)
        if since is not None:
            _take_down(report, incident, post, since.astimezone(config.site.tz).date())


def takedown_state(
    incident: Incident,
    post: Post,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None = None,
) -> tuple[dt.datetime | None, list[Finding]]:
    """When the takedown took effect (``None``: it has not) and what to report.

    It takes effect with the emergency role's approval or with every confirming
    approval; a confirming role whose latest decision is a return lifts it. Until
    every confirming role has approved, a warning says by when, or that the time
    has passed (逾期).
    """
    rules = config.policy.takedown_rules()
    record = incident.as_record()
    counted, rejected = counted_signatures(record, post, config, now, witness)
    findings = [replace(f, severity=WARNING) for f in rejected]
    returned = return_findings(counted, {r.role for r in rules.approvals})
    findings.extend(replace(f, severity=WARNING) for f in returned)
    filled = filled_roles(counted, rules.approvals, config)
    emergency = sorted(
        c.signature.signed_at
        for c in counted
        if c.signature.role == rules.emergency_by.role
        and c.signature.decision == "approve"
    )
    confirmed = all(r.role in filled for r in rules.approvals)
    approvals = sorted(
        c.signature.signed_at
        for c in counted
        if c.signature.decision == "approve"
        and c.signature.role in {r.role for r in rules.approvals}
    )
    starts = emergency[:1] or (approvals[:1] if confirmed else [])
    if returned or not starts:
        findings.append(
            finding(
                incident.path,
                "takedown-unconfirmed",
                (
                    "领导退回了撤下（见上），"
                    if returned
                    else "事件登记中没有有效的撤下签名，"
                )
                + f"{post.path} 仍在网站上。",
                severity=WARNING,
                article=rules.emergency_by.cited(),
                hint=f"请{ROLE_LABELS[rules.emergency_by.role]}运行 portal takedown "
                f"{post.path} --role {rules.emergency_by.role}，或由领导确认。",
            )
        )
        return None, findings
    if not confirmed:
        findings.append(_unconfirmed(incident, post, config, starts[0], now))
    return starts[0], findings


def _unconfirmed(
    incident: Incident,
    post: Post,
    config: SiteConfig,
    since: dt.datetime,
    now: dt.datetime,
) -> Finding:
    rules = config.policy.takedown_rules()
    deadline = since + dt.timedelta(hours=rules.confirm_within_hours)
    department = config.departments[post.department].name
    who = "、".join(f"{department}的{ROLE_LABELS[r.role]}" for r in rules.approvals)
    shown = deadline.astimezone(config.site.tz).isoformat()
    if now > deadline:
        message = (
            f"【逾期未确认】{post.path} 已被紧急撤下，须在 {rules.confirm_within_hours} 小时内"
            f"（{shown} 前）经{who}确认，至今仍未确认。"
        )
    else:
        message = f"{post.path} 已被紧急撤下，须在 {shown} 前经{who}确认。"
    roles = " / ".join(r.role for r in rules.approvals)
    item = finding(
        incident.path,
        "takedown-unconfirmed",
        message,
        severity=WARNING,
        article="、".join(r.cited() for r in rules.approvals),
        hint=f"请运行 portal takedown {post.path} --role {roles} 确认。",
    )
    # Logged as well as reported: ``portal build`` shows no warning findings, and an
    # unconfirmed takedown must not go unseen.
    logger.log(logging.ERROR if now > deadline else logging.WARNING, item.text())
    return item


def _take_down(report: Report, incident: Incident, post: Post, day: dt.date) -> None:
    """The post leaves the publishable posts (a withdrawn one loses its reason) and
    becomes a plain notice; posts quoting it leave too, each reported."""
    notice = Withdrawal(incident.path, post.path, "", day, ())
    report.publishable = [p for p in report.publishable if p.path != post.path]
    report.withdrawn = [w for w in report.withdrawn if w.post.path != post.path]
    report.withdrawn.append(Withdrawn(post, notice))
    traces = Traces.of([post])
    for other in list(report.publishable):
        text = f"{other.title}\n{other.body}".encode()
        if not traces.found_in(readable_texts(text)):
            continue
        report.publishable.remove(other)
        item = finding(
            other.path,
            "takedown-quoted",
            f"此稿引用了紧急撤下的 {post.path} 的文字，已一并撤下。",
            severity=WARNING,
            hint="请删去引用的文字，再请审批人对修改后的稿件重新签名。",
        )
        logger.warning(item.text())
        report.findings.append(item)


# --------------------------------------------------------------------------- sign


def sign_takedown(
    root: Path,
    config: SiteConfig,
    post_path: str,
    *,
    what: str = "",
    found_by: str = "",
    reported_to: str = "",
    found_at: dt.datetime | None = None,
    remedy: str = "",
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> tuple[Incident, Signature]:
    """Register the incident of ``post_path`` and sign it, or sign it as it stands.

    The first signer gives what was found, by whom and to whom it was reported (the
    time found defaults to the signing time, the remedy to ``REMEDY``); a later
    signer (a leader confirming) may repeat them but not change them.
    """
    post, problems = read_post(root, post_path, config)
    raise_if_any(problems)
    assert post is not None
    target = incident_path(post.path)
    at = signing_moment(config, decision, comment, at)
    given = {
        "what": what.strip(),
        "found_by": found_by.strip(),
        "reported_to": reported_to.strip(),
        "remedy": remedy.strip(),
        "found_at": found_at.isoformat() if found_at else "",
    }
    if (root / target).is_file():
        existing, problems = read_incident(root, target)
        raise_if_any(problems)
        assert existing is not None
        fresh = existing
        changed = [k for k, v in given.items() if v and v != existing.content()[k]]
        if changed:
            raise SigningError(
                f"事件登记 {target} 已写明 {'、'.join(changed)}；已签的登记不能改动。",
                path=target,
                hint="确认时请只给出 --role（和 --key）。",
            )
    else:
        missing = [k for k in ("what", "found_by", "reported_to") if not given[k]]
        if missing:
            raise SigningError(
                "登记事件须写明 --reason（发现了什么）、--found-by（由谁发现）和 "
                "--reported-to（已向谁报告）。",
                hint=f'如 portal takedown {post.path} --reason "正文含个人身份证号" '
                '--found-by "信息员陈静" --reported-to "局保密工作领导小组" '
                f"--role {role}",
            )
        moment = (found_at or at).replace(microsecond=0)
        fresh = Incident(
            target,
            post.path,
            given["what"],
            moment,
            moment.isoformat(),
            given["found_by"],
            given["reported_to"],
            given["remedy"] or REMEDY,
            (),
        )
    person = signer_of(config, key)
    rules = config.policy.takedown_rules()
    roles = [rules.emergency_by.role, *(r.role for r in rules.approvals)]
    check_may_sign(config, post, person, role, key, at, roles=roles, what="紧急撤下")
    signature = new_signature(
        config, key, person, role, decision, comment, at, fresh.as_record()
    )
    kept = tuple(s for s in fresh.signatures if not same_decision(s, signature))
    incident = replace(fresh, signatures=(*kept, signature))
    yamlfile.write_atomic(root / incident.path, incident.dump())
    return incident, signature
