"""Content-addressed blob store on a folder: objects/ab/cd/<sha256>.z (zlib-compressed).

Writing is idempotent and atomic (temp file + rename), so two workers storing the same bytes,
or a scan interrupted half-way, never leave a partial object behind. The write path is on the
scan's hot path (one blob per message), so it uses plain os calls, makes a folder only when
opening a file in it fails, and compresses at zlib level 1: mail text still shrinks about 3x,
at 5x the speed of level 6.
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
        folder = f"{self.root}/objects/{digest[:2]}/{digest[2:4]}"
        path = f"{folder}/{digest}.z"
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
            data = memoryview(zlib.compress(raw, 1))
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)
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
