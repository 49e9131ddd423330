"""Content-addressed blob store: the original bytes of every archived item, filed under their
sha256, in the workspace's archive folder (pack files, archive/packs.py) or in an S3-compatible
bucket (archive/s3.py) when AUPGUARD_ARCHIVE_URL names one.

Writing is idempotent and never leaves a partial object listed, so two workers storing the same
bytes, or a scan interrupted half-way, do no harm. Reading checks the bytes against their hash:
a missing object raises KeyError, an altered one ValueError.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from aupguard.archive.packs import PackStore


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


class BlobStore:
    """The workspace's blobs: in the folder `root`, or in `remote` (a BlobBackend such as an S3
    bucket) when one is given. One class for both so the scan's workers need not care."""

    def __init__(self, root: Path, remote: BlobBackend | None = None) -> None:
        self.root = root
        self.remote = remote
        self.folder = PackStore(root)

    @classmethod
    def configured(cls, root: Path) -> BlobStore:
        """The store a workspace uses: AUPGUARD_ARCHIVE_URL=s3://bucket/prefix, else the folder."""
        from aupguard.archive.s3 import from_settings

        return cls(root, from_settings())

    @property
    def backend(self) -> BlobBackend:
        return self.remote or self.folder

    def describe(self) -> str:
        return self.backend.describe()

    def has(self, sha256: str) -> bool:
        return self.backend.has(sha256)

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        return self.backend.put(raw, sha256)

    def ready(self) -> None:
        """Before processes start writing here: the folder makes its catalog (PackStore.ready);
        a bucket needs nothing."""
        if not self.remote:
            self.folder.ready()

    def put_many(self, objects: Iterable[tuple[bytes, str | None]]) -> list[str]:
        """Store a batch of (raw bytes, sha256 or None); the folder writes it as one append."""
        if self.remote:
            return [self.remote.put(raw, sha) for raw, sha in objects]
        return self.folder.put_many(objects)

    def get(self, sha256: str) -> bytes:
        return self.backend.get(sha256)

    def delete(self, sha256: str) -> None:
        self.backend.delete(sha256)

    def delete_many(self, digests: Iterable[str]) -> None:
        if self.remote:
            for sha in digests:
                self.remote.delete(sha)
        else:
            self.folder.delete_many(digests)

    def ids(self) -> Iterator[str]:
        return self.backend.ids()

    def close(self) -> None:
        """Let go of the folder's catalog (backups close theirs before they are copied)."""
        self.folder.close()
