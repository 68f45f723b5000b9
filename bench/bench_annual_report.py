"""Times the annual report on a generated register: counting, reconciling, rendering.

``--count N`` applications are generated (``bench/register_demo.py``) into a temporary
register; loading them, building the three tables (this repository's posts for table
二) and writing the Markdown and .docx are timed (median of ``--repeat`` runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.register_demo import generate_demo_register  # noqa: E402
from bench.timing import timed  # noqa: E402
from pipeline.annual_report import (  # noqa: E402
    build_report,
    render_markdown,
    write_report,
)
from pipeline.config import load_config  # noqa: E402
from pipeline.notices import Templates  # noqa: E402
from pipeline.post import post_index  # noqa: E402
from pipeline.register import load_all  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(ROOT)
    posts = post_index(ROOT, config)
    today = dt.date(args.year + 1, 1, 20)
    with tempfile.TemporaryDirectory() as temporary:
        register = Path(temporary) / "register"
        generate_demo_register(register, args.count, args.year, 6)
        apps, problems = load_all(register)
        assert not problems
        report = build_report(args.year, apps, posts, config, today=today)
        templates = Templates.for_register(register)
        markdown = render_markdown(report, templates=templates, on=today)
        timings = {
            "load register": lambda: load_all(register),
            "build tables": lambda: build_report(
                args.year, apps, posts, config, today=today
            ),
            "render markdown": lambda: render_markdown(
                report, templates=templates, on=today
            ),
            "write md + docx": lambda: write_report(Path(temporary), report, markdown),
        }
        print(f"{len(apps)} applications, {len(posts)} posts")
        print(
            "kept without contact, counted as 其他处理 (附件2 第十五条): "
            f"{report.applications.retained()}"
        )
        for name, run in timings.items():
            print(f"{name:>16}: {timed(run, args.repeat) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
