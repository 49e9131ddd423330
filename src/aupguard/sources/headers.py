"""Decoding email header values tolerantly (RFC 2047 words, 8-bit bytes, unknown charsets).

We parse with the fast `compat32` policy and decode only the headers we keep: the modern
`email.policy.default` decodes every header into rich objects and is several times slower.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from itertools import chain
from typing import TypeVar

from aupguard.directory.addresses import normalize_email

_T = TypeVar("_T")

# The headers detectors need (see docs/readers.md); everything else stays in the raw bytes.
KEPT_HEADERS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "return-path",
        "to",
        "cc",
        "message-id",
        "date",
        "authentication-results",
        "arc-authentication-results",
        "received-spf",
        "dkim-signature",
        "x-mailer",
        "list-id",
        "list-unsubscribe",  # with list-id and precedence: a received mass mailing (commercial)
        "precedence",
        "auto-submitted",
        "content-type",
    }
)


def unfold(value: str) -> str:
    """Each line break of a folded header value, with the blanks after it, made one space.

    What re.sub(r"\r?\n[ \t]*", " ", value) gives (tests/sources/test_fast_paths.py checks
    every short string), with string methods: that pattern has no literal for the regex engine
    to scan for, so it tried a match at every character and cost ~10 us on a DKIM signature.
    Every LF is one match, taking the CR just before it and the blanks just after it."""
    lines = value.split("\n")
    if "\r" in value:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines[:-1]] + lines[-1:]
    return " ".join([lines[0], *[line.lstrip(" \t") for line in lines[1:]]])


def known_charset(charset: str | None) -> str:
    """A codec Python knows for `charset`, falling back to utf-8 (decoded with replacement)."""
    if charset:
        name = charset.strip().strip('"').lower()
        try:
            return codecs.lookup(name).name
        except (LookupError, UnicodeError):  # unknown, or 8-bit bytes in the name itself
            pass
    return "utf-8"


def decode_bytes(data: bytes, charset: str | None) -> str:
    return data.decode(known_charset(charset), errors="replace")


def _unescape_8bit(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes; most such mail is utf-8."""
    if value.isascii():  # no surrogate escapes, and no bytes object made to find that out
        return value
    try:
        value.encode("utf-8")  # fails only on surrogates, i.e. when there are raw 8-bit bytes
        return value
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def clean_value(value: str) -> str:
    """A header value as raw_headers keeps it: unfolded, 8-bit bytes decoded, stripped."""
    return _unescape_8bit(unfold(value) if "\n" in value else value).strip()


def decode_value(value: str) -> str:
    """Unfolded, human-readable header text with RFC 2047 encoded words decoded."""
    value = _unescape_8bit(unfold(value) if "\n" in value else value)
    if "=?" not in value:
        return value.strip()
    return _decode_words(value)


def decode_clean(value: str) -> str:
    """decode_value() of a value clean_value() already gave, without redoing its work.

    Exact: a clean value has no LF (every one was unfolded), no surrogate escapes (all were
    decoded) and no whitespace at either end, so the unfold, unescape and strip decode_value
    would do again change nothing; only the encoded words remain to decode."""
    return value if "=?" not in value else _decode_words(value)


def _decode_words(value: str) -> str:
    try:
        chunks = decode_header(value)
    except Exception:  # a malformed encoded word: keep the text as it was written
        return value.strip()
    # decode_header keeps the whitespace around plain text in the plain chunks and drops the
    # whitespace between adjacent encoded words (RFC 2047 section 6.2), so joining is enough.
    # Plain chunks come back encoded with raw-unicode-escape, which round-trips any text.
    return "".join(
        chunk
        if isinstance(chunk, str)
        else chunk.decode("raw-unicode-escape", errors="replace")
        if charset is None
        else decode_bytes(chunk, charset)
        for chunk, charset in chunks
    ).strip()


def raw_headers(msg: Message, names: frozenset[str]) -> dict[str, list[str]]:
    """Lowercase name -> unfolded values (encoded words not yet decoded), for `names` only."""
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in names:
            headers.setdefault(key, []).append(clean_value(str(value)))
    return headers


