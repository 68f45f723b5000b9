"""Who is who: people, the roles they hold and when, and their SSH public keys.

The roster is ``site_config/roster.yml``. A role is held over a date range; a key is
valid over a date range and may be revoked from a given day on (附件1 第十条). Dates
are whole days in the bureau's time zone: ``from`` is the first day, ``until`` the
last day included.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.errors import ConfigError, PortalError, SignatureError, raise_if_any
from pipeline.fields import Fields
from pipeline.sshsig import PublicKey, parse_public_key

# The roles a person can hold, and whether each is scoped to departments.
ROLE_KINDS = {
    "section_head": "department",
    "supervising_leader": "departments",
    "principal_leader": None,
    "office_staff": None,
    "staff": "department",
}
ROLE_LABELS = {
    "section_head": "科室负责人",
    "supervising_leader": "分管领导",
    "principal_leader": "主要领导",
    "office_staff": "办公室工作人员",
    "staff": "科室工作人员",
    "handler": "承办人",
}
# A GitHub user name: letters, digits and single hyphens, at most 39 characters, no
# hyphen at either end (as GitHub allows them, for .github/CODEOWNERS).
GITHUB_NAME = re.compile(r"^(?=.{1,39}$)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class Period:
    """A span of whole days, ``start`` included, ``end`` (if any) excluded, as instants."""

    start: dt.datetime | None
    end: dt.datetime | None

    def contains(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` falls inside the period."""
        if self.start is not None and moment < self.start:
            return False
        return self.end is None or moment < self.end

    def describe(self) -> str:
        """``2018-01-01 至 2020-12-31`` in the bureau's days."""
        first = self.start.date().isoformat() if self.start else "不限"
        last = (
            (self.end - dt.timedelta(days=1)).date().isoformat() if self.end else "至今"
        )
        return f"{first} 至 {last}"


@dataclass(frozen=True)
class RoleGrant:
    """One role held by one person over a period, for zero or more departments."""

    role: str
    departments: tuple[str, ...]
    period: Period

    def covers(self, role: str, department: str, moment: dt.datetime) -> bool:
        """Whether this grant makes its holder ``role`` for ``department`` at ``moment``."""
        if self.role != role or not self.period.contains(moment):
            return False
        return not self.departments or department in self.departments


@dataclass(frozen=True)
class KeyGrant:
    """An SSH public key, when it may sign, and whether it is a demo key."""

    key: PublicKey
    valid: Period
    revoked: dt.datetime | None
    demo: bool

    def usable_at(self, moment: dt.datetime) -> bool:
        """Whether a signature made at ``moment`` with this key counts."""
        if self.revoked is not None and moment >= self.revoked:
            return False
        return self.valid.contains(moment)

    def window(self) -> Period:
        """The period in which this key's signatures count, revocation included."""
        end = self.valid.end
        if self.revoked is not None and (end is None or self.revoked < end):
            end = self.revoked
        return Period(self.valid.start, end)


@dataclass(frozen=True)
class Person:
    """A member of staff: id (as in records), name, roles, keys, GitHub user name.

    ``github`` is ``""`` for someone without a registered GitHub account.
    """

    id: str
    name: str
    roles: tuple[RoleGrant, ...]
    keys: tuple[KeyGrant, ...]
    github: str = ""

    def holds(self, role: str, department: str, moment: dt.datetime) -> bool:
        """Whether the person is ``role`` for ``department`` at ``moment``."""
        return any(grant.covers(role, department, moment) for grant in self.roles)

    def key_matching(self, key: PublicKey) -> KeyGrant | None:
        """The roster entry of ``key`` among this person's keys."""
        for grant in self.keys:
            if grant.key.blob == key.blob:
                return grant
        return None


@dataclass(frozen=True)
class Roster:
    """Everyone in ``roster.yml``, by id."""

    people: dict[str, Person]

    def __iter__(self) -> Iterator[Person]:
        return iter(self.people.values())

    def get(self, person_id: str) -> Person | None:
        """The person with this id, if any."""
        return self.people.get(person_id)

    def owner_of(self, key: PublicKey) -> tuple[Person, KeyGrant] | None:
        """Who the roster says holds ``key``."""
        for person in self:
            grant = person.key_matching(key)
            if grant is not None:
                return person, grant
        return None


