"""Reply deadlines for disclosure on application, in working days, that explain themselves.

The rules come from ``site_config/policy.yml`` (``applications:``) as one of two presets:
``bureau-2018``, the bureau's own rules (附件2 第十三条: 15 working days, one extension of
at most 15), and ``national-2019``, the 2019 revision of the national regulation (20 and
20, a correction request within 7 working days, 15 working days for a third party, and
receipt dates per channel as its 第三十一条 sets them).

How the count runs, for every preset:

- it starts the day after receipt, whatever that day is, and only working days count;
- a corrected application is a new one: the count restarts the day after its receipt;
- a third-party consultation pauses it from the day after the letter is sent through
  the day the answer arrives (the sending day still counts, as the receipt day does not:
  an event on a day moves the clock from the next day); under a preset that gives the
  third party a time limit, the pause ends when that limit does, answered or not;
- an extension adds its working days after the first deadline, if it was approved and
  notified on or before that deadline;
- a day whose year's schedule is unknown is never guessed: weekdays are counted and
  weekends skipped as a stand-in, and the deadline is provisional, naming the year to add.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ConfigError, PortalError
from pipeline.fields import Fields
from pipeline.workdays import (
    ADJUSTED_WORKDAY,
    CALENDAR_FILE,
    HOLIDAY,
    UNKNOWN,
    WEEKEND,
    WorkCalendar,
    label,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
DEFAULT_PRESET = "bureau-2018"
CHANNELS = {
    "in_person": "当面提交",
    "online": "在线申请",
    "email": "电子邮件",
    "letter": "信函",
    "telegram": "电报",
    "fax": "传真",
}
_ONE = dt.timedelta(days=1)
_REGULATION = "《政府信息公开条例》"


@dataclass(frozen=True)
class DeadlineRules:
    """How many working days each step gets, and the article each rule rests on."""

    preset: str
    label: str
    reply_days: int
    extension_days: int
    correction_request_days: int | None
    third_party_days: int | None
    article_reply: str
    article_extension: str
    article_third_party: str
    article_third_party_days: str | None
    article_correction: str
    article_correction_request: str | None
    article_receipt: str


BUREAU_2018 = DeadlineRules(
    preset="bureau-2018",
    label="常科综〔2018〕35号 附件2《常熟市科技局依申请公开制度》",
    reply_days=15,
    extension_days=15,
    correction_request_days=None,
    third_party_days=None,
    article_reply="附件2 第十三条",
    article_extension="附件2 第十三条",
    article_third_party="附件2 第十三条",
    article_third_party_days=None,
    article_correction="附件2 第十条（六）",
    article_correction_request=None,
    article_receipt="附件2 第六条",
)
NATIONAL_2019 = DeadlineRules(
    preset="national-2019",
    label="《中华人民共和国政府信息公开条例》（2019年修订）",
    reply_days=20,
    extension_days=20,
    correction_request_days=7,
    third_party_days=15,
    article_reply=f"{_REGULATION}第三十三条",
    article_extension=f"{_REGULATION}第三十三条",
    article_third_party=f"{_REGULATION}第三十三条第二款",
    article_third_party_days=f"{_REGULATION}第三十二条",
    article_correction=f"{_REGULATION}第三十条",
    article_correction_request=f"{_REGULATION}第三十条",
    article_receipt=f"{_REGULATION}第三十一条",
)
PRESETS = {rules.preset: rules for rules in (BUREAU_2018, NATIONAL_2019)}


def rules_from(
    mapping: object,
    *,
    path: str,
    problems: list[PortalError],
    prefix: str = "applications.",
) -> DeadlineRules:
    """The rules of a policy's ``applications:`` section (absent: ``bureau-2018``).

    ``{preset: national-2019}``, optionally with ``reply_days``, ``extension_days``,
    ``correction_request_days`` or ``third_party_days``, each at most what the rules
    behind the preset allow. Problems go to ``problems``; the preset's own rules (or
    the default's) are returned for a field with a problem.
    """
    if mapping is None:
        return PRESETS[DEFAULT_PRESET]
    item = Fields(
        mapping, path=path, error=ConfigError, problems=problems, prefix=prefix
    )
    item.only(["preset", *_OVERRIDES])
    preset = item.text("preset", required=False, choices=list(PRESETS))
    base = PRESETS[preset or DEFAULT_PRESET]
    changes: dict[str, Any] = {}
    for key in _OVERRIDES:
        most, article = _ceiling(base, key)
        value = _read_days(item, key, most, article)
        if value is not None:
            changes[key] = value
    return dataclasses.replace(base, **changes)


_OVERRIDES = (
    "reply_days",
    "extension_days",
    "correction_request_days",
    "third_party_days",
)


def _ceiling(rules: DeadlineRules, key: str) -> tuple[int, str]:
    # A preset silent on a limit (bureau-2018 on corrections and third parties) may
    # adopt one, at most the national regulation's.
    national = NATIONAL_2019
    if key == "reply_days":
        return rules.reply_days, rules.article_reply
    if key == "extension_days":
        return rules.extension_days, rules.article_extension
    if key == "correction_request_days":
        return (
            rules.correction_request_days or national.correction_request_days or 0,
            rules.article_correction_request
            or national.article_correction_request
            or "",
        )
    return (
        rules.third_party_days or national.third_party_days or 0,
        rules.article_third_party_days or national.article_third_party_days or "",
    )


def _read_days(item: Fields, key: str, most: int, article: str) -> int | None:
    value = item.mapping.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        item.fail(
            key,
            f"应为 1 到 {most} 之间的整数（工作日），却是“{value}”；"
            f"按 {article} 不得超过 {most} 个工作日。",
            "请改正，或删去此项以采用预设值。",
        )
        return None
    return value


@dataclass(frozen=True)
class Receipt:
    """The day an application counts as received, the article that says so, and why."""

    day: dt.date
    channel: str
    article: str
    text: str


def receipt_date(
    channel: str,
    arrived: dt.datetime,
    rules: DeadlineRules,
    *,
    signed_for: dt.datetime | None = None,
    confirmed: dt.datetime | None = None,
    problems: list[PortalError],
    path: str,
    line: int | None = None,
    field: str = "received",
    error: type[PortalError] = PortalError,
    tz: dt.tzinfo = CHINA,
) -> Receipt | None:
    """The receipt day of an application that arrived by ``channel`` at ``arrived``.

    ``bureau-2018`` takes the arrival (附件2 第六条、第八条). ``national-2019`` takes,
    per 第三十一条: in person, the day submitted; by post, the day the bureau signed
    for it (``signed_for``) or, for post that needs no signature, the day it confirmed
    with the applicant (``confirmed``); online, by email or fax, the day both sides
    confirmed. A missing date is a problem in ``problems`` and the answer is ``None``.
    """

    def refuse(key: str, message: str, hint: str) -> None:
        problems.append(
            error(message, path=path, line=line, field=f"{field}.{key}", hint=hint)
        )

    if channel not in CHANNELS:
        refuse(
            "channel", f"未知的申请方式“{channel}”。", f"可选：{'、'.join(CHANNELS)}。"
        )
        return None
    for key, moment in (("signed_for_at", signed_for), ("confirmed_at", confirmed)):
        if moment is not None and _local_time(moment, tz) < _local_time(arrived, tz):
            refuse(key, "此时间早于申请到达的时间。", "请核对时间。")
            return None
    if rules.preset != NATIONAL_2019.preset:
        return _bureau_receipt(channel, _local(arrived, tz), rules)
    found = _national_receipt(channel, arrived, signed_for, confirmed, rules, tz)
    if isinstance(found, Receipt):
        return found
    key, message, hint = found
    refuse(key, message, hint)
    return None


def _national_receipt(
    channel: str,
    arrived: dt.datetime,
    signed_for: dt.datetime | None,
    confirmed: dt.datetime | None,
    rules: DeadlineRules,
    tz: dt.tzinfo,
) -> Receipt | tuple[str, str, str]:
    name, article = CHANNELS[channel], rules.article_receipt
    if channel == "in_person":
        return Receipt(
            _local(arrived, tz),
            channel,
            f"{article}（一）",
            f"当面提交的申请，以提交之日为收到申请之日（{article}（一））",
        )
    if channel in ("letter", "telegram") and signed_for is not None:
        return Receipt(
            _local(signed_for, tz),
            channel,
            f"{article}（二）",
            f"以{name}邮寄的申请，以本机关签收之日为收到申请之日（{article}（二））",
        )
    if channel in ("letter", "telegram") and confirmed is not None:
        return Receipt(
            _local(confirmed, tz),
            channel,
            f"{article}（二）",
            "以平常信函等无需签收的方式邮寄的申请，以与申请人确认之日为收到申请之日"
            f"（{article}（二））",
        )
    if channel in ("letter", "telegram"):
        return (
            "signed_for_at",
            f"按 {article}（二），邮寄的申请以本机关签收之日为收到申请之日，"
            "无需签收的以与申请人确认之日为准；两者都没有记录。",
            "请填写 signed_for_at（签收时间）或 confirmed_at（与申请人确认的时间）。",
        )
    if confirmed is not None:
        return Receipt(
            _local(confirmed, tz),
            channel,
            f"{article}（三）",
            f"通过{name}提交的申请，以双方确认之日为收到申请之日（{article}（三））",
        )
    return (
        "confirmed_at",
        f"按 {article}（三），通过互联网渠道或传真提交的申请以双方确认之日为收到申请之日，"
        "尚无确认时间。",
        "请与申请人确认收到申请，并填写 confirmed_at（确认时间）。",
    )


def _bureau_receipt(channel: str, day: dt.date, rules: DeadlineRules) -> Receipt:
    name, article = CHANNELS[channel], rules.article_receipt
    if channel == "in_person":
        return Receipt(
            day,
            channel,
            "附件2 第八条",
            "当面提交的申请，以提交当日为收到申请之日（附件2 第八条）",
        )
    if channel in ("online", "email"):
        text = "以申请书电子文本进入受理机构电子邮箱或在线申请栏目的时间为准"
    elif channel == "letter":
        text = "以收到信函的时间为准"
    else:
        text = f"以收到{name}形式申请书的时间为准"
    return Receipt(day, channel, article, f"通过{name}提出的申请，{text}（{article}）")


def _local_time(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    # A time without an offset is taken as local time already.
    return moment.astimezone(tz).replace(tzinfo=None) if moment.tzinfo else moment


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return _local_time(moment, tz).date()


@dataclass(frozen=True)
class Step:
    """One line of a deadline's explanation: a day, what happened to it, and the text.

    ``kind`` is one of ``received``, ``restart``, ``counted``, ``skipped-holiday``,
    ``skipped-weekend``, ``pause-start``, ``paused``, ``pause-end``, ``waiting``,
    ``first-due``, ``extension``, ``extension-refused``, ``due``, ``warning``;
    ``count`` is the working day's number in its period (counted days only);
    ``provisional`` marks a day whose year's schedule is unknown.
    """

    day: dt.date
    kind: str
    text: str
    count: int | None = None
    provisional: bool = False


@dataclass(frozen=True)
class Extension:
    """An extension of the reply period (延期), as the register records it."""

    approved_by: str
    approved_on: dt.date
    notified_on: dt.date
    days: int
    reason: str = ""


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and every step of how it was reached.

    ``due`` is ``None`` while the count is paused without an end (a third party has not
    answered and the rules set it no limit). ``provisional`` means some day on the way
    belongs to a year in ``unknown_years`` whose schedule is unknown. ``paused_days``
    counts the working days not counted while a third party was consulted; ``waiting``
    says a consultation is still open.
    """

    due: dt.date | None
    provisional: bool
    unknown_years: tuple[int, ...]
    steps: tuple[Step, ...]
    extended_from: dt.date | None = None
    paused_days: int = 0
    waiting: bool = False

    def explain(self) -> str:
        """The explanation, in Chinese, one line per step, to show an applicant."""
        return "\n".join(step.text for step in self.steps)

    def warning(self) -> str | None:
        """What to do when the deadline is provisional, else ``None``."""
        return _provisional_warning(self.unknown_years) if self.provisional else None

    def counted(self) -> tuple[dt.date, ...]:
        """The working days counted, in order (the first period, then the extension)."""
        return tuple(step.day for step in self.steps if step.kind == "counted")


