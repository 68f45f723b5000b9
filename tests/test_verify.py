"""Every way to cheat the approval chain, each with the exact finding it earns."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.findings import Finding
from pipeline.post import sha256_hex
from pipeline.verify import Report, verify_repository
from tests.helpers.repo import NOW, SIGNED_AT, Repo, post_text, raw_sign

POST = "content/notices/科技创新券申报通知.md"
RECORD = "reviews/notices/科技创新券申报通知.yml"


def run(repo: Repo, **kwargs: object) -> Report:
    return verify_repository(repo.root, repo.config, now=NOW, **kwargs)  # type: ignore[arg-type]


def rules(report: Report) -> list[tuple[str, str]]:
    return sorted((f.path, f.rule) for f in report.findings)


def only(report: Report, rule: str) -> Finding:
    matching = [f for f in report.findings if f.rule == rule]
    assert len(matching) == 1, report.findings
    return matching[0]


def approved(repo: Repo, tier: str = "general", **fields: str) -> None:
    repo.write(POST, post_text(tier=tier, **fields))
    repo.approve_all(POST, tier=tier)


def cheat_section_head(repo: Repo, person: str, role: str, **kwargs: object) -> None:
    """A general post approved properly but for the section head's signature."""
    repo.write(POST, post_text())
    repo.sign(POST, "clerk", "handler")
    raw_sign(repo, POST, person, role, **kwargs)  # type: ignore[arg-type]
    repo.sign(POST, "lead", "supervising_leader")


def test_fully_approved_post_is_publishable(repo: Repo) -> None:
    approved(repo)
    report = run(repo)
    assert report.findings == []
    assert [p.path for p in report.publishable] == [POST]


def test_major_post_needs_principal_leader(repo: Repo) -> None:
    repo.write(POST, post_text(tier="重要"))
    repo.approve_all(POST, tier="general")
    finding = only(run(repo), "approval-missing")
    assert finding.path == RECORD
    assert "主要领导" in finding.message and finding.article == "附件1 第八条"


@pytest.mark.attack
def test_body_edited_after_signing(repo: Repo) -> None:
    approved(repo)
    path = repo.root / POST
    path.write_bytes(path.read_bytes().replace("如下".encode(), "如下：".encode()))
    report = run(repo)
    assert rules(report) == [(POST, "hash-mismatch")]
    assert report.publishable == []


@pytest.mark.attack
def test_one_byte_changed_voids_all_signatures(repo: Repo) -> None:
    approved(repo)
    path = repo.root / POST
    data = bytearray(path.read_bytes())
    data[-1:] = b" "
    path.write_bytes(bytes(data))
    assert rules(run(repo)) == [(POST, "hash-mismatch")]


@pytest.mark.attack
def test_tier_lowered_after_signing(repo: Repo) -> None:
    approved(repo, tier="major")
    repo.sign(POST, "boss", "principal_leader")
    path = repo.root / POST
    path.write_text(
        path.read_text(encoding="utf-8").replace("tier: major", "tier: general")
    )
    assert rules(run(repo)) == [(POST, "hash-mismatch")]


@pytest.mark.attack
def test_tier_lowered_and_record_hash_rewritten(repo: Repo) -> None:
    approved(repo, tier="major")
    path = repo.root / POST
    path.write_text(
        path.read_text(encoding="utf-8").replace("tier: major", "tier: general")
    )
    from pipeline.post import sha256_hex

    record = repo.root / RECORD
    text = record.read_text(encoding="utf-8")
    old = text.split("sha256: ")[1].split("\n")[0]
    record.write_text(
        text.replace(old, sha256_hex(path.read_bytes())), encoding="utf-8"
    )
    report = run(repo)
    invalid = [f for f in report.findings if f.rule == "signature-invalid"]
    assert len(invalid) == 4
    assert {f.rule for f in report.findings} == {
        "signature-invalid",
        "approval-missing",
    }


