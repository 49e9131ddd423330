"""The same blob-store contract on a folder and on an S3-compatible bucket (moto's local server),
and a scan + verify with the archive in a bucket."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("boto3", reason="the s3 extra is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

from aupguard.archive.blobs import BlobStore  # noqa: E402
from aupguard.archive.codec import compress  # noqa: E402
from aupguard.archive.s3 import S3BlobStore  # noqa: E402
from aupguard.archive.verify import verify  # noqa: E402
from aupguard.workspace import Workspace  # noqa: E402
from tests.conftest import free_port  # noqa: E402


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def new_bucket(endpoint: str, name: str) -> S3BlobStore:
    store = S3BlobStore(name, "district/", endpoint_url=endpoint)
    store.client.create_bucket(Bucket=name)
    return store


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "folder":
        return BlobStore(tmp_path)
    request.getfixturevalue("aws_env")
    endpoint = request.getfixturevalue("s3_endpoint")
    return BlobStore(tmp_path, new_bucket(endpoint, f"contract-{uuid.uuid4().hex[:12]}"))


def overwrite(store: BlobStore, digest: str, compressed: bytes) -> None:
    if isinstance(store.remote, S3BlobStore):
        store.remote.client.put_object(Bucket=store.remote.bucket, Key=store.remote.key(digest), Body=compressed)
    else:
        where = store.folder.location(digest)
        assert where is not None
        with open(where.pack, "r+b") as fh:
            fh.seek(where.offset)
            fh.write(compressed[: where.length].ljust(where.length, b"\0"))


def test_contract(store: BlobStore) -> None:
    raw = b"From: a@x.example\r\n\r\nhello\r\n"
    digest = store.put(raw)
    assert digest == hashlib.sha256(raw).hexdigest()
    assert store.put(raw) == digest and store.has(digest)
    assert store.get(digest) == raw
    assert list(store.ids()) == [digest]
    with pytest.raises(KeyError):
        store.get("0" * 64)
    overwrite(store, digest, compress(b"other bytes"))
    with pytest.raises(ValueError, match="corrupt"):
        store.get(digest)
    overwrite(store, digest, b"not zstandard at all")
    with pytest.raises(ValueError, match="corrupt"):
        store.get(digest)
    store.delete(digest)
    assert not store.has(digest) and list(store.ids()) == []


def test_scan_and_verify_with_the_archive_in_a_bucket(
    aws_env: None, s3_endpoint: str, workspace_env: Path, mail: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aupguard.scanning import scan
    from tests.small_district import seed_directory

    bucket = new_bucket(s3_endpoint, "district-archive")
    monkeypatch.setenv("AUPGUARD_ARCHIVE_URL", "s3://district-archive/district/")
    monkeypatch.setenv("AUPGUARD_S3_ENDPOINT_URL", s3_endpoint)
    ws = Workspace.init(workspace_env)
    try:
        seed_directory(ws)
        counts = scan(ws, [mail])
        assert sorted(bucket.ids()) == sorted(ws.blobs.ids()) and len(list(bucket.ids())) == counts.items
        assert not (ws.archive_dir / "packs").exists()  # nothing went to the folder
        assert verify(ws.engine, ws.blobs).ok
        victim = next(bucket.ids())
        bucket.delete(victim)
        report = verify(ws.engine, ws.blobs)
        assert [p.kind for p in report.problems] == ["blob-missing"]
    finally:
        ws.close()


def test_restore_into_a_workspace_whose_archive_is_a_bucket(
    aws_env: None, s3_endpoint: str, scanned: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aupguard.records import backup as backups
    from tests.conftest import fresh_database

    backups.backup(scanned, tmp_path / "b", actor="cli:tech")
    bucket = new_bucket(s3_endpoint, f"restored-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("AUPGUARD_ARCHIVE_URL", f"s3://{bucket.bucket}/district/")
    monkeypatch.setenv("AUPGUARD_S3_ENDPOINT_URL", s3_endpoint)
    with fresh_database() as url:
        if url:
            monkeypatch.setenv("AUPGUARD_DATABASE_URL", url)
        report = backups.restore(tmp_path / "b", tmp_path / "restored", actor="cli:tech")
    assert report["ok"], report
    assert len(list(bucket.ids())) == report["items"] > 0
