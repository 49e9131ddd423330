"""How export files are read everywhere (aupguard/exportfiles.py): encodings, delimiters, times."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from aupguard.exportfiles import FORMS, decode_text, delimiter_of, encoding_of, open_text, parse_time, parse_utc

TEXT = "name,note\nZoë Ångström,café — naïve\n"


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        (TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # the mark in the machine's byte order
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),  # begins with UTF-16 LE's mark: must not be read as it
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
    ],
)
def test_the_mark_decides_the_encoding(tmp_path: Path, data: bytes, codec: str) -> None:
    assert encoding_of(data[:4]) == codec
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    with open_text(path) as stream:
        assert stream.read() == TEXT  # the mark dropped, every accent kept
    assert decode_text(data) == TEXT


def test_a_file_that_is_not_utf8_is_windows_1252(tmp_path: Path) -> None:
    """Excel on Windows saves "CSV (Comma delimited)" in the system code page."""
    path = tmp_path / "export.csv"
    path.write_bytes("name\r\nJosé Muñoz\r\nZoë “Zo” O’Brien\r\n".encode("cp1252"))
    with open_text(path) as stream:
        assert stream.read() == "name\r\nJosé Muñoz\r\nZoë “Zo” O’Brien\r\n"
    # UTF-8 accents and one damaged byte: UTF-8, the byte replaced (not the accents mangled)
    assert decode_text("José ".encode() + b"Mu\xf1oz") == "José Mu\ufffdoz"
    # bytes Windows-1252 leaves undefined become U+FFFD rather than an error
    assert decode_text(b"a\x81b\xe9") == "a\ufffdbé"


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("sender,recipients,time,body\n", ","),
        ("sender;recipients;time;body\r\n", ";"),
        ("Sender\tRecipients\tTime\tBody", "\t"),
        ('"Last, First";"Email"', ";"),
        ("onecolumn", ","),
    ],
)
def test_delimiter_from_the_header_line(header: str, delimiter: str) -> None:
    assert delimiter_of(header) == delimiter


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-01T10:00:00Z", datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),
        ("2026-09-01T05:00:00-05:00", datetime(2026, 9, 1, 5, 0, tzinfo=timezone(timedelta(hours=-5)))),
        ("2026-09-01 10:00:00", datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),  # naive: UTC
        ("2026-09-01T10:00:00.123456789Z", datetime(2026, 9, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("9/1/2026 10:00 AM", datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),  # month first, as US Excel writes
        ("9/1/2026 4:30:15 PM", datetime(2026, 9, 1, 16, 30, 15, tzinfo=UTC)),
        ("09/01/2026 16:30", datetime(2026, 9, 1, 16, 30, tzinfo=UTC)),
        ("2026/09/01 16:30:00", datetime(2026, 9, 1, 16, 30, tzinfo=UTC)),
        ("1788256800", datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),  # Unix seconds
        ("1788256800000", datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),  # milliseconds (phone backups)
        (1788256800, datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),
        ("yesterday", None),
        ("13/31/2026 10:00", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected  # type: ignore[arg-type]


def test_parse_utc_gives_utc_or_says_why() -> None:
    when = parse_utc("2026-09-01T05:00:00-05:00")
    assert when == datetime(2026, 9, 1, 10, 0, tzinfo=UTC) and when.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="^missing date$"):
        parse_utc("  ")
    with pytest.raises(ValueError, match="^missing date$"):
        parse_utc(None)
    with pytest.raises(ValueError) as caught:
        parse_utc("someday")
    assert str(caught.value) == f"not a date: 'someday' (expected {FORMS})"
    with pytest.raises(ValueError, match="not a date"):
        parse_utc({"a": 1})
