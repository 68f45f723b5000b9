"""Review records: ``reviews/<column>/<name>.yml``, the signed approvals of one post.

A record names the post, the SHA-256 of the post's exact bytes and the signatures.
Each signature covers a canonical payload (``payload``) binding the site, the post's
path and hash, the role, the signer, the decision, the comment and the signing time,
under the fixed SSHSIG namespace ``NAMESPACE``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.errors import PortalError, RecordError
from pipeline.fields import Fields
from pipeline.policy import HANDLER
from pipeline.roster import ROLE_KINDS

NAMESPACE = "portal-review"
REVIEWS_DIR = "reviews"
DECISIONS = {"approve": "同意", "return": "退回"}
SIGNATURE_ROLES = (HANDLER, *(role for role in ROLE_KINDS if role != "staff"))
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEADER = (
    "# 审查记录：由 portal sign 生成和追加，请勿手工修改；改动会使签名失效。\n"
    "# Review record: written by `portal sign`; editing it by hand voids the signatures.\n"
)


@dataclass(frozen=True)
class Signature:
    """One signed decision in a record."""

    role: str
    signer: str
    decision: str
    comment: str
    signed_at: dt.datetime
    signed_at_text: str
    armored: str
    line: int = 0

    def entry(self) -> dict[str, str]:
        """The signature as it is written in the record file."""
        entry = {"role": self.role, "signer": self.signer, "decision": self.decision}
        if self.comment:
            entry["comment"] = self.comment
        entry["signed_at"] = self.signed_at_text
        entry["signature"] = self.armored
        return entry


@dataclass(frozen=True)
class ReviewRecord:
    """The review record of one post."""

    path: str
    post: str
    sha256: str
    signatures: tuple[Signature, ...]

    def dump(self) -> bytes:
        """The record file's bytes."""
        document = {
            "post": self.post,
            "sha256": self.sha256,
            "signatures": [signature.entry() for signature in self.signatures],
        }
        return yamlfile.dump(document, header=_HEADER).encode("utf-8")


def payload(
    *,
    site: str,
    path: str,
    sha256: str,
    role: str,
    signer: str,
    decision: str,
    comment: str,
    signed_at: str,
) -> bytes:
    """The exact bytes a signature covers: canonical JSON (sorted keys, NFC, UTF-8, LF).

    ``signed_at`` is the text of the record, so what is verified is what was signed.
    """
    fields = {
        "namespace": NAMESPACE,
        "site": site,
        "path": path,
        "sha256": sha256,
        "role": role,
        "signer": signer,
        "decision": decision,
        "comment": comment,
        "signed_at": signed_at,
    }
    normalised = {
        key: unicodedata.normalize("NFC", value) for key, value in fields.items()
    }
    text = json.dumps(
        normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return (text + "\n").encode("utf-8")


def signature_payload(site: str, record: ReviewRecord, signature: Signature) -> bytes:
    """The payload ``signature`` in ``record`` claims to cover."""
    return payload(
        site=site,
        path=record.post,
        sha256=record.sha256,
        role=signature.role,
        signer=signature.signer,
        decision=signature.decision,
        comment=signature.comment,
        signed_at=signature.signed_at_text,
    )


def record_path(post_path: str) -> str:
    """``reviews/<column>/<name>.yml`` for ``content/<column>/<name>.md``."""
    parts = PurePosixPath(post_path).with_suffix(".yml").parts
    return PurePosixPath(REVIEWS_DIR, *parts[1:]).as_posix()


def post_path_for(record: str) -> str:
    """The post a record at ``record`` mirrors."""
    parts = PurePosixPath(record).with_suffix(".md").parts
    return PurePosixPath("content", *parts[1:]).as_posix()


def record_paths(root: Path) -> list[str]:
    """Every post's record file under ``reviews/``, sorted, repository-relative.

    Folders whose name starts with ``_`` hold other records (governed files, batch
    manifests); no column id can start with ``_``.
    """
    folder = root / REVIEWS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix in (".yml", ".yaml")
        and not p.relative_to(folder).parts[0].startswith("_")
    )


def read_record(root: Path, path: str) -> tuple[ReviewRecord | None, list[PortalError]]:
    """Read and validate ``root/path``; the record is ``None`` if it cannot be used."""
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        return None, [RecordError(f"无法读取文件：{exc.strerror}。", path=path)]
    return record_from_bytes(data, path)


def record_from_bytes(
    data: bytes, path: str
) -> tuple[ReviewRecord | None, list[PortalError]]:
    """Validate the record ``path`` whose bytes are ``data`` (from a file or a commit)."""
    try:
        text = yamlfile.decode(data, shown_as=path, error=RecordError)
        document = yamlfile.load(text, path=path, error=RecordError)
    except RecordError as exc:
        return None, [exc]
    return parse_record(document, path)


def parse_record(
    document: object, path: str
) -> tuple[ReviewRecord | None, list[PortalError]]:
    """Validate a record's YAML; signatures with problems are reported and left out."""
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=RecordError, problems=problems, line=1)
    top.only(["post", "sha256", "signatures"])
    post = top.text("post", what="稿件路径")
    sha256 = top.text("sha256", pattern=_HEX64, what="64 位小写十六进制 SHA-256")
    signatures = []
    for item in top.list_of("signatures", required=False):
        signature = read_signature(item)
        if signature is not None:
            signatures.append(signature)
    if post is None or sha256 is None:
        return None, problems
    return ReviewRecord(path, post, sha256, tuple(signatures)), problems


def read_signature(item: Fields) -> Signature | None:
    item.only(["role", "signer", "decision", "comment", "signed_at", "signature"])
    role = item.text("role", choices=SIGNATURE_ROLES)
    signer = item.ident("signer")
    decision = item.text("decision", choices=list(DECISIONS))
    comment = item.text("comment", required=False) or ""
    signed_at = item.timestamp("signed_at")
    armored = item.text("signature", what="SSH 签名（-----BEGIN SSH SIGNATURE-----）")
    if not (role and signer and decision and signed_at and armored):
        return None
    text = str(item.mapping["signed_at"]).strip()
    return Signature(
        role, signer, decision, comment, signed_at, text, armored, item.line_of("role")
    )


def write_record(root: Path, record: ReviewRecord) -> None:
    """Write ``record`` atomically: the old file or the new one, never half of either."""
    yamlfile.write_atomic(root / record.path, record.dump())
