"""Files in S3-compatible object storage: content-addressed, verified on read, held by Object Lock where it can."""

from __future__ import annotations

import datetime as dt

import pytest

from app import create_app
from storage.blobs import BlobCorrupt, BlobInUse, BlobMissing, blobs, sha256_hex
from storage.object_store import BlobRetained, ObjectStoreUnavailable, S3BlobStore

WORD_FILE = b"PK\x03\x04 a supervision agreement, as Word would write it"


def store(server: str, bucket: str, **options) -> S3BlobStore:
    return S3BlobStore(bucket, endpoint_url=server, region="eu-west-2", **options)


def test_a_file_is_kept_under_its_hash_and_read_back(s3_server, s3_client, plain_bucket):
    files = store(s3_server, plain_bucket)
    sha256 = files.put(WORD_FILE)
    assert sha256 == sha256_hex(WORD_FILE)
    assert files.get(sha256) == WORD_FILE and files.exists(sha256)
    assert files.put(WORD_FILE) == sha256
    keys = [item["Key"] for item in s3_client.list_objects_v2(Bucket=plain_bucket)["Contents"]]
    assert keys == [f"{sha256[:2]}/{sha256}"]


def test_a_file_altered_in_the_bucket_is_refused_on_read(s3_server, s3_client, plain_bucket):
    files = store(s3_server, plain_bucket)
    sha256 = files.put(WORD_FILE)
    s3_client.put_object(Bucket=plain_bucket, Key=f"{sha256[:2]}/{sha256}", Body=WORD_FILE + b" and a change")
    with pytest.raises(BlobCorrupt, match="altered or damaged"):
        files.get(sha256)


def test_a_file_never_stored_is_missing_not_an_error_of_the_store(s3_server, plain_bucket):
    files = store(s3_server, plain_bucket)
    absent = sha256_hex(b"never stored")
    assert not files.exists(absent)
    with pytest.raises(BlobMissing):
        files.get(absent)


def test_a_file_a_kept_record_needs_cannot_be_deleted(s3_server, plain_bucket):
    files = store(s3_server, plain_bucket, in_use=lambda _sha256: True)
    sha256 = files.put(WORD_FILE)
    with pytest.raises(BlobInUse):
        files.delete(sha256)
    assert files.get(sha256) == WORD_FILE


def test_a_file_no_record_needs_is_deleted_with_every_version(s3_server, s3_client, plain_bucket):
    s3_client.put_bucket_versioning(Bucket=plain_bucket, VersioningConfiguration={"Status": "Enabled"})
    files = store(s3_server, plain_bucket, in_use=lambda _sha256: False)
    sha256 = files.put(WORD_FILE)
    files.delete(sha256)
    assert not files.exists(sha256)
    left = s3_client.list_object_versions(Bucket=plain_bucket)
    assert not left.get("Versions") and not left.get("DeleteMarkers")


def test_object_lock_holds_each_file_until_its_retention_date(s3_server, s3_client, locked_bucket):
    files = store(s3_server, locked_bucket, lock_days=7 * 365.25, in_use=lambda _sha256: False)
    assert files.locking
    sha256 = files.put(WORD_FILE)
    head = s3_client.head_object(Bucket=locked_bucket, Key=f"{sha256[:2]}/{sha256}")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    held_for = head["ObjectLockRetainUntilDate"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=7 * 365) < held_for < dt.timedelta(days=7 * 366)
    # Even with no record referring to it (and so past the app's own check), the bucket refuses.
    with pytest.raises(BlobRetained, match="cannot be deleted before"):
        files.delete(sha256)
    assert files.get(sha256) == WORD_FILE
    assert files.sweep(set(), now=dt.datetime.now(dt.UTC).timestamp() + 2 * 86400).unreferenced == 0
    assert files.get(sha256) == WORD_FILE


def test_a_bucket_without_object_lock_still_keeps_files(s3_server, plain_bucket):
    files = store(s3_server, plain_bucket, lock_days=30)
    assert not files.locking
    assert files.get(files.put(WORD_FILE)) == WORD_FILE


def test_the_sweep_removes_only_old_files_no_row_refers_to(s3_server, plain_bucket):
    files = store(s3_server, plain_bucket, in_use=lambda _sha256: False)
    kept, stray = files.put(WORD_FILE), files.put(b"a preview nothing refers to")
    assert files.sweep({kept, stray}).unreferenced == 0
    report = files.sweep({kept}, now=dt.datetime.now(dt.UTC).timestamp() + 2 * 86400)
    assert report.unreferenced == 1 and files.exists(kept) and not files.exists(stray)


def test_the_app_keeps_files_in_the_bucket_it_is_given(app_config, s3_server, s3_credentials, locked_bucket):
    app = create_app({**app_config, "S3_BUCKET": locked_bucket, "S3_ENDPOINT_URL": s3_server,
                      "S3_REGION": "eu-west-2", "S3_PREFIX": "countersign/"})
    with app.app_context():
        files = blobs()
        assert isinstance(files, S3BlobStore) and files.locking and files.prefix == "countersign/"
        assert files.get(files.put(WORD_FILE)) == WORD_FILE
    app.extensions["countersign.engine"].dispose()


def test_a_bucket_that_is_not_there_stops_the_app_with_what_to_check(app_config, s3_server, s3_credentials):
    with pytest.raises(ObjectStoreUnavailable, match="COUNTERSIGN_S3_BUCKET"):
        create_app({**app_config, "S3_BUCKET": "no-such-bucket", "S3_ENDPOINT_URL": s3_server})
