"""The repository's own content: every post verifies, and stock ssh-keygen agrees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.main import main
from pipeline.review import NAMESPACE, read_record, record_paths
from pipeline.verify import verify_repository

ROOT = Path(__file__).resolve().parents[1]
NOTICE = "content/notices/科技局关于建立和完善政务信息工作制度的通知.md"
ATTACHMENTS = [
    "content/rules/门户网站信息发布管理制度.md",
    "content/rules/依申请公开制度.md",
    "content/rules/依申请公开答复机制.md",
    "content/rules/信息发布保密审查制度.md",
]
REGULATION_COLUMNS = {
    "laws",
    "administrative-regulations",
    "departmental-rules",
    "judicial-interpretations",
    "local-regulations",
}


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return verify_repository(ROOT, load_config(ROOT))


def test_every_post_in_the_repository_is_publishable(report) -> None:  # type: ignore[no-untyped-def]
    assert report.findings == []
    assert report.checked == len(report.publishable)


def test_the_notice_and_its_attachments_are_posts(report) -> None:  # type: ignore[no-untyped-def]
    paths = {post.path for post in report.publishable}
    assert {NOTICE, *ATTACHMENTS} <= paths
    notice = next(p for p in report.publishable if p.path == NOTICE)
    assert notice.doc_number == "常科综〔2018〕35号" and notice.tier == "major"


def test_at_least_200_regulations_of_every_status(report) -> None:  # type: ignore[no-untyped-def]
    regulations = [p for p in report.publishable if p.column in REGULATION_COLUMNS]
    assert len(regulations) >= 200
    assert {p.status for p in regulations} >= {"effective", "amended", "expired"}


def test_production_refuses_the_demo_signatures(report) -> None:  # type: ignore[no-untyped-def]
    strict = verify_repository(ROOT, load_config(ROOT), production=True)
    assert strict.publishable == []
    assert {f.rule for f in strict.findings} == {"demo-key"}


def test_stock_ssh_keygen_accepts_a_signature_from_a_record(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    record_file = next(
        p for p in record_paths(ROOT) if p.startswith("reviews/notices/")
    )
    record, problems = read_record(ROOT, record_file)
    assert problems == [] and record is not None
    assert main(["--root", str(ROOT), "allowed-signers"]) == 0
    (tmp_path / "allowed").write_bytes(capsysbinary.readouterr().out)
    for index, signature in enumerate(record.signatures):
        assert (
            main(["--root", str(ROOT), "payload", record_file, "--index", str(index)])
            == 0
        )
        message = capsysbinary.readouterr().out
        (tmp_path / "sig").write_text(signature.armored)
        command = ["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed")]
        command += [
            "-I",
            signature.signer,
            "-n",
            NAMESPACE,
            "-s",
            str(tmp_path / "sig"),
        ]
        # ssh-keygen reads -Overify-time in the machine's local time zone.
        local = signature.signed_at.astimezone().strftime("%Y%m%d%H%M%S")
        command += [f"-Overify-time={local}"]
        done = subprocess.run(command, input=message, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
