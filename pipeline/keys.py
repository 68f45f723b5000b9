"""Key lifecycle: the state of every key in the roster, and signatures made outside it.

A key counts from its ``from`` day to its ``until`` day, and not from its revocation
day on (附件1 第十条). On a given day each key is not yet valid, valid, expiring
within a window of days, expired or revoked. Besides the states this module looks
through the review records for signatures a key made outside its window: such a
signature does not count, and a post signed with a revoked key after the revocation
needs fresh approval.

Rotation and role changes need nothing here: ``pipeline.verify`` judges every
signature by the key and role at its signing time, so what a key or a role signed
while valid stays valid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pipeline import sshsig
from pipeline.batch import BATCHES_DIR, read_batches
from pipeline.config import SiteConfig
from pipeline.errors import SignatureError
from pipeline.findings import ERROR, WARNING, Finding, finding
from pipeline.review import (
    NAMESPACE,
    REVIEWS_DIR,
    ReviewRecord,
    Signature,
    read_record,
    record_paths,
    signature_payload,
)
from pipeline.roster import ROLE_LABELS, KeyGrant, Person

ARTICLE = "附件1 第十条"
ROSTER_PATH = "site_config/roster.yml"
DEFAULT_WITHIN = 30

# The states of a key on one day.
NOT_YET_VALID = "not-yet-valid"
VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
REVOKED = "revoked"
STATE_LABELS = {
    NOT_YET_VALID: "尚未生效",
    VALID: "有效",
    EXPIRING: "即将到期",
    EXPIRED: "已过期",
    REVOKED: "已吊销",
}


@dataclass(frozen=True)
class KeyState:
    """One key of the roster and its state on the day asked about.

    Days are whole days in the bureau's time zone; ``valid_until`` is the last day
    included. ``days_left`` counts the days from that day until the key stops
    counting, when it will (1: the day asked about is its last). ``reapprove`` lists
    the posts whose record holds a signature made with this key on or after its
    revocation.
    """

    holder: str
    name: str
    fingerprint: str
    key_type: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    revoked: dt.date | None
    demo: bool
    state: str
    days_left: int | None
    field: str
    reapprove: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyReport:
    """Every key's state on ``on`` and the warnings about keys and their signatures."""

    on: dt.date
    within: int
    keys: tuple[KeyState, ...]
    warnings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when no signature is void because of its key (expiring is only a warning)."""
        return not any(w.severity == ERROR for w in self.warnings)

    def to_json(self) -> str:
        """The report for tools: a stable JSON object, Chinese kept readable."""
        document = {
            "on": self.on.isoformat(),
            "within": self.within,
            "ok": self.ok,
            "keys": [_key_json(key) for key in self.keys],
            "warnings": [asdict(w) for w in self.warnings],
        }
        return json.dumps(document, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class _Use:
    """A signature made with a roster key outside that key's window."""

    record: ReviewRecord
    signature: Signature
    person: Person
    grant: KeyGrant


def load_records(root: Path) -> list[ReviewRecord]:
    """The per-post review records and the batch manifests that can be read.

    Records of governed files (``reviews/_governed``) are judged with the history by
    ``portal verify``; files that cannot be read are skipped (``portal verify``
    reports them).
    """
    records = []
    for path in record_paths(root):
        if path.startswith(f"{REVIEWS_DIR}/_"):
            continue
        record, _ = read_record(root, path)
        if record is not None:
            records.append(record)
    records.extend(batch.as_record() for batch in read_batches(root).batches)
    return records


def batch_listing(root: Path) -> dict[str, tuple[str, ...]]:
    """Each batch manifest's path, and the posts it lists."""
    return {
        batch.path: tuple(sorted(batch.posts)) for batch in read_batches(root).batches
    }


def key_report(
    config: SiteConfig,
    records: Iterable[ReviewRecord],
    *,
    on: dt.date,
    within: int = DEFAULT_WITHIN,
    listed: Mapping[str, Iterable[str]] | None = None,
) -> KeyReport:
    """The state on ``on`` of every key in the roster, with warnings.

    ``listed`` maps a batch manifest to the posts it lists (``batch_listing``), so a
    revoked key's batch signature names every post that needs fresh approval.

    Warnings: a key that stops counting within ``within`` days (severity warning); a
    signature made with a key outside its window, revocation included (severity
    error: the signature does not count).
    """
    uses = list(_uses_outside_window(config, records))
    keys: list[KeyState] = []
    warnings: list[Finding] = []
    for index, person in enumerate(config.roster):
        for number, grant in enumerate(person.keys):
            field = f"people[{index}].keys[{number}]"
            state = _state(person, grant, field, config, on, within)
            late = [use for use in uses if use.grant is grant]
            listed = listed or {}
            reapprove = sorted(
                {
                    post
                    for u in late
                    if _after_revocation(u)
                    for post in listed.get(u.record.path, (u.record.post,))
                }
            )
            keys.append(replace(state, reapprove=tuple(reapprove)))
            if state.state == EXPIRING:
                warnings.append(_expiring(person, grant, state, config))
            warnings.extend(_late_use(use, config) for use in late)
    return KeyReport(on, within, tuple(keys), tuple(warnings))


