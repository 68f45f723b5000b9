"""Sign every post that is not yet publishable with the DEMO keys in this folder.

For each post it signs as the handler its front matter names and as whoever the demo
roster says holds each other role its tier needs, in its department. Posts alike
(same department, tier and handler, as after a bulk import) are approved together in
one batch manifest, one signature per role. Posts that
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

from pipeline.batch import read_batches
from pipeline.config import SiteConfig, load_config
from pipeline.findings import ERROR
from pipeline.policy import HANDLER
from pipeline.post import Post, post_paths
from pipeline.sign import SigningKey, sign_batch, sign_post
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
    batches = read_batches(ROOT)
    groups: dict[tuple[str, str, str], list[Post]] = {}
    for path in post_paths(ROOT):
        post, findings = verify_post(ROOT, path, config, now=at, batches=batches)
        if post is None or not any(f.severity == ERROR for f in findings):
            continue
        key = (post.department, post.tier, post.secrecy_review.handler)
        groups.setdefault(key, []).append(post)
    with tempfile.TemporaryDirectory() as tmp:
        for (department, tier, handler), posts in sorted(groups.items()):
            for requirement in config.policy.requirements(tier):
                person = signer_for(config, posts[0], requirement.role, at)
                key = private_copy(person, Path(tmp))
                if len(posts) == 1:
                    sign_post(
                        ROOT,
                        config,
                        posts[0].path,
                        role=requirement.role,
                        key=key,
                        at=at,
                    )
                    continue
                # Many posts alike (a bulk import): one signature per role.
                name = f"demo-{at.date()}-{department}-{tier}-{handler}"
                sign_batch(
                    ROOT,
                    config,
                    name,
                    [post.path for post in posts],
                    role=requirement.role,
                    key=key,
                    at=at,
                )
    signed = sum(len(posts) for posts in groups.values())
    sys.stdout.write(f"用演示钥匙签署了 {signed} 篇稿件（{len(groups)} 组）。\n")
    return 0


def private_copy(person: str, folder: Path) -> SigningKey:
    """The person's demo key, copied with mode 0600: ssh-keygen refuses private keys
    others can read, and a checkout gives them mode 0644."""
    key = folder / person
    if not key.exists():
        shutil.copy(KEYS / person, key)
        shutil.copy(KEYS / f"{person}.pub", Path(f"{key}.pub"))
        key.chmod(0o600)
    return SigningKey(key)


if __name__ == "__main__":
    raise SystemExit(main())
