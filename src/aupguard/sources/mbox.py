"""Streaming mbox reader: one RawRecord per message, memory bounded by the largest message.

`mailbox.mbox` is not used because it scans the whole file to build a table of contents before
yielding anything (and keeps that table in memory); a scan should start at once and stay flat
on a multi-gigabyte mailbox. We read line by line and split on "From " separator lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from aupguard.model import ReadError

from .base import RawRecord

# One message larger than this is reported as an error instead of being held in memory.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024

# A "From " line that does not follow a blank line is a separator only if it looks like one
# ("From sender Mon Jan  1 00:00:00 2024"): bodies written by careless mbox writers may contain
# unescaped "From " at the start of a line, usually mid-paragraph.
_SEPARATOR_DATE = re.compile(rb"\d{1,2}:\d{2}(:\d{2})?.*\d{4}")
# mboxrd escaping: a body line starting with "From " is stored as ">From ", ">From " as
# ">>From ", and so on; reading removes one ">".
_ESCAPED_FROM = re.compile(rb"^>+From ")


def _is_separator(line: bytes, previous_blank: bool) -> bool:
    if not line.startswith(b"From "):
        return False
    return previous_blank or _SEPARATOR_DATE.search(line) is not None


def _finish(lines: list[bytes]) -> bytes:
    # The writer adds one blank line between messages; it belongs to the mbox, not the message.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(_unescape(line) for line in lines)


def _unescape(line: bytes) -> bytes:
    return line[1:] if line.startswith(b">") and _ESCAPED_FROM.match(line) else line


def iter_mbox(path: Path) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    number = 0
    lines: list[bytes] = []
    size = 0  # bytes of the current message's lines
    consumed = 0  # bytes of input for the current record (separator included)
    oversized = False
    previous_blank = True  # the start of the file counts as following a blank line

    def emit() -> RawRecord | ReadError:
        position = f"message {number}"
        if oversized:
            limit = MAX_MESSAGE_BYTES // (1024 * 1024)
            return ReadError(source, position, f"message larger than {limit} MB, not read")
        return RawRecord(source, position, "rfc822", _finish(lines), nbytes=consumed)

    with path.open("rb") as handle:
        for line in handle:
            if _is_separator(line, previous_blank):
                if number:
                    yield emit()
                number += 1
                lines, size, consumed, oversized = [], 0, len(line), False
                previous_blank = False
                continue
            consumed += len(line)
            previous_blank = line in (b"\n", b"\r\n")
            if number == 0:
                # Text before the first separator: the sniffer only sends files that start with
                # "From ", so this cannot happen for them; guard anyway.
                number = 1
            if oversized:
                continue
            size += len(line)
            if size > MAX_MESSAGE_BYTES:
                oversized, lines = True, []
                continue
            lines.append(line)
    if number:
        yield emit()
