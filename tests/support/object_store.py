"""An S3-compatible server (moto's standalone server) on loopback, and buckets in it with and without Object Lock."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import boto3
import pytest
import requests

from tests.support.processes import _free_port


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The address of a running moto server; the tests that need it fail if it will not start."""
    port = _free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the S3-compatible test server (moto[server]) did not start: {log.read_text()}")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_credentials(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3_client(s3_server, s3_credentials):
    return boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-2")


def _bucket(client, *, object_lock: bool) -> str:
    name = f"countersign-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
                         ObjectLockEnabledForBucket=object_lock)
    return name


@pytest.fixture
def plain_bucket(s3_client) -> str:
    return _bucket(s3_client, object_lock=False)


@pytest.fixture
def locked_bucket(s3_client) -> str:
    return _bucket(s3_client, object_lock=True)
