"""Where each document stands on a given day: in force, expiring, or no longer valid.

A post's standing comes from its front matter (``status``, ``effective``, ``expires``,
``superseded_by``) and, for the kinds the policy names, from the policy's default
validity period counted from the day it took effect (or was published). Columns must
stay true and valid (附件1 第十四条): a document that expired, was repealed, amended or
replaced stays online but must say so, and a post that still links to a repealed or
expired document needs a look. Nothing here prints, parses arguments or calls git.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import unquote, urlsplit

from pipeline.config import SiteConfig
from pipeline.findings import ERROR, WARNING, Finding, finding
from pipeline.post import Post

IN_FORCE = "in-force"
NOT_YET = "not-yet"
EXPIRING = "expiring"
EXPIRED = "expired"
REPEALED = "repealed"
AMENDED = "amended"
REPLACED = "replaced"
STATE_LABELS = {
    IN_FORCE: "现行有效",
    NOT_YET: "尚未施行",
    EXPIRING: "即将失效",
    EXPIRED: "已失效",
    REPEALED: "已废止",
    AMENDED: "已修改",
    REPLACED: "已被取代",
}
# States in which a document is no longer valid: it must say so wherever it is shown.
ENDED = (EXPIRED, REPEALED, AMENDED, REPLACED)
# A document that links to one of these points readers at something no longer valid.
DEAD_TARGETS = (EXPIRED, REPEALED)
ARTICLE = "附件1 第十四条"
_RULE_OF = {
    EXPIRING: "document-expiring",
    EXPIRED: "document-expired",
    REPEALED: "document-repealed",
    AMENDED: "document-amended",
    REPLACED: "document-replaced",
}
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)|\bhref\s*=\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class Standing:
    """A post's standing on ``on``, with what a reader or its department needs to know.

    ``since`` is the first day it is no longer in force, when known; ``last_day`` the
    last day in force (stated or by the policy period); ``basis`` says where the state
    comes from: ``status``, ``expires``, ``policy``, ``superseded_by`` or ``dates``.
    """

    path: str
    title: str
    column: str
    department: str
    department_name: str
    state: str
    on: dt.date
    basis: str
    article: str
    since: dt.date | None = None
    last_day: dt.date | None = None
    successor: str | None = None
    # The front matter still says ``effective`` (or nothing) though it no longer is.
    presented_as_effective: bool = False
    # Whether the post says anything about its validity (status, dates, successor,
    # or a policy period applies): only then is a status shown on its page.
    stated: bool = False
    # Posts this one links to that were repealed or have expired.
    dead_links: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The state as readers see it, e.g. 已废止."""
        return STATE_LABELS[self.state]

    @property
    def ended(self) -> bool:
        """Whether the document is no longer valid."""
        return self.state in ENDED

    @property
    def in_force(self) -> bool:
        """Whether the document is in force on the day (possibly expiring soon)."""
        return self.state in (IN_FORCE, EXPIRING)

    @property
    def flagged(self) -> bool:
        """Whether the department must act: the document ended, or it links to one that did."""
        return self.ended or bool(self.dead_links)

    def findings(self) -> list[Finding]:
        """The standing as findings: one for the state (unless in force), one per dead link."""
        found = []
        rule = _RULE_OF.get(self.state)
        if rule is not None:
            found.append(
                finding(
                    self.path,
                    rule,
                    f"《{self.title}》{self.describe()}（维护科室：{self.department_name}）",
                    article=self.article,
                    # An ended document whose page says so is listed, not an error.
                    severity=ERROR if self.presented_as_effective else WARNING,
                    field="status" if self.presented_as_effective else None,
                    hint=self.hint(),
                )
            )
        for target in self.dead_links:
            found.append(
                finding(
                    self.path,
                    "link-to-ended",
                    f"《{self.title}》链接了已废止或已失效的 {target}"
                    f"（维护科室：{self.department_name}）",
                    article=ARTICLE,
                    hint="请改为链接现行有效的文件，或说明所引文件已不再有效。",
                )
            )
        return found

    def describe(self) -> str:
        """The state in words: 已修改（自 2021-06-01 起），由 … 取代."""
        text = self.label
        if self.state == EXPIRING and self.last_day:
            days = (self.last_day - self.on).days
            text += f"：{self.last_day} 后失效，还剩 {days} 天"
        elif self.since:
            text += f"（自 {self.since} 起）"
        if self.successor:
            text += f"，由 {self.successor} 取代"
        if self.basis == "policy" and self.last_day:
            text += f"，按审批规则的有效期计算至 {self.last_day}"
        return text

    def hint(self) -> str | None:
        """What the department should do, or ``None`` when nothing is needed."""
        if self.state == EXPIRING:
            return "请及时评估：继续有效的请修订或重新发布，不再有效的请按期标注。"
        if self.presented_as_effective:
            return (
                "稿件仍标为现行有效：请把 status 改为实际状态"
                "（expired、repealed 或 amended），重新审批后发布。"
            )
        if self.ended:
            return "网站上已标注其效力状态；如需撤下，请按撤稿程序办理。"
        return None


