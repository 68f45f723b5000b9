"""Signing a post: a signature made by ``ssh-keygen -Y sign`` appended to its record.

``ssh-keygen`` does the signing so that every key OpenSSH supports works, files and
ssh-agent and hardware keys alike; verification never calls it (see ``verify``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import sshsig
from pipeline.batch import Batch, batch_path, read_batch, write_batch
from pipeline.config import SiteConfig, handler_hint
from pipeline.errors import PortalError, SigningError, raise_if_any
from pipeline.governance import GOVERNED_FILES, governed_record_path, sha256
from pipeline.policy import HANDLER
from pipeline.post import Post, read_post
from pipeline.review import (
    DECISIONS,
    NAMESPACE,
    SIGNATURE_ROLES,
    ReviewRecord,
    Signature,
    read_record,
    record_path,
    signature_payload,
    write_record,
)
from pipeline.roster import ROLE_KINDS, ROLE_LABELS, KeyGrant, Person


@dataclass(frozen=True)
class SigningKey:
    """The key to sign with: a private key file, or a public key whose half is in ssh-agent."""

    path: Path

    def public_key(self) -> sshsig.PublicKey:
        """The public half, from ``<key>.pub`` or the ``.pub`` file itself."""
        public = self.path if self.path.suffix == ".pub" else Path(f"{self.path}.pub")
        try:
            line = public.read_text(encoding="utf-8")
        except OSError:
            raise SigningError(
                f"找不到公钥文件 {public}。",
                hint="请用 --key 指向私钥（旁边要有同名 .pub 文件），或指向 ssh-agent 中私钥对应的 .pub 文件。",
            ) from None
        return sshsig.parse_public_key(line)

    @property
    def in_agent(self) -> bool:
        """Whether the private half is expected in ssh-agent."""
        return self.path.suffix == ".pub"


@dataclass(frozen=True)
class SignResult:
    """What ``sign_post`` did: the new signature and how many old ones it discarded."""

    signature: Signature
    record: ReviewRecord
    voided: int
    post: Post | None


def sign_post(
    root: Path,
    config: SiteConfig,
    path: str,
    *,
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> SignResult:
    """Sign ``path`` as ``role`` with ``key`` and append the signature to its record.

    Refuses, with a reason, when the post is invalid, the key is not in the roster,
    or its holder could not sign for ``role`` at ``at`` (such a signature would not
    count). Signatures for earlier bytes of the post are dropped from the record.
    A governed file (``site_config/roster.yml``, ``mkdocs.yml`` …) is signed by
    ``sign_governed`` instead.
    """
    if path in GOVERNED_FILES:
        return sign_governed(
            root,
            config,
            path,
            role=role,
            key=key,
            decision=decision,
            comment=comment,
            at=at,
        )
    post, problems = read_post(root, path, config)
    raise_if_any(problems)
    assert post is not None
    at = signing_moment(config, decision, comment, at)
    person = signer_of(config, key)
    _check_may_sign(config, post, person, role, key, at)
    return _append(
        root,
        config,
        ReviewRecord(record_path(post.path), post.path, post.sha256, ()),
        decision_by(role, person.id, decision, comment, at),
        key,
        post,
    )


def sign_governed(
    root: Path,
    config: SiteConfig,
    path: str,
    *,
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> SignResult:
    """Sign the new bytes of the governed file ``path`` (附件1 第十一条、第十二条).

    The signature goes to ``reviews/_governed/<path>``. Whether it counts is decided
    by the roster and policy in force before the change; here the signer is only
    checked against the roles that policy names for governed changes.
    """
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        raise SigningError(f"无法读取 {path}：{exc.strerror}。", path=path) from None
    at = signing_moment(config, decision, comment, at)
    person = signer_of(config, key)
    roles = [r.role for r in config.policy.change_requirements()]
    grant = person.key_matching(key.public_key())
    problems: list[PortalError] = []
    if grant is not None and not grant.usable_at(at):
        problems.append(key_unusable(person, grant, at))
    if role not in roles:
        problems.append(
            SigningError(
                f"受管文件的改动只由这些角色签名：{'、'.join(roles)}；不能以 {role} 身份签名。",
                path=path,
                hint="见 site_config/policy.yml 的 governed_changes。",
            )
        )
    elif not person.holds(role, config.office.id, at):
        problems.append(
            SigningError(
                f"{person.name}在 {at.date()} 不是{ROLE_LABELS.get(role, role)}，签了也不算数。",
                path=path,
                hint="请核对 --role，或由在任的人员签名。",
            )
        )
    raise_if_any(problems)
    return _append(
        root,
        config,
        ReviewRecord(governed_record_path(path), path, sha256(data), ()),
        decision_by(role, person.id, decision, comment, at),
        key,
        None,
    )


def sign_batch(
    root: Path,
    config: SiteConfig,
    name: str,
    paths: list[str],
    *,
    role: str,
    key: SigningKey,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> tuple[Batch, Signature]:
    """Sign the manifest ``reviews/_batches/<name>.yml`` listing ``paths`` once.

    With no ``paths`` the existing manifest is signed as it stands (another role
    adding its approval); every listed post must still have the bytes it lists. The
    signer must be able to sign every listed post in ``role``, as for ``sign_post``.
    """
    target = batch_path(name)
    existing = None
    if (root / target).is_file():
        existing, problems = read_batch(root, target)
        raise_if_any(problems)
    listed = paths or (sorted(existing.posts) if existing else [])
    if not listed:
        raise SigningError(
            f"批量审批清单 {target} 还不存在，请列出要审批的稿件。",
            hint=f"如 portal sign --batch {name} content/laws/*.md --role {role}",
        )
    posts: list[Post] = []
    problems = []
    for path in listed:
        post, found = read_post(root, path, config)
        problems.extend(found)
        if post is not None:
            posts.append(post)
    raise_if_any(problems)
    listing = {post.path: post.sha256 for post in posts}
    if existing is not None and existing.posts != listing:
        changed = sorted(
            p
            for p in {*existing.posts, *listing}
            if existing.posts.get(p) != listing.get(p)
        )
        raise SigningError(
            f"清单 {target} 列出的稿件或其内容与现在不同（{'、'.join(changed[:5])}"
            f"{' 等' if len(changed) > 5 else ''}）；已签的清单不能改动。",
            path=target,
            hint="改动过的稿件请单独审批，或另起一个名称的清单。",
        )
    at = signing_moment(config, decision, comment, at)
    person = signer_of(config, key)
    for post in posts:
        try:
            _check_may_sign(config, post, person, role, key, at)
        except PortalError as exc:
            problems.append(exc)
    raise_if_any(problems)
    fresh = Batch(target, listing, existing.signatures if existing else ())
    signature, signatures = sign_onto(
        config,
        key,
        fresh.as_record(),
        fresh.signatures,
        decision_by(role, person.id, decision, comment, at),
    )
    batch = replace(fresh, signatures=signatures)
    write_batch(root, batch)
    return batch, signature


def signing_moment(
    config: SiteConfig, decision: str, comment: str, at: dt.datetime | None
) -> dt.datetime:
    """The signing time (now unless given), after checking decision and comment."""
    try:
        comment.encode("utf-8")
    except UnicodeEncodeError:
        raise SigningError(
            "意见（--comment）含有无法识别的字符。",
            hint="请检查终端编码是否为 UTF-8，然后重新输入意见。",
        ) from None
    if decision not in DECISIONS:
        raise SigningError(f"决定只能是 {'/'.join(DECISIONS)}，不能是 {decision}。")
    return (at or dt.datetime.now(config.site.tz)).replace(microsecond=0)


def _append(
    root: Path,
    config: SiteConfig,
    fresh: ReviewRecord,
    unsigned: Signature,
    key: SigningKey,
    post: Post | None,
) -> SignResult:
    """Sign ``unsigned`` for the subject of ``fresh`` and write the record: earlier
    signatures over the same bytes are kept, those over other bytes dropped."""
    previous = _current_record(root, fresh)
    current = (
        previous.signatures if previous and previous.sha256 == fresh.sha256 else ()
    )
    voided = len(previous.signatures) - len(current) if previous else 0
    signature, signatures = sign_onto(config, key, fresh, current, unsigned)
    record = replace(fresh, signatures=signatures)
    write_record(root, record)
    return SignResult(signature, record, voided, post)


def decision_by(
    role: str, signer: str, verdict: str, comment: str, at: dt.datetime
) -> Signature:
    """A decision not yet signed: who, as which role, what, when."""
    return Signature(role, signer, verdict, comment.strip(), at, at.isoformat(), "")


def sign_onto(
    config: SiteConfig,
    key: SigningKey,
    record: ReviewRecord,
    earlier: tuple[Signature, ...],
    unsigned: Signature,
) -> tuple[Signature, tuple[Signature, ...]]:
    """Sign ``unsigned`` with ``key`` over ``record``'s path and hash; the signature
    and ``earlier`` with it added. The same decision signed again (a rerun) replaces
    the earlier one rather than piling up."""
    message = signature_payload(config.site.id, record, unsigned)
    signature = replace(unsigned, armored=run_ssh_keygen_sign(key, message))
    kept = tuple(s for s in earlier if not _same_decision(s, signature))
    return signature, (*kept, signature)


def _same_decision(one: Signature, other: Signature) -> bool:
    return (one.role, one.signer, one.decision, one.comment, one.signed_at_text) == (
        other.role,
        other.signer,
        other.decision,
        other.comment,
        other.signed_at_text,
    )


def _current_record(root: Path, fresh: ReviewRecord) -> ReviewRecord | None:
    if not (root / fresh.path).is_file():
        return None
    record, problems = read_record(root, fresh.path)
    if record is None:
        raise_if_any(problems)
    if record is not None and record.post != fresh.post:
        return replace(record, signatures=())
    return record


def signer_of(config: SiteConfig, key: SigningKey) -> Person:
    public = key.public_key()
    owner = config.roster.owner_of(public)
    if owner is None:
        raise SigningError(
            f"钥匙 {public.fingerprint()} 不在花名册（site_config/roster.yml）中。",
            hint="请办公室先登记这把钥匙（附件1 第十条）。",
        )
    return owner[0]


def _check_may_sign(
    config: SiteConfig,
    post: Post,
    person: Person,
    role: str,
    key: SigningKey,
    at: dt.datetime,
) -> None:
    label = ROLE_LABELS.get(role, role)
    grant = person.key_matching(key.public_key())
    problems: list[PortalError] = []
    if grant is not None and not grant.usable_at(at):
        problems.append(key_unusable(person, grant, at))
    if role == HANDLER:
        if person.id != post.secrecy_review.handler:
            problems.append(
                SigningError(
                    f"稿件的承办人是 {post.secrecy_review.handler}，不是 {person.id}（{person.name}）。",
                    path=post.path,
                    field="secrecy_review.handler",
                )
            )
        elif not any(
            person.holds(r, post.department, at) for r in ("staff", "section_head")
        ):
            department = config.departments[post.department].name
            problems.append(
                SigningError(
                    f"{person.name}在 {at.date()} 不是{department}的人员，不能作本稿的承办人"
                    "（保密审查意见由信息提供科室提出，附件4 第四条）。",
                    path=post.path,
                    field="secrecy_review.handler",
                    hint=handler_hint(config, post.department, at),
                )
            )
    elif role not in SIGNATURE_ROLES:
        problems.append(
            SigningError(
                f"不能以 {role} 身份签名；可选：{'、'.join(SIGNATURE_ROLES)}。"
            )
        )
    elif not person.holds(role, post.department, at):
        department = (
            config.departments[post.department].name if ROLE_KINDS[role] else "本局"
        )
        problems.append(
            SigningError(
                f"{person.name}在 {at.date()} 不是{department}的{label}，签了也不算数。",
                path=post.path,
                hint="请核对 --role，或由在任的人员签名。",
            )
        )
    raise_if_any(problems)


def key_unusable(person: Person, grant: KeyGrant, at: dt.datetime) -> SigningError:
    return SigningError(
        f"{person.name}的钥匙 {grant.key.fingerprint()} 在 {at.isoformat()} 不可用"
        f"（有效期 {grant.window().describe()}，已过期或已吊销）。",
        path="site_config/roster.yml",
        field="keys",
        hint="请用花名册中仍有效的钥匙签名，或请办公室为您登记新钥匙（附件1 第十条）。",
    )


def run_ssh_keygen_sign(key: SigningKey, message: bytes) -> str:
    """Sign ``message`` under ``NAMESPACE`` with ``ssh-keygen -Y sign``; the armored text."""
    command = ["ssh-keygen", "-q", "-Y", "sign", "-n", NAMESPACE, "-f", str(key.path)]
    if key.in_agent:
        command.insert(4, "-U")
    env = dict(os.environ)
    try:
        result = subprocess.run(
            command, input=message, capture_output=True, env=env, check=False
        )
    except FileNotFoundError:
        raise SigningError(
            "找不到 ssh-keygen。",
            hint="请安装 OpenSSH 客户端（Debian: openssh-client）。",
        ) from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        hint = "请检查钥匙路径和口令；使用 ssh-agent 时请确认钥匙已加入（ssh-add -l）。"
        if "UNPROTECTED PRIVATE KEY FILE" in detail:
            hint = (
                f"私钥文件权限过宽，ssh-keygen 拒绝使用；请运行 chmod 600 {key.path}。"
            )
        raise SigningError(
            f"ssh-keygen 签名失败（退出码 {result.returncode}）：{detail}", hint=hint
        )
    return result.stdout.decode("ascii").strip() + "\n"
