"""Times the normative-form check (``pipeline.norms.check_form``) on every real post."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from pipeline.config import load_config
from pipeline.norms import _anchors, check_form
from pipeline.post import Post, post_paths, read_post

ROOT = Path(__file__).resolve().parents[1]


def real_posts() -> dict[str, Post]:
    """Every post under ``content/`` that reads cleanly, by path."""
    config = load_config(ROOT)
    posts = {}
    for path in post_paths(ROOT):
        post, _ = read_post(ROOT, path, config)
        if post is not None:
            posts[path] = post
    return posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    config = load_config(ROOT)
    posts = real_posts()
    extensions = config.site.markdown_extensions
    times = []
    findings = 0
    for _ in range(args.repeat):
        # Each run starts cold: rendered anchors are cached per post body.
        _anchors.cache_clear()
        start = time.perf_counter()
        findings = sum(
            len(check_form(post, posts, extensions, root=ROOT))
            for post in posts.values()
        )
        times.append(time.perf_counter() - start)
    size = sum(len(post.data) for post in posts.values()) / 1e6
    print(
        f"check_form on {len(posts)} posts ({size:.1f} MB): "
        f"median {statistics.median(times):.3f} s of {args.repeat}, "
        f"{findings} findings"
    )


if __name__ == "__main__":
    main()
