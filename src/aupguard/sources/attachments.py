"""Facts about an attachment that detectors need without unpacking it again."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

from aupguard.model import Attachment

HEAD_BYTES = 64
# Archive listings are read from memory; past this size we record the attachment without members
# rather than spend a worker's memory on it.
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 1000

_TAR_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")
_GZIP_BZIP_XZ = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def archive_members(data: bytes, filename: str | None) -> list[str]:
    """Names inside a zip or tar archive; [] for anything else, including broken archives."""
    if len(data) > MAX_ARCHIVE_BYTES:
        return []
    name = (filename or "").lower()
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.namelist()[:MAX_MEMBERS]
        looks_tar = data[257:262] == b"ustar" or (name.endswith(_TAR_SUFFIXES) and data.startswith(_GZIP_BZIP_XZ))
        if looks_tar:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
                names = []
                for member in archive:  # iterate so a huge listing stops at MAX_MEMBERS
                    names.append(member.name)
                    if len(names) >= MAX_MEMBERS:
                        break
                return names
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, NotImplementedError):
        return []  # a broken archive is still an attachment; it just has no listing
    return []


def describe_attachment(filename: str | None, content_type: str, data: bytes) -> Attachment:
    return Attachment(
        filename=filename,
        content_type=content_type.lower(),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        members=archive_members(data, filename),
        head=data[:HEAD_BYTES],
    )
