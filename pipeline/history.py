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
import functools
import hashlib
import os
from collections.abc import Iterable
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
from pipeline.review import record_path as review_path
from pipeline.withdrawal import FOLDERS

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


def record_versions(root: Path, folders: Iterable[str]) -> dict[str, list[bytes]]:
    """Every committed version of each file under ``folders`` in any commit the
    checked-out branch contains, oldest first (empty outside a git repository).

    Every ancestor, not the first-parent line only: a merge whose first parent
    predates a record must not make the record vanish."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return {}
    versions: dict[str, list[bytes]] = {}
    with repo:
        if not repo.head.is_valid():
            return {}
        prefix = _prefix(repo, root)
        paths = [f"{prefix}{folder}" for folder in folders]
        commits = list(repo.iter_commits("HEAD", paths=paths, topo_order=True))
        for commit in reversed(commits):
            for folder in paths:
                try:
                    tree = commit.tree / folder
                except KeyError:
                    continue
                for item in tree.traverse():
                    if not isinstance(item, git.Blob):
                        continue
                    data: bytes = item.data_stream.read()
                    seen = versions.setdefault(str(item.path)[len(prefix) :], [])
                    if not seen or seen[-1] != data:
                        seen.append(data)
    return versions


def file_versions(root: Path, path: str) -> dict[str, tuple[bytes, bytes | None]]:
    """Every committed version of ``path`` in any ancestor commit, by SHA-256, with
    the review record ``record`` as it stood in the latest commit holding that
    version (``None`` when there was none)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return {}
    found: dict[str, tuple[bytes, bytes | None]] = {}
    with repo:
        if not repo.head.is_valid():
            return {}
        prefix = _prefix(repo, root)
        full = f"{prefix}{path}"
        for commit in repo.iter_commits("HEAD", paths=[full]):
            try:
                data: bytes = (commit.tree / full).data_stream.read()
            except KeyError:
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            if sha256 in found:
                continue
            try:
                blob = commit.tree / f"{prefix}{review_path(path)}"
                record: bytes | None = blob.data_stream.read()
            except KeyError:
                record = None
            found[sha256] = (data, record)
    return found


def files_before(root: Path, path: str, folder: str) -> dict[str, bytes] | None:
    """The files under ``folder`` as they were just before ``path`` first reached the
    first-parent line (in the first commit, as it left them); ``None`` when ``path``
    was never committed."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    with repo:
        if not repo.head.is_valid():
            return None
        prefix = _prefix(repo, root)
        commits = list(
            repo.iter_commits("HEAD", first_parent=True, paths=[f"{prefix}{path}"])
        )
        if not commits:
            return None
        # The first commit's parent; the first commit itself when it has none (an
        # initial import: what it brought together counts as already there).
        first = commits[-1]
        base = first.parents[0] if first.parents else first
        try:
            tree = base.tree / f"{prefix}{folder}"
        except KeyError:
            return {}
        return {
            str(item.path)[len(prefix) :]: item.data_stream.read()
            for item in tree.traverse()
            if isinstance(item, git.Blob)
        }


def _prefix(repo: git.Repo, root: Path) -> str:
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    return "" if prefix == "." else f"{prefix}/"


def trusted_governance(
    root: Path, *, pin: str | None, now: dt.datetime | None = None
) -> Governance:
    """The configuration in force for ``root``, judged from its history."""
    governance = govern(
        governed_states(root), pin=pin, now=now or dt.datetime.now(dt.UTC)
    )
    governance.records = record_versions(root, FOLDERS.values())
    versions = functools.cache(functools.partial(file_versions, root))
    governance.earlier_version = lambda path, sha256: versions(path).get(sha256)
    return governance
