"""Secrecy markings and personal data in a post's text, and masking them.

A public government site must not carry a secrecy marking (密级标志: 绝密, 机密, 秘密,
内部资料 …) or a person's data (identity, telephone or bank card number, e-mail,
home address). A leader who signs a post is warned of both before signing.

Numbers are judged by their own check digits (GB 11643 for identity numbers, Luhn for
bank cards, GB 32100 for unified social credit codes) through ``python-stdnum``, and by
what stands around them, so document numbers, dates, article numbers, amounts and URLs
are not taken for personal data. Secrecy words are judged by where they stand: a
marking is a stamp of its own (a line, a table cell, a bracketed token, a file name
part, the head of the document), while 国家秘密, 商业秘密, 内部审计 … inside a sentence of
legal text are not markings.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote

from stdnum import luhn
from stdnum.cn import ric, uscc

HIGH = "high"
MEDIUM = "medium"
LOW = "low"

# Kind id -> (short Chinese name, severity).
KINDS = {
    "secrecy-marking": ("密级或内部标志", HIGH),
    "id-number": ("居民身份证号码", HIGH),
    "mobile": ("手机号码", HIGH),
    "landline": ("固定电话号码", MEDIUM),
    "bank-card": ("银行卡号", HIGH),
    "email": ("电子邮箱地址", MEDIUM),
    "passport": ("护照号码", MEDIUM),
    "address": ("详细地址", MEDIUM),
    "organisation-code": ("统一社会信用代码", LOW),
}
# What ``mask_text`` masks unless told otherwise: a person's data, not the stamps
# (which must be removed by a person, not starred) nor organisation codes (public).
PERSONAL_KINDS = frozenset(
    ("id-number", "mobile", "landline", "bank-card", "email", "passport", "address")
)


@dataclass(frozen=True)
class Hit:
    """One secrecy marking or piece of personal data found in a post's text.

    ``line`` and ``column`` are 1-based (columns in characters); ``start`` and ``end``
    are character offsets in the text. ``masked`` never shows a whole number (a
    secrecy marking, having nothing to hide, is shown as it stands).
    ``fingerprint`` covers the kind, the line and the exact text, so acknowledging one
    hit does not cover another one written in its place.
    """

    kind: str
    severity: str
    line: int
    column: int
    start: int
    end: int
    masked: str
    label: str
    fingerprint: str


class _Candidate(NamedTuple):
    start: int
    end: int
    kind: str
    masked: str


def find_sensitive(text: str) -> list[Hit]:
    """Every secrecy marking and piece of personal data in ``text``, in text order.

    ``text`` is the post as decoded, front matter included.
    """
    # Full-width digits and letters read as ASCII ones; one character for one, so
    # offsets stay those of ``text``.
    plain = text
    for wide in set(_WIDE.findall(text)):
        plain = plain.replace(wide, _HALF_WIDTH[wide])
    plain = _readable(plain)
    excluded = _excluded_spans(plain)
    candidates = [
        *_markings(text, plain),
        *_kept(_numbers(text, plain), excluded),
        *_kept(_emails(text, plain), excluded),
        *_kept(_addresses(text, plain), excluded),
    ]
    lines = [0, *(m.end() for m in re.finditer("\n", text))]
    return [_hit(text, lines, c) for c in _without_overlaps(candidates)]


def mask_text(text: str, kinds: Iterable[str] | None = None) -> tuple[str, int]:
    """``text`` with every hit of ``kinds`` replaced by its masked form, and how many.

    ``kinds`` defaults to the personal-data kinds (``PERSONAL_KINDS``). Secrecy
    markings, when asked for, are replaced by one ``*`` per character. Everything
    else is left exactly as it was.
    """
    wanted = PERSONAL_KINDS if kinds is None else frozenset(kinds)
    unknown = wanted - KINDS.keys()
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))}")
    parts = []
    done = 0
    count = 0
    for hit in find_sensitive(text):
        if hit.kind not in wanted:
            continue
        parts += [text[done : hit.start], _replacement(hit)]
        done = hit.end
        count += 1
    parts.append(text[done:])
    return "".join(parts), count


def _replacement(hit: Hit) -> str:
    if hit.kind == "secrecy-marking":
        return "*" * (hit.end - hit.start)
    return hit.masked


def _hit(text: str, lines: list[int], candidate: _Candidate) -> Hit:
    start, end, kind, masked = candidate
    line = bisect.bisect_right(lines, start)
    label, severity = KINDS[kind]
    matched = text[start:end]
    digest = hashlib.sha256(f"{kind}\n{line}\n{matched}".encode()).hexdigest()
    return Hit(
        kind=kind,
        severity=severity,
        line=line,
        column=start - lines[line - 1] + 1,
        start=start,
        end=end,
        masked=masked,
        label=label,
        fingerprint=digest[:12],
    )


def _without_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    # The earliest, then longest, wins: an e-mail address whose local part is a
    # mobile number is one e-mail address; a stamp found by two rules is one stamp.
    order = sorted(candidates, key=lambda c: (c.start, c.start - c.end))
    kept: list[_Candidate] = []
    for candidate in order:
        if not kept or candidate.start >= kept[-1].end:
            kept.append(candidate)
    return kept


def _kept(
    candidates: Iterable[_Candidate], excluded: list[tuple[int, int]]
) -> Iterator[_Candidate]:
    for candidate in candidates:
        if not any(s <= candidate.start < e for s, e in excluded):
            yield candidate


# --- Masking -------------------------------------------------------------------


def _keep_ends(value: str, head: int, tail: int) -> str:
    """``value`` with its letters and digits starred, except the first ``head`` and
    the last ``tail`` of them; separators stay where they are."""
    total = sum(c.isalnum() for c in value)
    out = []
    seen = 0
    for char in value:
        if char.isalnum():
            seen += 1
            if head < seen <= total - tail:
                char = "*"
        out.append(char)
    return "".join(out)


def _star_digits(value: str) -> str:
    return "".join("*" if c.isdigit() else c for c in value)


# --- Secrecy markings ------------------------------------------------------------

_GAP = r"[ \t\u3000]*"
_SEPARATORS = " \t\u3000"


def _spaced(word: str) -> str:
    # 机 密, 内 部 资 料: stamps are often set with spaces between the characters.
    return _GAP.join(re.escape(c) for c in word)


_LEVEL = "(?:" + "|".join(_spaced(w) for w in ("绝密", "机密", "秘密")) + ")"
_STARS = "★☆✩✪✫✬✭✮✯✰✱✲✳✴✵✶✷✸✹✺✻✼⭐⋆🟊▲△✦✧◆◇●"
_TERM = (
    r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d+" + _GAP + r"(?:年|个月|月|天|日)"
    r"|[一二三四五六七八九十]+年|长期|永久|启用前|解密前)"
)
_LEVEL_TOKEN = (
    rf"{_LEVEL}(?:{_GAP}级)?(?:{_GAP}[{_STARS}＊*]{_GAP}{_TERM}?|{_GAP}{_TERM})?"
)
_WORDS = (
    "仅供内部使用",
    "内部资料",
    "内部文件",
    "内部使用",
    "内部材料",
    "内部参阅",
    "内部参考",
    "内部刊物",
    "内部",
    "注意保存",
    "不得外传",
    "严禁外传",
    "请勿外传",
    "禁止外传",
)
_TOKEN = (
    rf"(?:[{_STARS}]{_GAP})?(?:{_LEVEL_TOKEN}|"
    + "|".join(_spaced(w) for w in _WORDS)
    + ")"
)
_PHRASE_TEXT = (
    rf"(?:(?:密{_GAP}级|保密等级){_GAP}[:：]?{_GAP})?{_TOKEN}"
    rf"(?:[ \t\u3000·、，,/]*{_TOKEN})*"
)
_PHRASE = re.compile(_PHRASE_TEXT)
# A level with a star (and a term) is a stamp wherever it stands; an ASCII star
# needs the term, since **机密** is Markdown emphasis.
_STAMP = re.compile(rf"{_LEVEL}{_GAP}(?:[{_STARS}＊]{_GAP}{_TERM}?|\*{_GAP}{_TERM})")
_HINT = re.compile(r"密|内[ \t\u3000]*部|注[ \t\u3000]*意|外[ \t\u3000]*传")
# Phrases no law or ordinary notice uses (none occurs in the 228 real laws): a hit
# wherever they stand, even inside a sentence.
_ALWAYS = re.compile(
    "|".join(
        _spaced(w)
        for w in (
            "内部资料",
            "内部文件",
            "注意保存",
            "不得外传",
            "严禁外传",
            "请勿外传",
            "禁止外传",
        )
    )
)

# A line without its Markdown: quote, heading, list marker, emphasis.
_DECORATION = re.compile(
    r"[ \t\u3000]*(?:>[ \t]*)*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+)?[*_~]*"
    r"[ \t\u3000]*(.*?)[ \t\u3000]*[*_~]*[ \t\u3000]*#*[ \t\u3000\r]*"
)
_YAML_VALUE = re.compile(r"[ \t]*(?:-[ \t]+)?[\w-]+:[ \t]*[\"']?(.*?)[\"']?[ \t\r]*")
_BRACKETS = {
    "【": "】",
    "〔": "〕",
    "[": "]",
    "（": "）",
    "(": ")",
    "「": "」",
    "『": "』",
    "“": "”",
    "‘": "’",
    '"': '"',
    "<": ">",
    ">": "<",
}
_BRACKETED = re.compile(
    "(["
    + re.escape("".join(_BRACKETS))
    + rf"]){_GAP}({_PHRASE_TEXT}){_GAP}(["
    + re.escape("".join(_BRACKETS.values()))
    + "])"
)
# A quoted level in a sentence that lists or describes markings is not a stamp:
# 密级分为“绝密”、“机密”, 标注“内部”字样.
_LISTED_BEFORE = re.compile(
    r"(?:、|”|分为|标注|标明|标有|注明|印有|加盖|盖有|标示|写明|称为|列为|定为)"
    r"[ \t\u3000]*$"
)
_LISTED_AFTER = re.compile(
    r"[ \t\u3000]*(?:、|“|和|或|及|与|等|字样|标志|标识|印章|戳|级|三级|一词|二字|两字)"
)
_LINK = re.compile(r"\[([^\]\n]*)\]\([ \t]*<?([^)\s>]*)>?[^)\n]*\)")
_REFERENCE = re.compile(r"\n[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)")
_HTML_TARGET = re.compile(r"(?:src|href)[ \t]*=[ \t]*[\"']([^\"'\n]*)[\"']")
_HTML_TEXT = re.compile(r"(?:alt|title)[ \t]*=[ \t]*[\"']([^\"'\n]*)[\"']")
_TEXT_SEPARATORS = _SEPARATORS + "-_·:：—/|，,、"
_NAME_SEPARATORS = _SEPARATORS + "-_.()（）【】[]~+，,、·\"'"
_HEAD_LINES = 5
_FRONT_MATTER_END = re.compile(r"^---[ \t\r]*$", re.MULTILINE)
_NOT_BLANK = re.compile(r"^.*\S.*$", re.MULTILINE)


def _markings(text: str, plain: str) -> Iterator[_Candidate]:
    # A file name may be percent-encoded: 内部 is %E5%86%85%E9%83%A8.
    if not _HINT.search(plain) and "%" not in plain:
        return
    units = [
        *((m.start(), m.end()) for m in _ALWAYS.finditer(plain)),
        *_stamps(plain),
        *_line_units(plain),
        *_bracketed(plain),
        *_link_units(plain),
    ]
    for start, end in units:
        yield _Candidate(start, end, "secrecy-marking", text[start:end])


def _stamps(plain: str) -> Iterator[tuple[int, int]]:
    for match in _STAMP.finditer(plain):
        if not _described(plain, *match.span()):
            yield match.span()


def _described(plain: str, start: int, end: int) -> bool:
    """Whether the marking at ``start:end`` is quoted in a sentence about markings."""
    if start and plain[start - 1] in _BRACKETS:
        start -= 1
    if end < len(plain) and plain[end] in _BRACKETS.values():
        end += 1
    before = plain[max(0, start - 4) : start]
    return bool(_LISTED_BEFORE.search(before) or _LISTED_AFTER.match(plain, end))


def _line_units(plain: str) -> Iterator[tuple[int, int]]:
    """Lines, table cells and front-matter values that are a marking and nothing
    else; and markings set apart at the head of the document or of the title."""
    front_matter_end = _front_matter_end(plain)
    head = set(_head_lines(plain, front_matter_end))
    starts = {plain.rfind("\n", 0, m.start()) + 1 for m in _HINT.finditer(plain)}
    for start in sorted(starts):
        end = plain.find("\n", start)
        line = plain[start : end if end >= 0 else len(plain)]
        spans = list(_whole(line, start, _DECORATION))
        if "|" in line:
            spans.extend(_cells(line, start))
        if start < front_matter_end:
            spans.extend(_whole(line, start, _YAML_VALUE))
            if line.startswith("title:"):
                spans.extend(_apart(line, start, _NAME_SEPARATORS))
        elif start in head:
            spans.extend(_apart(line, start, _SEPARATORS))
        for a, b in spans:
            # In a table, a cell reading just 内部 is a category (内部/外部).
            if not ("|" in line and plain[a:b].strip() == "内部"):
                yield a, b


def _head_lines(plain: str, body_start: int) -> Iterator[int]:
    """Where the first lines of the body that are not blank begin."""
    lines = _NOT_BLANK.finditer(plain, body_start)
    return (match.start() for match in itertools.islice(lines, _HEAD_LINES))


def _front_matter_end(plain: str) -> int:
    if not _FRONT_MATTER_END.match(plain):
        return 0
    match = _FRONT_MATTER_END.search(plain, 3)
    return match.end() if match else 0


def _whole(line: str, offset: int, unit: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    match = unit.fullmatch(line)
    if match and _PHRASE.fullmatch(match.group(1)):
        yield offset + match.start(1), offset + match.end(1)


def _cells(line: str, offset: int) -> Iterator[tuple[int, int]]:
    start = 0
    for cell in line.split("|"):
        yield from _whole(cell, offset + start, _DECORATION)
        start += len(cell) + 1


def _apart(
    value: str, offset: int, separators: str, whole: tuple[int, int] | None = None
) -> Iterator[tuple[int, int]]:
    """Markings in ``value`` with a separator (or the edge) on both sides.

    ``whole`` is the span reported instead of the marking's own, for values read
    after decoding (a percent-encoded file name).
    """
    for match in _PHRASE.finditer(value):
        start, end = match.span()
        before = value[start - 1] if start else separators[0]
        after = value[end] if end < len(value) else separators[0]
        if before in separators and after in separators:
            yield whole or (offset + start, offset + end)


def _bracketed(plain: str) -> Iterator[tuple[int, int]]:
    for match in _BRACKETED.finditer(plain):
        if _BRACKETS[match.group(1)] == match.group(3) and not _described(
            plain, *match.span()
        ):
            yield match.span(2)


def _link_units(plain: str) -> Iterator[tuple[int, int]]:
    """Link texts, image alt texts and the file names that links point at."""
    for match in _LINK.finditer(plain):
        yield from _apart(match.group(1), match.start(1), _TEXT_SEPARATORS)
        yield from _file_name(plain, *match.span(2))
    for match in _REFERENCE.finditer("\n" + plain):
        yield from _file_name(plain, match.start(1) - 1, match.end(1) - 1)
    if "=" not in plain:
        return
    for match in _HTML_TEXT.finditer(plain):
        yield from _apart(match.group(1), match.start(1), _TEXT_SEPARATORS)
    for match in _HTML_TARGET.finditer(plain):
        yield from _file_name(plain, *match.span(1))


def _file_name(plain: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    target = plain[start:end]
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    name_start = start + path.rfind("/") + 1
    name = path[path.rfind("/") + 1 :]
    decoded = unquote(name)
    if decoded != name:
        yield from _apart(decoded, 0, _NAME_SEPARATORS, (name_start, start + len(path)))
    else:
        yield from _apart(name, name_start, _NAME_SEPARATORS)


# --- Numbers -------------------------------------------------------------------

# Full-width digits, letters and signs as their ASCII forms; dashes as hyphens.
_HALF_WIDTH = {
    **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
    **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
    **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
    "＋": "+",
    "＠": "@",
    "．": ".",
    "－": "-",
    "‐": "-",
    "‑": "-",
    "–": "-",
}
_WIDE = re.compile("[" + "".join(_HALF_WIDTH) + "]")
# Not inside a longer run of digits or letters, a decimal, a thousands group, a
# date or a path. (What stands before is checked by ``_standalone``: a pattern that
# opens with a lookbehind is tried at every position, ten times slower.)
_AFTER = r"(?![0-9A-Za-z])(?![.,\-/][0-9])"
_BEFORE = re.compile(r"(?:[0-9A-Za-z]|[0-9][.,\-/])$")
_GROUP = r"[ \u3000-]"
_ID = re.compile(rf"\d{{6}}(?:{_GROUP}?\d{{8}}{_GROUP}?\d{{3}}[\dXx]|\d{{9}}){_AFTER}")
_MOBILE_GROUP = r"[ \u3000\-.·_/,，。]"
_MOBILE = re.compile(rf"1[3-9]\d(?:{_MOBILE_GROUP}?\d{{4}}){{2}}{_AFTER}")
_COUNTRY_CODE = re.compile(rf"(?:(?:\+|00)?86{_GROUP}?|[(（]\+?86[)）] ?)$")
_AREA = r"0(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(
    rf"([(（]{_AREA}[)）] ?|{_AREA}{_GROUP}?)"
    rf"([2-9]\d{{2,3}}{_GROUP}?\d{{4}})((?:-|转)\d{{1,5}})?{_AFTER}"
)
_CARD = re.compile(
    rf"\d{{4}}(?:(?:{_GROUP}\d{{4}}){{3}}(?:{_GROUP}?\d{{1,3}})?|\d{{12,15}}){_AFTER}"
)
# Issuer prefix -> lengths: UnionPay 62, Visa 4, Mastercard 51-55, JCB 35.
_CARD_LENGTHS: dict[str, Sequence[int]] = {
    "62": range(16, 20),
    "4": (16, 19),
    **{f"5{i}": (16,) for i in range(1, 6)},
    "35": range(16, 20),
}
_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"
_USCC = re.compile(rf"{_USCC_CHAR}{{2}}\d{{6}}{_USCC_CHAR}{{10}}(?![0-9A-Za-z_])")
_PASSPORT = re.compile(r"[EGDSP][A-HJ-NP-Z]?\d{7,8}(?![0-9A-Za-z_])")
_PASSPORT_FORM = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7,8}|[GDSP]\d{7,8}")
_PASSPORT_WORD = re.compile(r"护照|passport", re.IGNORECASE)
_PHONE_WORD = re.compile(r"电话|传真|座机|热线|联系方式|tel|fax|phone", re.IGNORECASE)
# An amount or a count, not a number to call or to pay into.
_QUANTITY_AFTER = re.compile(
    # Only money and percentages: 人, 户, 项 … right after a number are as often the
    # next word (手机 139… 人事科, 卡号 6222… 户名) as a unit, and no one counts people
    # in eleven or more digits.
    r"[ \t\u3000]*(?:元|万元|亿元|万|亿|美元|%|％|‰)"
)
_CURRENCY_BEFORE = "￥¥$€£"
_URL = re.compile(r"(?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#\[\]@$&+=%]+")
_ISBN = re.compile(r"IS[BS]N(?:-1[03])?[:：]?[ \t]*[0-9Xx][0-9Xx \-]{6,20}[0-9Xx]")


# Characters that read as others: traditional forms of the characters of markings
# (內部資料, 絕密, 機密★長期), and look-alikes outside the common CJK and ASCII ranges
# (mathematical digits, no-break and thin spaces, dashes and minus signs), each
# taken one for one so that offsets stay those of the text.
_TRADITIONAL = str.maketrans("內資絕機長祕傳級", "内资绝机长秘传级")
_UNCOMMON = re.compile(r"[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _readable(plain: str) -> str:
    plain = plain.translate(_TRADITIONAL)
    return _UNCOMMON.sub(_look_alike, plain)


def _look_alike(match: re.Match[str]) -> str:
    char = match.group()
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.digit(char))
    if category == "Zs":
        return " "
    if category == "Pd" or char == "\u2212":
        return "-"
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _excluded_spans(plain: str) -> list[tuple[int, int]]:
    return [m.span() for p in (_URL, _ISBN) for m in p.finditer(plain)]


def _numbers(text: str, plain: str) -> Iterator[_Candidate]:
    yield from _identity_numbers(text, plain)
    yield from _mobiles(text, plain)
    yield from _landlines(text, plain)
    yield from _cards(text, plain)
    yield from _organisation_codes(text, plain)
    yield from _passports(text, plain)


def _standalone(pattern: re.Pattern[str], plain: str) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that do not continue a number or a word before them."""
    position = 0
    while match := pattern.search(plain, position):
        if _continues(plain, match.start()):
            position = match.start() + 1
        else:
            yield match
            position = match.end()


