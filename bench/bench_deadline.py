"""Times computing reply deadlines (``pipeline.deadline.reply_deadline``) for many
applications, as ``portal applications due`` does over a whole register.

The applications are synthetic and seeded: receipt days spread over 2025 and 2026
(some paths run into 2027, which stays unknown and makes them provisional); every
fifth has a third-party consultation, every seventh a correction, every ninth an
extension, and every other one follows the ``national-2019`` rules. Making them is not
timed; the explanations are timed separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.deadline import (
    BUREAU_2018,
    NATIONAL_2019,
    Deadline,
    DeadlineRules,
    Extension,
    reply_deadline,
)
from pipeline.workdays import WorkCalendar, load_calendar

ROOT = Path(__file__).resolve().parents[1]
FIRST_DAY = dt.date(2025, 1, 1)
SPAN_DAYS = 730


@dataclass(frozen=True)
class Case:
    received: dt.date
    rules: DeadlineRules
    pauses: tuple[tuple[dt.date, dt.date | None], ...]
    extension: Extension | None
    corrected: dt.date | None


def synthetic(count: int, seed: int) -> list[Case]:
    """``count`` applications with their consultations, corrections and extensions."""
    chance = random.Random(seed)
    cases = []
    for number in range(count):
        received = FIRST_DAY + dt.timedelta(days=chance.randrange(SPAN_DAYS))
        rules = NATIONAL_2019 if number % 2 else BUREAU_2018
        corrected = received + dt.timedelta(days=10) if number % 7 == 0 else None
        pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()
        if number % 5 == 0:
            sent = (corrected or received) + dt.timedelta(days=chance.randrange(1, 8))
            answered = sent + dt.timedelta(days=chance.randrange(1, 15))
            pauses = ((sent, answered if number % 10 else None),)
        extension = None
        if number % 9 == 0:
            approved = (corrected or received) + dt.timedelta(days=12)
            extension = Extension("sun-li", approved, approved, rules.extension_days)
        cases.append(Case(received, rules, pauses, extension, corrected))
    return cases


def compute(cases: list[Case], calendar: WorkCalendar) -> list[Deadline]:
    return [
        reply_deadline(
            case.received,
            calendar,
            case.rules,
            pauses=case.pauses,
            extension=case.extension,
            corrected=case.corrected,
        )
        for case in cases
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    cases = synthetic(args.applications, args.seed)

    compute_times, explain_times, cold_times = [], [], []
    deadlines: list[Deadline] = []
    for _ in range(args.repeat):
        # A fresh calendar each run: its per-day cache starts empty. The previous
        # run's deadlines are dropped first, so the collector does not walk them.
        deadlines = []
        start = time.perf_counter()
        calendar = load_calendar(ROOT)
        deadlines = compute(cases, calendar)
        cold_times.append(time.perf_counter() - start)
        deadlines = []
        start = time.perf_counter()
        deadlines = compute(cases, calendar)
        compute_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for deadline in deadlines:
            deadline.explain()
        explain_times.append(time.perf_counter() - start)

    steps = sum(len(deadline.steps) for deadline in deadlines)
    provisional = sum(deadline.provisional for deadline in deadlines)
    waiting = sum(deadline.due is None for deadline in deadlines)
    print(
        f"{len(cases)} applications, {steps} explanation steps, "
        f"{provisional} provisional, {waiting} waiting for a third party"
    )
    print(
        f"load calendar + compute (cold): {statistics.median(cold_times):.3f} s "
        f"(median of {args.repeat})"
    )
    print(
        f"compute (warm calendar):        {statistics.median(compute_times):.3f} s "
        f"= {statistics.median(compute_times) / len(cases) * 1e6:.0f} µs per application"
    )
    print(f"explain all:                    {statistics.median(explain_times):.3f} s")


if __name__ == "__main__":
    main()
