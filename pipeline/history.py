"""The repository's history as governance states, read with GitPython.

States are the commits of the checked-out branch's first-parent line that touch a
governed file or its records, oldest first, then the working tree. A pull request's
merge commit has the target branch as its first parent, so its changes are judged by
the configuration the target branch has in force. A shallow clone lacks the history
trust rests on and is refused; a folder that is not a git repository is a single
state (its own trust root).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import git

from pipeline.config import files_under
from pipeline.governance import (
    GOVERNED_FILES,
    GOVERNED_REVIEWS,
    Governance,
    State,
    TrustError,
    govern,
)

PIN_VARIABLE = "PORTAL_TRUST_ROOT"
WORKING_TREE = "工作区"


def pin_from(option: str | None) -> str | None:
    """The pinned trust root: the command-line value, else ``$PORTAL_TRUST_ROOT``.

    An empty value (an unset repository variable on GitHub) counts as no pin.
    """
    value = option if option is not None else os.environ.get(PIN_VARIABLE, "")
    return value.strip() or None


def governed_states(root: Path) -> list[State]:
    """The states of ``root``: first-parent commits touching governed files, then
    the working tree."""
    working = State(WORKING_TREE, files_under(root))
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return [working]
    with repo:
        top = Path(repo.working_tree_dir or root).resolve()
        prefix = root.resolve().relative_to(top).as_posix()
        prefix = "" if prefix == "." else f"{prefix}/"
        if not repo.head.is_valid():
            return [working]
        if (Path(repo.git_dir) / "shallow").exists():
            raise TrustError(
                f"{top} 是浅克隆，缺少判断受管文件改动所需的完整历史。",
                hint="请完整克隆（git fetch --unshallow；GitHub Actions 中 checkout 设置 fetch-depth: 0）。",
            )
        paths = [f"{prefix}{p}" for p in (*GOVERNED_FILES, GOVERNED_REVIEWS)]
        commits = list(repo.iter_commits("HEAD", first_parent=True, paths=paths))
        states = [_commit_state(commit, prefix) for commit in reversed(commits)]
    return [*states, working]


def _commit_state(commit: git.Commit, prefix: str) -> State:
    summary = commit.summary
    subject = (
        summary if isinstance(summary, str) else summary.decode("utf-8", "replace")
    )
    when = dt.datetime.fromtimestamp(commit.committed_date, dt.UTC).date()
    label = f"提交 {commit.hexsha[:10]}（{when}，{subject[:60]}）"
    tree = commit.tree

    def read(path: str) -> bytes | None:
        try:
            blob = tree / f"{prefix}{path}"
        except KeyError:
            return None
        if blob.type != "blob":
            return None
        data: bytes = blob.data_stream.read()
        return data

    return State(label, read)


def trusted_governance(
    root: Path, *, pin: str | None, now: dt.datetime | None = None
) -> Governance:
    """The configuration in force for ``root``, judged from its history."""
    return govern(governed_states(root), pin=pin, now=now or dt.datetime.now(dt.UTC))