def _state(
    person: Person,
    grant: KeyGrant,
    field: str,
    config: SiteConfig,
    on: dt.date,
    within: int,
) -> KeyState:
    tz = config.site.tz
    valid_from = _day(grant.valid.start, tz)
    valid_until = _last_day(grant.valid.end, tz)
    revoked = _day(grant.revoked, tz)
    end = _day(grant.window().end, tz)
    days_left = (end - on).days if end is not None else None

    if revoked is not None and on >= revoked:
        state = REVOKED
    elif valid_from is not None and on < valid_from:
        state = NOT_YET_VALID
    elif days_left is not None and days_left <= 0:
        state = EXPIRED
    elif days_left is not None and days_left <= within:
        state = EXPIRING
    else:
        state = VALID
    return KeyState(
        person.id,
        person.name,
        grant.key.fingerprint(),
        grant.key.key_type,
        valid_from,
        valid_until,
        revoked,
        grant.demo,
        state,
        days_left if state in (VALID, EXPIRING) else None,
        field,
    )


def _day(moment: dt.datetime | None, tz: dt.tzinfo) -> dt.date | None:
    return moment.astimezone(tz).date() if moment is not None else None


def _last_day(end: dt.datetime | None, tz: dt.tzinfo) -> dt.date | None:
    return (end.astimezone(tz) - dt.timedelta(days=1)).date() if end else None


def _uses_outside_window(
    config: SiteConfig, records: Iterable[ReviewRecord]
) -> Iterator[_Use]:
    """Every genuine signature whose roster key did not count at its signing time."""
    for record in records:
        for signature in record.signatures:
            try:
                parsed = sshsig.parse_armored(signature.armored)
            except SignatureError:
                continue  # not a signature at all; ``portal verify`` reports it
            owner = config.roster.owner_of(parsed.public_key)
            if owner is None:
                continue
            person, grant = owner
            if grant.window().contains(signature.signed_at):
                continue
            # NOTE: only a signature that verifies was made with the key; a blob that
            # merely carries someone's public key proves nothing about its use.
            message = signature_payload(config.site.id, record, signature)
            try:
                sshsig.verify(
                    parsed, message, namespace=NAMESPACE, public_key=grant.key
                )
            except SignatureError:
                continue
            yield _Use(record, signature, person, grant)


def _after_revocation(use: _Use) -> bool:
    revoked = use.grant.revoked
    return revoked is not None and use.signature.signed_at >= revoked


def _expiring(
    person: Person, grant: KeyGrant, state: KeyState, config: SiteConfig
) -> Finding:
    end = grant.window().end
    assert end is not None  # an expiring key has an end
    first_off = _day(end, config.site.tz)
    revoking = end == grant.revoked
    if revoking:
        ending = f"将于 {first_off} 起吊销"
    else:
        ending = f"有效期到 {_last_day(end, config.site.tz)} 为止"
    successor = _successor(person, grant)
    if successor is not None:
        hint = (
            f"已登记接替的钥匙 {successor.key.fingerprint()}，无需改动；"
            f"自 {first_off} 起请{person.name}改用新钥匙签名。"
        )
    else:
        hint = (
            f"请{person.name}生成新钥匙，在 {ROSTER_PATH} 为 {person.id} 登记新钥匙"
            f"（from 不晚于 {first_off}），旧钥匙保留 until；旧钥匙已签的仍然有效。"
        )
    return finding(
        ROSTER_PATH,
        "key-expiring",
        f"{person.name}（{person.id}）的钥匙 {state.fingerprint} {ending}，"
        f"还剩 {state.days_left} 天。",
        article=ARTICLE,
        severity=WARNING,
        field=f"{state.field}.{'revoked' if revoking else 'until'}",
        hint=hint,
    )


def _successor(person: Person, grant: KeyGrant) -> KeyGrant | None:
    """Another key of ``person`` that counts on the first day ``grant`` no longer does."""
    end = grant.window().end
    if end is None:
        return None
    for other in person.keys:
        if other is not grant and other.usable_at(end):
            return other
    return None


def _late_use(use: _Use, config: SiteConfig) -> Finding:
    signature, person, grant = use.signature, use.person, use.grant
    post = use.record.post
    label = ROLE_LABELS[signature.role]
    window = grant.window().describe()
    what = (
        f"{post} 中 {signature.signer} 以{label}身份于 {signature.signed_at_text} 所作的签名"
        f"用的是{person.name}（{person.id}）的钥匙 {grant.key.fingerprint()}"
    )
    command = f"portal sign {post} --role {signature.role}"
    if post.startswith(f"{BATCHES_DIR}/"):
        command = (
            f"portal sign --batch <新清单名> <清单所列稿件> --role {signature.role}"
        )
    if _after_revocation(use):
        revoked = _day(grant.revoked, config.site.tz)
        return finding(
            use.record.path,
            "key-revoked-used",
            f"{what}，该钥匙已于 {revoked} 吊销，吊销后的签名不算数；此稿须重新审批。",
            article=ARTICLE,
            line=signature.line,
            field="signatures",
            hint=f"请在 {ROSTER_PATH} 为 {person.id} 登记新钥匙后，由其重新签名：{command}。",
        )
    early = grant.valid.start is not None and signature.signed_at < grant.valid.start
    when = "尚未生效" if early else "已过有效期"
    return finding(
        use.record.path,
        "key-outside-window",
        f"{what}，签名时该钥匙{when}（有效期 {window}），这个签名不算数。",
        article=ARTICLE,
        line=signature.line,
        field="signatures",
        hint=(
            f"请用有效的钥匙重新签名：{command}；若还没有新钥匙，请先在 {ROSTER_PATH} "
            f"为 {person.id} 登记新钥匙并给旧钥匙写 until。"
        ),
    )


def _key_json(key: KeyState) -> dict[str, object]:
    entry = asdict(key)
    for name in ("valid_from", "valid_until", "revoked"):
        value = entry[name]
        entry[name] = value.isoformat() if value is not None else None
    entry["reapprove"] = list(key.reapprove)
    return entry