@dataclass(frozen=True)
class ExpiryReport:
    """Every post's standing on ``on``, warning ``within`` days before an end."""

    on: dt.date
    within: int
    standings: tuple[Standing, ...]

    @property
    def flagged(self) -> list[Standing]:
        """The standings that need the department to act."""
        return [s for s in self.standings if s.flagged]

    @property
    def expiring(self) -> list[Standing]:
        """Documents still in force whose last day is within the warning window."""
        return [s for s in self.standings if s.state == EXPIRING and not s.flagged]

    @property
    def to_correct(self) -> list[Standing]:
        """Ended documents still presented as in force, and links to ended ones."""
        return [s for s in self.standings if s.presented_as_effective or s.dead_links]

    @property
    def ok(self) -> bool:
        """True when nothing needs correcting (ended documents whose pages say so are
        listed, but need nothing)."""
        return not self.to_correct

    def counts(self) -> dict[str, int]:
        """How many posts are in each state (every state listed)."""
        found = Counter(s.state for s in self.standings)
        return {state: found[state] for state in STATE_LABELS}

    def to_json(self) -> str:
        """The report as JSON: the day, the counts, and each post needing attention."""
        shown = [*self.flagged, *self.expiring]
        documents = []
        for item in sorted(shown, key=lambda s: s.path):
            entry = asdict(item)
            entry["label"] = item.label
            documents.append(entry)
        document = {
            "on": self.on,
            "within": self.within,
            "counts": self.counts(),
            "flagged": len(self.flagged),
            "documents": documents,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def expiry_report(
    posts: Mapping[str, Post], config: SiteConfig, *, on: dt.date, within: int
) -> ExpiryReport:
    """The standing of every post in ``posts`` (by repository path) on ``on``."""
    plain = {
        path: standing(post, posts, config, on=on, within=within)
        for path, post in sorted(posts.items())
    }
    found = []
    for path, item in plain.items():
        dead = tuple(
            target
            for target in linked_posts(posts[path], posts)
            if plain[target].state in DEAD_TARGETS
        )
        if dead and item.in_force:
            item = _with_dead_links(item, dead)
        found.append(item)
    return ExpiryReport(on, within, tuple(found))


def _with_dead_links(item: Standing, dead: tuple[str, ...]) -> Standing:
    values = asdict(item)
    values["dead_links"] = dead
    return Standing(**values)


def standing(
    post: Post,
    posts: Mapping[str, Post],
    config: SiteConfig,
    *,
    on: dt.date,
    within: int = 0,
) -> Standing:
    """Where ``post`` stands on ``on``; ``posts`` resolves its successor."""
    column = config.columns[post.column]
    department = config.departments[column.department]
    period = None
    validity = config.policy.validity
    if validity is not None and post.expires is None:
        period = validity.period_for(post.kind, post.title)
    last_day = post.expires
    start = post.effective or post.published
    if period is not None:
        last_day = _add_years(start, period.years) - dt.timedelta(days=1)
    successor = posts.get(post.superseded_by) if post.superseded_by else None
    takes_over = (successor.effective or successor.published) if successor else None
    state, basis = _state(post, on, within, last_day, takes_over)
    if basis == "expires" and period is not None:
        basis = "policy"
    since = None
    if state in ENDED:
        since = last_day + dt.timedelta(days=1) if last_day else takes_over
    return Standing(
        path=post.path,
        title=post.title,
        column=post.column,
        department=department.id,
        department_name=department.name,
        state=state,
        on=on,
        basis=basis,
        article=period.article if basis == "policy" and period else ARTICLE,
        since=since,
        last_day=last_day,
        successor=post.superseded_by,
        presented_as_effective=state in ENDED and post.status in (None, "effective"),
        stated=bool(post.status or post.effective or post.expires or post.superseded_by)
        or period is not None,
    )


def _state(
    post: Post,
    on: dt.date,
    within: int,
    last_day: dt.date | None,
    takes_over: dt.date | None,
) -> tuple[str, str]:
    """The state and where it comes from, the front matter's word first."""
    if post.status in (REPEALED, AMENDED, EXPIRED):
        return str(post.status), "status"
    if post.superseded_by and (takes_over is None or takes_over <= on):
        return REPLACED, "superseded_by"
    if last_day is not None and on > last_day:
        return EXPIRED, "expires"
    if post.effective is not None and on < post.effective:
        return NOT_YET, "dates"
    if last_day is not None and (last_day - on).days <= within:
        return EXPIRING, "expires"
    return IN_FORCE, "status" if post.status else "dates"


def _add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years`` years; 29 February becomes 28 February when needed."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def linked_posts(post: Post, posts: Mapping[str, Post]) -> list[str]:
    """The paths of the other posts that ``post`` links to (Markdown or HTML links)."""
    found: list[str] = []
    for match in _LINK.finditer(post.body):
        target = match.group(1) or match.group(2)
        if not target or urlsplit(target).scheme or target.startswith(("/", "#")):
            continue
        path = unquote(target.partition("#")[0].partition("?")[0])
        base = posixpath.dirname(post.path)
        resolved = posixpath.normpath(posixpath.join(base, path))
        if resolved in posts and resolved != post.path and resolved not in found:
            found.append(resolved)
    return found
