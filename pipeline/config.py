"""The site's configuration in ``site_config/``: site, departments, columns, roster, policy.

Everything is validated when loaded; ``load_config`` raises one ``ConfigError`` (or a
``ProblemList``) naming every problem with file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import yamlfile
from pipeline.errors import ConfigError, PortalError, raise_if_any
from pipeline.fields import Fields
from pipeline.policy import Policy, load_policy
from pipeline.roster import Roster, load_roster

CONFIG_DIR = "site_config"
CONFIG_FILES = (
    "site.yml",
    "departments.yml",
    "columns.yml",
    "roster.yml",
    "policy.yml",
)
# Reads a repository-relative path: the file's bytes, or None when there is no such file.
Reader = Callable[[str], bytes | None]
DEPARTMENT_KINDS = {
    "department": "科室",
    "affiliated_unit": "局属单位",
    "office": "办公室",
}
# Kinds of column and of post, with the Chinese names readers see.
KINDS = {
    "notice": "通知公告",
    "rules": "规章制度",
    "regulation": "法律法规",
    "normative": "规范性文件",
    "policy": "政策文件",
    "news": "工作动态",
    "guide": "办事指南",
    "report": "报告",
}
# Markdown extensions a site may render posts with: they only change how text is
# rendered, and none reads a file. MkDocs always uses its three built-ins.
MARKDOWN_EXTENSIONS = (
    "toc",
    "tables",
    "fenced_code",
    "attr_list",
    "admonition",
    "footnotes",
    "def_list",
    "abbr",
    "md_in_html",
    "sane_lists",
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tabbed",
    "pymdownx.tasklist",
    "pymdownx.caret",
    "pymdownx.mark",
    "pymdownx.tilde",
    "pymdownx.betterem",
)
MKDOCS_BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")
_OFFSET = re.compile(r"^([+-])(0\d|1[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Site:
    """The portal itself: its id (bound into every signature), name and time zone."""

    id: str
    title: str
    tz: dt.tzinfo
    # The Markdown dialect of posts: what the content scan renders them with, and
    # what the site must render them with.
    markdown_extensions: tuple[str, ...] = MKDOCS_BUILTIN_EXTENSIONS
    # The office that receives applications for information (附件2 第三条).
    disclosure_office: DisclosureOffice | None = None


@dataclass(frozen=True)
class DisclosureOffice:
    """Where applications for government information go (附件2 第三条): published."""

    name: str
    address: str
    hours: str
    phone: str
    fax: str
    email: str

    def rows(self) -> list[tuple[str, str]]:
        """The published rows: label and value."""
        return [
            ("受理机构", self.name),
            ("办公地址", self.address),
            ("办公时间", self.hours),
            ("联系电话", self.phone),
            ("传真号码", self.fax),
            ("电子邮箱", self.email),
        ]


@dataclass(frozen=True)
class Department:
    """A department, affiliated unit or the office, and its one information officer."""

    id: str
    name: str
    kind: str
    information_officer: str


@dataclass(frozen=True)
class Column:
    """A section of the site, its folder under ``content/`` and its maintaining department."""

    id: str
    title: str
    department: str
    kind: str


@dataclass(frozen=True)
class SiteConfig:
    """All of ``site_config/``, validated."""

    site: Site
    departments: dict[str, Department]
    columns: dict[str, Column]
    roster: Roster
    policy: Policy

    @property
    def office(self) -> Department:
        """The office (办公室): it runs the site and proposes changes to it."""
        return next(d for d in self.departments.values() if d.kind == "office")


def load_config(root: Path) -> SiteConfig:
    """Load and cross-check every file in ``root/site_config``."""
    return load_config_from(files_under(root))


def files_under(root: Path) -> Reader:
    """A ``Reader`` of the files in the folder ``root``."""

    def read(path: str) -> bytes | None:
        target = root / path
        if not target.is_file():
            return None
        try:
            return target.read_bytes()
        except OSError as exc:
            raise ConfigError(f"无法读取文件：{exc.strerror}。", path=path) from None

    return read


def load_config_from(read: Reader) -> SiteConfig:
    """Load and cross-check the configuration files ``read`` gives (any source: a
    folder, a commit, approved bytes)."""
    site = _load_site(*_read(read, "site.yml"))
    problems: list[PortalError] = []
    departments = _load_departments(*_read(read, "departments.yml"), problems)
    columns = _load_columns(*_read(read, "columns.yml"), departments, problems)
    raise_if_any(problems)
    document, shown = _read(read, "roster.yml")
    roster = load_roster(document, path=shown, tz=site.tz, departments=set(departments))
    document, shown = _read(read, "policy.yml")
    policy = load_policy(document, path=shown)
    _check_officers(departments, roster, f"{CONFIG_DIR}/departments.yml")
    return SiteConfig(site, departments, columns, roster, policy)


def _read(read: Reader, name: str) -> tuple[object, str]:
    shown = f"{CONFIG_DIR}/{name}"
    data = read(shown)
    if data is None:
        raise ConfigError(
            "找不到这个配置文件。",
            path=shown,
            hint=f"请在 {CONFIG_DIR}/ 下创建它（见 README）。",
        )
    text = yamlfile.decode(data, shown_as=shown, error=ConfigError)
    return yamlfile.load(text, path=shown, error=ConfigError), shown


def _load_site(document: object, path: str) -> Site:
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(["id", "title", "utc_offset", "markdown_extensions", "disclosure_office"])
    site_id = top.ident("id")
    title = top.text("title", what="网站名称")
    offset = top.text("utc_offset", required=False, pattern=_OFFSET, what="如 +08:00")
    extensions = top.text_list("markdown_extensions", required=False)
    unknown = [name for name in extensions if name not in MARKDOWN_EXTENSIONS]
    if unknown:
        top.fail(
            "markdown_extensions",
            f"Markdown 扩展 {'、'.join(unknown)} 不在允许范围内。",
            f"允许的扩展有：{'、'.join(MARKDOWN_EXTENSIONS)}。",
        )
    office = _disclosure_office(top.mapping_of("disclosure_office", required=False))
    raise_if_any(problems)
    assert site_id is not None and title is not None
    dialect = tuple(dict.fromkeys((*MKDOCS_BUILTIN_EXTENSIONS, *extensions)))
    return Site(site_id, title, _timezone(offset or "+08:00"), dialect, office)


def _disclosure_office(item: Fields | None) -> DisclosureOffice | None:
    """The ``disclosure_office`` of ``site.yml``: every field required (附件2 第三条)."""
    if item is None:
        return None
    keys = ["name", "address", "hours", "phone", "fax", "email"]
    item.only(keys)
    labels = [
        "受理机构名称",
        "办公地址",
        "办公时间",
        "联系电话",
        "传真号码",
        "电子邮箱",
    ]
    values = [
        item.text(key, what=label) for key, label in zip(keys, labels, strict=True)
    ]
    for key, value in zip(keys, values, strict=True):
        if value and any(c in value for c in "<>"):
            item.fail(key, "不能含有 < 或 >（会被当作网页代码）。")
            return None
    if any(value is None for value in values):
        return None
    return DisclosureOffice(*(v or "" for v in values))


def _timezone(offset: str) -> dt.tzinfo:
    match = _OFFSET.match(offset)
    assert match is not None
    sign = -1 if match.group(1) == "-" else 1
    delta = dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    return dt.timezone(sign * delta)


def _load_departments(
    document: object, path: str, problems: list[PortalError]
) -> dict[str, Department]:
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(["departments"])
    found: dict[str, Department] = {}
    for item in top.list_of("departments"):
        item.only(["id", "name", "kind", "information_officer"])
        department_id = item.ident("id")
        name = item.text("name", what="中文名称")
        kind = item.text("kind", choices=list(DEPARTMENT_KINDS))
        if isinstance(item.mapping.get("information_officer"), list):
            item.fail(
                "information_officer",
                "每个科室、单位只能指定 1 名信息员（附件1 第七条）。",
            )
            officer: str | None = ""
        else:
            officer = item.ident("information_officer")
        if department_id in found:
            item.fail("id", f"科室编号 {department_id} 重复。")
        if department_id and name and kind and officer is not None:
            found[department_id] = Department(department_id, name, kind, officer)
    offices = [d.id for d in found.values() if d.kind == "office"]
    if len(offices) != 1:
        top.fail(
            "departments", f"应恰有一个 kind: office 的办公室，现有 {len(offices)} 个。"
        )
    return found


def _load_columns(
    document: object,
    path: str,
    departments: dict[str, Department],
    problems: list[PortalError],
) -> dict[str, Column]:
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(["columns"])
    found: dict[str, Column] = {}
    for item in top.list_of("columns"):
        item.only(["id", "title", "department", "kind"])
        column_id = item.ident("id")
        title = item.text("title", what="栏目中文名称")
        department = item.ident("department")
        kind = item.text("kind", choices=list(KINDS))
        if department and department not in departments:
            item.fail("department", f"科室 {department} 不在 departments.yml 中。")
        if column_id in found:
            item.fail("id", f"栏目编号 {column_id} 重复。")
        if column_id and title and department and kind:
            found[column_id] = Column(column_id, title, department, kind)
    return found


def _check_officers(
    departments: dict[str, Department], roster: Roster, path: str
) -> None:
    problems: list[PortalError] = []
    for department in departments.values():
        if not department.information_officer:
            continue  # already reported while reading departments.yml
        person = roster.get(department.information_officer)
        if person is None:
            problems.append(
                ConfigError(
                    f"{department.name}的信息员 {department.information_officer} 不在 roster.yml 中。",
                    path=path,
                    field="information_officer",
                    hint="请先在花名册登记此人（附件1 第七条）。",
                )
            )
        elif not any(department.id in grant.departments for grant in person.roles):
            problems.append(
                ConfigError(
                    f"信息员 {person.id}（{person.name}）在花名册中不属于{department.name}。",
                    path=path,
                    field="information_officer",
                    hint="信息员应是本科室、本单位的人员（附件1 第七条）。",
                )
            )
    raise_if_any(problems)


def handler_hint(config: SiteConfig, department: str, at: dt.datetime) -> str:
    """Who may be the handler of a post of ``department``: its staff and head."""
    members = [
        f"{p.id}（{p.name}）"
        for p in config.roster
        if any(p.holds(r, department, at) for r in ("staff", "section_head"))
    ]
    who = "、".join(members) if members else "（花名册中暂无该科室人员）"
    return f"请把 secrecy_review.handler 改为本科室人员之一：{who}。"