# Fast path for address lists: entries `addr`, `<addr>`, `Name <addr>` or `"Name" <addr>`,
# comma-separated. Workplace mail has long To/Cc lists and the stdlib's character-by-character
# getaddresses() took most of the parse time; anything else (comments, groups, quoted local
# parts, escapes) does not match and goes to getaddresses() unchanged.
_ADDR = r"[^<>\s\"(),:;\\@]+@[^<>\s\"(),:;\\@]+"
_NAME = r"""(?:"(?P<quoted>[^"\\]*)"|(?P<plain>[^",<>()\\:;@]*?))"""
_ADDRESS_ENTRY = re.compile(rf"[ \t]*(?:{_NAME}[ \t]*<(?P<angle>{_ADDR})>|(?P<bare>{_ADDR}))?[ \t]*(?:,|$)")


def _has_quoting(value: str) -> bool:
    """Quoted names, comments, groups, escapes: the list needs a real parser. (Six substring
    searches; a frozenset.isdisjoint(value) made a string per character and cost three times more.)"""
    return '"' in value or "(" in value or ")" in value or "\\" in value or ":" in value or ";" in value


def _comma_entries(value: str) -> list[tuple[str, str]] | None:
    """(name as written, address) of each comma-separated entry `addr`, `<addr>` or `Name <addr>`
    of an unquoted list, empty entries skipped; None when some entry is anything else.

    The address comes stripped, without < > or inner whitespace, so normalize_email(addr) is
    addr.lower(). One inline loop: this runs for every entry of every To/Cc list."""
    entries = []
    for piece in value.split(","):
        bracket = piece.find("<")
        if bracket < 0:
            addr = piece.strip()
            if not addr:
                continue
            if "@" not in addr or ">" in addr or len(addr.split()) != 1:
                return None
            entries.append(("", addr))
            continue
        name, rest = piece[:bracket], piece[bracket + 1 :].rstrip()
        addr = rest[:-1]
        if not rest.endswith(">") or "@" not in addr or "<" in addr or ">" in addr or ">" in name or "@" in name:
            return None
        if len(addr.split()) != 1:
            return None
        entries.append((name, addr.strip()))
    return entries


def _simple_addresses(value: str) -> list[tuple[str, str]] | None:
    """The entries of a simple address list, or None when getaddresses() must decide."""
    if not _has_quoting(value):  # no quoting: the list splits on commas (plain string methods)
        entries = _comma_entries(value)
        if entries is not None:
            return [(" ".join(name.split()), addr) for name, addr in entries]
    pairs: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while pos < end:
        match = _ADDRESS_ENTRY.match(value, pos)
        if match is None or match.end() == pos:
            return None
        pos = match.end()
        if match["bare"]:
            pairs.append(("", match["bare"]))
        elif match["angle"]:
            name = match["quoted"] if match["quoted"] is not None else " ".join(match["plain"].split())
            pairs.append((name, match["angle"]))
    return pairs


def parse_addresses(values: list[str], names: bool = True) -> list[tuple[str, str]]:
    """(decoded display name, normalized address) pairs from raw address header values.

    Addresses are split before encoded words are decoded, so a name like "Doe, John" written
    as an encoded word cannot break the list apart. Entries without an address are left out.
    """
    pairs = []
    for value in values:
        found = _simple_addresses(value)
        for name, addr in found if found is not None else getaddresses([value]):
            if "@" in addr:
                pairs.append((decode_value(name) if name and names else "", normalize_email(addr)))
    return pairs


def first_address(values: list[str]) -> tuple[str, str] | None:
    """parse_addresses(values)[0], or None when there is no address: the sender of a From."""
    for value in values:
        pairs = _recall(_named_addresses, _NAMED_CACHES, value)
        if pairs:
            return pairs[0]
    return None


def unique_addresses(values: list[str]) -> list[str]:
    """Normalized addresses of `values`, each once, in order of first appearance."""
    found = (_recall(_value_addresses, _LIST_CACHES, value) for value in values)
    return list(dict.fromkeys(chain.from_iterable(found)))


def _named_addresses(value: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_addresses([value]))


