"""Times verification and the full build, on this repository or a synthetic site."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from timing import timed  # bench/timing.py

from pipeline.commands.build import build
from pipeline.config import load_config
from pipeline.post import post_paths
from pipeline.sign import SigningKey, sign_post
from pipeline.verify import verify_repository

ROOT = Path(__file__).resolve().parents[1]
SIGNED_AT = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SIGNERS = (
    ("handler", "lin-xiao"),
    ("section_head", "qian-feng"),
    ("supervising_leader", "wu-min"),
)


def synthetic_site(folder: Path, count: int) -> Path:
    """A copy of this repository's configuration with ``count`` signed posts."""
    root = folder / "site-repo"
    for name in ("site_config", "mkdocs.yml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    sources = [
        p
        for p in post_paths(ROOT)
        if p.startswith("content/administrative-regulations/")
    ]
    config = load_config(root)
    for index in range(count):
        source = ROOT / sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        text = text.replace("\ntitle: ", f"\ntitle: 第{index}号 ", 1)
        path = f"content/administrative-regulations/稿件{index:05d}.md"
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
        for role, person in SIGNERS:
            key = SigningKey(ROOT / "demo-keys" / person)
            sign_post(root, config, path, role=role, key=key, at=SIGNED_AT)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--scale", type=int, default=0, help="synthetic site of N posts"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = ROOT
        if args.scale:
            start = time.perf_counter()
            root = synthetic_site(Path(tmp), args.scale)
            print(
                f"signed {args.scale} posts in {time.perf_counter() - start:.1f} s (not timed below)"
            )
        posts = len(post_paths(root))
        config = load_config(root)
        verify_s = timed(
            lambda: verify_repository(root, load_config(root)), args.repeat
        )
        report = verify_repository(root, config)
        print(f"posts: {posts}; publishable: {len(report.publishable)}")
        print(f"portal verify: {verify_s:.2f} s (median of {args.repeat})")
        site = Path(tmp) / "site"
        build_s = timed(lambda: build(root, site_dir=site, exclude=False), args.repeat)
        print(f"portal build:  {build_s:.2f} s (median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