def load_roster(
    document: object, *, path: str, tz: dt.tzinfo, departments: set[str]
) -> Roster:
    """Build the roster from the YAML of ``roster.yml``; raise ``ConfigError`` listing all problems."""
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(["people"])
    people: dict[str, Person] = {}
    owners: dict[bytes, str] = {}
    for item in top.list_of("people"):
        person = _read_person(item, tz, departments)
        if person is None:
            continue
        if person.id in people:
            item.fail("id", f"编号 {person.id} 重复。", "每人只能登记一次。")
        same_name = [p.id for p in people.values() if p.name == person.name]
        if same_name:
            item.fail(
                "name",
                f"姓名“{person.name}”与 {same_name[0]} 相同；签名结果按姓名显示，重名会让人误认签名人。",
                "请加上科室等以示区分，如“张伟（办公室）”。",
            )
        people[person.id] = person
        for grant in person.keys:
            if grant.key.blob in owners and owners[grant.key.blob] != person.id:
                item.fail(
                    "keys",
                    f"公钥 {grant.key.fingerprint()} 已登记在 {owners[grant.key.blob]} 名下；"
                    "同一把钥匙只能属于一个人（附件1 第十条）。",
                )
            owners[grant.key.blob] = person.id
    raise_if_any(problems)
    return Roster(people)


def _read_person(item: Fields, tz: dt.tzinfo, departments: set[str]) -> Person | None:
    item.only(["id", "name", "github", "roles", "keys"])
    person_id = item.ident("id")
    name = item.text("name", what="姓名")
    github = item.text(
        "github",
        required=False,
        pattern=GITHUB_NAME,
        what="GitHub 用户名：字母、数字和单个连字符，至多 39 个字符，首尾不能是连字符",
    )
    roles = tuple(
        grant
        for grant in (
            _read_role(role, tz, departments) for role in item.list_of("roles")
        )
        if grant is not None
    )
    keys = tuple(
        grant for grant in (_read_key(key, tz) for key in item.list_of("keys")) if grant
    )
    if person_id is None or name is None:
        return None
    return Person(person_id, name, roles, keys, github or "")


def _read_role(item: Fields, tz: dt.tzinfo, departments: set[str]) -> RoleGrant | None:
    item.only(["role", "department", "departments", "from", "until"])
    role = item.text("role", choices=list(ROLE_KINDS))
    if role is None:
        return None
    scope = ROLE_KINDS[role]
    scoped: list[str] = []
    if scope == "department":
        one = item.ident("department")
        scoped = [one] if one else []
    elif scope == "departments":
        scoped = item.text_list("departments")
        if not scoped and item.has("departments"):
            item.fail("departments", "分管领导至少要分管一个科室。")
    else:
        for key in ("department", "departments"):
            if item.has(key):
                item.fail(key, f"角色 {role} 不按科室划分，不应填写此字段。")
    for department in scoped:
        if department not in departments:
            item.fail(
                "department" if scope == "department" else "departments",
                f"科室 {department} 不在 departments.yml 中。",
            )
    return RoleGrant(role, tuple(scoped), day_period(item, "from", "until", tz))


def _read_key(item: Fields, tz: dt.tzinfo) -> KeyGrant | None:
    item.only(["key", "from", "until", "revoked", "demo"])
    text = item.text("key", what="OpenSSH 公钥行，如 ssh-ed25519 AAAA…")
    demo = item.boolean("demo", default=False)
    valid = day_period(item, "from", "until", tz)
    revoked = None
    if item.has("revoked"):
        day = item.date("revoked")
        revoked = day_start(day, tz) if day else None
    if text is None:
        return None
    try:
        key = parse_public_key(text)
    except SignatureError as exc:
        item.fail("key", exc.message)
        return None
    return KeyGrant(key, valid, revoked, demo)


def day_start(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant of ``day`` in the bureau's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def day_period(item: Fields, first: str, last: str, tz: dt.tzinfo) -> Period:
    """The period from field ``first`` to field ``last`` (both whole days, included)."""
    start = item.date(first) if item.has(first) else None
    end = item.date(last) if item.has(last) else None
    if start and end and end < start:
        item.fail(last, f"结束日期 {end} 早于开始日期 {start}。")
    return Period(
        day_start(start, tz) if start else None,
        day_start(end + dt.timedelta(days=1), tz) if end else None,
    )


def allowed_signers(roster: Roster, namespace: str) -> str:
    """An OpenSSH ``allowed_signers`` file: one line per key, limited to its valid window.

    ``ssh-keygen -Y verify -f FILE -I <person id> -n <namespace>`` with this file accepts
    exactly the signatures whose key the roster accepts at the time given by
    ``-Overify-time`` (the signing time); roles are not its business.
    """
    lines = [
        "# allowed_signers generated from site_config/roster.yml by `portal allowed-signers`.",
    ]
    for person in roster:
        for grant in person.keys:
            options = [f'namespaces="{namespace}"']
            window = grant.window()
            if window.start is not None:
                options.append(f'valid-after="{_ssh_time(window.start)}"')
            if window.end is not None:
                options.append(f'valid-before="{_ssh_time(window.end)}"')
            demo = "  # demo key" if grant.demo else ""
            lines.append(f"{person.id} {','.join(options)} {grant.key.openssh()}{demo}")
    return "\n".join(lines) + "\n"


def _ssh_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ")
