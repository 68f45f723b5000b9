"""Times ``find_sensitive`` over every post in ``content/`` (files read beforehand)."""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

from pipeline.sensitive import find_sensitive

ROOT = Path(__file__).resolve().parents[1]


def scan_all(texts: list[str]) -> collections.Counter[str]:
    """Hits by kind over ``texts``."""
    counts: collections.Counter[str] = collections.Counter()
    for text in texts:
        counts.update(hit.kind for hit in find_sensitive(text))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    paths = sorted((ROOT / "content").rglob("*.md"))
    texts = [path.read_text(encoding="utf-8") for path in paths]
    characters = sum(len(text) for text in texts)

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        counts = scan_all(texts)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)

    print(f"posts: {len(texts)}; characters: {characters:,}")
    print(f"hits: {dict(counts) or 'none'}")
    print(f"find_sensitive: {median:.3f} s (median of {args.repeat})")
    print(f"per post: {median / len(texts) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
