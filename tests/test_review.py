"""Review records: the canonical payload, paths, and reading and writing records."""

from __future__ import annotations

import json

from pipeline import yamlfile
from pipeline.review import (
    ReviewRecord,
    Signature,
    parse_record,
    payload,
    post_path_for,
    read_record,
    record_path,
    write_record,
)
from tests.helpers.repo import SIGNED_AT, Repo

FIELDS = dict(
    site="s",
    path="content/notices/通知.md",
    sha256="a" * 64,
    role="section_head",
    signer="head",
    decision="approve",
    comment="同意",
    signed_at="2026-03-02T10:00:00+08:00",
)


def test_payload_is_canonical_json_with_namespace_and_site() -> None:
    data = payload(**FIELDS)
    assert data.endswith(b"\n") and b" " not in data.strip()
    parsed = json.loads(data)
    assert parsed == {**FIELDS, "namespace": "portal-review"}
    assert list(parsed) == sorted(parsed)


def test_payload_normalises_to_nfc() -> None:
    decomposed = dict(FIELDS, comment="e\u0301")
    composed = dict(FIELDS, comment="\u00e9")
    assert payload(**decomposed) == payload(**composed)


def test_every_field_changes_the_payload() -> None:
    base = payload(**FIELDS)
    for key in FIELDS:
        assert payload(**dict(FIELDS, **{key: FIELDS[key] + "x"})) != base


def test_record_paths_mirror_post_paths() -> None:
    assert record_path("content/notices/通知.md") == "reviews/notices/通知.yml"
    assert post_path_for("reviews/notices/通知.yml") == "content/notices/通知.md"


def test_record_round_trip(repo: Repo) -> None:
    signature = Signature(
        "handler",
        "clerk",
        "return",
        "请补充依据",
        SIGNED_AT,
        SIGNED_AT.isoformat(),
        "ARMOR\n",
    )
    record = ReviewRecord(
        "reviews/notices/通知.yml", "content/notices/通知.md", "b" * 64, (signature,)
    )
    write_record(repo.root, record)
    again, problems = read_record(repo.root, record.path)
    assert problems == []
    assert again is not None and again.signatures[0].comment == "请补充依据"
    assert again.signatures[0].signed_at == SIGNED_AT
    assert again.signatures[0].line == 6  # after the two header comment lines


def test_record_problems_name_fields() -> None:
    document = yamlfile.load(
        "post: content/a/b.md\nsha256: XYZ\nsignatures:\n  - role: king\n", path="r.yml"
    )
    record, problems = parse_record(document, "r.yml")
    assert record is None
    fields = sorted(p.field or "" for p in problems)
    assert fields == [
        "sha256",
        "signatures[0].decision",
        "signatures[0].role",
        "signatures[0].signature",
        "signatures[0].signed_at",
        "signatures[0].signer",
    ]


def test_signing_time_without_offset_is_refused() -> None:
    document = yamlfile.load(
        "post: content/a/b.md\nsha256: " + "c" * 64 + "\nsignatures:\n"
        "  - {role: handler, signer: a, decision: approve, "
        "signed_at: '2026-03-02T10:00:00', signature: x}\n",
        path="r.yml",
    )
    record, problems = parse_record(document, "r.yml")
    assert record is not None and record.signatures == ()
    assert "UTC 偏移" in problems[0].message
