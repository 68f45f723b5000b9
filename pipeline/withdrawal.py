"""Withdrawal (撤稿) and emergency takedown (紧急撤下): signed records that take a
published post off the site and leave a notice at its address.

A record lives in ``reviews/_withdrawals/`` or ``reviews/_takedowns/`` under the
post's column and name. It names the post, its department, the version it concerns
(SHA-256), the date, and for a withdrawal the title and the reason shown to the
public; a takedown holds instead the fingerprints of what leaked (``takedown.Guard``),
never the text. Signatures are made exactly as a post's (``review.payload``), with the
record's path and the digest of its content standing for a post's path and hash.

- A withdrawal takes effect once every role ``policy.yml`` names under ``withdrawal``
  (by default the department's section head and supervising leader; 附件1 第十四条、
  第十五条) has approved. The page becomes a notice saying when and why; the post
  leaves the column pages, the search index and the sitemap.
- A takedown takes effect with the first approval by the role that may act first
  (``takedown.emergency_by``, the office by default) or by a confirming role; the
  confirming roles have ``confirm_within_hours`` to approve (附件4 第八条), after which
  it is reported as overdue but stays in force. Only a confirming role's return lifts
  it. While in force, the post's leaked version has no page, and no post whose text or
  attachments hold a guarded fingerprint is published.

Records are append-only: their content never changes and signatures are only added.
A record that was on the branch stays in force when it is later deleted or rewritten
(``merge_history`` takes it from the history and reports the tampering), so undoing a
withdrawal takes a new approval, never a deleted file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.attachments import named_text, readable_format
from pipeline.config import SiteConfig
from pipeline.errors import PortalError, RecordError, SigningError, raise_if_any
from pipeline.fields import Fields
from pipeline.findings import WARNING, Finding, finding, from_error
from pipeline.policy import Requirement
from pipeline.post import CONTENT_DIR, Post
from pipeline.review import REVIEWS_DIR, ReviewRecord, Signature, read_signature
from pipeline.roster import ROLE_LABELS
from pipeline.scan import render
from pipeline.sign import (
    SigningKey,
    decision_by,
    key_unusable,
    sign_onto,
    signer_of,
    signing_moment,
)
from pipeline.takedown import KEY_VARIABLE, SCHEME, Guard, readable
from pipeline.verify import Counted, Report, Witness, assign_roles, check_signer

_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
WITHDRAWAL = "withdrawal"
TAKEDOWN = "takedown"
FOLDERS = {
    WITHDRAWAL: f"{REVIEWS_DIR}/_withdrawals",
    TAKEDOWN: f"{REVIEWS_DIR}/_takedowns",
}
LABELS = {WITHDRAWAL: "撤稿", TAKEDOWN: "紧急撤下"}
# ``guarded_line`` for a post with an attachment whose text cannot be read.
UNREADABLE = -1
_HEADER = (
    "# {label}记录：由 portal {command} 生成和追加，请勿手工修改或删除；"
    "改动会使签名失效，删除不会使它失效。\n"
    "# Written by `portal {command}`; append-only: editing voids the signatures, "
    "deleting changes nothing.\n"
)


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawal or takedown record and the signatures over it."""

    path: str
    kind: str
    post: str
    department: str
    sha256: str
    date: dt.date
    title: str = ""
    reason: str = ""
    guard: Guard | None = None
    signatures: tuple[Signature, ...] = ()

    def content(self) -> dict[str, object]:
        """What the signatures cover, as written in the file."""
        document: dict[str, object] = {
            "kind": self.kind,
            "post": self.post,
            "department": self.department,
            "sha256": self.sha256,
            "date": self.date.isoformat(),
        }
        if self.kind == WITHDRAWAL:
            document["title"] = self.title
            document["reason"] = self.reason
        if self.guard is not None:
            document["guard"] = self.guard.entry()
        return document

    @property
    def digest(self) -> str:
        """SHA-256 of the content as canonical JSON (NFC, sorted keys)."""
        text = json.dumps(
            self.content(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        text = unicodedata.normalize("NFC", text)
        return hashlib.sha256((text + "\n").encode("utf-8")).hexdigest()

    def as_record(self) -> ReviewRecord:
        """The record as signatures see it: its path and digest stand for a post's."""
        return ReviewRecord(self.path, self.path, self.digest, self.signatures)

    def dump(self) -> bytes:
        """The record file's bytes."""
        document = self.content()
        document["signatures"] = [s.entry() for s in self.signatures]
        command = "withdraw" if self.kind == WITHDRAWAL else "takedown"
        header = _HEADER.format(label=LABELS[self.kind], command=command)
        return yamlfile.dump(document, header=header).encode("utf-8")


@dataclass(frozen=True)
class Judgement:
    """Whether a record is in force on a date, and what is still missing."""

    record: Withdrawal
    in_force: bool
    confirmed: bool
    findings: list[Finding] = field(default_factory=list)


def record_path(kind: str, post_path: str) -> str:
    """``reviews/_withdrawals/<column>/<name>.yml`` for ``content/<column>/<name>.md``
    (``_takedowns`` for a takedown)."""
    relative = PurePosixPath(post_path).relative_to(CONTENT_DIR).with_suffix(".yml")
    return f"{FOLDERS[kind]}/{relative.as_posix()}"


def record_paths(root: Path) -> list[str]:
    """Every withdrawal and takedown record in the working tree, repository-relative."""
    found: list[str] = []
    for folder in FOLDERS.values():
        base = root / folder
        if base.is_dir():
            found.extend(
                p.relative_to(root).as_posix()
                for p in base.rglob("*.yml")
                if p.is_file() and not p.is_symlink()
            )
    return sorted(found)


def parse_withdrawal(
    path: str, data: bytes
) -> tuple[Withdrawal | None, list[PortalError]]:
    """Read the record ``path`` from ``data``; ``None`` and the problems if unusable."""
    try:
        text = yamlfile.decode(data, shown_as=path, error=RecordError)
        document = yamlfile.load(text, path=path, error=RecordError)
    except RecordError as exc:
        return None, [exc]
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=RecordError, problems=problems, line=1)
    top.only(
        [
            "kind",
            "post",
            "department",
            "sha256",
            "date",
            "title",
            "reason",
            "guard",
            "signatures",
        ]
    )
    kind = top.text("kind", what="withdrawal 或 takedown")
    post = top.text("post", what="content/ 下的稿件路径")
    department = top.ident("department")
    sha256 = top.text("sha256", what="稿件内容的 SHA-256")
    date = top.date("date")
    title = reason = ""
    guard = None
    if kind == WITHDRAWAL:
        title = top.text("title", what="稿件标题") or ""
        reason = top.text("reason", what="撤稿原因") or ""
    elif kind == TAKEDOWN:
        guard = _read_guard(top)
    elif kind is not None:
        top.fail("kind", f"应为 {WITHDRAWAL} 或 {TAKEDOWN}。")
    signatures = tuple(
        s
        for s in (
            read_signature(item) for item in top.list_of("signatures", required=False)
        )
        if s is not None
    )
    if kind in FOLDERS and post is not None and post.startswith(f"{CONTENT_DIR}/"):
        if record_path(kind, post) != path:
            top.fail(
                "post",
                f"记录写的是 {post}，却放在 {path}；签名只对所签的记录有效。",
            )
    elif post is not None:
        top.fail("post", f"应是 {CONTENT_DIR}/ 下的稿件路径。")
    if problems or None in (kind, post, department, sha256, date):
        return None, problems
    assert kind and post and department and sha256 and date
    return (
        Withdrawal(
            path, kind, post, department, sha256, date, title, reason, guard, signatures
        ),
        [],
    )


def _read_guard(top: Fields) -> Guard | None:
    guard = top.mapping_of("guard")
    if guard is None:
        return None
    guard.only(["scheme", "key_id", "fingerprints"])
    scheme = guard.text("scheme", what="指纹算法")
    if scheme is not None and scheme != SCHEME:
        guard.fail(
            "scheme",
            f"指纹算法 {scheme} 不是本版本使用的 {SCHEME}；不能按它检查引用。",
            "请用本版本重新登记紧急撤下（portal takedown），或使用登记时的版本。",
        )
        return None
    identity = guard.text("key_id", pattern=_KEY_ID, what="密钥摘要（16 位十六进制）")
    prints = guard.mapping_of("fingerprints", required=False)
    found: dict[int, frozenset[str]] = {}
    for size, values in prints.mapping.items() if prints else []:
        if not (isinstance(size, str) and size.isdigit()) or not isinstance(
            values, list
        ):
            assert prints is not None
            prints.fail(str(size), "应是“长度: [指纹, …]”。")
            continue
        found[int(size)] = frozenset(str(v) for v in values)
    if identity is None:
        return None
    return Guard(identity, found)


def read_withdrawal(
    root: Path, path: str
) -> tuple[Withdrawal | None, list[PortalError]]:
    """Read the record at ``root/path``."""
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        return None, [RecordError(f"无法读取：{exc.strerror}。", path=path)]
    return parse_withdrawal(path, data)


def write_withdrawal(root: Path, record: Withdrawal) -> None:
    """Write ``record`` atomically."""
    yamlfile.write_atomic(root / record.path, record.dump())


# --------------------------------------------------------------------------- history


def merge_history(
    current: Mapping[str, bytes], earlier: Mapping[str, list[bytes]]
) -> tuple[list[Withdrawal], list[Finding]]:
    """Every record that may be in force: each content ever committed at a record's
    path, with every signature it ever carried, and the working tree's; a finding for
    each signed content deleted, rewritten or stripped of a signature since.

    No version counts as "the" record by its place in the history (a merge can put
    any order on it): each is judged on its own signatures, so a placeholder
    committed on a side branch cancels nothing. ``current`` holds the working tree's
    record files, ``earlier`` every committed version of each record path.
    """
    findings: list[Finding] = []
    records: list[Withdrawal] = []
    for path in sorted(set(current) | set(earlier)):
        contents: dict[str, Withdrawal] = {}
        signed: dict[str, dict[str, Signature]] = {}
        for data in earlier.get(path, []):
            record, _ = parse_withdrawal(path, data)
            if record is None:
                continue
            contents.setdefault(record.digest, record)
            for signature in record.signatures:
                signed.setdefault(record.digest, {})[signature.armored] = signature
        here: Withdrawal | None = None
        if path in current:
            here, problems = parse_withdrawal(path, current[path])
            findings.extend(from_error("withdrawal-invalid", p) for p in problems)
        kept = {s.armored for s in here.signatures} if here is not None else set()
        for digest, seen in signed.items():
            label = LABELS[contents[digest].kind]
            if here is None:
                message = f"{label}记录已提交，不能删除；它仍然有效。"
            elif here.digest != digest:
                message = (
                    f"{label}记录提交后内容被改动；已签名的内容仍然有效，改动无效。"
                )
            elif any(armored not in kept for armored in seen):
                message = f"{label}记录中已有的签名被删去；删去的签名仍然算数。"
            else:
                continue
            findings.append(_tampered(path, message))
        if here is not None:
            contents.setdefault(here.digest, here)
            for signature in here.signatures:
                signed.setdefault(here.digest, {})[signature.armored] = signature
        for digest, record in contents.items():
            union = tuple(signed.get(digest, {}).values())
            records.append(replace(record, signatures=union))
    return records, findings


def _tampered(path: str, message: str) -> Finding:
    return finding(
        path,
        "withdrawal-rewritten",
        message,
        hint="请恢复该记录（git checkout 主分支上的版本）。撤稿、撤下只能由有权的人签名"
        "“退回”（return）来撤销（附件1 第十五条、附件4 第八条）。",
    )


# --------------------------------------------------------------------------- judge


def requirements(record: Withdrawal, config: SiteConfig) -> tuple[Requirement, ...]:
    """The approvals the record needs under the policy."""
    if record.kind == WITHDRAWAL:
        return config.policy.withdrawal_requirements()
    return config.policy.takedown_rules().approvals


def judge(
    record: Withdrawal,
    config: SiteConfig,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
) -> Judgement:
    """Whether ``record`` is in force at ``now`` and what it still lacks."""
    counted, findings = _counted(record, config, now, witness)
    required = requirements(record, config)
    latest: dict[str, Counted] = {}
    for item in sorted(counted, key=lambda c: c.signature.signed_at):
        latest[item.signature.role] = item
    returned = [
        item
        for role, item in latest.items()
        if item.signature.decision == "return" and role in {r.role for r in required}
    ]
    candidates = {
        r.role: {
            c.person.id
            for c in counted
            if c.signature.role == r.role and c.signature.decision == "approve"
        }
        for r in required
    }
    filled = assign_roles(candidates, config.policy.one_person_several_roles)
    confirmed = not returned and all(r.role in filled for r in required)
    label = LABELS[record.kind]
    for item in returned:
        findings.append(
            finding(
                record.path,
                "withdrawal-returned",
                f"{item.person.name}以{ROLE_LABELS[item.signature.role]}身份退回了{label}"
                f"（{item.signature.signed_at_text}）：{item.signature.comment or '未写意见'}。"
                f"{label}不起作用。",
                severity=WARNING,
            )
        )
    if record.kind == WITHDRAWAL:
        if not returned and not confirmed:
            findings.append(_pending(record, config, required, filled))
        return Judgement(record, confirmed, confirmed, findings)
    rules = config.policy.takedown_rules()
    acting = [
        c
        for c in counted
        if c.signature.decision == "approve"
        and c.signature.role in {rules.emergency_by.role, *(r.role for r in required)}
    ]
    in_force = bool(acting) and not returned
    if in_force and not confirmed:
        first = min(c.signature.signed_at for c in acting)
        deadline = first + dt.timedelta(hours=rules.confirm_within_hours)
        overdue = now > deadline
        pending = _pending(record, config, required, filled)
        text = (
            f"紧急撤下已生效（{first.isoformat()}），须在 {rules.confirm_within_hours} 小时内"
            f"（{deadline.isoformat()} 前）由领导确认："
        )
        findings.append(
            replace(
                pending,
                rule="takedown-unconfirmed" if overdue else "takedown-pending",
                message=("已逾期！" if overdue else "") + text + pending.message,
            )
        )
    return Judgement(record, in_force, confirmed, findings)


def _pending(
    record: Withdrawal,
    config: SiteConfig,
    required: Iterable[Requirement],
    filled: set[str],
) -> Finding:
    department = config.departments.get(record.department)
    name = department.name if department else record.department
    missing = [ROLE_LABELS[r.role] for r in required if r.role not in filled]
    articles = "、".join(dict.fromkeys(a for r in required for a in r.articles))
    command = "withdraw" if record.kind == WITHDRAWAL else "takedown"
    return finding(
        record.path,
        "withdrawal-pending",
        f"{LABELS[record.kind]}尚须{name}的{'、'.join(missing)}同意（{articles}）。",
        severity=WARNING,
        hint=f"请他们各自运行 portal {command} {record.post} --role <角色> --key <私钥>。",
    )


def _counted(
    record: Withdrawal,
    config: SiteConfig,
    now: dt.datetime,
    witness: Witness | None,
) -> tuple[list[Counted], list[Finding]]:
    """The record's signatures that count: each passes ``verify.check_signer`` and its
    signer held the role for the department (the office, for the office's role)."""
    findings: list[Finding] = []
    counted: list[Counted] = []
    as_record = record.as_record()
    for signature in record.signatures:
        outcome = check_signer(as_record, signature, config, now=now, witness=witness)
        if isinstance(outcome, Finding):
            findings.append(replace(outcome, severity=WARNING))
        elif not _holds(config, record, outcome.person.id, signature):
            findings.append(
                finding(
                    record.path,
                    "signer-role",
                    f"{outcome.person.name}在 {signature.signed_at_text} 不是"
                    f"{_department_name(config, record)}的{ROLE_LABELS[signature.role]}，"
                    "这个签名不算数。",
                    severity=WARNING,
                )
            )
        else:
            counted.append(outcome)
    return counted, findings


def _holds(
    config: SiteConfig, record: Withdrawal, person_id: str, signature: Signature
) -> bool:
    """Whether the signer held the role where it counts: the role that acts first on a
    takedown in the office, every other role in the post's department."""
    person = config.roster.get(person_id)
    if person is None:
        return False
    acting_first = (
        record.kind == TAKEDOWN
        and signature.role == config.policy.takedown_rules().emergency_by.role
    )
    where = config.office.id if acting_first else record.department
    return person.holds(signature.role, where, signature.signed_at)


def _department_name(config: SiteConfig, record: Withdrawal) -> str:
    department = config.departments.get(record.department)
    return department.name if department else record.department


# --------------------------------------------------------------------------- apply


def apply(
    report: Report,
    records: list[Withdrawal],
    config: SiteConfig,
    *,
    now: dt.datetime,
    witness: Witness | None = None,
    takedown_key: str | None = None,
) -> None:
    """Take withdrawn and taken-down posts out of ``report.publishable`` and hold back
    every post holding a guarded fingerprint; record what happened in ``report``.

    Without the takedown key (``takedown_key``) quotations cannot be looked for: the
    taken-down post stays down and the takedown is listed in ``report.unchecked``.
    """
    posts = {post.path: post for post in report.publishable}
    for record in records:
        judgement = judge(record, config, now=now, witness=witness)
        report.findings.extend(judgement.findings)
        post = posts.get(record.post)
        if judgement.in_force and record.kind == WITHDRAWAL and post is not None:
            if post.department != record.department:
                report.findings.append(_moved(record, post))
        if not judgement.in_force:
            continue
        guard = None
        if record.kind == TAKEDOWN and record.guard is not None:
            guard = record.guard.with_key(takedown_key)
            if guard is None:
                report.unchecked.append(record)
                report.findings.append(_no_key(record))
            else:
                report.guards.append(guard)
        if (
            record.kind == WITHDRAWAL
            or post is None
            or post.sha256 == record.sha256
            or guard is None
        ):
            if post is not None and post in report.publishable:
                report.publishable.remove(post)
            report.withdrawn.append(record)
    report.guards[:] = Guard.merged(report.guards)
    taken = {r.post: r for r in records if r.kind == TAKEDOWN}
    for guard in report.guards:
        clean: set[str] = set()
        for post in list(report.publishable):
            line = guarded_line(guard, post, config.site.markdown_extensions, clean)
            if line is None:
                continue
            report.publishable.remove(post)
            own = taken.get(post.path)
            if own is not None and own not in report.withdrawn:
                report.withdrawn.append(own)
            report.findings.append(_quoted(post, line))


def _quoted(post: Post, line: int) -> Finding:
    if line == UNREADABLE:
        return finding(
            post.path,
            "takedown-quoted",
            "紧急撤下期间，此稿件的附件是无法检查内容的格式（压缩包、旧版 Office 等），"
            "不能确定其中没有已撤下的信息，暂不发布（附件4 第八条）。",
            hint="请改用 PDF、docx、xlsx 等可检查的格式，再请领导重新审批。",
        )
    where = f"第 {line} 行起" if line else "附件中"
    return finding(
        post.path,
        "takedown-quoted",
        f"此稿件{where}含有已紧急撤下的信息，不能发布（附件4 第八条）。",
        line=line or None,
        hint="请删去这部分内容（连同附件中的），再请领导重新审批。",
    )


def _no_key(record: Withdrawal) -> Finding:
    return finding(
        record.path,
        "takedown-key-missing",
        "本机没有紧急撤下密钥，无法检查其他稿件是否引用了撤下的内容；被撤下的稿件照旧不发布。",
        severity=WARNING,
        hint=f"部署和办公室须设置环境变量 {KEY_VARIABLE}（向办公室索取）；"
        "没有密钥时 portal build 不构建网站。",
    )


def _moved(record: Withdrawal, post: Post) -> Finding:
    return finding(
        record.path,
        "withdrawal-invalid",
        f"撤稿记录写的科室是 {record.department}，稿件现在属于 {post.department}；"
        "撤稿仍然有效：改科室不能让已撤下的稿件重新上网。",
        severity=WARNING,
        hint="要恢复发布，须由撤稿记录所写科室的科室负责人或分管领导签名退回。",
    )


def guarded_line(
    guard: Guard,
    post: Post,
    dialect: Sequence[str],
    clean: set[str] | None = None,
) -> int | None:
    """The line of ``post`` where guarded text starts (0: in an attachment), or
    ``None`` when the post holds none, ``UNREADABLE`` when an attachment's format
    cannot be read. ``clean``: see ``Guard.found``."""
    text = post.data.decode("utf-8", errors="replace")
    line = guard.found(text, clean)
    if line is not None:
        return line
    # The address (the file name), and where the page could show other text than
    # the source (character references, percent-encoded links) the page as shown.
    shown = post.path
    if "&" in text or "%" in text:
        page = render(post.body, tuple(dialect)).encode("utf-8")
        shown += f"\n{html.unescape(text)}\n{readable(page, post.path)}"
    if guard.found(shown, clean) is not None:
        return 1
    for attachment in post.attachments:
        if not readable_format(attachment):
            return UNREADABLE
        if guard.found(named_text(attachment), clean) is not None:
            return 0
    return None


# --------------------------------------------------------------------------- page


def notice_page(
    record: Withdrawal, config: SiteConfig, page: str, *, plain: bool = False
) -> bytes:
    """The page left at a withdrawn or taken-down post's address: when, and for a
    withdrawal what and why; for a takedown nothing of the post, not even its title.

    Finished HTML (a static file to any site generator), so that it is in no
    navigation, search index or sitemap. ``page`` is its site-relative file; with
    ``plain`` (a withdrawal whose title or reason quotes a taken-down leak) it says
    only when.
    """
    up = "../" * (len(PurePosixPath(page).parts) - 1)
    column_id = PurePosixPath(record.post).relative_to(CONTENT_DIR).parts[0]
    column = config.columns.get(column_id)
    label = LABELS[record.kind] if record.kind == WITHDRAWAL else "撤下"
    if record.kind == WITHDRAWAL and not plain:
        body = (
            f"<p>《{html.escape(record.title)}》已于 {record.date.isoformat()} 撤稿。</p>\n"
            f"<p>撤稿原因：{html.escape(record.reason)}</p>\n"
        )
    else:
        body = f"<p>本页原发布的信息已于 {record.date.isoformat()} 撤下。</p>\n"
    back = (
        f'<a href="{up}{html.escape(column.id)}/">返回{html.escape(column.title)}</a>　'
        if column
        else ""
    )
    title = f"已{label} - {config.site.title}"
    return (
        "<!doctype html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        '<main class="portal-withdrawn" data-portal-generated="withdrawn" '
        f'data-portal-post="{html.escape(record.post)}" '
        f'data-portal-withdrawal="{record.digest}">\n'
        f"<h1>本页信息已{label}</h1>\n{body}"
        f'<p>{back}<a href="{up}">返回首页</a></p>\n'
        "</main>\n</body>\n</html>\n"
    ).encode()


# --------------------------------------------------------------------------- sign


def sign_withdrawal(
    root: Path,
    config: SiteConfig,
    post: Post,
    *,
    kind: str,
    role: str,
    key: SigningKey,
    reason: str = "",
    guard: Guard | None = None,
    decision: str = "approve",
    comment: str = "",
    at: dt.datetime | None = None,
) -> tuple[Withdrawal, Signature]:
    """Create or sign the ``kind`` record of ``post`` as ``role``.

    The first signer fixes the content (a withdrawal's reason, a takedown's guard);
    later signers sign the record as it stands. Refused when the signature would not
    count: a key outside its window, a role the policy does not name for ``kind``, or
    a role the signer does not hold for the post's department (or the office).
    """
    target = record_path(kind, post.path)
    at = signing_moment(config, decision, comment, at)
    existing: Withdrawal | None = None
    if (root / target).is_file():
        existing, unreadable = read_withdrawal(root, target)
        raise_if_any(unreadable)
    if existing is None:
        if kind == WITHDRAWAL and not reason.strip():
            raise SigningError(
                "请用 --reason 写明撤稿原因，它会显示在撤稿说明中（附件1 第十五条）。",
                path=post.path,
                hint=f'如 portal withdraw {post.path} --reason "文件已废止" --role {role}',
            )
        if kind == TAKEDOWN and guard is None:
            raise SigningError("紧急撤下须先登记所泄露的内容。", path=post.path)
        existing = Withdrawal(
            target,
            kind,
            post.path,
            post.department,
            post.sha256,
            at.date(),
            post.title if kind == WITHDRAWAL else "",
            reason.strip() if kind == WITHDRAWAL else "",
            guard if kind == TAKEDOWN else None,
        )
    elif kind == WITHDRAWAL and reason.strip() not in ("", existing.reason):
        raise SigningError(
            f"撤稿记录 {target} 已写明原因“{existing.reason}”；已签的记录不能改动。",
            path=target,
            hint="请不带 --reason（或用同样的原因）签名。",
        )
    person = signer_of(config, key)
    rules = config.policy.takedown_rules()
    roles = [r.role for r in requirements(existing, config)]
    if kind == TAKEDOWN:
        roles.insert(0, rules.emergency_by.role)
    grant = person.key_matching(key.public_key())
    problems: list[PortalError] = []
    if grant is not None and not grant.usable_at(at):
        problems.append(key_unusable(person, grant, at))
    if role not in roles:
        problems.append(
            SigningError(
                f"{LABELS[kind]}只由这些角色签名："
                f"{'、'.join(ROLE_LABELS.get(r, r) + f'（{r}）' for r in roles)}；"
                f"不能以 {role} 身份签名。",
                path=post.path,
                hint="见 site_config/policy.yml。",
            )
        )
    elif not (
        person.holds(role, post.department, at)
        or person.holds(role, config.office.id, at)
    ):
        problems.append(
            SigningError(
                f"{person.name}在 {at.date()} 不是{config.departments[post.department].name}"
                f"的{ROLE_LABELS.get(role, role)}，签了也不算数。",
                path=post.path,
                hint="请核对 --role，或由在任的人员签名。",
            )
        )
    raise_if_any(problems)
    signature, signatures = sign_onto(
        config,
        key,
        existing.as_record(),
        existing.signatures,
        decision_by(role, person.id, decision, comment, at),
    )
    record = replace(existing, signatures=signatures)
    write_withdrawal(root, record)
    return record, signature