@pytest.mark.attack
def test_signature_copied_to_another_post(repo: Repo) -> None:
    approved(repo)
    other = "content/notices/另一篇通知.md"
    repo.write(other, post_text(title="另一篇通知", body="另一篇的正文。\n"))
    shutil.copy(repo.root / RECORD, repo.root / "reviews/notices/另一篇通知.yml")
    report = run(repo)
    finding = only(report, "review-path")
    assert finding.path == "reviews/notices/另一篇通知.yml"
    assert [p.path for p in report.publishable] == [POST]


@pytest.mark.attack
def test_signature_entry_moved_into_another_record(repo: Repo) -> None:
    approved(repo)
    other = "content/notices/另一篇通知.md"
    repo.write(other, post_text(title="另一篇通知", body="另一篇的正文。\n"))
    repo.sign(other, "clerk", "handler")
    repo.sign(other, "lead", "supervising_leader")
    source = (repo.root / RECORD).read_text(encoding="utf-8")
    head_entry = (
        "- role: section_head"
        + source.split("- role: section_head")[1].split("- role:")[0]
    )
    target = repo.root / "reviews/notices/另一篇通知.yml"
    target.write_text(target.read_text(encoding="utf-8") + head_entry, encoding="utf-8")
    report = run(repo)
    invalid = only(report, "signature-invalid")
    assert invalid.path == "reviews/notices/另一篇通知.yml"
    missing = only(report, "approval-missing")
    assert "科室负责人" in missing.message


@pytest.mark.attack
def test_signature_in_another_namespace(repo: Repo) -> None:
    cheat_section_head(repo, "head", "section_head", namespace="git")
    finding = only(run(repo), "signature-invalid")
    assert "命名空间" in finding.message and "git" in finding.message


@pytest.mark.attack
def test_signer_without_the_role(repo: Repo) -> None:
    cheat_section_head(repo, "pclerk", "section_head")
    report = run(repo)
    assert only(report, "signer-role").path == RECORD
    assert "科室负责人" in only(report, "approval-missing").message


@pytest.mark.attack
def test_section_head_of_another_department(repo: Repo) -> None:
    cheat_section_head(repo, "phead", "section_head")
    finding = only(run(repo), "signer-role")
    assert "办公室的科室负责人" in finding.message


@pytest.mark.attack
def test_role_ended_before_signing(repo: Repo) -> None:
    from tests.helpers import repo as helpers

    people = list(helpers.PEOPLE)
    index = [p[0] for p in people].index("head")
    person = people[index]
    helpers.PEOPLE[index] = (
        person[0],
        person[1],
        person[2] + "        until: 2026-02-28\n",
        person[3],
    )
    try:
        repo.roster()
    finally:
        helpers.PEOPLE[index] = person
    cheat_section_head(repo, "head", "section_head")
    finding = only(run(repo), "signer-role")
    assert "孙科长" in finding.message


