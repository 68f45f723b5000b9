"""Batch approval: one signature over a manifest of posts and their hashes.

A leader approving forty posts signs once. The manifest ``reviews/_batches/<name>.yml``
lists each post's path and the SHA-256 of its exact bytes; a signature covers the
same canonical payload as a post's (``review.payload``) with the manifest's own path
and the digest of its listing in place of a post's path and hash. Verification
treats a batch signature as a signature in each listed post's own record, with every
check a single approval gets; a post edited after the batch was signed is no longer
listed with its current hash and loses that approval alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline import yamlfile
from pipeline.errors import PortalError, RecordError
from pipeline.fields import Fields
from pipeline.review import (
    REVIEWS_DIR,
    ReviewRecord,
    Signature,
    read_signature,
)

BATCHES_DIR = f"{REVIEWS_DIR}/_batches"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEADER = (
    "# 批量审批清单：由 portal sign --batch 生成和追加，请勿手工修改；改动会使签名失效。\n"
    "# Batch manifest: written by `portal sign --batch`; editing it voids the signatures.\n"
)


@dataclass(frozen=True)
class Batch:
    """A manifest: the posts it lists (path → SHA-256) and the signatures over it."""

    path: str
    posts: dict[str, str]
    signatures: tuple[Signature, ...]
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """SHA-256 over ``sha256sum``-style lines of the listing, sorted by path."""
        return listing_digest(self.posts)

    def as_record(self) -> ReviewRecord:
        """The manifest as a record: its path and digest stand for a post's."""
        return ReviewRecord(self.path, self.path, self.digest, self.signatures)

    def dump(self) -> bytes:
        """The manifest file's bytes."""
        document = {
            "posts": [
                {"path": path, "sha256": sha}
                for path, sha in sorted(self.posts.items())
            ],
            "signatures": [signature.entry() for signature in self.signatures],
        }
        return yamlfile.dump(document, header=_HEADER).encode("utf-8")


def listing_digest(posts: dict[str, str]) -> str:
    """The digest a batch signature covers in place of a post's hash."""
    lines = "".join(f"{sha}  {path}\n" for path, sha in sorted(posts.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def batch_path(name: str) -> str:
    """``reviews/_batches/<name>.yml`` for a batch name (no folders, no dots first)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise RecordError(
            f"批量审批清单的名称 {name!r} 无效。",
            hint="请用不含斜杠、不以点开头的名称，如 2026-12-法律法规导入。",
        )
    stem = name.removesuffix(".yml")
    return f"{BATCHES_DIR}/{stem}.yml"


def batch_paths(root: Path) -> list[str]:
    """Every manifest under ``reviews/_batches``, sorted."""
    folder = root / BATCHES_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in folder.iterdir()
        if p.is_file() and p.suffix == ".yml"
    )


def read_batch(root: Path, path: str) -> tuple[Batch | None, list[PortalError]]:
    """Read and validate the manifest ``root/path``."""
    try:
        text = yamlfile.read_text(root / path, shown_as=path, error=RecordError)
        document = yamlfile.load(text, path=path, error=RecordError)
    except RecordError as exc:
        return None, [exc]
    problems: list[PortalError] = []
    top = Fields(document, path=path, error=RecordError, problems=problems, line=1)
    top.only(["posts", "signatures"])
    posts: dict[str, str] = {}
    lines: dict[str, int] = {}
    for item in top.list_of("posts"):
        item.only(["path", "sha256"])
        post = item.text("path", what="content/ 下的稿件路径")
        sha = item.text("sha256", pattern=_HEX64, what="64 位小写十六进制 SHA-256")
        if post is None or sha is None:
            continue
        if post in posts:
            item.fail("path", f"稿件 {post} 在清单中出现了两次。")
        elif not PurePosixPath(post).parts[:1] == ("content",):
            item.fail("path", f"{post} 不在 content/ 下；批量审批只用于稿件。")
        posts[post] = sha
        lines[post] = item.line_of("path")
    signatures = [
        signature
        for signature in (
            read_signature(s) for s in top.list_of("signatures", required=False)
        )
        if signature is not None
    ]
    if problems:
        return None, problems
    return Batch(path, posts, tuple(signatures), lines), []


@dataclass
class BatchIndex:
    """Every manifest of a repository, by the posts it lists."""

    batches: list[Batch]
    problems: list[PortalError]

    def listing(self, post: str) -> Iterable[tuple[Batch, str]]:
        """Each manifest that lists ``post``, with the hash it lists."""
        for batch in self.batches:
            sha = batch.posts.get(post)
            if sha is not None:
                yield batch, sha


def read_batches(root: Path) -> BatchIndex:
    """Every manifest; the ones that cannot be read are left out and reported."""
    batches: list[Batch] = []
    problems: list[PortalError] = []
    for path in batch_paths(root):
        batch, found = read_batch(root, path)
        problems.extend(found)
        if batch is not None:
            batches.append(batch)
    return BatchIndex(batches, problems)


def write_batch(root: Path, batch: Batch) -> None:
    """Write ``batch`` atomically."""
    yamlfile.write_atomic(root / batch.path, batch.dump())
