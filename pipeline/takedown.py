"""The guard of an emergency takedown (附件4 第八条): what leaked, kept as fingerprints.

When something secret or personal was published, every byte of it must leave the
site: its page, the search index, the sitemap, its attachments and any other page that
quoted it. The takedown record keeps the leaked text only as fingerprints, so that
the record itself repeats nothing: the text is normalised (NFKC, lower case, letters
and digits only, so that spacing, punctuation, markup, full-width forms and character
references change nothing), cut into every run of ``SIZE`` characters, and each run
hashed with a key of the record's own (BLAKE2b). A text contains the leak when one of
its runs has one of those fingerprints.

Only what first reached the site with the leaked post is guarded: runs that other
posts already held before it was published (set phrases, the names of laws, the
bureau's own name) are left out, so taking a short post down never takes the
Constitution with it. Text the office names on its own (``extra``: a mobile number, a
name) is guarded whatever its length.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Every quotation of at least this many letters and digits is found; shorter common
# runs (dates, short phrases) are not worth a false alarm.
SIZE = 10
_DIGEST = 10
_TAG = re.compile(r"<[^<>]*>")


def normalised(text: str) -> str:
    """``text`` as the guard compares it: NFKC, lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


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
    """The keyed fingerprints of a leak, by run length."""

    key: str
    fingerprints: dict[int, frozenset[str]]

    def _print(self, run: str) -> str:
        return hashlib.blake2b(
            run.encode("utf-8"), key=bytes.fromhex(self.key), digest_size=_DIGEST
        ).hexdigest()

    @classmethod
    def of(
        cls,
        leaked: Iterable[str],
        *,
        before: Iterable[str] = (),
        extra: Iterable[str] = (),
        key: str | None = None,
    ) -> Guard:
        """The guard of the ``leaked`` texts, leaving out every run already in
        ``before`` (what the site held before the leak), plus each ``extra`` text
        whole."""
        empty = cls(key or secrets.token_hex(16), {})
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
        return cls(empty.key, {n: frozenset(p) for n, p in sorted(prints.items())})

    @property
    def empty(self) -> bool:
        """True when nothing is guarded (the leak was all text the site already had)."""
        return not any(self.fingerprints.values())

    def found(self, text: str) -> int | None:
        """The offset in ``normalised(text)`` of the first guarded run, or ``None``."""
        stream = normalised(text)
        for size, prints in self.fingerprints.items():
            if not prints:
                continue
            if len(stream) < size:
                continue
            for start in range(len(stream) - size + 1):
                if self._print(stream[start : start + size]) in prints:
                    return start
        return None

    def line_of(self, text: str) -> int | None:
        """The line of ``text`` on which a guarded run starts, or ``None``."""
        if self.found(text) is None:
            return None
        lines = text.split("\n")
        # The run may span lines: the first line from which on the text is caught.
        for number in range(len(lines), 0, -1):
            if self.found("\n".join(lines[number - 1 :])) is not None:
                return number
        return 1

    def entry(self) -> dict[str, object]:
        """The guard as it is written into the takedown record."""
        return {
            "key": self.key,
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
    """A built file's text as a reader or a search engine gets it: character
    references resolved, JSON strings decoded, once with and once without the tags
    (whose names would split a marked-up quotation)."""
    text = data.decode("utf-8", errors="replace")
    shown = [text]
    if name.endswith(".json"):
        try:
            shown.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
    shown.extend([_TAG.sub("", part) for part in shown])
    return "\n".join(html.unescape(part) for part in shown)
