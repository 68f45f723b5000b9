"""Batch approval: one signature per role over a manifest, as strong as single approvals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.batch import read_batch
from pipeline.errors import PortalError
from pipeline.main import main
from pipeline.sign import SigningKey, sign_batch
from pipeline.verify import verify_repository
from tests.helpers.repo import NOW, SIGNED_AT, Repo, post_text

FIRST = "content/notices/关于春节值班的通知.md"
SECOND = "content/notices/关于清明节放假的通知.md"
LAW = "content/laws/中华人民共和国科学技术进步法.md"
MANIFEST = "reviews/_batches/2026-03-节假日通知.yml"


def sign(
    repo: Repo, person: str, role: str, paths: list[str], **kwargs: object
) -> None:
    sign_batch(
        repo.root,
        repo.config,
        "2026-03-节假日通知",
        paths,
        role=role,
        key=SigningKey(repo.keys[person]),
        at=SIGNED_AT,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def batched(repo: Repo) -> Repo:
    """Two office posts approved by one manifest: handler, section head, leader."""
    repo.write(FIRST, post_text(title="关于春节值班的通知"))
    repo.write(SECOND, post_text(title="关于清明节放假的通知"))
    sign(repo, "clerk", "handler", [FIRST, SECOND])
    sign(repo, "head", "section_head", [])
    sign(repo, "lead", "supervising_leader", [])
    return repo


def verdict(repo: Repo) -> tuple[list[str], list[tuple[str, str, str]]]:
    report = verify_repository(repo.root, repo.config, now=NOW)
    return (
        [p.path for p in report.publishable],
        [(f.path, f.rule, f.severity) for f in report.findings],
    )


def test_one_signature_per_role_approves_every_listed_post(batched: Repo) -> None:
    batch, problems = read_batch(batched.root, MANIFEST)
    assert problems == [] and batch is not None
    assert len(batch.signatures) == 3 and set(batch.posts) == {FIRST, SECOND}
    assert not (batched.root / "reviews/notices").exists()
    publishable, findings = verdict(batched)
    assert sorted(publishable) == sorted([FIRST, SECOND])
    assert findings == []


@pytest.mark.attack
def test_a_post_edited_later_loses_that_approval_alone(batched: Repo) -> None:
    path = batched.root / FIRST
    path.write_bytes(path.read_bytes() + "补充一句。\n".encode())
    publishable, findings = verdict(batched)
    assert publishable == [SECOND]
    assert (MANIFEST, "hash-mismatch", "warning") in findings
    assert (
        "reviews/notices/关于春节值班的通知.yml",
        "review-missing",
        "error",
    ) not in findings
    assert (FIRST, "review-missing", "error") in findings


@pytest.mark.attack
def test_relisting_a_changed_post_in_the_signed_manifest_voids_it(
    batched: Repo,
) -> None:
    path = batched.root / FIRST
    old = path.read_bytes()
    path.write_bytes(old + "补充一句。\n".encode())
    from pipeline.post import sha256_hex

    manifest = batched.root / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace(sha256_hex(old), sha256_hex(path.read_bytes())), encoding="utf-8"
    )
    publishable, findings = verdict(batched)
    assert publishable == []
    assert (MANIFEST, "signature-invalid", "error") in findings


@pytest.mark.attack
def test_a_manifest_copied_under_another_name_counts_for_nothing(batched: Repo) -> None:
    copy = "reviews/_batches/另一份清单.yml"
    shutil.copy(batched.root / MANIFEST, batched.root / copy)
    (batched.root / MANIFEST).unlink()
    publishable, findings = verdict(batched)
    assert publishable == []
    assert (copy, "signature-invalid", "error") in findings


def test_the_signer_must_hold_the_role_for_every_listed_post(repo: Repo) -> None:
    repo.write(FIRST, post_text())
    repo.write(LAW, post_text(column="laws", department="policy", handler="pclerk"))
    with pytest.raises(PortalError, match="不是政策法规科的科室负责人"):
        sign(repo, "head", "section_head", [FIRST, LAW])
    assert not (repo.root / MANIFEST).exists()


@pytest.mark.attack
def test_a_batch_signature_by_the_wrong_department_does_not_count(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(FIRST, post_text())
    repo.write(LAW, post_text(column="laws", department="policy", handler="pclerk"))
    repo.sign(FIRST, "clerk", "handler")
    repo.sign(FIRST, "lead", "supervising_leader")
    # A cheat skips portal sign's checks: the policy section head "approves" both.
    monkeypatch.setattr("pipeline.sign._check_may_sign", lambda *args: None)
    sign(repo, "phead", "section_head", [FIRST, LAW])
    publishable, findings = verdict(repo)
    assert FIRST not in publishable
    assert (MANIFEST, "signer-role", "error") in findings
    assert (
        "reviews/notices/关于春节值班的通知.yml",
        "approval-missing",
        "error",
    ) in findings


@pytest.mark.attack
def test_a_return_in_a_batch_blocks_every_listed_post(batched: Repo) -> None:
    sign_batch(
        batched.root,
        batched.config,
        "2026-03-节假日通知",
        [],
        role="supervising_leader",
        key=SigningKey(batched.keys["lead"]),
        decision="return",
        comment="放假日期有误",
        at=SIGNED_AT.replace(hour=11),
    )
    publishable, findings = verdict(batched)
    assert publishable == []
    assert findings.count((MANIFEST, "returned", "error")) == 2


def test_signing_an_existing_manifest_after_a_post_changed_is_refused(
    batched: Repo,
) -> None:
    path = batched.root / SECOND
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(PortalError, match="已签的清单不能改动"):
        sign(batched, "boss", "principal_leader", [])


@pytest.mark.attack
def test_a_manifest_may_not_vanish_from_the_base_branch(
    batched: Repo, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    shutil.copytree(batched.root, base)
    (batched.root / MANIFEST).unlink()
    report = verify_repository(batched.root, batched.config, now=NOW, base=base)
    assert [f.rule for f in report.findings if f.path == MANIFEST] == [
        "review-rewritten"
    ] * 3


def test_portal_sign_batch_command(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(FIRST, post_text())
    repo.write(SECOND, post_text(title="关于清明节放假的通知"))
    code = main(
        [
            "sign",
            "--root",
            str(repo.root),
            "--batch",
            "2026-03-节假日通知",
            FIRST,
            SECOND,
            "--role",
            "handler",
            "--key",
            str(repo.keys["clerk"]),
            "--at",
            SIGNED_AT.isoformat(),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert MANIFEST in out and "2 篇稿件" in out
    escape = [
        "--batch",
        "../逃出",
        "--role",
        "handler",
        "--key",
        str(repo.keys["clerk"]),
    ]
    assert main(["sign", "--root", str(repo.root), *escape]) == 1
    assert "清单的名称" in capsys.readouterr().err


@pytest.mark.attack
@pytest.mark.parametrize("how", ["delete", "rehash"])
def test_a_return_in_a_post_record_cannot_be_dropped_behind_a_batch(
    batched: Repo, tmp_path: Path, how: str
) -> None:
    # The section head returns one post of the batch; the return lands in its record.
    batched.sign(
        FIRST, "head", "section_head", decision="return", at=SIGNED_AT.replace(hour=11)
    )
    record = batched.root / "reviews/notices/关于春节值班的通知.yml"
    assert record.exists()
    base = tmp_path / "base"
    shutil.copytree(batched.root, base)
    if how == "delete":
        record.unlink()
    else:
        text = record.read_text(encoding="utf-8")
        record.write_text(
            text.replace("sha256: ", "sha256: 0", 1)[:-1], encoding="utf-8"
        )
    report = verify_repository(batched.root, batched.config, now=NOW, base=base)
    assert FIRST not in [p.path for p in report.publishable]
    rewritten = [f for f in report.findings if f.rule == "review-rewritten"]
    assert rewritten and "稿件没有改动" in rewritten[0].message


def test_a_deleted_post_still_listed_is_reported(batched: Repo) -> None:
    (batched.root / FIRST).unlink()
    publishable, findings = verdict(batched)
    assert publishable == [SECOND]
    assert findings == [(MANIFEST, "review-orphan", "warning")]
