"""Walking the inputs and deciding, per file, which reader reads it (see docs/readers.md)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from aupguard.exportfiles import encoding_of
from aupguard.model import ReadError

from . import facebook, instagram, maildir, mbox, sms_backup, social, texts, tiktok, ziparchive
from .base import RawRecord
from .meta_export import may_be_meta_export
from .msg import OLE_MAGIC

# Files that are plainly not messages and are skipped without an error record: hidden files
# (.gitignore, .DS_Store, editor swap files) and the bookkeeping files in a Maildir's root.
MAILDIR_ROOT_FILES = "files directly inside a Maildir folder (dovecot-uidlist, maildirfolder, ...)"

# A whole-file record (one .eml, one .msg) larger than this is reported, not read into memory.
MAX_FILE_BYTES = mbox.MAX_MESSAGE_BYTES
# Social exports are loaded whole (see social.py); past this they are refused with a reason.
MAX_SOCIAL_BYTES = 256 * 1024 * 1024

_UNPACK = "unpack it and scan the folder"
_DECOMPRESS = "decompress it ({}) and scan what it holds"
# Containers aupguard does not open, by their first bytes (a zip it reads: ziparchive.py): mail
# exports often arrive in one (a Takeout download may be a tgz of mbox files; Outlook keeps mail
# in .pst). Named in the error, with what to do, instead of "not an email". Each is
# ((offset, bytes), ...), what it is and what to do; the two magics made of letters ("BZh",
# "!BDN") are checked with the bytes that follow them in the format, so no text file that
# happens to start so is taken for one.
_CONTAINERS: tuple[tuple[tuple[tuple[int, bytes], ...], str, str], ...] = (
    (((0, b"PK\x05\x06"),), "an empty zip archive", _UNPACK),
    (((0, b"\x1f\x8b"),), "a gzip-compressed file", _DECOMPRESS.format("gunzip")),
    (((0, b"BZh"), (4, b"\x31\x41\x59\x26\x53\x59")), "a bzip2-compressed file", _DECOMPRESS.format("bunzip2")),
    (((0, b"\xfd7zXZ\x00"),), "an xz-compressed file", _DECOMPRESS.format("unxz")),
    (((0, b"\x28\xb5\x2f\xfd"),), "a zstd-compressed file", _DECOMPRESS.format("unzstd")),
    (((0, b"7z\xbc\xaf\x27\x1c"),), "a 7-Zip archive", _UNPACK),
    (((257, b"ustar"),), "a tar archive", _UNPACK),
    (
        ((0, b"!BDN"), (8, b"SM")),  # the PST header's magic, then its client magic after a CRC
        "an Outlook .pst mailbox",
        "export its mail to mbox, .eml or .msg (readpst does) and scan that",
    ),
)

# Pictures and videos, by their first bytes: a social download or a phone's folder holds many
# beside the files aupguard reads. Named in the error instead of "not an email".
_MEDIA: tuple[tuple[tuple[tuple[int, bytes], ...], str], ...] = (
    (((0, b"\xff\xd8\xff"),), "a JPEG picture"),
    (((0, b"\x89PNG\r\n\x1a\n"),), "a PNG picture"),
    (((0, b"GIF87a"),), "a GIF picture"),
    (((0, b"GIF89a"),), "a GIF picture"),
    (((0, b"RIFF"), (8, b"WEBP")), "a WebP picture"),
    (((4, b"ftypheic"),), "a HEIC picture"),
    (((4, b"ftyp"),), "a video (MP4/MOV)"),
)

# Meta exports and what aupguard reads of each (its other files are errors that say so).
_META_READS = ((instagram.INSTAGRAM, "followers, following, posts"), (facebook.FACEBOOK, "posts"))


def _media_kind(head: bytes) -> str | None:
    for parts, kind in _MEDIA:
        if all(head.startswith(magic, offset) for offset, magic in parts):
            return kind
    return None


def _container_kind(head: bytes) -> tuple[str, str] | None:
    """(what it is, what to do) when `head`, a file's first bytes, starts an archive,
    a compressed file or a .pst mailbox; None otherwise."""
    for parts, kind, advice in _CONTAINERS:
        if all(head.startswith(magic, offset) for offset, magic in parts):
            return kind, advice
    return None


def walk(paths: Iterable[str | Path]) -> Iterator[Path | ReadError]:
    """Files to sniff and Maildir folders (yielded as folders), in sorted order."""
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield ReadError(str(path), "", "no such file or folder")
        elif path.is_dir():
            yield from _walk_folder(path, seen)
        else:
            yield path


def _walk_folder(folder: Path, seen: set[Path]) -> Iterator[Path | ReadError]:
    real = folder.resolve()
    if real in seen:  # a symlink loop, or the same folder given twice
        return
    seen.add(real)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        yield ReadError(str(folder), "", f"cannot list folder: {exc.strerror or exc}")
        return
    is_maildir = maildir.is_maildir(folder)
    if is_maildir:
        yield folder
    for entry in entries:
        if entry.is_dir():
            if not (is_maildir and entry.name in ("cur", "new", "tmp")):
                yield from _walk_folder(entry, seen)
        elif not entry.name.startswith(".") and not is_maildir:
            yield entry


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def file_records(path: Path, in_archive: bool = False) -> Iterator[RawRecord | ReadError]:
    """The records of one file. `in_archive`: the file was unpacked from a zip (one zip deep:
    a zip inside it is not opened)."""
    source = str(path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            # Opening a named pipe waits for a writer, for ever (and a signal does not end the
            # wait: Python retries the open), so the scan would hang on it; a device never ends.
            yield ReadError(source, "", f"not a regular file ({_special_kind(status.st_mode)}): not read")
            return
        size = status.st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        yield ReadError(source, "", f"cannot read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    container = _container_kind(head)
    if size == 0:
        yield ReadError(source, "", "empty file")
    elif ziparchive.is_zip(head) and not in_archive:
        yield from ziparchive.zip_records(path, lambda unpacked: file_records(unpacked, in_archive=True))
    elif ziparchive.is_zip(head):
        yield ReadError(source, "", "a zip archive inside the zip: not read (unpack the outer one and scan the folder)")
    elif container is not None:
        kind, advice = container
        yield ReadError(source, "", f"{kind}: aupguard does not read inside it; {advice}")
    elif (media := _media_kind(head)) is not None:
        yield ReadError(source, "", f"{media}: not a message, not read")
    elif head.startswith(OLE_MAGIC):
        yield from _whole_file(path, "msg", size)
    elif suffix == ".csv":
        yield from texts.iter_csv(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from texts.iter_json(path, lines=True)
    elif suffix == ".json":
        yield from _json_records(path, head, size)
    elif suffix == ".xml" and sms_backup.looks_like_backup(head):
        yield from sms_backup.iter_backup(path)
    elif suffix == ".xml" and sms_backup.looks_like_call_log(head):
        yield ReadError(source, "", "an SMS Backup & Restore call log: calls are not messages, not read")
    elif suffix == ".txt" and tiktok.is_txt_file(path, head):
        # Before the e-mail reader: "Date: ..." then "Username: ..." would pass for headers.
        yield from _counted_once(tiktok.iter_txt(path), size)
    elif head.startswith(b"From "):
        yield from mbox.iter_mbox(path)
    else:
        yield from _whole_file(path, "rfc822", size)


def _whole_file(path: Path, fmt: str, size: int) -> Iterator[RawRecord | ReadError]:
    if size > MAX_FILE_BYTES:
        yield ReadError(str(path), "", f"file larger than {MAX_FILE_BYTES // 2**20} MB, not read")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield ReadError(str(path), "", f"cannot read: {exc.strerror or exc}")
        return
    yield RawRecord(str(path), "", fmt, data, nbytes=len(data))


def _counted_once(records: Iterable[RawRecord | ReadError], size: int) -> Iterator[RawRecord | ReadError]:
    """The records of a file read whole: its first record (not an error before it) carries the
    file's bytes for progress, the others none."""
    unreported = size
    for record in records:
        if isinstance(record, RawRecord):
            record.nbytes, unreported = unreported, 0
        yield record


