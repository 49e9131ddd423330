"""How an archived object is encoded: Zstandard at level 1, filed under the sha256 of its bytes.

Level 1 shrinks mail as much as zlib level 1 (2.3x on the dev corpus) at four times the speed
(docs/benchmarks.md). Every read checks the bytes against the hash they are filed under.
"""

from __future__ import annotations

import hashlib
import threading

import zstandard

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
    """An object's name as a file of its own: in an S3 bucket, and in folder archives written
    before pack files (archive/packs.py). One level of 256 folders, as git does for loose objects."""
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