@pytest.mark.attack
def test_revoked_key(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-01\n"})
    cheat_section_head(repo, "head", "section_head")
    finding = only(run(repo), "key-invalid")
    assert "已吊销" in finding.message


def test_signatures_before_revocation_stand(repo: Repo) -> None:
    approved(repo)
    repo.roster(key_lines={"head": "        revoked: 2026-04-01\n"})
    assert run(repo).findings == []


@pytest.mark.attack
def test_expired_key(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        until: 2026-01-31\n"})
    cheat_section_head(repo, "head", "section_head")
    finding = only(run(repo), "key-invalid")
    assert "不在有效期内" in finding.message


@pytest.mark.attack
def test_signature_dated_before_key_existed(repo: Repo) -> None:
    repo.roster(key_from={"head": "2026-03-05"})
    cheat_section_head(repo, "head", "section_head")
    finding = only(run(repo), "key-invalid")
    assert "2026-03-05 至" in finding.message


@pytest.mark.attack
def test_signature_dated_before_the_secrecy_review(repo: Repo) -> None:
    early = dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    cheat_section_head(repo, "head", "section_head", at=early)
    finding = only(run(repo), "signed-before-review")
    assert "2026-03-01" in finding.message


def test_aged_signature_stops_blocking_once_the_role_is_filled(repo: Repo) -> None:
    from tests.helpers.repo import make_key

    approved(repo)
    revoked = "        revoked: 2026-03-01\n"
    repo.roster(key_lines={"head": revoked})
    report = run(repo)
    assert only(report, "key-invalid").severity == "error"
    assert "科室负责人" in only(report, "approval-missing").message

    new_key = make_key(repo.root / "keys", "head-new")
    public = new_key.with_suffix(".pub").read_text().split()
    repo.roster(
        key_lines={
            "head": f"{revoked}      - key: {public[0]} {public[1]}\n"
            "        from: 2026-03-01\n"
        }
    )
    raw_sign(
        repo,
        POST,
        "head",
        "section_head",
        key=new_key,
        at=SIGNED_AT + dt.timedelta(days=1),
    )
    report = run(repo)
    assert report.ok and [p.path for p in report.publishable] == [POST]
    assert only(report, "key-invalid").severity == "warning"


@pytest.mark.attack
def test_signature_dated_in_the_future(repo: Repo) -> None:
    cheat_section_head(repo, "head", "section_head", at=NOW + dt.timedelta(days=1))
    assert only(run(repo), "signed-in-future").path == RECORD


@pytest.mark.attack
def test_missing_secrecy_review(repo: Repo) -> None:
    text = post_text()
    repo.write(POST, text.split("secrecy_review:")[0] + "---\nbody\n")
    finding = only(run(repo), "secrecy-review")
    assert finding.field == "secrecy_review"
    assert finding.article == "附件4 第四条"


@pytest.mark.attack
def test_opinion_referred_blocks(repo: Repo) -> None:
    approved(repo, opinion="referred")
    report = run(repo)
    finding = only(report, "secrecy-opinion")
    assert finding.article == "附件4 第七条"
    assert report.publishable == []


@pytest.mark.attack
def test_opinion_not_publishable_blocks(repo: Repo) -> None:
    approved(repo, opinion="not_publishable")
    assert only(run(repo), "secrecy-opinion").field == "secrecy_review.opinion"


@pytest.mark.attack
def test_return_blocks_until_newer_approval(repo: Repo) -> None:
    approved(repo)
    later = SIGNED_AT + dt.timedelta(hours=1)
    repo.sign(POST, "lead", "supervising_leader", decision="return", at=later)
    finding = only(run(repo), "returned")
    assert "吴分管" in finding.message
    repo.sign(POST, "lead", "supervising_leader", at=later + dt.timedelta(hours=1))
    assert run(repo).findings == []


@pytest.mark.attack
def test_handler_approving_own_post(repo: Repo) -> None:
    repo.write(POST, post_text(handler="head"))
    repo.sign(POST, "head", "handler")
    repo.sign(POST, "head", "section_head")
    repo.sign(POST, "lead", "supervising_leader")
    report = run(repo)
    assert only(report, "handler-self-approval").path == RECORD
    assert "科室负责人" in only(report, "approval-missing").message


@pytest.mark.attack
def test_handler_signature_by_someone_else(repo: Repo) -> None:
    repo.write(POST, post_text())
    raw_sign(repo, POST, "pclerk", "handler")
    repo.sign(POST, "head", "section_head")
    repo.sign(POST, "lead", "supervising_leader")
    report = run(repo)
    assert only(report, "handler-mismatch").path == RECORD
    assert "承办人" in only(report, "approval-missing").message


def test_record_for_a_post_that_no_longer_exists(repo: Repo) -> None:
    approved(repo)
    (repo.root / POST).unlink()
    assert rules(run(repo)) == [(RECORD, "review-orphan")]


@pytest.mark.attack
def test_missing_record(repo: Repo) -> None:
    repo.write(POST, post_text())
    assert rules(run(repo)) == [(POST, "review-missing")]


@pytest.mark.attack
def test_one_person_cannot_fill_two_roles(repo: Repo) -> None:
    from tests.helpers import repo as helpers

    index = [p[0] for p in helpers.PEOPLE].index("lead")
    person = helpers.PEOPLE[index]
    extra = "      - role: section_head\n        department: office\n        from: 2020-01-01\n"
    helpers.PEOPLE[index] = (person[0], person[1], person[2] + extra, person[3])
    try:
        repo.roster()
    finally:
        helpers.PEOPLE[index] = person
    repo.write(POST, post_text())
    repo.sign(POST, "clerk", "handler")
    repo.sign(POST, "lead", "section_head")
    repo.sign(POST, "lead", "supervising_leader")
    finding = only(run(repo), "distinct-persons")
    assert finding.path == RECORD
    policy = repo.root / "site_config/policy.yml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "one_person_several_roles: false", "one_person_several_roles: true"
        ),
        encoding="utf-8",
    )
    assert run(repo).findings == []