def _provisional_warning(years: Sequence[int]) -> str:
    listed = "、".join(str(year) for year in years)
    return (
        f"本期限为暂定：计算经过 {listed} 年，该年的节假日安排尚未录入，"
        "其中元旦（1月1日）、劳动节（5月1日、2日）、国庆节（10月1日至3日）按法定节假日"
        "不计，其余周一至周五暂按工作日、周六周日暂按休息日计算。"
        f"请在 {CALENDAR_FILE} 补充 {listed} 年的节假日安排（国务院办公厅通知）。"
    )


@dataclass(frozen=True)
class _Pause:
    sent: dt.date
    end: dt.date | None
    # "answered", "open" (no answer, no limit), "limit" (no answer in time), "late"
    reason: str
    unknown: tuple[int, ...] = ()


class _Walk:
    """Walks the calendar day by day, counting working days and writing the steps."""

    def __init__(
        self,
        calendar: WorkCalendar,
        rules: DeadlineRules,
        pauses: Sequence[tuple[dt.date, dt.date | None]] = (),
    ) -> None:
        self.calendar = calendar
        self.rules = rules
        self.steps: list[Step] = []
        self.unknown: set[int] = set()
        self.paused_days = 0
        self.waiting = False
        self.pauses = self._merge(pauses)

    def _merge(self, pauses: Sequence[tuple[dt.date, dt.date | None]]) -> list[_Pause]:
        merged: list[_Pause] = []
        for sent, answered in sorted(pauses, key=lambda pause: pause[0]):
            pause = self._limited(sent, answered)
            if pause.end is not None and pause.end <= sent:
                continue
            last = merged[-1] if merged else None
            if last is None or (last.end is not None and sent >= last.end):
                merged.append(pause)
            elif pause.end is None or (last.end is not None and pause.end > last.end):
                unknown = (*last.unknown, *pause.unknown)
                merged[-1] = _Pause(last.sent, pause.end, pause.reason, unknown)
        return merged

    def _limited(self, sent: dt.date, answered: dt.date | None) -> _Pause:
        limit = self.rules.third_party_days
        if limit is None:
            return _Pause(sent, answered, "open" if answered is None else "answered")
        unknown: set[int] = set()
        window = self._nth_workday(sent, limit, unknown)
        if answered is not None and answered <= window:
            return _Pause(sent, answered, "answered")
        reason = "limit" if answered is None else "late"
        return _Pause(sent, window, reason, tuple(sorted(unknown)))

    def _nth_workday(self, start: dt.date, n: int, unknown: set[int]) -> dt.date:
        day, counted = start, 0
        while counted < n:
            day += _ONE
            counted += self._is_workday(day, unknown)
        return day

    def _is_workday(self, day: dt.date, unknown: set[int]) -> bool:
        info = self.calendar.describe(day)
        if info.kind == UNKNOWN:
            unknown.add(info.unknown_year or day.year)
            return day.weekday() < 5 and info.name is None
        return bool(info.workday)

    def count(self, after: dt.date, days: int, period: str = "") -> dt.date | None:
        """Count ``days`` working days from the day after ``after``; the last one, or
        ``None`` when an open pause stops the count."""
        day, counted = after, 0
        while counted < days:
            day += _ONE
            pause = self._pause_at(day)
            if pause is not None:
                end = self._pause(day, pause)
                if end is None:
                    return None
                day = end
                continue
            counted += self._step(day, counted + 1, period)
        return day

    def _pause_at(self, day: dt.date) -> _Pause | None:
        for pause in self.pauses:
            if pause.sent < day and (pause.end is None or day <= pause.end):
                return pause
        return None

    def _pause(self, first: dt.date, pause: _Pause) -> dt.date | None:
        self.steps.append(
            Step(
                pause.sent,
                "pause-start",
                f"{label(pause.sent)} 向第三方发出征求意见书；次日起至第三方答复之日，"
                f"不计入答复期限（{self.rules.article_third_party}）。",
            )
        )
        if pause.end is None:
            self.waiting = True
            self.steps.append(
                Step(
                    first,
                    "waiting",
                    f"{label(first)} 起等待第三方答复，答复期限暂停计算；"
                    "收到答复后请登记答复日期，期限随即继续计算。",
                )
            )
            return None
        self.unknown.update(pause.unknown)
        self.waiting = self.waiting or pause.reason == "limit"
        day = first
        while day < pause.end:
            self.paused_days += self._is_workday(day, self.unknown)
            self.steps.append(
                Step(day, "paused", f"{label(day)} 征求第三方意见期间，不计。")
            )
            day += _ONE
        self.paused_days += self._is_workday(day, self.unknown)
        self.steps.append(Step(day, "pause-end", self._pause_end_text(pause)))
        return day

    def _pause_end_text(self, pause: _Pause) -> str:
        assert pause.end is not None
        if pause.reason == "answered":
            return f"{label(pause.end)} 收到第三方答复，当日不计，次日起继续计算。"
        text = (
            f"{label(pause.end)} 第三方提出意见的 {self.rules.third_party_days} 个工作日"
            f"期限届满（{self.rules.article_third_party_days}，自发函次日起算），"
            "当日不计，次日起继续计算；逾期未提出意见的，由本机关依法决定是否公开。"
        )
        if pause.reason == "limit":
            text += "第三方提前答复的，请登记答复日期，期限相应提前。"
        return text

    def _step(self, day: dt.date, number: int, period: str) -> bool:
        info = self.calendar.describe(day)
        if info.kind == UNKNOWN:
            year = info.unknown_year
            self.unknown.add(year or day.year)
            if info.name is not None:
                self._add(
                    day,
                    "skipped-holiday",
                    f"{info.name}放假（法定节假日，日期固定），不计"
                    f"（{year} 年节假日安排未知，调休以国务院办公厅通知为准）。",
                    provisional=True,
                )
                return False
            if day.weekday() >= 5:
                self._add(
                    day,
                    "skipped-weekend",
                    f"周末，不计（{year} 年节假日安排未知，暂按休息日计）。",
                    provisional=True,
                )
                return False
            self._add(
                day,
                "counted",
                f"{period}第 {number} 个工作日（{year} 年节假日安排未知，暂按工作日计）。",
                number,
                provisional=True,
            )
            return True
        if info.kind == HOLIDAY:
            rest = "调休放假" if info.in_lieu else "放假"
            self._add(day, "skipped-holiday", f"{info.name}{rest}，不计。")
            return False
        if info.kind == WEEKEND:
            self._add(day, "skipped-weekend", "周末休息，不计。")
            return False
        if info.kind == ADJUSTED_WORKDAY:
            name = f"（{info.name}）" if info.name else ""
            text = f"调休上班日{name}，{period}第 {number} 个工作日。"
            self._add(day, "counted", text, number)
            return True
        self._add(day, "counted", f"{period}第 {number} 个工作日。", number)
        return True

    def _add(
        self,
        day: dt.date,
        kind: str,
        text: str,
        count: int | None = None,
        *,
        provisional: bool = False,
    ) -> None:
        self.steps.append(Step(day, kind, f"{label(day)} {text}", count, provisional))

    def deadline(
        self, due: dt.date | None, extended_from: dt.date | None = None
    ) -> Deadline:
        unknown = tuple(sorted(self.unknown))
        steps = list(self.steps)
        if unknown:
            steps.append(
                Step(due or steps[-1].day, "warning", _provisional_warning(unknown))
            )
        return Deadline(
            due,
            bool(unknown),
            unknown,
            tuple(steps),
            extended_from,
            self.paused_days,
            self.waiting,
        )