def _value_addresses(value: str) -> tuple[str, ...]:
    """Normalized addresses of one value, each once, in order."""
    entries = None if _has_quoting(value) else _comma_entries(value)
    if entries is None:
        found = [addr for _, addr in parse_addresses([value], names=False)]
    else:  # what parse_addresses gives for such a list, without building names and pairs
        found = [addr.lower() for _, addr in entries]
    return tuple(dict.fromkeys(found))


# The same From and To/Cc values come back message after message (a teacher's own address, a
# grade team's list), so each worker process keeps the parsed form of recent ones. The parses
# are pure functions of the value and give tuples, so a hit is what a parse would give. Values
# up to 2,048 characters are kept 1,024 at a time, so that each cache stays under about 4 MB.
# Longer To/Cc lists (a whole school's staff, 100 us and more to parse) recur too, fewer of
# them: the last 32 up to 64,000 characters are kept (at most about 8 MB); longer ones are
# parsed each time.
_CACHED_VALUES = 1024
_LONGEST_CACHED_VALUE = 2048
_CACHED_LISTS = 32
_LONGEST_CACHED_LIST = 64_000
_cached_named_addresses = lru_cache(maxsize=_CACHED_VALUES)(_named_addresses)
_cached_value_addresses = lru_cache(maxsize=_CACHED_VALUES)(_value_addresses)
_cached_list_addresses = lru_cache(maxsize=_CACHED_LISTS)(_value_addresses)
# (longest value a cache keeps, the cache), shortest first
_NAMED_CACHES = ((_LONGEST_CACHED_VALUE, _cached_named_addresses),)
_LIST_CACHES = ((_LONGEST_CACHED_VALUE, _cached_value_addresses), (_LONGEST_CACHED_LIST, _cached_list_addresses))


def forget_recent_addresses() -> None:
    """Empty those caches: for benchmarks that read the same messages round after round, which
    would otherwise measure a cache that never misses."""
    _cached_named_addresses.cache_clear()
    _cached_value_addresses.cache_clear()
    _cached_list_addresses.cache_clear()


def _recall(parse: Callable[[str], _T], caches: tuple[tuple[int, Callable[[str], _T]], ...], value: str) -> _T:
    """parse(value), through the first of `caches` that keeps values this long (if any does)."""
    for longest, cached in caches:
        if len(value) <= longest:
            return cached(value)
    return parse(value)


def parse_date(value: str | None) -> datetime | None:
    """Aware UTC datetime from an RFC 5322 Date value; None when missing or unparseable."""
    if not value:
        return None
    try:
        when = _common_date(value) or parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means "zone unknown": read it as UTC
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# Nearly every Date is written "Tue, 4 Jun 2024 10:00:00 -0500", often with "(CDT)" after it.
# For that form _common_date builds the datetime parsedate_to_datetime would, without its
# general tokenizer; anything else (no seconds, two-digit years, zone names, odd spacing or
# case) goes to parsedate_to_datetime. tests/sources/test_fast_paths.py compares the two.
_COMMON_DATE = re.compile(
    r"(?:[A-Za-z]{3}, )?([0-9]{1,2}) ([A-Z][a-z]{2}) ([1-9][0-9]{3}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) "
    r"([+-][0-9]{4})(?:\s.*)?",
    re.DOTALL,
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


def _common_date(value: str) -> datetime | None:
    """parsedate_to_datetime(value) when `value` has the common form, else None.

    Raises what parsedate_to_datetime raises for such a value (ValueError for a day, hour or
    zone out of range), as it calls the same constructors with the same numbers. The stdlib
    skips the day name unchecked and ignores what follows the zone."""
    match = _COMMON_DATE.fullmatch(value)
    if match is None:
        return None
    day, month_name, year, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name)
    if month is None:
        return None
    return datetime(int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=_zone(zone))


@lru_cache(maxsize=64)
def _zone(offset: str) -> timezone | None:
    """The zone parsedate_to_datetime makes of a "+hhmm" or "-hhmm" offset: int(offset) read
    as hours and minutes; None (no zone) for "-0000", which RFC 5322 makes "zone unknown"."""
    seconds = int(offset[1:3]) * 3600 + int(offset[3:5]) * 60
    if offset[0] == "-":
        if seconds == 0:
            return None
        seconds = -seconds
    return timezone(timedelta(seconds=seconds))
