"""``portal check-posts``: what an author can fix before anyone signs (pre-commit)."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.findings import ERROR
from pipeline.output import result
from pipeline.paths import repo_relative
from pipeline.post import CONTENT_DIR, post_index, post_paths
from pipeline.verify import check_content, stale_approval


def check_posts(root: Path, paths: list[str]) -> int:
    """Check the given posts (all posts when none are given); 1 if any has an error.

    Files outside ``content/`` or not Markdown are skipped, so the command can take
    whatever a pre-commit hook passes it. A post changed after it was signed earns a
    warning, not an error: the change may be meant, and then it needs fresh approval.
    """
    config = load_config(root)
    chosen = [repo_relative(root, p) for p in paths] if paths else post_paths(root)
    failed = False
    posts = post_index(root, config)
    for path in chosen:
        if not (path.startswith(f"{CONTENT_DIR}/") and path.endswith(".md")):
            continue
        post, findings = check_content(root, path, config, posts)
        stale = stale_approval(root, post) if post is not None else None
        for item in [*findings, *([stale] if stale else [])]:
            result(item.text())
            failed = failed or item.severity == ERROR
    return 1 if failed else 0