def _json_records(path: Path, head: bytes, size: int) -> Iterator[RawRecord | ReadError]:
    source = str(path)
    # The first bytes as text in the file's encoding (UTF-16 and UTF-32 have a byte-order mark).
    opening = head.decode(encoding_of(head), errors="ignore")
    is_list = opening.lstrip(" \t\r\n")[:1] == "["
    if is_list and (size > MAX_SOCIAL_BYTES or not may_be_meta_export(opening)):
        yield from texts.iter_json(path, lines=False)  # streamed: a phone's export can be large
        return
    try:
        first = json.loads(opening.split("\n", 1)[0]) if not is_list else None
    except json.JSONDecodeError:
        first = None
    if isinstance(first, dict) and texts.is_text_export(first):
        yield from texts.iter_json(path, lines=True)  # JSON Lines saved with a .json name
        return
    if size > MAX_SOCIAL_BYTES:
        yield ReadError(source, "", f"JSON object larger than {MAX_SOCIAL_BYTES // 2**20} MB, not read")
        return
    try:
        value = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield ReadError(source, "", f"not JSON: {exc}"[:300])
        return
    except OSError as exc:
        yield ReadError(source, "", f"cannot read: {exc.strerror or exc}")
        return
    records: Iterator[RawRecord | ReadError] | None = None
    if social.is_social_export(value):
        records = social.iter_social(path, value)
    elif instagram.is_posts(value):
        records = instagram.iter_posts(path, value)
    elif instagram.is_relationships(value):
        records = instagram.iter_relationships(path, value)
    elif facebook.is_posts(value):
        records = facebook.iter_posts(path, value)
    elif tiktok.is_download(value):
        records = tiktok.iter_download(path, value)
    elif is_list:
        # Only its first bytes looked like a Meta export's (a message quoting "string_list_data"):
        # a text-message array after all, read as one.
        yield from texts.iter_json(path, lines=False)
        return
    if records is not None:
        yield from _counted_once(records, size)
        return
    # The rest of a Meta export (ads, logins, settings, Facebook's friends): say what it is.
    for export, reads in _META_READS:
        if export.owner_of(path) is not None:
            yield ReadError(source, "", export.not_read(reads))
            return
    keys = ", ".join(map(str, value)) if isinstance(value, dict) else type(value).__name__
    yield ReadError(source, "", f"not a recognised export: keys {keys}"[:300])
