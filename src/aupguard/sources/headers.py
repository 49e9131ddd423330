"""Decoding email header values tolerantly (RFC 2047 words, 8-bit bytes, unknown charsets).

We parse with the fast `compat32` policy and decode only the headers we keep: the modern
`email.policy.default` decodes every header into rich objects and is several times slower.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from aupguard.directory.addresses import normalize_email

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

_FOLD = re.compile(r"\r?\n[ \t]*")


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
    try:
        value.encode("utf-8")  # fails only on surrogates, i.e. when there are raw 8-bit bytes
        return value
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_value(value: str) -> str:
    """Unfolded, human-readable header text with RFC 2047 encoded words decoded."""
    value = _unescape_8bit(_FOLD.sub(" ", value) if "\n" in value else value)
    if "=?" not in value:
        return value.strip()
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


def first_raw(msg: Message, name: str) -> str | None:
    """The first `name` header as written (compat32's get() may return a Header object instead)."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def raw_headers(msg: Message, names: frozenset[str]) -> dict[str, list[str]]:
    """Lowercase name -> unfolded values (encoded words not yet decoded), for `names` only."""
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in names:
            text = str(value)
            headers.setdefault(key, []).append(_unescape_8bit(_FOLD.sub(" ", text) if "\n" in text else text).strip())
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


def unique_addresses(values: list[str]) -> list[str]:
    """Normalized addresses of `values`, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for value in values:
        entries = None if _has_quoting(value) else _comma_entries(value)
        if entries is None:
            for _, addr in parse_addresses([value], names=False):
                seen.setdefault(addr, None)
        else:  # what parse_addresses gives for such a list, without building names and pairs
            for _, addr in entries:
                seen.setdefault(addr.lower(), None)
    return list(seen)


def parse_date(value: str | None) -> datetime | None:
    """Aware UTC datetime from an RFC 5322 Date value; None when missing or unparseable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means "zone unknown": read it as UTC
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
