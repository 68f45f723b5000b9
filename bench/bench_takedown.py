"""Times an emergency takedown's guard on this repository's real content: making the
fingerprints of one law against everything published before it, checking every post
for quotations of it, and checking a whole built site file by file for it."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from timing import timed  # bench/timing.py

from pipeline.commands.build import build
from pipeline.config import load_config
from pipeline.post import post_index
from pipeline.site import _check_leaks
from pipeline.takedown import Guard, new_key
from pipeline.withdrawal import guarded_line

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(ROOT)
    posts = post_index(ROOT, config)
    # The longest post plays the leak: the worst case for the guard's size.
    leaked = max(posts.values(), key=lambda post: len(post.body))
    others = [p.data.decode("utf-8") for p in posts.values() if p is not leaked]
    texts = [leaked.title, leaked.body]

    key = new_key()

    def make() -> Guard:
        return Guard.of(texts, key=key, before=others[: len(others) // 2])

    guard = make()
    prints = sum(len(p) for p in guard.fingerprints.values())
    print(f"泄露稿件：{leaked.path}（{len(leaked.body)} 字）；指纹 {prints} 个")
    print(f"生成指纹：{timed(make, args.repeat):.2f} 秒")
    dialect = config.site.markdown_extensions
    held = timed(
        lambda: [guarded_line(guard, post, dialect) for post in posts.values()],
        args.repeat,
    )
    print(f"检查全部 {len(posts)} 篇稿件是否引用：{held:.2f} 秒")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        shutil.rmtree(site, ignore_errors=True)
        build(ROOT, site_dir=site, exclude=True)
        files = sum(1 for p in site.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        scan = timed(lambda: _check_leaks(site, "site", [guard]), args.repeat)
        print(
            f"逐个文件检查构建出的网站（{files} 个文件，{size / 1e6:.1f} MB）：{scan:.2f} 秒"
        )


if __name__ == "__main__":
    main()
