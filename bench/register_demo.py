"""A generated register of applications, for the annual report's tests and benchmarks.

``generate_demo_register(folder, count, year, seed)`` writes ``count`` applications
received in ``year`` (plus a few carried over from the year before), with every
applicant type, channel and outcome code, corrections, third-party pauses, extensions,
splits, repeats, applications kept without contact details and appeals. The same seed
gives the same register. With ``git=True`` the register is a git repository with one
commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

from pipeline import application as model
from pipeline import register as reg
from pipeline import register_git
from pipeline.application import (
    APPLICANT_TYPES,
    CHANNELS,
    OUTCOME_CODES,
    Agent,
    Applicant,
    Application,
    Contact,
    IdDocument,
    Outcome,
    Received,
    Request,
)

TZ = dt.timezone(dt.timedelta(hours=8))
CLERKS = ("chen-jing", "sun-li")
SURNAMES = "张王李赵陈刘杨黄吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
)
ORGANISATIONS = {
    "commercial_enterprise": ("常熟市新材料科技有限公司", "苏州某智能装备股份有限公司"),
    "research_institution": ("常熟理工学院科研处", "江苏某研究院"),
    "public_interest_organisation": ("常熟市科普志愿者协会",),
    "legal_services": ("江苏某律师事务所",),
    "other": ("某村民委员会",),
}
MATTERS = (
    "{y}年度常熟市科技计划项目立项名单及资助金额",
    "{y}年度高新技术企业认定推荐名单",
    "科技创新券兑付明细（{y}年第二季度）",
    "{y}年度科技型中小企业评价入库情况",
    "常熟市科技局{y}年部门预算执行情况",
    "某科技项目验收专家意见",
    "{y}年度农业科技示范园区考核结果",
    "关于某企业研发费用加计扣除核查的材料",
)


def _person(rng: random.Random, kind: str) -> tuple[str, IdDocument | None]:
    if kind == "natural_person":
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        number = f"3205811{rng.randint(960, 999)}{rng.randint(10**7, 10**8 - 1)}"
        return name, IdDocument("居民身份证", number[:18])
    name = rng.choice(ORGANISATIONS[kind])
    return name, IdDocument("营业执照", f"91320581MA{rng.randint(10**7, 10**8 - 1)}")


def _received(
    rng: random.Random, year: int, start_day: int, end_day: int
) -> dt.datetime:
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(start_day, end_day))
    hour = rng.randint(8, 17)
    return dt.datetime.combine(day, dt.time(hour, rng.choice((0, 15, 30, 45))), TZ)


def _application(
    rng: random.Random, number: str, at: dt.datetime, index: int
) -> Application:
    kind = rng.choices(list(APPLICANT_TYPES), weights=(60, 15, 8, 5, 7, 5))[0]
    name, document = _person(rng, kind)
    contact = Contact(
        phone=f"13{rng.randint(100000000, 999999999)}",
        email=f"applicant{index}@example.cn" if rng.random() < 0.5 else "",
        address="江苏省常熟市虞山街道海虞北路 1 号" if rng.random() < 0.5 else "",
    )
    accessibility = "申请人视力障碍，需大字版告知书" if rng.random() < 0.03 else ""
    matter = rng.choice(MATTERS).format(y=at.year - 1)
    channel = rng.choice(list(CHANNELS))
    agent = None
    if kind == "natural_person" and rng.random() < 0.05:
        agent = Agent(
            "江苏某律师事务所 周律师",
            IdDocument("律师执业证", f"1320520{rng.randint(10**9, 10**10 - 1)}"),
            f"授权委托书（{at.date()} 签署）",
        )
    return Application(
        number,
        Received(channel, at, rng.choice(CLERKS)),
        Applicant(kind, name, document, contact, accessibility),
        Request(
            f"申请公开{matter}",
            rng.choice(("纸质", "电子")),
            rng.choice(("邮寄", "电子邮件", "自行领取")),
        ),
        agent=agent,
    )


def _handle(
    rng: random.Random, app: Application, close_by: dt.date | None
) -> Application:
    """Events and an outcome, in time order, closing on or before ``close_by``."""
    day = app.received.at.date()
    if rng.random() < 0.08:
        app = model.request_correction(
            app, ("请明确所需信息的年份和项目名称",), day + dt.timedelta(days=2)
        )
        if rng.random() < 0.2:
            return app
        corrected = dt.datetime.combine(day + dt.timedelta(days=9), dt.time(9), TZ)
        app = model.record_correction(app, corrected)
        day = corrected.date()
    if rng.random() < 0.06:
        app = model.consult_third_party(
            app, day + dt.timedelta(days=3), "常熟市某科技有限公司"
        )
        answer = rng.choice(list(model.THIRD_PARTY_ANSWERS))
        app = model.third_party_answered(app, day + dt.timedelta(days=10), answer)
        day += dt.timedelta(days=10)
    if rng.random() < 0.05:
        event = model.Event(
            "extended",
            approved_by="sun-li",
            approved_on=day + dt.timedelta(days=12),
            notified_on=day + dt.timedelta(days=12),
            days=15,
            reason="涉及多个科室，需协调",
        )
        app = model.extend(
            app,
            event,
            first_due=day + dt.timedelta(days=19),
            max_days=15,
            article="附件2 第十三条",
        )
        day += dt.timedelta(days=12)
    closed_on = day + dt.timedelta(days=rng.randint(1, 18))
    if close_by is not None and closed_on > close_by:
        return app
    code = rng.choice(list(OUTCOME_CODES))
    basis = "" if code in ("disclosed",) else "依据《政府信息公开条例》相关规定。"
    app = model.close(app, Outcome(code, "", basis), closed_on)
    if rng.random() < 0.05:
        filed = closed_on + dt.timedelta(days=20)
        result = rng.choice(list(model.APPEAL_RESULTS))
        kind = rng.choice(list(model.APPEAL_KINDS))
        app = model.record_appeal(
            app, kind, filed_on=filed, result="pending", decided_on=None
        )
        if result != "pending":
            # The decision updates the pending appeal, as ``portal applications
            # appeal`` records it: still one appeal.
            decided = filed + dt.timedelta(days=40)
            app = model.record_appeal(
                app, kind, filed_on=None, result=result, decided_on=decided
            )
    return app


def generate_demo_register(
    folder: Path,
    count: int = 200,
    year: int = 2025,
    seed: int = 6,
    *,
    carried_over: int = 6,
    git: bool = False,
) -> list[Application]:
    """Write a register of ``count`` applications received in ``year`` (numbered
    ``<year>-0001`` on, in receipt order) and ``carried_over`` received late in the
    year before, still open on 1 January and closed in January; return them all.

    About 10% stay open at the end of ``year`` (some of them awaiting correction),
    a few have no contact details (kept, 附件2 第十五条; the first carried over is
    disposed of in ``year``), one is split into two, and decided appeals were
    recorded pending first, then updated with their result.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = reg.create_layout(folder)
    apps: list[Application] = []
    previous = sorted(_received(rng, year - 1, 350, 362) for _ in range(carried_over))
    for index, at in enumerate(previous, 1):
        app = _application(rng, f"{year - 1}-{index:04d}", at, index)
        if index == 1:
            # Kept a year without contact details, disposed of in ``year``.
            apps.append(_without_contact(app, dispose=True))
            continue
        apps.append(_handle(rng, app, dt.date(year, 1, 31)))
    times = sorted(_received(rng, year, 0, 363) for _ in range(count))
    year_end = dt.date(year, 12, 31)
    for index, at in enumerate(times, 1):
        app = _application(rng, f"{year}-{index:04d}", at, index + carried_over)
        if index % 50 == 7:
            apps.append(_without_contact(app, dispose=False))
            continue
        if index % 40 == 11 and apps[-1].year == year:
            earlier = apps[-1]
            app = dataclasses.replace(
                app,
                applicant=earlier.applicant,
                request=earlier.request,
                repeated_of=earlier.number,
            )
        apps.append(_handle(rng, app, year_end if rng.random() < 0.9 else at.date()))
    apps = _split_one(apps)
    for app in apps:
        written.append(reg.save_application(folder, app))
    if git:
        register_git.init_register(folder)
        register_git.commit(
            folder,
            written,
            f"演示登记簿：{year} 年 {count} 件",
            "陈静（演示）",
            "chen-jing@register.invalid",
        )
    return apps


def _without_contact(app: Application, *, dispose: bool) -> Application:
    """``app`` without contact details (附件2 第十五条), disposed of when its year of
    keeping ends if ``dispose``."""
    kept = dataclasses.replace(
        app, applicant=dataclasses.replace(app.applicant, contact=Contact())
    )
    return model.dispose(kept, model.kept_until(kept)) if dispose else kept


def _split_one(apps: list[Application]) -> list[Application]:
    for position, app in enumerate(apps):
        if app.status == "open" and app.has_contact() and not app.events:
            original, parts = model.split(
                app, ("第一项事项", "第二项事项"), app.received.at.date()
            )
            parts = [
                dataclasses.replace(
                    p,
                    request=dataclasses.replace(
                        p.request, description=f"{app.request.description}（{i}）"
                    ),
                )
                for i, p in enumerate(parts, 1)
            ]
            return [*apps[:position], original, *parts, *apps[position + 1 :]]
    return apps
