"""Text files as spreadsheets and export tools save them, read one way everywhere: the readers
of scanned exports (texts), the directory importers and the posture readers.

* **Encoding.** A byte-order mark says UTF-8, UTF-16 or UTF-32: Excel's "Unicode Text" and
  several phone-backup tools write UTF-16. Without a mark, UTF-8; a file that is not valid UTF-8
  is Windows-1252, which is what Excel on Windows writes for "CSV (Comma delimited)" (read as
  UTF-8, "José Muñoz" became "Jos\ufffd Mu\ufffdoz" and matched no message). Bytes that are none of
  these become U+FFFD rather than an exception halfway through a file.
* **Delimiter.** Comma, semicolon (spreadsheets in many European locales) or tab ("Unicode
  Text"), taken from the header line; quoting stays the standard (excel) one, which
  `csv.Sniffer` guesses wrong from a single line.
* **Timestamps.** ISO 8601; the forms a spreadsheet writes back when a user opens an export
  and saves it ("9/1/2026 10:00 AM", month first, as US Excel does); Unix time in seconds or
  milliseconds. A time without an offset is UTC.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

# (mark, the codec that decodes a whole file starting with it, mark included). UTF-32 LE's mark
# begins with UTF-16 LE's, so it is tested first.
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_of(head: bytes) -> str:
    """The codec for a file whose first bytes are `head` (at least 4 of them when there are):
    "utf-32", "utf-16" (both read the mark and its byte order) or "utf-8-sig"."""
    for mark, codec in _MARKS:
        if head.startswith(mark):
            return codec
    return "utf-8-sig"


def mark_length(head: bytes) -> int:
    """How many bytes of `head` are a byte-order mark (0 when there is none)."""
    return next((len(mark) for mark, _ in _MARKS if head.startswith(mark)), 0)


def open_text(path: Path) -> TextIO:
    """Text stream over an export file in its encoding (`decode_text`), the mark dropped;
    newlines as written, as the csv module wants them. The file is read whole, to know whether
    it is UTF-8 before any of it is used (the importers read it whole anyway)."""
    return io.StringIO(decode_text(path.read_bytes()), newline="")


def decode_text(data: bytes) -> str:
    """A whole export file's text: in the encoding its mark names, else `decode_unmarked`."""
    encoding = encoding_of(data[:4])
    if encoding != "utf-8-sig":
        return data.decode(encoding, errors="replace")
    return decode_unmarked(data.removeprefix(codecs.BOM_UTF8))


def decode_unmarked(data: bytes) -> str:
    """Bytes without a mark (a whole file, or a line of one read as a stream): UTF-8, or
    Windows-1252 when they are not UTF-8. Bytes with valid UTF-8 accents and a few damaged ones
    are UTF-8 (the damaged bytes become U+FFFD): in Windows-1252 every accent would turn to
    mojibake, and Windows-1252 text practically never holds a valid UTF-8 sequence ("Ã©" is one)."""
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" not in text or not text.replace("\ufffd", "").isascii():
        return text
    return data.decode("cp1252", errors="replace")


def width_codec(encoding: str) -> str:
    """The codec whose encoded length of a text is the bytes that text takes in a file of
    `encoding` (`encoding_of`'s answer), the mark left out: for progress counts."""
    return "utf-8" if encoding == "utf-8-sig" else encoding + "-le"  # the byte order changes no length


def delimiter_of(header_line: str) -> str:
    """The delimiter of a header line: ",", ";" or a tab; "," when the line does not say."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y-%m-%d",
)
_UNIX_SECONDS = re.compile(r"\d{9,10}(\.\d+)?")
_UNIX_MILLISECONDS = re.compile(r"\d{12,13}")
_SUBMICROSECONDS = re.compile(r"(\.\d{6})\d+")
FORMS = "ISO 8601, M/D/YYYY h:mm[:ss] [AM/PM] or Unix time"


def parse_time(value: str | int | float | None) -> datetime | None:
    """A timestamp in one of the forms above as an aware datetime (in UTC when it was written
    without an offset, in its own offset otherwise); None when it is none of them."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        text = str(value).strip()
        if _UNIX_SECONDS.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        if _UNIX_MILLISECONDS.fullmatch(text):
            return datetime.fromtimestamp(int(text) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    iso = _SUBMICROSECONDS.sub(r"\1", text.replace("Z", "+00:00"))  # nanoseconds (Panther)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_utc(value: object) -> datetime:
    """`parse_time` in UTC, for an item's time; raises ValueError with the reason when the value
    is missing or not a timestamp."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("missing date")
    when = parse_time(value) if isinstance(value, str | int | float) else None
    if when is None:
        raise ValueError(f"not a date: {str(value)[:40]!r} (expected {FORMS})")
    return when.astimezone(UTC)
