"""Content-addressed blob store: objects/ab/<sha256>.zst (Zstandard-compressed), in the workspace's
archive folder by default, or in an S3-compatible bucket (archive/s3.py) when AUPGUARD_ARCHIVE_URL
names one.

Writing is idempotent and atomic (temp file + rename; an S3 PUT is atomic by itself), so two
workers storing the same bytes, or a scan interrupted half-way, never leave a partial object
behind. The folder write path is on the scan's hot path (one blob per message), so it uses plain
os calls, makes a folder only when opening a file in it fails, and compresses with Zstandard at
level 1: mail shrinks as much as with zlib level 1 (2.3x on the dev corpus) at four times the
speed (bench figures in docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import zstandard


class BlobBackend(Protocol):
    """What the archive needs from a place that keeps blobs (a folder, an S3 bucket).

    put MUST be idempotent and never leave a partial object; get MUST raise KeyError for a missing
    blob and ValueError for one whose content no longer matches its hash."""

    def put(self, raw: bytes, sha256: str | None = None) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def has(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def ids(self) -> Iterator[str]: ...
    def describe(self) -> str: ...


SUFFIX = ".zst"
# zstandard's (de)compressor objects must not be used by two threads at once (it crashes), and
# reusing one is what makes small objects cheap: one of each per thread (forked workers start
# with none).
_CODECS = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    try:
        return _CODECS.compressor
    except AttributeError:
        _CODECS.compressor = zstandard.ZstdCompressor(level=1)
        return _CODECS.compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    try:
        return _CODECS.decompressor
    except AttributeError:
        _CODECS.decompressor = zstandard.ZstdDecompressor()
        return _CODECS.decompressor


def compress(raw: bytes) -> bytes:
    return _compressor().compress(raw)


def object_key(sha256: str) -> str:
    # One level of 256 folders, as git does: a million messages make about 4,000 files a folder
    # (cheap for ext4 and XFS directory indexes), while a second level would create up to 65,536
    # folders, and creating a folder costs a scan more than writing the object (bench/scan_throughput.py).
    return f"objects/{sha256[:2]}/{sha256}{SUFFIX}"


def verified(sha256: str, compressed: bytes) -> bytes:
    """The original bytes of a stored object, checked against the hash they are filed under."""
    try:
        data = _decompressor().decompress(compressed)
    except zstandard.ZstdError as exc:
        raise ValueError(f"blob {sha256} is corrupt: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"blob {sha256} is corrupt: its content no longer matches its hash")
    return data


class BlobStore:
    """The workspace's blobs: in the folder `root`, or in `remote` (a BlobBackend such as an S3
    bucket) when one is given. One class for both so the scan's workers need not care."""

    def __init__(self, root: Path, remote: BlobBackend | None = None) -> None:
        self.root = root
        self.remote = remote

    @classmethod
    def configured(cls, root: Path) -> BlobStore:
        """The store a workspace uses: AUPGUARD_ARCHIVE_URL=s3://bucket/prefix, else the folder."""
        from aupguard.archive.s3 import from_settings

        return cls(root, from_settings())

    def describe(self) -> str:
        return self.remote.describe() if self.remote else str(self.root)

    def path_for(self, sha256: str) -> Path:
        return self.root / object_key(sha256)

    def has(self, sha256: str) -> bool:
        if self.remote:
            return self.remote.has(sha256)
        return self.path_for(sha256).exists()

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        if self.remote:
            return self.remote.put(raw, sha256)
        digest = sha256 or hashlib.sha256(raw).hexdigest()
        folder = f"{self.root}/objects/{digest[:2]}"
        path = f"{folder}/{digest}{SUFFIX}"
        if os.path.exists(path):
            return digest
        tmp = f"{path}.tmp{os.getpid()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            fd = os.open(tmp, flags, 0o644)
        except FileNotFoundError:  # first object under this prefix: make its folder then
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, flags, 0o644)
        try:
            data = memoryview(compress(raw))
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        if self.remote:
            return self.remote.get(sha256)
        path = self.path_for(sha256)
        try:
            compressed = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(f"blob {sha256} is not in the archive at {self.root}") from exc
        return verified(sha256, compressed)

    def delete(self, sha256: str) -> None:
        if self.remote:
            self.remote.delete(sha256)
        else:
            self.path_for(sha256).unlink(missing_ok=True)

    def ids(self) -> Iterator[str]:
        if self.remote:
            yield from self.remote.ids()
            return
        objects = self.root / "objects"
        if objects.is_dir():
            for path in objects.glob(f"*/*{SUFFIX}"):
                yield path.name[: -len(SUFFIX)]
