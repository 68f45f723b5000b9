"""Times walking the governed history: this repository's, or a synthetic long one.

The synthetic history starts from this repository's configuration (the trust root),
then makes ``--commits`` first-parent commits, each adding a post; every
``--every``-th one also changes the roster, proposed by the office and approved by the
principal leader with the demo keys. Making the history is not timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import load_config
from pipeline.governance import GOVERNED_FILES, trust_digest
from pipeline.history import trusted_governance
from pipeline.sign import SigningKey, sign_governed

ROOT = Path(__file__).resolve().parents[1]
AT = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
APPROVERS = (("office_staff", "chen-jing"), ("principal_leader", "zhou-jianguo"))


def git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def synthetic_history(folder: Path, commits: int, every: int) -> tuple[Path, str]:
    """A git repository with a long first-parent history; and its trust-root pin."""
    root = folder / "history"
    shutil.copytree(ROOT / "site_config", root / "site_config")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    pin = trust_digest({p: (root / p).read_bytes() for p in GOVERNED_FILES})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "trust root")
    keys = {}
    for _, person in APPROVERS:
        key = folder / person
        shutil.copy(ROOT / "demo-keys" / person, key)
        shutil.copy(ROOT / "demo-keys" / f"{person}.pub", f"{key}.pub")
        key.chmod(0o600)
        keys[person] = SigningKey(key)
    roster = root / "site_config/roster.yml"
    for index in range(commits):
        post = root / "content/notices" / f"稿件{index:05d}.md"
        post.parent.mkdir(parents=True, exist_ok=True)
        post.write_text(f"第 {index} 篇\n", encoding="utf-8")
        if index % every == 0:
            with roster.open("a", encoding="utf-8") as handle:
                handle.write(f"# 第 {index} 次改动\n")
            config = load_config(root)
            for role, person in APPROVERS:
                sign_governed(
                    root,
                    config,
                    "site_config/roster.yml",
                    role=role,
                    key=keys[person],
                    at=AT + dt.timedelta(minutes=index),
                )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"commit {index}")
    return root, pin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commits", type=int, default=0, help="synthetic history")
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, pin = ROOT, None
        if args.commits:
            start = time.perf_counter()
            root, pin = synthetic_history(Path(tmp), args.commits, args.every)
            print(
                f"made {args.commits} commits in {time.perf_counter() - start:.1f} s (not timed)"
            )
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            governance = trusted_governance(root, pin=pin)
            times.append(time.perf_counter() - start)
        pending = sum(1 for f in governance.findings if f.severity == "error")
        print(
            f"governed states after the root: {governance.states}; pending changes: {pending}"
        )
        print(
            f"history walk: {statistics.median(times):.2f} s (median of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
