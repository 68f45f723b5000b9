"""The guard of an emergency takedown (附件4 第八条): what leaked, kept as fingerprints.

When something secret or personal was published, every byte of it must leave the
site: its page, the search index, the sitemap, its attachments and any other page that
quoted it. The takedown record keeps the leaked text only as fingerprints: the text is
normalised (NFKC, lower case, Chinese numerals as digits, letters and digits only, so
that spacing, punctuation, markup, full-width forms and character references change
nothing), cut into every run of ``SIZE`` characters, and each run hashed with BLAKE2b
under the office's takedown key. A text contains the leak when one of its runs has one
of those fingerprints.

The key is a secret (``PORTAL_TAKEDOWN_KEY``), never in the repository: whoever holds
fingerprints and key can test guesses one character at a time and rebuild the text.
The record names the key only by a digest (``key_id``); checking for quotations needs
the key itself, which the office and the deployment have.

Only what first reached the site with the leaked post is guarded: runs that posts still
published held before it (set phrases, the names of laws, the bureau's own name) are
left out, so taking a short post down never takes the Constitution with it. Text the
office names on its own (``extra``: a mobile number, a name) is guarded whatever its
length.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from pipeline.errors import PortalError

# Every quotation of at least this many letters and digits is found; shorter common
# runs (dates, short phrases) are not worth a false alarm.
SIZE = 10
# What the fingerprints are made of; a record of another scheme is refused, never
# read as this one.
SCHEME = "blake2b-10-nfkc-casefold-numerals-ln-utf32"
KEY_VARIABLE = "PORTAL_TAKEDOWN_KEY"
_DIGEST = 10
_TAG = re.compile(r"<[^<>]*>")
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_ATTRIBUTE = re.compile(r"""=\s*"([^"]*)"|=\s*'([^']*)'""")
_NUMERALS = str.maketrans(
    "〇○◯零一二三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖",
    "0000123456789122334566789",
)


def normalised(text: str) -> str:
    """``text`` as the guard compares it: NFKC, lower case, Chinese numerals and
    every script's decimal digits as ASCII digits, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_NUMERALS)
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
        for ch in folded
        if unicodedata.category(ch)[0] in "LN"
    )


def key_id(key: str) -> str:
    """The name a record gives its key: a digest that does not reveal it."""
    return hashlib.sha256(b"portal-takedown-key\n" + bytes.fromhex(key)).hexdigest()[
        :16
    ]


def new_key() -> str:
    """A fresh takedown key: 32 random bytes in hex."""
    return secrets.token_hex(32)


def key_from(environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The takedown key from ``$PORTAL_TAKEDOWN_KEY``, checked; ``None`` when unset."""
    value = environ.get(KEY_VARIABLE, "").strip()
    if not value:
        return None
    try:
        if len(bytes.fromhex(value)) < 16:
            raise ValueError
    except ValueError:
        raise PortalError(
            f"环境变量 {KEY_VARIABLE} 不是有效的紧急撤下密钥（至少 32 位十六进制）。",
            hint="请向办公室索取密钥；新建密钥用 portal takedown-key。",
        ) from None
    return value


def runs(stream: str, size: int) -> Iterator[str]:
    """Every run of ``size`` characters in ``stream`` (all of it when shorter)."""
    if len(stream) <= size:
        if stream:
            yield stream
        return
    for start in range(len(stream) - size + 1):
        yield stream[start : start + size]


