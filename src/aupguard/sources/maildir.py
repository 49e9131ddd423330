"""Maildir folders: every file in cur/ and new/ is one RFC 5322 message.

tmp/ is left alone on purpose: by the Maildir protocol it holds messages still being delivered,
which appear in new/ once complete. Maildir++ subfolders (".Sent", ".Archive") and nested
folders are ordinary folders with their own cur/new and are found by the directory walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aupguard.model import ReadError

from .base import RawRecord

MESSAGE_DIRS = ("cur", "new")


def is_maildir(folder: Path) -> bool:
    return any((folder / name).is_dir() for name in MESSAGE_DIRS)


def message_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    for name in MESSAGE_DIRS:
        sub = folder / name
        if sub.is_dir():
            files.extend(sorted(p for p in sub.iterdir() if p.is_file() and not p.name.startswith(".")))
    return files


def iter_maildir(folder: Path) -> Iterator[RawRecord | ReadError]:
    """Records with source = the Maildir folder and position = "key cur/<file name>"."""
    for path in message_files(folder):
        position = f"key {path.parent.name}/{path.name}"
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield ReadError(str(folder), position, f"cannot read: {exc.strerror or exc}")
            continue
        yield RawRecord(str(folder), position, "rfc822", data, nbytes=len(data))
