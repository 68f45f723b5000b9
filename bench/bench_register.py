"""Times registering, loading and listing a generated register of applications.

``--count N`` applications are generated (``bench/register_demo.py``) into a temporary
register; then loading all of them, computing every open one's deadline and
``portal applications list``/``due`` are timed (median of ``--repeat`` runs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.register_demo import generate_demo_register  # noqa: E402
from bench.timing import timed  # noqa: E402
from pipeline import register as reg  # noqa: E402
from pipeline.deadline import PRESETS  # noqa: E402
from pipeline.main import main  # noqa: E402
from pipeline.workdays import WorkCalendar  # noqa: E402


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "register"
        start = time.perf_counter()
        generate_demo_register(folder, args.count, 2025, 6, git=True)
        print(
            f"generate {args.count} applications + commit: {time.perf_counter() - start:.2f} s"
        )
        calendar, rules = WorkCalendar(), PRESETS["bureau-2018"]
        tz = reg.dt.timezone(reg.dt.timedelta(hours=8))

        def deadlines() -> None:
            apps, _ = reg.load_all(folder)
            for app in apps:
                if app.status == "open":
                    reg.deadline_of(app, calendar, rules, tz)

        print(f"load all: {timed(lambda: reg.load_all(folder), args.repeat):.3f} s")
        print(f"load all + deadlines: {timed(deadlines, args.repeat):.3f} s")
        for command in ("list", "due"):
            argv = ["applications", "--register", str(folder), command]
            if command == "due":
                argv += ["--on", "2025-12-31"]

            def run(argv: list[str] = argv) -> None:
                with contextlib.redirect_stdout(io.StringIO()):
                    main(argv)

            print(f"portal applications {command}: {timed(run, args.repeat):.3f} s")


if __name__ == "__main__":
    main_bench()
