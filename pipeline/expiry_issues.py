"""One GitHub issue per department listing the documents it must look after.

From an ``ExpiryReport`` this module works out the issue each department should have
open (title, marker, Markdown body) and, given the issues that are open, what to do:
create, update, close as a duplicate or close because the department is clean. A
department is clean when nothing of its needs correcting and nothing expires soon;
documents that ended and say so are listed in an issue but never open one. Issues are
recognised by the marker in their body, never by their title, which people may edit.
Nothing here prints or talks to the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.config import SiteConfig
from pipeline.lifecycle import EXPIRING, ExpiryReport, Standing

LABEL = "portal-expiry"
LABEL_COLOR = "d93f0b"
LABEL_DESCRIPTION = "portal expiry：科室需处理的失效或即将失效的文件"
CREATE = "create"
UPDATE = "update"
CLOSE_DUPLICATE = "close-duplicate"
CLOSE_CLEAN = "close-clean"
_MARKER = re.compile(r"^<!-- portal-expiry:([A-Za-z0-9_.-]+) -->$", re.MULTILINE)
# Room for the ended documents that say so, leaving the rest of the body its share.
_LISTING_LIMIT = 30_000
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")


@dataclass(frozen=True)
class DepartmentIssue:
    """The issue a department should have open: its stable title and full body."""

    department: str
    department_name: str
    title: str
    body: str


@dataclass(frozen=True)
class OpenIssue:
    """An open issue as GitHub lists it (only what matching needs)."""

    number: int
    title: str
    body: str


@dataclass(frozen=True)
class Action:
    """One change to make on GitHub.

    ``number`` is ``None`` only for ``create``; ``comment`` is posted before a close;
    ``title`` and ``body`` are set for ``create`` and ``update``.
    """

    kind: str
    department: str
    number: int | None = None
    title: str = ""
    body: str = ""
    comment: str = ""


def marker(department: str) -> str:
    """The HTML comment that ties an issue to ``department`` whatever its title."""
    return f"<!-- portal-expiry:{department} -->"


def marked_department(body: str) -> str | None:
    """The department an issue body is marked for, or ``None`` (no or mixed markers)."""
    found = set(_MARKER.findall(body.replace("\r\n", "\n")))
    return found.pop() if len(found) == 1 else None


def issue_title(department_name: str) -> str:
    """The title given to a department's issue."""
    return f"【文件效力】{department_name}：需要处理的文件"


def department_issues(
    report: ExpiryReport, config: SiteConfig
) -> dict[str, DepartmentIssue]:
    """The issue each department should have, in ``departments.yml`` order.

    Departments with nothing to correct and nothing expiring get none.
    """
    wanted = {}
    for department in config.departments.values():
        mine = [s for s in report.standings if s.department == department.id]
        to_correct = [s for s in mine if s.presented_as_effective or s.dead_links]
        labelled = [s for s in mine if s.ended and s not in to_correct]
        expiring = [s for s in mine if s.state == EXPIRING and s not in to_correct]
        if not to_correct and not expiring:
            continue
        body = _body(department.id, department.name, to_correct, labelled, expiring)
        wanted[department.id] = DepartmentIssue(
            department.id, department.name, issue_title(department.name), body
        )
    return wanted


def plan(
    wanted: dict[str, DepartmentIssue],
    open_issues: Iterable[OpenIssue],
    config: SiteConfig,
) -> list[Action]:
    """What to do so that each department has exactly the issue it should have.

    Open issues without a marker are left alone. Of several open issues marked for
    one department the oldest (lowest number) is kept and the others are closed.
    """
    by_department: dict[str, list[OpenIssue]] = {}
    for issue in sorted(open_issues, key=lambda i: i.number):
        department = marked_department(issue.body)
        if department is not None:
            by_department.setdefault(department, []).append(issue)

    actions = []
    for department, issues in sorted(by_department.items()):
        kept, *duplicates = issues
        for duplicate in duplicates:
            actions.append(_close_duplicate(department, duplicate, kept))
        want = wanted.get(department)
        if want is None:
            actions.append(_close_clean(department, kept, config))
        elif kept.body.replace("\r\n", "\n") != want.body:
            actions.append(
                Action(UPDATE, department, kept.number, want.title, want.body)
            )
    for department, want in wanted.items():
        if department not in by_department:
            actions.append(Action(CREATE, department, None, want.title, want.body))
    return actions


