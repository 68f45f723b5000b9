"""The register's git repository (GitPython): create it, commit each change with its
author, and notice changes that were written but never committed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import git

from pipeline.errors import PortalError


class RegisterGitError(PortalError):
    """A git operation on the register failed."""


def init_register(root: Path) -> None:
    """Make ``root`` a git repository on branch ``main`` (no-op if it already is)."""
    if (root / ".git").exists():
        return
    try:
        git.Repo.init(root, mkdir=True, initial_branch="main").close()
    except git.GitCommandError as exc:
        raise RegisterGitError(
            f"无法在 {root} 建立 git 仓库：{exc.stderr.strip()}"
        ) from None


def _open(root: Path) -> git.Repo:
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RegisterGitError(
            f"登记簿 {root} 不是 git 仓库，改动无法留痕。",
            hint="请用 portal applications init 建立登记簿。",
        ) from None


def commit(
    root: Path,
    paths: Sequence[str],
    message: str,
    author_name: str,
    author_email: str,
) -> str:
    """Commit ``paths`` (register-relative) as ``author``; the new commit's id."""
    actor = git.Actor(author_name, author_email)
    with _open(root) as repo:
        try:
            repo.index.add(list(paths))
            made = repo.index.commit(message, author=actor, committer=actor)
        except (git.GitCommandError, OSError) as exc:
            raise RegisterGitError(
                f"提交登记簿改动失败：{exc}",
                hint="文件已写入；请在登记簿目录中检查 git status 后手动提交。",
            ) from None
        return made.hexsha


def uncommitted(root: Path) -> list[str]:
    """Register-relative paths changed or added but not committed."""
    with _open(root) as repo:
        output = repo.git.status("--porcelain", "-z", "--untracked-files=all")
    paths = []
    entries = output.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":
            index += 1
    return paths


def configured_user(root: Path) -> tuple[str, str] | None:
    """``user.name`` and ``user.email`` from git's configuration, when both are set."""
    with _open(root) as repo:
        reader = repo.config_reader()
        name = reader.get_value("user", "name", default="")
        email = reader.get_value("user", "email", default="")
    if not name or not email:
        return None
    return str(name), str(email)


def history(root: Path, relative: str) -> list[tuple[str, str, str]]:
    """The commits touching ``relative``, newest first: (id, author, subject)."""
    with _open(root) as repo:
        if not repo.head.is_valid():
            return []
        found = []
        for item in repo.iter_commits("HEAD", paths=[relative]):
            summary = item.summary
            subject = summary if isinstance(summary, str) else summary.decode()
            found.append((item.hexsha[:10], str(item.author.name), subject))
        return found
