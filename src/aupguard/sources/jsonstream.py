"""Reading JSON exports without holding them whole: JSON Lines, and the items of a top-level array.

The stdlib decoder's `raw_decode` parses one value from a buffer and says where it ended, so a
top-level array can be read element by element from chunks; only the array punctuation between
elements is handled here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

CHUNK_CHARS = 1 << 16
# One element larger than this means the file is not a list of small records.
MAX_ELEMENT_CHARS = 64 * 1024 * 1024

_decoder = json.JSONDecoder()


class JsonStreamError(ValueError):
    """The array is malformed at some element; the message says where."""


def iter_array(handle: IO[str]) -> Iterator[tuple[int, Any, str]]:
    """(1-based element number, value, the element's JSON text) for each element of a top-level array."""
    buffer = handle.read(CHUNK_CHARS).lstrip("\ufeff \t\r\n")
    if not buffer.startswith("["):
        raise JsonStreamError("not a JSON array")
    pos, number, expect_value = 1, 0, True
    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n":
            pos += 1
        if pos >= len(buffer) or (expect_value and len(buffer) - pos < CHUNK_CHARS):
            more = handle.read(CHUNK_CHARS)
            buffer = buffer[pos:] + more
            pos = 0
            if not more and not buffer.strip():
                raise JsonStreamError(f"array ends early after element {number}")
            if more:
                continue
        char = buffer[pos]
        if char == "]" and (number == 0 or not expect_value):
            return
        if not expect_value:
            if char != ",":
                raise JsonStreamError(f"expected ',' after element {number}")
            pos, expect_value = pos + 1, True
            continue
        number += 1
        value, text, buffer, pos = _decode_one(handle, buffer, pos, number)
        expect_value = False
        yield number, value, text


def _decode_one(handle: IO[str], buffer: str, pos: int, number: int) -> tuple[Any, str, str, int]:
    """(value, its JSON text, the buffer, the offset after it) for the element at buffer[pos:].

    Reads more text while the element is incomplete, so the buffer returned may be a new one.
    """
    while True:
        try:
            value, end = _decoder.raw_decode(buffer, pos)
            return value, buffer[pos:end], buffer, end
        except json.JSONDecodeError as exc:
            more = handle.read(CHUNK_CHARS)
            if not more or len(buffer) - pos > MAX_ELEMENT_CHARS:
                raise JsonStreamError(f"element {number}: {exc.msg}") from None
            buffer = buffer[pos:] + more
            pos = 0


def iter_lines(handle: IO[str]) -> Iterator[tuple[int, Any | json.JSONDecodeError, str]]:
    """(line number, value or the decode error, the line's text) for each non-blank line."""
    for number, line in enumerate(handle, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        try:
            yield number, json.loads(text), text
        except json.JSONDecodeError as exc:
            yield number, exc, text