@dataclass(frozen=True)
class Guard:
    """The keyed fingerprints of a leak, by run length; ``key`` is set only when the
    takedown key is at hand (``with_key``)."""

    key_id: str
    fingerprints: dict[int, frozenset[str]]
    key: str | None = None

    def _print(self, run: str) -> str:
        assert self.key is not None
        return hashlib.blake2b(
            run.encode("utf-32-le"), key=bytes.fromhex(self.key), digest_size=_DIGEST
        ).hexdigest()

    def with_key(self, key: str | None) -> Guard | None:
        """This guard able to look for the leak, or ``None`` without its key."""
        if key is None or key_id(key) != self.key_id:
            return None
        return Guard(self.key_id, self.fingerprints, key)

    @classmethod
    def of(
        cls,
        leaked: Iterable[str],
        *,
        key: str,
        before: Iterable[str] = (),
        extra: Iterable[str] = (),
    ) -> Guard:
        """The guard of the ``leaked`` texts, leaving out every run already in
        ``before`` (what the site held before the leak), plus each ``extra`` text
        whole."""
        empty = cls(key_id(key), {}, key)
        known: set[str] = set()
        streams = []
        for text in before:
            streams.append(normalised(text))
            known.update(runs(streams[-1], SIZE))
        everything = "\n".join(streams)
        prints: dict[int, set[str]] = {}
        for text in leaked:
            stream = normalised(text)
            if len(stream) < SIZE and stream in everything:
                continue
            for run in _new_runs(stream, known):
                prints.setdefault(len(run), set()).add(empty._print(run))
        for text in extra:
            run = normalised(text)
            if run:
                prints.setdefault(len(run), set()).add(empty._print(run))
        return cls(
            empty.key_id, {n: frozenset(p) for n, p in sorted(prints.items())}, key
        )

    @staticmethod
    def merged(guards: Iterable[Guard]) -> list[Guard]:
        """One guard per key holding every fingerprint of ``guards``: the site is
        read once however many takedowns are in force."""
        prints: dict[str, dict[int, set[str]]] = {}
        keys: dict[str, str | None] = {}
        for guard in guards:
            keys[guard.key_id] = guard.key
            sizes = prints.setdefault(guard.key_id, {})
            for size, found in guard.fingerprints.items():
                sizes.setdefault(size, set()).update(found)
        return [
            Guard(name, {n: frozenset(p) for n, p in sorted(sizes.items())}, keys[name])
            for name, sizes in prints.items()
        ]

    @property
    def empty(self) -> bool:
        """True when nothing is guarded (the leak was all text the site already had)."""
        return not any(self.fingerprints.values())

    def found(self, text: str, clean: set[str] | None = None) -> int | None:
        """The line (from 1) of ``text`` on which a guarded run starts, or ``None``.

        ``clean`` holds normalised lines already found to hold no guarded run (shared
        across the files of a site, whose pages repeat the same lines); only runs
        inside a new line, or across a line break, are fingerprinted.
        """
        assert self.key is not None, "a guard without its key finds nothing"
        clean = set() if clean is None else clean
        lines = [normalised(line) for line in text.split("\n")]
        stream = "".join(lines)
        data = stream.encode("utf-32-le")
        base = hashlib.blake2b(key=bytes.fromhex(self.key), digest_size=_DIGEST)
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line)
        for size, prints in self.fingerprints.items():
            wanted = {bytes.fromhex(p) for p in prints}
            if not wanted:
                continue
            for number, (start, line) in enumerate(zip(starts, lines, strict=True)):
                first = (
                    start if line not in clean else start + max(len(line) - size + 1, 0)
                )
                for at in range(first, start + len(line)):
                    if at + size > len(stream):
                        break
                    digest = base.copy()
                    digest.update(data[4 * at : 4 * (at + size)])
                    if digest.digest() in wanted:
                        return number + 1
        clean.update(lines)
        return None

    def entry(self) -> dict[str, object]:
        """The guard as it is written into the takedown record (never the key)."""
        return {
            "scheme": SCHEME,
            "key_id": self.key_id,
            "fingerprints": {
                str(size): sorted(prints) for size, prints in self.fingerprints.items()
            },
        }


def _new_runs(stream: str, known: set[str]) -> Iterator[str]:
    """The runs of ``stream`` at least half of whose characters are new: not inside
    any run the site already had. A run straddling old and new text by a character
    or two would otherwise hold back any post quoting the old text."""
    size = min(SIZE, len(stream))
    old = [False] * len(stream)
    for start, run in enumerate(runs(stream, size)):
        if run in known:
            old[start : start + size] = [True] * size
    fresh = [0]
    for flag in old:
        fresh.append(fresh[-1] + (not flag))
    for start, run in enumerate(runs(stream, size)):
        if 2 * (fresh[start + size] - fresh[start]) >= size:
            yield run


def readable(data: bytes, name: str) -> str:
    """A built file's text as a reader or a search engine gets it: the text between
    tags, every attribute value and comment on lines of their own, character
    references resolved; for JSON, every string value decoded."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".json"):
        try:
            text = "\n".join(_strings(json.loads(text)))
        except ValueError:
            pass
    parts = [_TAG.sub("", _COMMENT.sub("", text))]
    parts.extend(match.group(1) for match in _COMMENT.finditer(text))
    values = [html.unescape(a or b) for a, b in _ATTRIBUTE.findall(text)]
    parts.extend(values)
    parts.extend(unquote(value) for value in values if "%" in value)
    return html.unescape("\n".join(parts))


def _strings(value: object) -> Iterator[str]:
    """Every string in a decoded JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
