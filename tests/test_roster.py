"""The roster: who held which role when, and the allowed_signers file made from it."""

from __future__ import annotations

import datetime as dt

from pipeline.review import NAMESPACE
from pipeline.roster import allowed_signers
from tests.helpers.repo import TZ, Repo


def test_roles_hold_over_whole_days(repo: Repo) -> None:
    text = (repo.root / "site_config/roster.yml").read_text(encoding="utf-8")
    text = text.replace(
        "department: office\n        from: 2020-01-01",
        "department: office\n        from: 2020-01-01\n        until: 2026-03-01",
        1,
    )
    repo.write("site_config/roster.yml", text)
    head = repo.config.roster.people["head"]
    last_minute = dt.datetime(2026, 3, 1, 23, 59, tzinfo=TZ)
    assert head.holds("section_head", "office", last_minute)
    assert not head.holds(
        "section_head", "office", last_minute + dt.timedelta(minutes=1)
    )
    assert not head.holds("section_head", "policy", last_minute)


def test_supervising_leader_covers_listed_departments(repo: Repo) -> None:
    lead = repo.config.roster.people["lead"]
    moment = dt.datetime(2026, 1, 1, tzinfo=TZ)
    assert lead.holds("supervising_leader", "policy", moment)
    assert not lead.holds("section_head", "policy", moment)


def test_allowed_signers_limits_each_key_to_its_window(repo: Repo) -> None:
    repo.roster(
        key_lines={"head": "        until: 2026-12-31\n        revoked: 2026-06-01\n"}
    )
    text = allowed_signers(repo.config.roster, NAMESPACE)
    line = next(line for line in text.splitlines() if line.startswith("head "))
    assert 'namespaces="portal-review"' in line
    assert 'valid-after="20191231160000Z"' in line
    assert 'valid-before="20260531160000Z"' in line  # the revocation, not the end
    assert line.split()[2].startswith("ssh-ed25519")


def test_owner_of_a_key(repo: Repo) -> None:
    from pipeline.sign import SigningKey

    public = SigningKey(repo.keys["lead"]).public_key()
    owner = repo.config.roster.owner_of(public)
    assert owner is not None and owner[0].id == "lead"