def _close_duplicate(department: str, duplicate: OpenIssue, kept: OpenIssue) -> Action:
    comment = (
        f"此议题与 #{kept.number} 重复（同一科室只保留最早的一个议题），自动关闭。"
        f"请在 #{kept.number} 中跟进。"
    )
    return Action(CLOSE_DUPLICATE, department, duplicate.number, comment=comment)


def _close_clean(department: str, kept: OpenIssue, config: SiteConfig) -> Action:
    known = config.departments.get(department)
    if known is None:
        comment = (
            f"科室 {department} 已不在 site_config/departments.yml 中，"
            "本议题不再跟踪，自动关闭。"
        )
    else:
        comment = (
            f"{known.name}的文件目前都已处理妥当：没有须更正的文件，也没有即将失效的文件。"
            "一切正常，自动关闭本议题；以后再有需要处理的文件时会重新开一个议题。"
        )
    return Action(CLOSE_CLEAN, department, kept.number, comment=comment)


# --------------------------------------------------------------------------- body


def _body(
    department: str,
    name: str,
    to_correct: Sequence[Standing],
    labelled: Sequence[Standing],
    expiring: Sequence[Standing],
) -> str:
    lines = [
        marker(department),
        "",
        f"本议题由 `portal expiry-issues` 每天自动更新，列出{_text(name)}维护的栏目中"
        "需要处理的文件（附件1 第十四条：栏目维护科室应保证所发布信息的有效性）。"
        "请不要删除上面的标记。须更正的都已改正、也没有即将失效的文件时，"
        "议题会在下一次检查时自动关闭。",
        "",
        f"须更正 {len(to_correct)} 篇；即将失效 {len(expiring)} 篇；"
        f"已如实标注的失效文件 {len(labelled)} 篇（仅供核对）。",
    ]
    if to_correct:
        lines += ["", "## 须更正", ""]
        lines += [line for item in to_correct for line in _item(item, correct=True)]
    if labelled:
        lines += [
            "",
            "## 已不再有效、页面已如实标注",
            "",
            "<details>",
            f"<summary>共 {len(labelled)} 篇：网站上已标注其效力状态，无须处理</summary>",
            "",
        ]
        listed = [line for item in labelled for line in _item(item)]
        if len("\n".join(listed)) > _LISTING_LIMIT:
            # GitHub refuses bodies over 65,536 characters; this part is only a record.
            listed = ["清单过长，此处从略：请运行 `portal expiry` 查看。"]
        lines += [*listed, "", "</details>"]
    if expiring:
        lines += ["", "## 即将失效", ""]
        lines += [line for item in expiring for line in _item(item)]
    return "\n".join(lines) + "\n"


def _item(item: Standing, *, correct: bool = False) -> list[str]:
    lines = [
        f"- **《{_text(item.title)}》** {_code(item.path)}",
        f"  - 状态：{_state(item)}",
    ]
    if item.successor:
        lines.append(f"  - 取代它的文件：{_code(item.successor)}")
    if correct and item.presented_as_effective:
        lines.append("  - 问题：稿件仍标为现行有效，而它已不再有效")
    if correct and item.dead_links:
        links = "、".join(_code(target) for target in item.dead_links)
        lines.append(f"  - 问题：链接了已废止或已失效的文件 {links}")
    lines.append(f"  - 怎么办：{_todo(item, correct=correct)}")
    return lines


def _state(item: Standing) -> str:
    if item.state == EXPIRING and item.last_day:
        return f"{item.label}，最后有效日为 {item.last_day}"
    text = item.label
    if item.since:
        text += f"，自 {item.since} 起"
    elif item.ended:
        text += "，起始日期未写明"
    if item.basis == "policy" and item.last_day:
        text += f"（按审批规则的有效期计算，最后有效日为 {item.last_day}）"
    return text


def _todo(item: Standing, *, correct: bool) -> str:
    todo = []
    if item.presented_as_effective or not correct:
        todo.append(item.hint() or "")
    if correct and item.dead_links:
        todo.append("请改为链接现行有效的文件，或在正文中说明所引文件已不再有效。")
    return "".join(text for text in todo if text)


def _text(text: str) -> str:
    """``text`` with Markdown's special characters escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"