def _overlaps(previous: tuple[dt.date, dt.date | None, bool], sent: dt.date) -> bool:
    _, end, _ = previous
    return end is None or sent < end


def add_working_days(
    start: dt.date, days: int, calendar: WorkCalendar
) -> tuple[dt.date, tuple[Step, ...]]:
    """The ``days``-th working day counted from the day after ``start``, and the steps.

    A day of a year the calendar does not know is counted if it is a weekday, and its
    step is marked ``provisional``.
    """
    walk = _Walk(calendar, BUREAU_2018)
    due = walk.count(start, days)
    assert due is not None
    return due, tuple(walk.steps)


def working_days_between(start: dt.date, end: dt.date, calendar: WorkCalendar) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 when
    ``end`` is not later); a day of an unknown year counts if it is a weekday."""
    walk = _Walk(calendar, BUREAU_2018)
    unknown: set[int] = set()
    day, counted = start, 0
    while day < end:
        day += _ONE
        counted += walk._is_workday(day, unknown)
    return counted


def reply_deadline(
    received: dt.date | Receipt,
    calendar: WorkCalendar,
    rules: DeadlineRules,
    *,
    pauses: Sequence[tuple[dt.date, dt.date | None]] = (),
    extension: Extension | None = None,
    corrected: dt.date | None = None,
) -> Deadline:
    """The reply deadline of an application received on ``received``.

    ``pauses`` are third-party consultations, each (day the letter was sent, day the
    answer arrived or ``None``); ``corrected`` is the receipt day of the corrected
    application, from which the count restarts; ``extension`` is applied only if
    ``check_extension`` finds nothing wrong with its days and dates (who approved it
    is the register's to check, with ``check_extension``).
    """
    day = received.day if isinstance(received, Receipt) else received
    walk = _Walk(calendar, rules, pauses)
    walk.steps.append(Step(day, "received", _received_text(received, calendar, rules)))
    start = day
    if corrected is not None:
        walk.steps.append(
            Step(
                corrected,
                "restart",
                f"{label(corrected)} 收到补正后的申请，作为新申请重新计算答复期限"
                f"（{rules.article_correction}），自次日起计算，共 {rules.reply_days} 个工作日。",
            )
        )
        start = corrected

    first_due = walk.count(start, rules.reply_days)
    if first_due is None:
        return walk.deadline(None)
    if extension is None:
        walk.steps.append(_due_step(first_due, "答复期限", rules.reply_days, rules))
        return walk.deadline(first_due)

    walk.steps.append(_due_step(first_due, "原答复期限", rules.reply_days, rules))
    problems = check_extension(extension, first_due, rules)
    if problems:
        for problem in problems:
            walk.steps.append(
                Step(
                    extension.approved_on,
                    "extension-refused",
                    f"延期不成立：{problem.message}",
                )
            )
        walk.steps.append(_due_step(first_due, "答复期限", rules.reply_days, rules))
        return walk.deadline(first_due)

    walk.steps.append(_extension_step(extension, first_due, rules))
    due = walk.count(first_due, extension.days, "延长期")
    if due is not None:
        walk.steps.append(
            Step(
                due,
                "due",
                f"延长后的答复期限：{label(due)}，即原期限后第 {extension.days} 个工作日"
                f"（{rules.article_extension}）。",
            )
        )
    return walk.deadline(due, first_due)


def _received_text(
    received: dt.date | Receipt, calendar: WorkCalendar, rules: DeadlineRules
) -> str:
    day = received.day if isinstance(received, Receipt) else received
    text = f"{label(day)} 收到申请"
    if isinstance(received, Receipt):
        text += f"（{received.text}）"
    text += "。"
    info = calendar.describe(day)
    if info.workday is False:
        rest = f"{info.name}放假" if info.kind == HOLIDAY else "休息日"
        text += f"当日为{rest}，不影响起算。"
    return (
        f"{text}答复期限自次日起计算，只计工作日，共 {rules.reply_days} 个工作日"
        f"（{rules.article_reply}）。"
    )


def _due_step(due: dt.date, title: str, days: int, rules: DeadlineRules) -> Step:
    return Step(
        due,
        "due" if title == "答复期限" else "first-due",
        f"{title}：{label(due)}，即第 {days} 个工作日（{rules.article_reply}）。",
    )


def _extension_step(
    extension: Extension, first_due: dt.date, rules: DeadlineRules
) -> Step:
    reason = f"，理由：{extension.reason}" if extension.reason else ""
    return Step(
        extension.approved_on,
        "extension",
        f"{label(extension.approved_on)} 经政府信息公开工作机构负责人 {extension.approved_by} "
        f"同意延期 {extension.days} 个工作日{reason}；{label(extension.notified_on)} "
        f"{_notify(rules)}申请人（{rules.article_extension}）。延长期自 {label(first_due + _ONE)} 起计算。",
    )


def _notify(rules: DeadlineRules) -> str:
    # 附件2 第十三条 asks for a written notice; the 2019 regulation (第三十三条) for a notice.
    return "书面告知" if rules.preset == BUREAU_2018.preset else "告知"


def check_extension(
    extension: Extension,
    first_due: dt.date | None,
    rules: DeadlineRules,
    *,
    approvers: Collection[str] | None = None,
    error: type[PortalError] = PortalError,
    path: str | None = None,
    line: int | None = None,
    field: str = "extension",
) -> list[PortalError]:
    """Why an extension is not allowed; empty when it is.

    Checks, each citing the article: (1) at most ``extension_days`` working days, at
    least one; (2) approved by one of ``approvers``, the heads of the open-information
    office (skipped when ``None``: the caller owns this check then); (3) approved and
    (4) notified on or before the first deadline ``first_due`` (skipped while it is
    unknown); (5) notified no earlier than approved.
    """
    article = rules.article_extension
    problems: list[PortalError] = []

    def refuse(key: str, message: str, hint: str) -> None:
        problems.append(
            error(message, path=path, line=line, field=f"{field}.{key}", hint=hint)
        )

    # (1) length
    if not 1 <= extension.days <= rules.extension_days:
        refuse(
            "days",
            f"延长答复的期限最长不得超过 {rules.extension_days} 个工作日（{article}），"
            f"登记的是 {extension.days} 个工作日。",
            f"请改为 1 到 {rules.extension_days} 之间的天数。",
        )
    # (2) who approved
    if approvers is not None and extension.approved_by not in approvers:
        refuse(
            "approved_by",
            f"{extension.approved_by} 不是政府信息公开工作机构负责人；"
            f"延长答复期限须经该负责人同意（{article}）。",
            "请由负责人审批后再登记延期。",
        )
    # (3), (4) before the first deadline ends
    if first_due is not None:
        for key, when, what in (
            ("approved_on", extension.approved_on, "批准"),
            ("notified_on", extension.notified_on, f"{_notify(rules)}申请人"),
        ):
            if when > first_due:
                refuse(
                    key,
                    f"延期须在原答复期限 {label(first_due)} 届满前{what}（{article}），"
                    f"实际为 {label(when)}。",
                    "期限已过，不能再延期；请尽快答复申请人。",
                )
    # (5) order
    if extension.notified_on < extension.approved_on:
        refuse(
            "notified_on",
            f"告知申请人的日期 {label(extension.notified_on)} 早于批准日期 "
            f"{label(extension.approved_on)}；须先经负责人同意再告知（{article}）。",
            "请核对日期。",
        )
    return problems


def _simple_deadline(
    start: dt.date,
    days: int,
    calendar: WorkCalendar,
    rules: DeadlineRules,
    opening: str,
    closing: str,
) -> Deadline:
    walk = _Walk(calendar, rules)
    walk.steps.append(Step(start, "received", f"{label(start)} {opening}"))
    due = walk.count(start, days)
    assert due is not None
    walk.steps.append(
        Step(due, "due", f"{closing}：{label(due)}，即第 {days} 个工作日。")
    )
    return walk.deadline(due)


def correction_deadline(
    received: dt.date, calendar: WorkCalendar, rules: DeadlineRules
) -> Deadline | None:
    """The last day to ask for a correction (补正), or ``None`` when the rules set none."""
    days, article = rules.correction_request_days, rules.article_correction_request
    if days is None:
        return None
    return _simple_deadline(
        received,
        days,
        calendar,
        rules,
        f"收到申请；申请内容不明确的，应自收到申请之日起 {days} 个工作日内"
        f"一次性告知申请人作出补正（{article}）。",
        "补正告知的最后期限",
    )


def check_correction_request(
    requested_on: dt.date,
    received: dt.date,
    calendar: WorkCalendar,
    rules: DeadlineRules,
    *,
    error: type[PortalError] = PortalError,
    path: str | None = None,
    line: int | None = None,
    field: str = "on",
) -> list[PortalError]:
    """Why a correction request on ``requested_on`` is late; empty when it is not."""
    limit = correction_deadline(received, calendar, rules)
    if limit is None or limit.due is None or requested_on <= limit.due:
        return []
    provisional = "（暂定）" if limit.provisional else ""
    return [
        error(
            f"补正告知应自收到申请之日起 {rules.correction_request_days} 个工作日内发出，"
            f"即不晚于 {label(limit.due)}{provisional}，实际为 {label(requested_on)}"
            f"（{rules.article_correction_request}）。",
            path=path,
            line=line,
            field=field,
            hint="请核对日期；已超期的，应按收到的申请直接答复。",
        )
    ]


def third_party_deadline(
    sent: dt.date, calendar: WorkCalendar, rules: DeadlineRules
) -> Deadline | None:
    """The last day for a third party to answer a letter sent on ``sent``, or ``None``
    when the rules set no limit. Counted from the day after sending: the day the third
    party received the letter is not recorded, and counting from sending never gives a
    later day."""
    days, article = rules.third_party_days, rules.article_third_party_days
    if days is None:
        return None
    return _simple_deadline(
        sent,
        days,
        calendar,
        rules,
        f"发出征求意见书；第三方应自收到之日起 {days} 个工作日内提出意见（{article}）。",
        "第三方提出意见的期限",
    )
