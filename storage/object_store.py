"""Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph RGW...), held by Object Lock where the bucket has it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs import (
    _SHA256,
    UNREFERENCED_MAX_AGE_SECONDS,
    BlobCorrupt,
    BlobInUse,
    BlobMissing,
    SweepReport,
    referenced_by_kept_document,
    sha256_hex,
)

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


class ObjectStoreUnavailable(RuntimeError):
    """The bucket cannot be reached or does not exist."""


class BlobRetained(BlobInUse):
    """The bucket's Object Lock still holds the file: it cannot be deleted before its retention date."""


class S3BlobStore:
    """Blobs in a bucket under `<prefix><first two hex digits>/<sha256>`; locked for `lock_days` where the bucket can."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None, prefix: str = "",
                 lock_days: float = 0, lock_mode: str = "COMPLIANCE",
                 in_use: Callable[[str], bool] = lambda _sha256: True, client=None):
        # Credentials come from the environment as boto3 finds them (AWS_ACCESS_KEY_ID..., a profile, an IAM role).
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        self.bucket = bucket
        self.prefix = prefix
        self.in_use = in_use
        self.lock_mode = lock_mode
        self.locking = lock_days > 0 and self._bucket_has_object_lock()
        self.lock_for = dt.timedelta(days=lock_days)

    def _bucket_has_object_lock(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise ObjectStoreUnavailable(
                f"The bucket {self.bucket!r} cannot be reached ({error}). Check COUNTERSIGN_S3_BUCKET, "
                "COUNTERSIGN_S3_ENDPOINT_URL, COUNTERSIGN_S3_REGION and the AWS_* credentials.") from None
        try:
            settings = self.client.get_object_lock_configuration(Bucket=self.bucket)["ObjectLockConfiguration"]
        except ClientError:  # a bucket made without Object Lock, or a store that has none
            return False
        return settings.get("ObjectLockEnabled") == "Enabled"

    def _key(self, sha256: str) -> str:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def _retain_until(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(microsecond=0) + self.lock_for

    def put(self, data: bytes) -> str:
        """Store `data` and return its SHA-256; storing the same bytes again only extends how long they are held."""
        sha256 = sha256_hex(data)
        key = self._key(sha256)
        if self.exists(sha256):
            if self.locking:
                self._extend_hold(key)
            return sha256
        extra = {"ObjectLockMode": self.lock_mode, "ObjectLockRetainUntilDate": self._retain_until()} \
            if self.locking else {}
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/octet-stream",
                               Metadata={"sha256": sha256}, **extra)
        return sha256

    def _extend_hold(self, key: str) -> None:
        # A hold can be lengthened, never shortened; the newest keeper of the same bytes sets the later date.
        head = self.client.head_object(Bucket=self.bucket, Key=key)
        until = self._retain_until()
        current = head.get("ObjectLockRetainUntilDate")
        if current is None or current < until:
            self.client.put_object_retention(Bucket=self.bucket, Key=key,
                                             Retention={"Mode": self.lock_mode, "RetainUntilDate": until})

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`, refused if they no longer match it."""
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise BlobMissing(f"No file is stored under {sha256}.") from None
            raise
        if sha256_hex(data) != sha256:
            raise BlobCorrupt(f"The file stored under {sha256} has been altered or damaged.")
        return data

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        """Remove a file no kept record refers to: every version, so nothing of it stays behind a delete marker."""
        key = self._key(sha256)
        if self.in_use(sha256):
            raise BlobInUse(f"The file {sha256} belongs to a record that is still kept; it cannot be deleted.")
        self._delete_every_version(key, sha256)

    def _delete_every_version(self, key: str, sha256: str) -> None:
        versions = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
        found = [(v["Key"], v["VersionId"]) for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
                 if v["Key"] == key]
        if not found:
            return
        for name, version in found:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=name, VersionId=version)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "AccessDenied":
                    raise BlobRetained(f"The file {sha256} is held by the bucket's Object Lock until its retention "
                                       "date; it cannot be deleted before then.") from None
                raise

    def sweep(self, kept: set[str], *, now: float | None = None) -> SweepReport:
        """Remove files not in `kept` old enough that no write can still be using them; held files are left."""
        now = time.time() if now is None else now
        unreferenced = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                sha256 = item["Key"].rsplit("/", 1)[-1]
                age = now - item["LastModified"].timestamp()
                if not _SHA256.match(sha256) or sha256 in kept or age <= UNREFERENCED_MAX_AGE_SECONDS:
                    continue
                try:
                    self._delete_every_version(item["Key"], sha256)
                except BlobRetained:
                    continue
                unreferenced += 1
        # An S3 PUT is whole or nothing: there are no half-written files.
        return SweepReport(half_written=0, unreferenced=unreferenced)


def init_app(app) -> None:
    """Keep the app's files in the bucket named by COUNTERSIGN_S3_BUCKET."""
    config = app.config
    lock_years = config.get("S3_LOCK_YEARS")
    lock_years = float(config["RETENTION_YEARS"] if lock_years in (None, "") else lock_years)
    app.extensions["countersign.blobs"] = S3BlobStore(
        config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL"), region=config.get("S3_REGION"),
        prefix=config.get("S3_PREFIX") or "", lock_days=lock_years * 365.25,
        lock_mode=config.get("S3_LOCK_MODE") or "COMPLIANCE", in_use=referenced_by_kept_document)
