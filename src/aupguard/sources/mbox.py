"""Streaming mbox reader: one RawRecord per message, memory bounded by the largest message.

`mailbox.mbox` is not used because it scans the whole file to build a table of contents before
yielding anything (and keeps that table in memory); a scan should start at once and stay flat
on a multi-gigabyte mailbox. We read the file in 1 MB blocks and find "From " separator lines
with bytes.find (C speed: the main process must read faster than the workers parse), so a
message is never split into Python-level lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from aupguard.model import ReadError

from .base import RawRecord

# One message larger than this is reported as an error instead of being held in memory.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
BLOCK = 1 << 20

# A "From " line that does not follow a blank line is a separator only if it looks like one
# ("From sender Mon Jan  1 00:00:00 2024"): bodies written by careless mbox writers may contain
# unescaped "From " at the start of a line, usually mid-paragraph.
_SEPARATOR_DATE = re.compile(rb"\d{1,2}:\d{2}(:\d{2})?.*\d{4}")
# mboxrd escaping: a body line starting with "From " is stored as ">From ", ">From " as
# ">>From ", and so on; reading removes one ">".
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def _message_bytes(content: bytes) -> bytes:
    # The writer adds one blank line between messages; it belongs to the mbox, not the message.
    if content.endswith(b"\n\r\n"):
        content = content[:-2]
    elif content.endswith(b"\n\n") or content == b"\n":
        content = content[:-1]
    elif content == b"\r\n":
        content = b""
    if b">From " in content:
        content = _ESCAPED_FROM.sub(rb"\1", content)
    return content


class _Reader:
    """A growing window over the file: `buf[base:]` is what has not been emitted yet."""

    def __init__(self, handle: object) -> None:
        self.handle = handle
        self.buf = b""
        self.base = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        block = self.handle.read(BLOCK)  # type: ignore[attr-defined]
        if not block:
            self.eof = True
            return False
        # Compact only when reading, so each emitted message costs no copy of the window.
        self.buf = self.buf[self.base :] + block
        self.base = 0
        return True


def iter_mbox(path: Path) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    with path.open("rb") as handle:
        r = _Reader(handle)
        r.more()
        if not r.buf:
            return
        number = 1
        # Offsets below are relative to r.base: the start of the current message's separator
        # line, or of the file when it does not start with one.
        body_start = -1  # end of the separator line (+1), once known
        scan_at = 0
        dropped = 0  # bytes of an oversized message already thrown away
        while True:
            buf, base = r.buf, r.base
            if body_start < 0:
                if len(buf) - base < 5 and r.more():
                    continue
                if not buf.startswith(b"From ", base):
                    body_start = 0  # text before any separator counts as message 1
                else:
                    end = buf.find(b"\n", base)
                    if end < 0 and r.more():
                        continue
                    body_start = (end - base + 1) if end >= 0 else len(buf) - base
                scan_at = max(scan_at, body_start - 1)
            i = buf.find(b"\nFrom ", base + max(scan_at, 0))
            if i >= 0:
                line_start = i + 1
                previous_blank = buf[i - 1 : i] == b"\n" or buf[i - 2 : i] == b"\n\r"
                if not previous_blank:
                    line_end = buf.find(b"\n", line_start)
                    if line_end < 0 and r.more():
                        continue
                    line = buf[line_start : line_end if line_end >= 0 else len(buf)]
                    if _SEPARATOR_DATE.search(line) is None:
                        scan_at = line_start - base
                        continue
                yield _emit(source, number, buf, base, body_start, line_start, dropped)
                number += 1
                r.base = line_start
                body_start, scan_at, dropped = -1, 0, 0
                continue
            # No separator in what we hold: read more, or finish.
            # A separator may begin at the newline that ends the separator line, or be cut by
            # the block end: its 6 bytes "\nFrom " start at most 6 bytes before the end.
            scan_at = max(body_start - 1, len(buf) - base - 6)
            if len(buf) - base > MAX_MESSAGE_BYTES + BLOCK:
                # Too large to hold: forget all but a tail that may start the next separator.
                keep = len(buf) - 8
                dropped += keep - (base + body_start)
                r.base = keep - body_start
                scan_at = body_start
                continue
            if not r.more():
                yield _emit(source, number, buf, base, body_start, len(buf), dropped)
                return


def _emit(
    source: str, number: int, buf: bytes, base: int, body_start: int, end: int, dropped: int
) -> RawRecord | ReadError:
    position = f"message {number}"
    nbytes = end - base + dropped
    if dropped or end - (base + body_start) > MAX_MESSAGE_BYTES:
        limit = MAX_MESSAGE_BYTES // (1024 * 1024)
        return ReadError(source, position, f"message larger than {limit} MB, not read")
    return RawRecord(source, position, "rfc822", _message_bytes(buf[base + body_start : end]), nbytes=nbytes)
