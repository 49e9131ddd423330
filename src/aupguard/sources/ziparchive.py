"""Zip archives: every file inside read as if it had been unpacked, named `archive.zip!/inner/path`.

What a district is handed usually comes zipped: a Google Vault or Takeout export (mbox files), a
staff member's Instagram or Facebook download, a folder of .eml files someone mailed. Each member
is unpacked on its own into a temporary folder named after the archive (so a Meta download's
folder name still names its owner), read by the same readers as a file on disk, and deleted
before the next: the disk holds at most the largest member, memory only what the readers hold.

A record's source is `<archive>!/<member>`, the same every time the archive is scanned, so a
rescan adds nothing. Not read, each an error with its reason: encrypted members, names that
would leave the folder (`../x`, `/etc/x`), a zip inside the zip, members larger than the free
space of the temporary folder (`TMPDIR`). Hidden files and macOS's `__MACOSX/` copies are
skipped, as hidden files are in folders.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from aupguard.model import ReadError

from .base import RawRecord

ZIP_MAGIC = b"PK\x03\x04"
# Room left on the temporary folder's disk after a member is unpacked there.
SPARE_BYTES = 64 * 1024 * 1024
_ENCRYPTED = 0x1  # general purpose flag bit 0

Reader = Callable[[Path], Iterator[RawRecord | ReadError]]


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def _skipped(name: str) -> bool:
    """Hidden files and folders, and the resource-fork copies macOS adds to the zips it makes."""
    parts = PurePosixPath(name).parts
    # ("..", a way out of the folder, is not hidden: it is refused, with its reason)
    return any((part.startswith(".") and part != "..") or part == "__MACOSX" for part in parts)


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    drive = bool(path.parts) and ":" in path.parts[0]  # "C:/x" written on Windows
    return path.is_absolute() or ".." in path.parts or "\\" in name or drive


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of the archive that are read, in name order."""
    return sorted((i for i in archive.infolist() if not i.is_dir() and not _skipped(i.filename)),
                  key=lambda i: i.filename)  # fmt: skip


def unpacked_size(path: Path) -> int:
    """Bytes the archive's read members hold once unpacked (for a progress bar); its own size
    when it cannot be listed."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in _members(archive))
    except (zipfile.BadZipFile, OSError, ValueError):
        return path.stat().st_size


def zip_records(path: Path, read: Reader) -> Iterator[RawRecord | ReadError]:
    """The records of every member of the zip at `path`, each read by `read` once unpacked."""
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
        listed = _members(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield ReadError(source, "", f"not a readable zip archive: {exc}"[:300])
        return
    with archive, tempfile.TemporaryDirectory(prefix="aupguard-zip-") as folder:
        if not listed:
            yield ReadError(source, "", "a zip archive with no files to read")
            return
        root = Path(folder) / path.stem  # the folder the archive unpacks to, as a user would see it
        for info in listed:
            inner = f"{source}!/{info.filename}"
            problem = _problem(info, folder)
            if problem:
                yield ReadError(inner, "", problem)
                continue
            target = root / info.filename
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as packed, target.open("wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked, 1 << 20)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                yield ReadError(inner, "", f"cannot unpack: {exc}"[:300])
                continue
            try:
                for record in read(target):
                    yield _renamed(record, str(target), inner)
            finally:
                target.unlink(missing_ok=True)


def _problem(info: zipfile.ZipInfo, folder: str) -> str | None:
    if _unsafe(info.filename):
        return "a name that would leave the archive's folder: not read"
    if info.flag_bits & _ENCRYPTED:
        return "encrypted: not read (unpack it with its password and scan the folder)"
    free = shutil.disk_usage(folder).free
    if info.file_size > free - SPARE_BYTES:
        mb = info.file_size // 2**20
        return f"{mb} MB unpacked, more than the temporary folder has free ({free // 2**20} MB; see TMPDIR): not read"
    return None


def _renamed(record: RawRecord | ReadError, unpacked: str, inner: str) -> RawRecord | ReadError:
    """`record` with the unpacked file's path replaced by the member's name in the archive."""
    if record.source == unpacked:
        record.source = inner
        if isinstance(record, RawRecord) and record.item is not None:
            record.item.source = inner
    return record
