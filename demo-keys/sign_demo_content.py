"""Sign every post that is not yet publishable with the DEMO keys in this folder.

For each post it signs as the handler its front matter names and as whoever the demo
roster says holds each other role its tier needs, in its department. Posts that
already verify are left alone, so a rerun changes nothing. Demo signatures only:
``portal verify --production`` refuses them.

    .venv/bin/python demo-keys/sign_demo_content.py [--at 2026-12-04T09:00:00+08:00]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from pipeline.config import SiteConfig, load_config
from pipeline.findings import ERROR
from pipeline.policy import HANDLER
from pipeline.post import Post, post_paths
from pipeline.sign import SigningKey, sign_post
from pipeline.verify import verify_post

ROOT = Path(__file__).resolve().parents[1]
KEYS = Path(__file__).resolve().parent


def signer_for(config: SiteConfig, post: Post, role: str, at: dt.datetime) -> str:
    """The demo person who signs ``post`` as ``role`` at ``at``."""
    if role == HANDLER:
        return post.secrecy_review.handler
    for person in config.roster:
        if person.holds(role, post.department, at) and (KEYS / person.id).exists():
            return person.id
    raise SystemExit(f"{post.path}: 演示花名册中没有 {post.department} 的 {role}。")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--at", default="2026-12-04T09:00:00+08:00")
    at = dt.datetime.fromisoformat(parser.parse_args().at)
    config = load_config(ROOT)
    signed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in post_paths(ROOT):
            post, findings = verify_post(ROOT, path, config, now=at)
            if post is None or not any(f.severity == ERROR for f in findings):
                continue
            for requirement in config.policy.requirements(post.tier):
                person = signer_for(config, post, requirement.role, at)
                # ssh-keygen refuses private keys that others can read; a checkout
                # gives them mode 0644, so sign with a private copy.
                key = Path(tmp) / person
                if not key.exists():
                    shutil.copy(KEYS / person, key)
                    shutil.copy(KEYS / f"{person}.pub", Path(f"{key}.pub"))
                    key.chmod(0o600)
                sign_post(
                    ROOT,
                    config,
                    path,
                    role=requirement.role,
                    key=SigningKey(key),
                    at=at,
                )
            signed += 1
    sys.stdout.write(f"用演示钥匙签署了 {signed} 篇稿件。\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
