"""Key lifecycle: states on a day, expiry warnings, signatures made outside a key's
window, and (end to end with ``verify_repository``) rotation, revocation and roles
that end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.findings import Finding
from pipeline.keys import KeyReport, KeyState, key_report, load_records
from pipeline.main import main
from pipeline.sign import SigningKey
from pipeline.verify import Report, verify_repository
from tests.helpers.repo import NOW, SIGNED_AT, TZ, Repo, make_key, post_text, raw_sign

POST = "content/notices/科技创新券申报通知.md"
RECORD = "reviews/notices/科技创新券申报通知.yml"
LATER = "content/notices/高新技术企业认定通知.md"
LATER_RECORD = "reviews/notices/高新技术企业认定通知.yml"
ON = NOW.date()  # 2026-06-01


def report(repo: Repo, on: dt.date = ON, within: int = 30) -> KeyReport:
    return key_report(repo.config, load_records(repo.root), on=on, within=within)


def key_of(result: KeyReport, holder: str, index: int = 0) -> KeyState:
    return [k for k in result.keys if k.holder == holder][index]


def only(findings: list[Finding] | tuple[Finding, ...], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


def verified(repo: Repo) -> Report:
    return verify_repository(repo.root, repo.config, now=NOW)


def publishable(repo: Repo) -> list[str]:
    return [p.path for p in verified(repo).publishable]


def second_key(repo: Repo, name: str) -> tuple[Path, str]:
    """A new key pair for a rotation, and its public key line."""
    path = make_key(repo.root / "keys", name)
    public = path.with_suffix(".pub").read_text().split()
    return path, f"{public[0]} {public[1]}"


def two_posts(repo: Repo, *, later_at: dt.datetime, key: Path | None = None) -> None:
    """POST approved on SIGNED_AT; LATER approved too, its section head at ``later_at``."""
    repo.write(POST, post_text())
    repo.approve_all(POST)
    repo.write(LATER, post_text(title="高新技术企业认定通知", body="另一篇。\n"))
    repo.sign(LATER, "clerk", "handler")
    raw_sign(repo, LATER, "head", "section_head", at=later_at, key=key)
    repo.sign(LATER, "lead", "supervising_leader")


def run_cli(repo: Repo, *args: str) -> int:
    return main(["keys", "--root", str(repo.root), "--on", ON.isoformat(), *args])


# --------------------------------------------------------------------------- states


def test_each_state_on_the_day(repo: Repo) -> None:
    repo.roster(
        key_lines={
            "head": "        until: 2026-06-20\n",
            "lead": "        revoked: 2026-05-01\n",
            "pclerk": "        until: 2026-05-31\n        demo: true\n",
        },
        key_from={"phead": "2026-07-01"},
    )
    result = report(repo)
    states = {k.holder: k.state for k in result.keys}
    assert states == {
        "boss": "valid",
        "lead": "revoked",
        "head": "expiring",
        "phead": "not-yet-valid",
        "clerk": "valid",
        "pclerk": "expired",
    }
    head = key_of(result, "head")
    assert head.days_left == 20 and head.valid_until == dt.date(2026, 6, 20)
    assert head.fingerprint == SigningKey(repo.keys["head"]).public_key().fingerprint()
    assert head.key_type == "ssh-ed25519" and head.name == "孙科长"
    assert key_of(result, "lead").revoked == dt.date(2026, 5, 1)
    assert key_of(result, "pclerk").demo and not head.demo
    assert key_of(result, "phead").valid_from == dt.date(2026, 7, 1)
    assert key_of(result, "boss").key_type == "ssh-rsa"
    assert result.ok


def test_last_day_is_still_valid_and_the_next_is_not(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        until: 2026-06-01\n"})
    assert key_of(report(repo), "head").state == "expiring"
    assert key_of(report(repo), "head").days_left == 1
    after = report(repo, on=dt.date(2026, 6, 2))
    assert key_of(after, "head").state == "expired"
    assert key_of(after, "head").days_left is None


def test_revoked_from_its_revocation_day_on(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-06-02\n"})
    before = key_of(report(repo), "head")
    assert before.state == "expiring" and before.days_left == 1
    warning = only(report(repo).warnings, "key-expiring")
    assert "将于 2026-06-02 起吊销" in warning.message
    assert warning.field == "people[2].keys[0].revoked"
    assert key_of(report(repo, on=dt.date(2026, 6, 2)), "head").state == "revoked"


def test_expiring_is_a_warning_naming_roster_field_and_what_to_do(
    repo: Repo,
) -> None:
    repo.roster(key_lines={"head": "        until: 2026-06-20\n"})
    warning = only(report(repo).warnings, "key-expiring")
    assert warning.severity == "warning" and warning.path == "site_config/roster.yml"
    assert warning.field == "people[2].keys[0].until"
    assert "孙科长" in warning.message and "还剩 20 天" in warning.message
    assert "登记新钥匙" in (warning.hint or "") and warning.article == "附件1 第十条"
    assert key_of(report(repo, within=20), "head").state == "expiring"
    assert report(repo, within=19).warnings == ()
    assert key_of(report(repo, within=19), "head").state == "valid"


def test_expiring_with_a_successor_already_registered(repo: Repo) -> None:
    _, public = second_key(repo, "head-next")
    repo.roster(
        key_lines={
            "head": f"        until: 2026-06-20\n      - key: {public}\n"
            "        from: 2026-06-21\n"
        }
    )
    result = report(repo)
    assert key_of(result, "head", 1).state == "not-yet-valid"
    warning = only(result.warnings, "key-expiring")
    assert "已登记接替的钥匙" in (warning.hint or "")


# --------------------------------------------------------------------------- late use


def test_signature_after_the_key_ended_does_not_count(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        until: 2026-03-31\n"})
    # 2026-03-31T17:00Z is already 1 April in the bureau.
    late = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)
    two_posts(repo, later_at=late)

    result = report(repo)
    warning = only(result.warnings, "key-outside-window")
    assert warning.severity == "error" and warning.path == LATER_RECORD
    assert LATER in warning.message and late.isoformat() in warning.message
    assert "不算数" in warning.message and warning.field == "signatures"
    assert warning.line and "portal sign" in (warning.hint or "")
    assert not result.ok and key_of(result, "head").reapprove == ()
    assert publishable(repo) == [POST]


def test_signature_before_the_key_began_does_not_count(repo: Repo) -> None:
    two_posts(repo, later_at=SIGNED_AT + dt.timedelta(days=10))
    repo.roster(key_from={"head": "2026-03-05"})  # registered later than it signed
    warning = only(report(repo).warnings, "key-outside-window")
    assert warning.path == RECORD and "尚未生效" in warning.message


@pytest.mark.attack
def test_revoked_key_names_every_post_to_approve_again(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    two_posts(repo, later_at=dt.datetime(2026, 3, 10, 0, 0, tzinfo=TZ))

    result = report(repo)
    head = key_of(result, "head")
    assert head.state == "revoked" and head.reapprove == (LATER,)
    warning = only(result.warnings, "key-revoked-used")
    assert warning.path == LATER_RECORD and LATER in warning.message
    assert "2026-03-10" in warning.message and "重新审批" in warning.message
    assert not result.ok

    # End to end: what the key signed before the revocation stands.
    report_ = verified(repo)
    assert [p.path for p in report_.publishable] == [POST]
    assert only(report_.findings, "key-invalid").path == LATER_RECORD


def test_forged_or_altered_signatures_are_not_uses_of_the_key(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    two_posts(repo, later_at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=TZ))
    record = repo.root / LATER_RECORD
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("2026-03-12T09:00:00", "2026-03-12T09:00:01"))
    assert report(repo).warnings == ()


def test_records_under_reviews_underscore_are_not_read(repo: Repo) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    two_posts(repo, later_at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=TZ))
    (repo.root / "reviews/_archive").mkdir()
    (repo.root / LATER_RECORD).rename(repo.root / "reviews/_archive/old.yml")
    repo.write("reviews/notices/坏记录.yml", "post: [unclosed\n")
    assert report(repo).warnings == ()


# --------------------------------------------------------------------------- rotation, roles


def test_rotation_keeps_what_the_old_key_signed(repo: Repo) -> None:
    new_key, public = second_key(repo, "head-rotated")
    repo.write(POST, post_text())
    repo.approve_all(POST)  # the old key, on 2026-03-02
    repo.roster(
        key_lines={
            "head": f"        until: 2026-03-31\n      - key: {public}\n"
            "        from: 2026-04-01\n"
        }
    )
    repo.write(LATER, post_text(title="高新技术企业认定通知", body="另一篇。\n"))
    repo.sign(LATER, "clerk", "handler")
    repo.keys["head"] = new_key
    repo.sign(LATER, "head", "section_head", at=SIGNED_AT + dt.timedelta(days=40))
    repo.sign(LATER, "lead", "supervising_leader")

    assert verified(repo).findings == []
    assert sorted(publishable(repo)) == sorted([POST, LATER])
    result = report(repo)
    assert [k.state for k in result.keys if k.holder == "head"] == [
        "expired",
        "valid",
    ]
    assert result.warnings == () and result.ok


@pytest.mark.attack
def test_old_key_used_after_rotation_is_reported(repo: Repo) -> None:
    _, public = second_key(repo, "head-rotated")
    repo.roster(
        key_lines={
            "head": f"        until: 2026-03-31\n      - key: {public}\n"
            "        from: 2026-04-01\n"
        }
    )
    two_posts(repo, later_at=dt.datetime(2026, 4, 10, 9, 0, tzinfo=TZ))
    warning = only(report(repo).warnings, "key-outside-window")
    assert warning.path == LATER_RECORD and "已过有效期" in warning.message
    assert only(verified(repo).findings, "key-invalid").path == LATER_RECORD
    assert publishable(repo) == [POST]


@pytest.mark.parametrize(
    ("signed_at", "counts"),
    [
        (dt.datetime(2026, 3, 31, 23, 59, tzinfo=TZ), True),
        (dt.datetime(2026, 4, 1, 0, 0, tzinfo=TZ), False),
    ],
)
def test_role_ended_keeps_earlier_approvals_only(
    repo: Repo, signed_at: dt.datetime, counts: bool
) -> None:
    roster = repo.root / "site_config/roster.yml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(
        text.replace(
            "department: office\n        from: 2020-01-01",
            "department: office\n        from: 2020-01-01\n        until: 2026-03-31",
            1,
        ),
        encoding="utf-8",
    )
    two_posts(repo, later_at=signed_at)

    result = verified(repo)
    assert POST in [p.path for p in result.publishable]
    assert (LATER in [p.path for p in result.publishable]) is counts
    roles = [f.rule for f in result.findings if f.path == LATER_RECORD]
    assert ("signer-role" in roles) is not counts
    # The key itself was valid throughout: nothing for ``portal keys`` to report.
    assert report(repo).warnings == ()


# --------------------------------------------------------------------------- command


def test_command_text_lists_keys_and_exits_zero_on_expiry_alone(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.roster(key_lines={"head": "        until: 2026-06-20\n"})
    assert run_cli(repo) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("孙科长（head）"))
    assert "有效期 2020-01-01 至 2026-06-20" in line and "还剩 20 天" in line
    assert "site_config/roster.yml: 警告 [key-expiring]" in out
    assert "共 6 把钥匙" in out


def test_command_exits_one_when_a_revoked_key_signed_later(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    two_posts(repo, later_at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=TZ))
    assert run_cli(repo) == 1
    out = capsys.readouterr().out
    assert f"{LATER_RECORD}:" in out and "1 篇稿件须重新审批" in out


def test_command_json_is_stable(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    two_posts(repo, later_at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=TZ))
    assert run_cli(repo, "--format", "json", "--within", "10") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["on"] == "2026-06-01" and document["within"] == 10
    assert document["ok"] is False
    head = next(k for k in document["keys"] if k["holder"] == "head")
    assert head == {
        "holder": "head",
        "name": "孙科长",
        "fingerprint": SigningKey(repo.keys["head"]).public_key().fingerprint(),
        "key_type": "ssh-ed25519",
        "valid_from": "2020-01-01",
        "valid_until": None,
        "revoked": "2026-03-10",
        "demo": False,
        "state": "revoked",
        "days_left": None,
        "field": "people[2].keys[0]",
        "reapprove": [LATER],
    }
    [warning] = document["warnings"]
    assert warning["rule"] == "key-revoked-used" and warning["path"] == LATER_RECORD


def test_negative_window_is_a_usage_error(repo: Repo) -> None:
    assert run_cli(repo, "--within", "-1") == 2


def test_a_revoked_key_in_a_batch_names_every_listed_post(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.keys import batch_listing
    from pipeline.sign import sign_batch

    repo.roster(key_lines={"head": "        revoked: 2026-03-10\n"})
    repo.write(POST, post_text())
    repo.write(LATER, post_text(title="高新技术企业认定通知", body="另一篇。\n"))
    # Signed after the revocation, as a cheat would: skipping portal sign's checks.
    monkeypatch.setattr("pipeline.sign._check_may_sign", lambda *args: None)
    monkeypatch.setattr("pipeline.sign.key_unusable", lambda *args: None)
    sign_batch(
        repo.root,
        repo.config,
        "两篇通知",
        [POST, LATER],
        role="section_head",
        key=SigningKey(repo.keys["head"]),
        at=dt.datetime(2026, 3, 11, 9, 0, tzinfo=TZ),
    )
    result = key_report(
        repo.config,
        load_records(repo.root),
        on=ON,
        listed=batch_listing(repo.root),
    )
    assert key_of(result, "head").reapprove == tuple(sorted([POST, LATER]))
    assert (
        only(result.warnings, "key-revoked-used").path
        == "reviews/_batches/两篇通知.yml"
    )