def _continues(plain: str, start: int) -> bool:
    return bool(_BEFORE.search(plain, max(0, start - 2), start))


def _is_quantity(plain: str, start: int, end: int) -> bool:
    if start and plain[start - 1] in _CURRENCY_BEFORE:
        return True
    return bool(_QUANTITY_AFTER.match(plain, end))


def _identity_numbers(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _standalone(_ID, plain):
        start, end = match.span()
        number = re.sub(_GROUP, "", match.group())
        if _is_identity(number) and not _is_quantity(plain, start, end):
            yield _Candidate(start, end, "id-number", _keep_ends(text[start:end], 2, 3))


def _is_identity(number: str) -> bool:
    if len(number) == 15:
        # The old 15-digit numbers became today's by adding the century and a check
        # digit; judging the upgraded number checks the date and the region.
        number = number[:6] + "19" + number[6:] + "0"
        number = number[:-1] + ric.calc_check_digit(number)
    return _valid_identity(number)


# Provinces in GB/T 2260 (the first two digits of every identity number).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def _valid_identity(number: str) -> bool:
    """GB 11643: the check digit, a real birth date and a real province.

    NOTE: not ``ric.is_valid``: python-stdnum 2.2 also looks the county up in its
    own table, which lacks codes in use (320581, 常熟市, among them), so it would
    miss the very numbers this bureau's residents carry.
    """
    if not re.fullmatch(r"\d{17}[\dXx]", number) or number[:2] not in _PROVINCES:
        return False
    if ric.calc_check_digit(number) != number[-1].upper():
        return False
    try:
        born = ric.get_birth_date(number)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def _mobiles(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _MOBILE.finditer(plain):
        number_start, end = match.span()
        country = _COUNTRY_CODE.search(plain, max(0, number_start - 7), number_start)
        start = country.start() if country else number_start
        if _continues(plain, start) or _is_quantity(plain, start, end):
            continue
        masked = text[start:number_start] + _keep_ends(text[number_start:end], 3, 4)
        yield _Candidate(start, end, "mobile", masked)


def _landlines(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _standalone(_LANDLINE, plain):
        start, end = match.span()
        area = match.group(1)
        parted = area[0] in "(（" or area[-1] in _GROUP
        near = plain[max(0, start - 12) : start]
        if not (parted or _PHONE_WORD.search(near)):
            continue
        if _is_quantity(plain, start, end):
            continue
        local_start, local_end = match.span(2)
        masked = (
            text[start:local_start]
            + _keep_ends(text[local_start:local_end], 0, 4)
            + text[local_end:end]
        )
        yield _Candidate(start, end, "landline", masked)


def _cards(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _standalone(_CARD, plain):
        start, end = match.span()
        digits = re.sub(r"\D", "", match.group())
        lengths = _CARD_LENGTHS.get(digits[:2]) or _CARD_LENGTHS.get(digits[0], ())
        if len(digits) not in lengths or not luhn.is_valid(digits):
            continue
        if (len(digits) == 18 and _valid_identity(digits)) or _is_quantity(
            plain, start, end
        ):
            continue
        yield _Candidate(start, end, "bank-card", _keep_ends(text[start:end], 4, 4))


def _organisation_codes(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _standalone(_USCC, plain):
        code = match.group()
        if uscc.is_valid(code) and not _valid_identity(code):
            start, end = match.span()
            masked = _keep_ends(text[start:end], 4, 4)
            yield _Candidate(start, end, "organisation-code", masked)


def _passports(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _standalone(_PASSPORT, plain):
        start, end = match.span()
        if _PASSPORT_FORM.fullmatch(match.group()) and _labelled_passport(plain, start):
            letters = len(match.group().rstrip("0123456789"))
            masked = _keep_ends(text[start:end], letters, 3)
            yield _Candidate(start, end, "passport", masked)


def _labelled_passport(plain: str, start: int) -> bool:
    """Whether the word 护照 stands before the number: on its line, on the line
    before (a label above the value), or over its column (a table header)."""
    line_start = plain.rfind("\n", 0, start) + 1
    previous = plain.rfind("\n", 0, max(0, line_start - 1)) + 1
    if _PASSPORT_WORD.search(plain, previous, start):
        return True
    if not plain.startswith("|", line_start):
        return False
    column = plain.count("|", line_start, start)
    header = _table_header(plain, line_start)
    cells = header.split("|")
    return column < len(cells) and bool(_PASSPORT_WORD.search(cells[column]))


def _table_header(plain: str, line_start: int) -> str:
    header_start = line_start
    while header_start > 0:
        above = plain.rfind("\n", 0, header_start - 1) + 1
        if not plain.startswith("|", above):
            break
        header_start = above
    return plain[header_start:].split("\n", 1)[0]


# --- E-mail addresses ----------------------------------------------------------

_EMAIL = re.compile(
    r"([A-Za-z0-9](?<![A-Za-z0-9._%+\-].)[A-Za-z0-9._%+\-]*)@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})(?![A-Za-z0-9\-])"
)
# An office's mailbox, not a person's: published on purpose.
_OFFICE_MAILBOXES = frozenset(
    "office kjj kjc kjt info webmaster service services admin contact zwgk xxgk "
    "postmaster hostmaster abuse noreply donotreply support help mail news press "
    "bgs ban jubao tousu xinfang gongkai zixun hr job jobs kefu master web".split()
)


def _emails(text: str, plain: str) -> Iterator[_Candidate]:
    if "@" not in plain:
        return
    for match in _EMAIL.finditer(plain):
        local = match.group(1)
        if re.sub(r"[0-9._\-+]", "", local).lower() in _OFFICE_MAILBOXES:
            continue
        start, end = match.span()
        domain_start = match.start(2)
        masked = text[start] + "***@" + text[domain_start:end]
        yield _Candidate(start, end, "email", masked)


# --- Street addresses ----------------------------------------------------------

_ROOMS = r"(?:[-之]?\d+(?:号楼|栋|幢|座|单元|层|楼|室))"
_HOUSE = re.compile(rf"(?:路|街|巷|弄|大道|胡同)\d+(?:弄\d+)?(?:[-之]\d+)?号{_ROOMS}*")
_VILLAGE = re.compile(r"村(?:\d+|[一二三四五六七八九十]+)组\d+号" + _ROOMS + "*")
_BUILDING = re.compile(rf"\d+(?:号楼|号|栋|幢|座){_ROOMS}+")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff]")


def _addresses(text: str, plain: str) -> Iterator[_Candidate]:
    for pattern, name_length in ((_HOUSE, 1), (_VILLAGE, 1), (_BUILDING, 2)):
        for match in pattern.finditer(plain):
            start = _name_start(plain, match.start(), name_length)
            if start is not None:
                end = match.end()
                yield _Candidate(start, end, "address", _star_digits(text[start:end]))


def _name_start(plain: str, start: int, least: int) -> int | None:
    """Where the place name before ``start`` begins (at most six characters of
    Chinese), or None if it is shorter than ``least`` or is an ordinal (第).
    """
    name_start = start
    while (
        name_start > max(0, start - 6)
        and _NAME_CHAR.match(plain, name_start - 1)
        and plain[name_start - 1] != "第"
    ):
        name_start -= 1
    return name_start if start - name_start >= least else None
