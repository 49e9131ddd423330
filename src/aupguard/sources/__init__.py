"""Readers: files and folders in, RawRecords (or ReadErrors) out, then Items (see base.py).

    for record in iter_records(paths):          # main process, streaming
        result = parse_record(record)            # worker process; Item or ReadError

Every input record ends as exactly one Item or ReadError; nothing raises for bad input.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from aupguard.model import Item, ReadError

from . import maildir, ziparchive
from .base import RawRecord
from .eml import parse_email
from .msg import parse_msg
from .sniff import file_records, walk

__all__ = ["RawRecord", "iter_records", "parse_record", "total_bytes"]


def iter_records(paths: Iterable[str | Path]) -> Iterator[RawRecord | ReadError]:
    """Every record in `paths` (files and folders, walked recursively in sorted order)."""
    for entry in walk(paths):
        if isinstance(entry, ReadError):
            yield entry
        elif entry.is_dir():
            yield from maildir.iter_maildir(entry)
        else:
            try:
                yield from file_records(entry)
            except OSError as exc:  # the file vanished or failed mid-read
                yield ReadError(str(entry), "", f"cannot read: {exc.strerror or exc}")


def parse_record(record: RawRecord) -> Item | ReadError:
    """The Item in `record`, or a ReadError saying why there is none. Never raises."""
    try:
        if record.format == "item":
            if record.item is None:
                return ReadError(record.source, record.position, "record of format 'item' without an item")
            return record.item
        if record.format == "rfc822":
            return parse_email(record.raw, record.source, record.position)
        if record.format == "msg":
            return parse_msg(record.raw, record.source, record.position)
        return ReadError(record.source, record.position, f"unknown record format {record.format!r}")
    except Exception as exc:  # a parser bug must cost one record, not the scan
        reason = f"parser failed: {type(exc).__name__}: {exc}"
        return ReadError(record.source, record.position, reason[:300])


def total_bytes(paths: Iterable[str | Path]) -> int:
    """Bytes of input `iter_records(paths)` will read, for a progress bar."""
    total = 0
    for entry in walk(paths):
        if isinstance(entry, ReadError):
            continue
        files = maildir.message_files(entry) if entry.is_dir() else [entry]
        for path in files:
            with contextlib.suppress(OSError):  # vanished since the walk: read will report it
                total += _input_size(path)
    return total


def _input_size(path: Path) -> int:
    """A file's size, or for a zip archive what its members hold unpacked (what the readers count).
    Only files named .zip are opened to check: a folder of 100,000 messages is not opened twice
    for a progress bar (a zip under another name makes the bar end a little early)."""
    if path.suffix.lower() == ".zip":
        with path.open("rb") as handle:
            if ziparchive.is_zip(handle.read(4)):
                return ziparchive.unpacked_size(path)
    return path.stat().st_size
