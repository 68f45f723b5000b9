"""Which approvals a post needs, as data from ``site_config/policy.yml``.

Each tier lists the roles whose approval it needs, and the secrecy review names who
gives the opinion and who approves it; every requirement carries the article it
enforces, so a finding can cite it. Nothing here is decided in code.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.deadline import DEFAULT_PRESET, PRESETS, DeadlineRules, rules_from
from pipeline.errors import ConfigError, PortalError, raise_if_any
from pipeline.fields import Fields
from pipeline.roster import ROLE_KINDS

TIERS = ("general", "important", "major")
OPINIONS = ("publishable", "partial", "not_publishable", "referred")
OPINION_LABELS = {
    "publishable": "可以公开",
    "partial": "区分处理后公开",
    "not_publishable": "不予公开",
    "referred": "报主管部门或保密工作部门确定",
}
HANDLER = "handler"


@dataclass(frozen=True)
class Requirement:
    """One role whose ``approve`` a post needs, and the articles that demand it."""

    role: str
    articles: tuple[str, ...]

    def cited(self) -> str:
        """The articles as people cite them: ``附件1 第八条、附件4 第四条``."""
        return "、".join(self.articles)


# New columns, major changes, redesigns: proposed by the office, approved by the
# bureau's leader (附件1 第十一条、第十二条).
GOVERNED_CHANGES = (
    Requirement("office_staff", ("附件1 第十一条",)),
    Requirement("principal_leader", ("附件1 第十一条", "附件1 第十二条")),
)

# Withdrawing a published post: the department keeps its column true and valid, the
# leader in charge answers for what was published (附件1 第十四条、第十五条).
WITHDRAWAL = (
    Requirement("section_head", ("附件1 第十四条",)),
    Requirement("supervising_leader", ("附件1 第十五条",)),
)


@dataclass(frozen=True)
class Takedown:
    """Emergency takedown of something secret or personal (附件4 第八条): the role
    that may act first, the approvals that confirm it, and within how many hours."""

    emergency_by: Requirement
    approvals: tuple[Requirement, ...]
    confirm_within_hours: int


TAKEDOWN = Takedown(
    Requirement("office_staff", ("附件4 第八条",)),
    (Requirement("supervising_leader", ("附件4 第八条",)),),
    24,
)
_MAX_HOURS = 168


@dataclass(frozen=True)
class Tier:
    """An importance tier: its id, its Chinese label and the approvals it needs."""

    id: str
    label: str
    approvals: tuple[Requirement, ...]


@dataclass(frozen=True)
class Period:
    """A validity period in years, and the article it rests on."""

    years: int
    article: str


@dataclass(frozen=True)
class Validity:
    """How long documents of some kinds stay in effect when they state no end.

    Titles containing one of ``provisional_words`` (暂行, 试行) get the shorter
    ``provisional`` period when the policy gives one.
    """

    kinds: tuple[str, ...]
    default: Period
    provisional_words: tuple[str, ...] = ()
    provisional: Period | None = None

    def period_for(self, kind: str, title: str) -> Period | None:
        """The period a document of ``kind`` titled ``title`` gets, if any."""
        if kind not in self.kinds:
            return None
        if self.provisional and any(w in title for w in self.provisional_words):
            return self.provisional
        return self.default


@dataclass(frozen=True)
class Policy:
    """The approval rules of the site."""

    tiers: dict[str, Tier]
    opinion_by: Requirement
    secrecy_approvals: tuple[Requirement, ...]
    blocking_opinions: dict[str, str]
    one_person_several_roles: bool
    governed_changes: tuple[Requirement, ...] = ()
    validity: Validity | None = None
    withdrawal: tuple[Requirement, ...] = ()
    takedown: Takedown | None = None
    # Reply periods for applications (附件2 第十三条, or the 2019 regulation's).
    applications: DeadlineRules = PRESETS[DEFAULT_PRESET]

    def takedown_rules(self) -> Takedown:
        """Who acts first and who confirms an emergency takedown, unless ``policy.yml``
        says otherwise (附件4 第八条)."""
        return self.takedown or TAKEDOWN

    def withdrawal_requirements(self) -> tuple[Requirement, ...]:
        """The approvals a withdrawal needs, for the post's department, unless
        ``policy.yml`` says otherwise (附件1 第十四条、第十五条)."""
        return self.withdrawal or WITHDRAWAL

    def change_requirements(self) -> tuple[Requirement, ...]:
        """The approvals a change to a governed file needs: who proposes it, then who
        approves it (附件1 第十一条、第十二条), unless ``policy.yml`` says otherwise."""
        return self.governed_changes or GOVERNED_CHANGES

    def tier_named(self, name: str) -> Tier | None:
        """The tier whose id or Chinese label is ``name``."""
        for tier in self.tiers.values():
            if name in (tier.id, tier.label):
                return tier
        return None

    def requirements(self, tier: str) -> tuple[Requirement, ...]:
        """The approvals a post of ``tier`` needs, one per role, articles merged.

        The handler's opinion comes first; a role that both the tier and the secrecy
        review name appears once, since one signature over the exact bytes covers both.
        """
        merged: dict[str, list[str]] = {
            self.opinion_by.role: list(self.opinion_by.articles)
        }
        for requirement in (*self.tiers[tier].approvals, *self.secrecy_approvals):
            articles = merged.setdefault(requirement.role, [])
            articles.extend(a for a in requirement.articles if a not in articles)
        return tuple(Requirement(role, tuple(arts)) for role, arts in merged.items())


def load_policy(document: object, *, path: str) -> Policy:
    """Build the policy from the YAML of ``policy.yml``; raise ``ConfigError`` on problems."""
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=ConfigError, problems=problems, line=1)
    top.only(
        [
            "tiers",
            "secrecy_review",
            "governed_changes",
            "one_person_several_roles",
            "validity",
            "withdrawal",
            "takedown",
            "applications",
        ]
    )
    tiers = {}
    tier_fields = top.mapping_of("tiers")
    if tier_fields is not None:
        tier_fields.only(TIERS)
        for tier_id in TIERS:
            item = tier_fields.mapping_of(tier_id)
            if item is not None:
                tiers[tier_id] = _read_tier(tier_id, item)
    opinion_by = Requirement(HANDLER, ())
    approvals: tuple[Requirement, ...] = ()
    blocking: dict[str, str] = {}
    secrecy = top.mapping_of("secrecy_review")
    if secrecy is not None:
        secrecy.only(["opinion_by", "approvals", "blocking_opinions"])
        opinion = secrecy.mapping_of("opinion_by")
        if opinion is not None:
            opinion_by = _read_requirement(opinion, roles=(HANDLER,)) or opinion_by
        approvals = _read_requirements(secrecy, "approvals")
        blocking = _read_blocking(secrecy)
    governed: tuple[Requirement, ...] = ()
    changes = top.mapping_of("governed_changes", required=False)
    if changes is not None:
        changes.only(["proposed_by", "approvals"])
        proposer = changes.mapping_of("proposed_by")
        first = _read_requirement(proposer, roles=_APPROVER_ROLES) if proposer else None
        governed = (
            *([first] if first else []),
            *_read_requirements(changes, "approvals"),
        )
    several = top.boolean("one_person_several_roles", default=False)
    validity = top.mapping_of("validity", required=False)
    periods = _read_validity(validity) if validity is not None else None
    withdrawal: tuple[Requirement, ...] = ()
    withdrawing = top.mapping_of("withdrawal", required=False)
    if withdrawing is not None:
        withdrawing.only(["approvals"])
        withdrawal = _read_requirements(withdrawing, "approvals")
    taking_down = top.mapping_of("takedown", required=False)
    takedown = _read_takedown(taking_down) if taking_down is not None else None
    applications = rules_from(
        top.mapping.get("applications"), path=path, problems=problems
    )
    raise_if_any(problems)
    return Policy(
        tiers,
        opinion_by,
        approvals,
        blocking,
        several,
        governed,
        periods,
        withdrawal,
        takedown,
        applications,
    )


def _read_tier(tier_id: str, item: Fields) -> Tier:
    item.only(["label", "approvals"])
    label = item.text("label", what="中文名称，如 一般") or tier_id
    return Tier(tier_id, label, _read_requirements(item, "approvals"))


def _read_requirements(item: Fields, key: str) -> tuple[Requirement, ...]:
    entries = item.list_of(key)
    found = []
    for entry in entries:
        requirement = _read_requirement(entry, roles=_APPROVER_ROLES)
        if requirement is not None:
            found.append(requirement)
    if not entries and item.has(key):
        item.fail(
            key,
            "至少要有一项审批。",
            "未经审核把关的信息不得上网发布（附件1 第九条）。",
        )
    return tuple(found)


_APPROVER_ROLES = tuple(role for role in ROLE_KINDS if role != "staff")


def _read_requirement(item: Fields, *, roles: tuple[str, ...]) -> Requirement | None:
    item.only(["role", "article"])
    role = item.text("role", choices=roles)
    article = item.text("article", what="所依据的条款，如 附件1 第八条")
    if role is None or article is None:
        return None
    return Requirement(role, (article,))


def _read_blocking(item: Fields) -> dict[str, str]:
    blocking = item.mapping_of("blocking_opinions")
    if blocking is None:
        return {}
    blocking.only(OPINIONS)
    result = {}
    for opinion in OPINIONS:
        if blocking.has(opinion):
            article = blocking.text(opinion, what="所依据的条款")
            if article:
                result[opinion] = article
    return result


_MAX_YEARS = 50


def _read_validity(item: Fields) -> Validity | None:
    # Imported here: the configuration module loads this one.
    from pipeline.config import KINDS

    item.only(["kinds", "years", "article", "provisional"])
    kinds = item.text_list("kinds")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        item.fail(
            "kinds", f"未知的类型 {'、'.join(unknown)}；可选：{'、'.join(KINDS)}。"
        )
    default = _read_period(item)
    words: list[str] = []
    provisional = None
    nested = item.mapping_of("provisional", required=False)
    if nested is not None:
        nested.only(["title_contains", "years", "article"])
        words = nested.text_list("title_contains")
        provisional = _read_period(nested)
    if not kinds or default is None:
        return None
    return Validity(tuple(kinds), default, tuple(words), provisional)


def _read_period(item: Fields) -> Period | None:
    value = item.mapping.get("years")
    years = value if isinstance(value, int) and not isinstance(value, bool) else 0
    if not 1 <= years <= _MAX_YEARS:
        item.fail("years", f"应为 1 到 {_MAX_YEARS} 之间的整数（年），如 5。")
    article = item.text("article", what="所依据的条款，如 附件1 第十四条")
    if not 1 <= years <= _MAX_YEARS or article is None:
        return None
    return Period(years, article)


def _read_takedown(item: Fields) -> Takedown | None:
    item.only(["emergency_by", "approvals", "confirm_within_hours"])
    first = item.mapping_of("emergency_by")
    emergency = _read_requirement(first, roles=_APPROVER_ROLES) if first else None
    approvals = _read_requirements(item, "approvals")
    value = item.mapping.get("confirm_within_hours")
    hours = value if isinstance(value, int) and not isinstance(value, bool) else 0
    if not 1 <= hours <= _MAX_HOURS:
        item.fail(
            "confirm_within_hours",
            f"应为 1 到 {_MAX_HOURS} 之间的整数（小时），如 24。",
        )
        return None
    if emergency is None or not approvals:
        return None
    return Takedown(emergency, approvals, hours)
