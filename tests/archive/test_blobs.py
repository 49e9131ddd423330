"""The content-addressed blob store: round trip, idempotence, and damage detected on read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import zstandard

from aupguard.archive.blobs import BlobStore, compress


def test_round_trip_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    raw = b"From: a@x.example\r\n\r\nhello\r\n"
    digest = store.put(raw)
    assert digest == hashlib.sha256(raw).hexdigest()
    assert store.put(raw) == digest  # the same bytes again: nothing new written
    assert store.get(digest) == raw
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [store.path_for(digest)]  # one object, no temporary file left behind
    assert zstandard.ZstdDecompressor().decompress(files[0].read_bytes()) == raw  # stored compressed


def test_damaged_or_missing_blob_is_reported(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"original bytes")
    store.path_for(digest).write_bytes(compress(b"altered bytes"))
    with pytest.raises(ValueError, match="corrupt"):
        store.get(digest)
    with pytest.raises(KeyError, match="not in the archive"):
        store.get("0" * 64)
