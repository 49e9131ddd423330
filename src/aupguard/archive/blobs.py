"""Content-addressed blob store on a folder: objects/ab/cd/<sha256>.z (zlib-compressed).

Writing is idempotent and atomic (temp file + rename), so two workers storing the same bytes,
or a scan interrupted half-way, never leave a partial object behind.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / "objects" / sha256[:2] / sha256[2:4] / f"{sha256}.z"

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        digest = sha256 or hashlib.sha256(raw).hexdigest()
        path = self.path_for(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(zlib.compress(raw, 6))
        os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            data = zlib.decompress(path.read_bytes())
        except FileNotFoundError as exc:
            raise KeyError(f"blob {sha256} is not in the archive at {self.root}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"blob {sha256} is corrupt: its content no longer matches its hash")
        return data
