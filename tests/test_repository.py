"""The repository's own content: every post verifies, and stock ssh-keygen agrees."""

from __future__ import annotations

import subprocess
import sys
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


def test_one_changed_byte_blocks_verify_and_mkdocs_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    copy = tmp_path / "site-repo"
    for name in ("content", "reviews", "site_config"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    post = copy / ATTACHMENTS[0]
    data = bytearray(post.read_bytes())
    data[data.index("第一条".encode())] ^= 0x01
    post.write_bytes(bytes(data))

    assert main(["--root", str(copy), "verify"]) == 1
    out = capsys.readouterr().out
    assert f"{ATTACHMENTS[0]}: 错误 [hash-mismatch]" in out
    assert "232 篇可以发布，1 篇不能发布" in out

    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(copy / "mkdocs.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert ATTACHMENTS[0] in done.stderr and "hash-mismatch" in done.stderr
    assert not (copy / "site").exists()


# The demo repository's trust root (README, "受管文件与信任根"). A deployment reads its
# pin from the repository's settings; this test only checks the demo history.
DEMO_TRUST_ROOT = "76e59257dc83c802b77bbd653c929dc2bbbd68e129afe5d9f5a6af43b5e37901"


def test_the_repository_history_verifies_from_its_pinned_root() -> None:
    from pipeline.history import trusted_governance

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the history cannot be walked")
    if (ROOT / ".git" / "shallow").exists():
        pytest.skip("shallow clone: the history before the trust root is missing")
    governance = trusted_governance(ROOT, pin=DEMO_TRUST_ROOT)
    assert governance.findings == []
    assert "e70313cc53" in governance.root
    assert governance.config.roster.get("zhou-jianguo") is not None
