"""Signing with ssh-keygen, and stock ``ssh-keygen -Y verify`` accepting the result."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pipeline.main import main
from pipeline.review import NAMESPACE, read_record
from tests.helpers.repo import NOW, Repo, post_text

POST = "content/notices/关于科技创新券的通知.md"
RECORD = "reviews/notices/关于科技创新券的通知.yml"
AT = "2026-03-02T10:00:00+08:00"


def portal(repo: Repo, *args: str) -> int:
    return main(["--root", str(repo.root), *args])


@pytest.mark.parametrize(
    ("person", "role", "key_type"),
    [
        ("head", "section_head", "ED25519"),
        ("lead", "supervising_leader", "ECDSA"),
        ("boss", "principal_leader", "RSA"),
    ],
)
def test_stock_ssh_keygen_accepts_each_key_type(
    repo: Repo,
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    person: str,
    role: str,
    key_type: str,
) -> None:
    repo.write(POST, post_text(tier="major"))
    assert (
        portal(
            repo,
            "sign",
            POST,
            "--role",
            role,
            "--key",
            str(repo.keys[person]),
            "--at",
            AT,
        )
        == 0
    )
    capsysbinary.readouterr()

    assert portal(repo, "allowed-signers") == 0
    (tmp_path / "allowed").write_bytes(capsysbinary.readouterr().out)
    assert portal(repo, "payload", RECORD) == 0
    message = capsysbinary.readouterr().out
    assert portal(repo, "payload", RECORD, "--armor") == 0
    (tmp_path / "sig").write_bytes(capsysbinary.readouterr().out)

    command = [
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        str(tmp_path / "allowed"),
        "-I",
        person,
    ]
    command += [
        "-n",
        NAMESPACE,
        "-s",
        str(tmp_path / "sig"),
        "-Overify-time=20260302030000Z",
    ]
    done = subprocess.run(command, input=message, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{key_type} key" in done.stdout.decode()
    payload = json.loads(message)
    assert (
        payload["path"] == POST
        and payload["role"] == role
        and payload["site"] == "test-site"
    )

    # Stock ssh-keygen refuses the same signature for an edited payload.
    done = subprocess.run(
        command,
        input=message.replace(b"approve", b"return"),
        capture_output=True,
        check=False,
    )
    assert done.returncode != 0


def test_sign_through_ssh_agent(repo: Repo, tmp_path: Path) -> None:
    repo.write(POST, post_text())
    socket = tmp_path / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            if socket.exists():
                break
            subprocess.run(["sleep", "0.05"], check=True)
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket)}
        subprocess.run(
            ["ssh-add", "-q", str(repo.keys["head"])],
            env=env,
            check=True,
            capture_output=True,
        )
        public_only = tmp_path / "only-public.pub"
        public_only.write_text(Path(f"{repo.keys['head']}.pub").read_text())
        os.environ["SSH_AUTH_SOCK"] = str(socket)
        try:
            code = portal(
                repo,
                "sign",
                POST,
                "--role",
                "section_head",
                "--key",
                str(public_only),
                "--at",
                AT,
            )
        finally:
            del os.environ["SSH_AUTH_SOCK"]
    finally:
        agent.terminate()
        agent.wait(timeout=10)
    assert code == 0
    record, problems = read_record(repo.root, RECORD)
    assert problems == [] and record is not None
    assert [s.signer for s in record.signatures] == ["head"]


def test_sign_refuses_a_role_the_signer_does_not_hold(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text())
    code = portal(
        repo,
        "sign",
        POST,
        "--role",
        "principal_leader",
        "--key",
        str(repo.keys["head"]),
        "--at",
        AT,
    )
    assert code == 1
    assert "不是本局的主要领导" in capsys.readouterr().err
    assert not (repo.root / RECORD).exists()


def test_sign_refuses_a_key_not_in_the_roster(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers.repo import make_key

    repo.write(POST, post_text())
    stranger = make_key(tmp_path / "k", "stranger")
    assert (
        portal(repo, "sign", POST, "--role", "section_head", "--key", str(stranger))
        == 1
    )
    assert "不在花名册" in capsys.readouterr().err


def test_signing_an_edited_post_starts_a_fresh_record(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text())
    repo.approve_all(POST)
    repo.write(POST, post_text(body="改过的正文。\n"))
    assert (
        portal(
            repo,
            "sign",
            POST,
            "--role",
            "handler",
            "--key",
            str(repo.keys["clerk"]),
            "--at",
            AT,
        )
        == 0
    )
    assert "原有的 3 个签名已作废" in capsys.readouterr().err
    record, _ = read_record(repo.root, RECORD)
    assert record is not None and [s.role for s in record.signatures] == ["handler"]


def test_record_is_written_whole_or_not_at_all(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(POST, post_text())
    repo.sign(POST, "clerk", "handler")
    before = (repo.root / RECORD).read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        repo.sign(POST, "head", "section_head")
    assert (repo.root / RECORD).read_bytes() == before
    assert [p.name for p in (repo.root / RECORD).parent.iterdir()] == [
        Path(RECORD).name
    ]


def test_verify_exit_codes_and_json(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text())
    repo.approve_all(POST)
    assert portal(repo, "verify") == 0
    assert "1 篇可以发布" in capsys.readouterr().out

    path = repo.root / POST
    path.write_bytes(path.read_bytes() + b"\n")
    pin = ("--trust-root", repo.pin())
    assert portal(repo, "verify", "--format", "json", *pin) == 1
    # The demo site names no receiving office (a warning about site.yml): left aside.
    [finding] = [f for f in json.loads(capsys.readouterr().out) if f["path"] == POST]
    assert finding == {
        "path": POST,
        "rule": "hash-mismatch",
        "article": "附件1 第九条",
        "severity": "error",
        "message": finding["message"],
        "line": None,
        "field": None,
        "hint": finding["hint"],
        "column": None,
        "code": None,
    }
    assert portal(repo, "verify", "--format", "github", *pin) == 1
    assert capsys.readouterr().out.startswith(
        f"::error file={POST},title=hash-mismatch::"
    )

    (repo.root / "site_config/policy.yml").write_text("tiers: [\n", encoding="utf-8")
    assert portal(repo, "verify") == 2


def test_usage_error_exit_code(repo: Repo) -> None:
    with pytest.raises(SystemExit) as exc:
        portal(repo, "verify", "--format", "xml")
    assert exc.value.code == 2


def test_now_is_after_fixture_signing_time() -> None:
    assert NOW.isoformat() > AT


def test_signing_the_same_decision_again_replaces_it(repo: Repo) -> None:
    repo.write(POST, post_text())
    repo.sign(POST, "head", "section_head")
    repo.sign(POST, "head", "section_head")
    record, _ = read_record(repo.root, RECORD)
    assert record is not None and len(record.signatures) == 1


def test_root_may_follow_the_subcommand_and_output_names_the_post(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text())
    key = str(repo.keys["head"])
    code = main(
        ["sign", POST, "--root", str(repo.root), "--role", "section_head", "--key", key]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "《关于开展科技创新券申报工作的通知》（一般，办公室，SHA-256 " in out


def test_signing_with_a_revoked_key_names_the_key_and_field(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-01-01\n"})
    repo.write(POST, post_text())
    code = portal(
        repo,
        "sign",
        POST,
        "--role",
        "section_head",
        "--key",
        str(repo.keys["head"]),
        "--at",
        AT,
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "site_config/roster.yml: 字段 keys：孙科长的钥匙 SHA256:" in err
    assert "至 2025-12-31" in err