@pytest.mark.attack
def test_one_person_with_two_keys_fills_one_role(
    repo: Repo, key_folder: object
) -> None:
    from tests.helpers.repo import make_key

    second = make_key(repo.root / "keys", "head-second")
    public = second.with_suffix(".pub").read_text().split()
    repo.roster(
        key_lines={
            "head": f"      - key: {public[0]} {public[1]}\n        from: 2020-01-01\n"
        }
    )
    repo.write(POST, post_text(tier="important"))
    repo.sign(POST, "clerk", "handler")
    repo.sign(POST, "head", "section_head")
    raw_sign(repo, POST, "head", "supervising_leader", key=second)
    report = run(repo)
    assert only(report, "signer-role").path == RECORD
    assert "分管领导" in only(report, "approval-missing").message


@pytest.mark.attack
def test_unknown_signer(repo: Repo) -> None:
    repo.write(POST, post_text())
    repo.approve_all(POST)
    record = repo.root / RECORD
    record.write_text(
        record.read_text(encoding="utf-8").replace("signer: head", "signer: ghost"),
        encoding="utf-8",
    )
    report = run(repo)
    assert only(report, "signer-unknown").path == RECORD


@pytest.mark.attack
def test_production_refuses_demo_keys(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        demo: true\n"})
    approved(repo)
    assert run(repo).findings == []
    finding = only(run(repo, production=True), "demo-key")
    assert "演示" in finding.message


def test_stray_file_in_content(repo: Repo) -> None:
    approved(repo)
    repo.write("content/notices/附件.pdf", b"%PDF-1.4")
    assert rules(run(repo)) == [("content/notices/附件.pdf", "unapproved-file")]


def test_record_edited_by_hand_is_reported_with_line(repo: Repo) -> None:
    approved(repo)
    record = repo.root / RECORD
    record.write_text(
        record.read_text(encoding="utf-8").replace(
            "decision: approve", "decision: maybe", 1
        ),
        encoding="utf-8",
    )
    report = run(repo)
    finding = [f for f in report.findings if f.rule == "review-invalid"][0]
    assert finding.field == "signatures[0].decision" and finding.line


def test_future_publication_waits_for_its_day(repo: Repo) -> None:
    repo.write(
        POST, post_text().replace("published: 2026-03-01", "published: 2026-06-02")
    )
    repo.approve_all(POST)
    report = run(repo)
    assert report.ok and report.publishable == []
    scheduled = only(report, "scheduled")
    assert scheduled.severity == "warning" and scheduled.field == "published"
    later = verify_repository(repo.root, repo.config, now=NOW + dt.timedelta(days=1))
    assert [p.path for p in later.publishable] == [POST]


def test_return_by_a_role_the_post_does_not_need_does_not_block(repo: Repo) -> None:
    approved(repo)
    repo.sign(POST, "boss", "principal_leader", decision="return")
    assert run(repo).findings == []


@pytest.mark.attack
def test_hidden_text_and_raw_html_block_publication(repo: Repo) -> None:
    approved(repo, body="正文。\n<style>p{display:none}</style>\n")
    report = run(repo)
    assert only(report, "unsafe-html").line == 16
    assert report.publishable == []


@pytest.mark.attack
def test_symlinked_post_is_refused(repo: Repo) -> None:
    approved(repo)
    link = repo.root / "content/notices/链接.md"
    link.symlink_to(repo.root / POST)
    report = run(repo)
    findings = [f for f in report.findings if f.path == "content/notices/链接.md"]
    assert [f.rule for f in findings] == ["front-matter"]
    assert "符号链接" in findings[0].message


def test_hints_name_the_roles_and_the_people(repo: Repo) -> None:
    repo.write(POST, post_text(tier="important"))
    missing = only(run(repo), "review-missing")
    assert (
        "较重要信息需要：承办人（handler）、科室负责人（section_head）、分管领导"
        in (missing.hint or "")
    )
    repo.sign(POST, "clerk", "handler")
    report = run(repo)
    head = next(f for f in report.findings if "科室负责人" in f.message)
    assert "较重要信息须经办公室的科室负责人审查同意" in head.message
    assert "孙科长" in (head.hint or "")


def test_secrecy_approval_is_worded_as_such(repo: Repo) -> None:
    repo.write(POST, post_text())
    repo.sign(POST, "clerk", "handler")
    repo.sign(POST, "head", "section_head")
    finding = only(run(repo), "approval-missing")
    assert finding.message.startswith("保密审查意见须经办公室的分管领导批准")
    assert finding.article == "附件4 第四条" and "吴分管" in (finding.hint or "")


def test_stray_files_and_orphan_records_are_warnings(repo: Repo) -> None:
    approved(repo)
    repo.write("content/notices/.DS_Store", b"\x00")
    repo.write("reviews/notices/旧稿.yml", (repo.root / RECORD).read_bytes())
    report = run(repo)
    assert report.ok and len(report.publishable) == 1
    assert sorted(f.rule for f in report.findings) == [
        "review-orphan",
        "unapproved-file",
    ]


@pytest.mark.attack
def test_deleting_a_return_from_the_record_is_caught_against_the_base(
    repo: Repo, tmp_path: Path
) -> None:
    approved(repo)
    repo.sign(
        POST,
        "head",
        "section_head",
        decision="return",
        at=SIGNED_AT + dt.timedelta(hours=1),
    )
    base = tmp_path / "base"
    shutil.copytree(repo.root, base)
    record = repo.root / RECORD
    text = record.read_text(encoding="utf-8")
    record.write_text(text[: text.rindex("- role: section_head")], encoding="utf-8")

    assert run(repo).findings == []  # on its own, the shortened record looks fine
    report = verify_repository(repo.root, repo.config, now=NOW, base=base)
    finding = only(report, "review-rewritten")
    assert finding.path == RECORD and "退回" in finding.message
    assert report.publishable == []


def test_a_new_record_for_changed_bytes_is_not_a_rewrite(
    repo: Repo, tmp_path: Path
) -> None:
    approved(repo)
    base = tmp_path / "base"
    shutil.copytree(repo.root, base)
    # A published post that changes says what was corrected (附件1 第十五条).
    before = sha256_hex((repo.root / POST).read_bytes())
    note = f"corrections:\n  - date: 2026-05-01\n    note: 更正正文\n    replaces: {before}\n"
    repo.write(POST, post_text(body="更正后的正文。\n", extra=note))
    repo.approve_all(POST)
    assert verify_repository(repo.root, repo.config, now=NOW, base=base).findings == []
