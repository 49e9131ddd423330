"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Wasabi, ...), through boto3.

One object per item (<prefix>objects/ab/<sha256>.zst, Zstandard-compressed, archive/codec.py): a PUT
is atomic by itself and a bucket has no per-file cost the way a file system has, so the bucket
keeps the one-file-per-object layout the folder gave up for pack files. Restoring a backup with
AUPGUARD_ARCHIVE_URL set moves a folder archive into a bucket (records/backup.py). The client is made lazily in each
process: the scan forks worker processes, and a connection pool must not be shared across a fork.
boto3 comes with the `s3` extra; credentials come from boto3's usual places (environment,
~/.aws, instance role).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from aupguard import config
from aupguard.archive.codec import SUFFIX, compress, object_key, verified


class S3BlobStore:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self._client: Any = None
        self._pid = 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None, "_pid": 0}

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
            self._pid = os.getpid()
        return self._client

    def key(self, sha256: str) -> str:
        return self.prefix + object_key(sha256)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        digest = sha256 or hashlib.sha256(raw).hexdigest()
        if not self.has(digest):
            self.client.put_object(Bucket=self.bucket, Key=self.key(digest), Body=compress(raw))
        return digest

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(f"blob {sha256} is not in {self.describe()}") from exc
            raise
        return verified(sha256, body)

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def ids(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + "objects/"
        )
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                if name.endswith(SUFFIX):
                    yield name[: -len(SUFFIX)]


def from_settings() -> S3BlobStore | None:
    url = config.get("ARCHIVE_URL")
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"AUPGUARD_ARCHIVE_URL must look like s3://bucket/prefix, not {url!r}")
    return S3BlobStore(parsed.netloc, parsed.path, endpoint_url=config.get("S3_ENDPOINT_URL"))
