"""The pre-commit hooks this repository offers, installed with real pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.main import main
from tests.helpers.repo import SIGNED_AT, Repo, post_text

ROOT = Path(__file__).resolve().parents[1]
BAD = "content/notices/格式有误的通知.md"
GOOD = "content/notices/关于科技创新券的通知.md"


def git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "测试",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
    }
    env |= {"GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_check_posts_reports_errors_and_stale_approvals(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)  # as pre-commit runs it: from the repository's root
    repo.write(BAD, post_text(tier="urgent"))
    repo.write(GOOD, post_text())
    repo.approve_all(GOOD)
    assert (
        main(
            ["--root", str(repo.root), "check-posts", BAD, GOOD, "site_config/site.yml"]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert f"{BAD}:5: 错误 [front-matter] 字段 tier：" in out and GOOD not in out

    repo.write(GOOD, post_text(body="改过的正文。\n"))
    assert main(["--root", str(repo.root), "check-posts", GOOD]) == 0
    assert "3 个已有签名对它将全部失效" in capsys.readouterr().out


def test_check_posts_warns_about_a_post_changed_after_a_batch_approval(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.sign import SigningKey, sign_batch

    repo.write(GOOD, post_text())
    for person, role in (("clerk", "handler"), ("head", "section_head")):
        sign_batch(
            repo.root,
            repo.config,
            "一批通知",
            [GOOD],
            role=role,
            key=SigningKey(repo.keys[person]),
            at=SIGNED_AT,
        )
    assert main(["--root", str(repo.root), "check-posts", GOOD]) == 0
    assert "失效" not in capsys.readouterr().out
    repo.write(GOOD, post_text(body="改过的正文。\n"))
    assert main(["--root", str(repo.root), "check-posts", GOOD]) == 0
    assert "2 个已有签名对它将全部失效" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_installed_by_pre_commit_rejects_a_bad_post(
    repo: Repo, tmp_path: Path
) -> None:
    repo.write(BAD, post_text(tier="urgent"))
    repo.write(GOOD, post_text())
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [
        sys.executable,
        "-m",
        "pre_commit",
        "try-repo",
        str(ROOT),
        "portal-check-posts",
    ]

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "--files", *files],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    done = hook(BAD, GOOD)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert f"{BAD}:5: 错误 [front-matter] 字段 tier：值“urgent”无效" in done.stdout
    done = hook(GOOD)
    assert done.returncode == 0, done.stdout + done.stderr
