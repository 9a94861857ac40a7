"""The queue engine's Redis for tests: the machine's Redis at 127.0.0.1:6379, a database number of the tests' own and a
key prefix per test, its keys removed after it. A Redis that is not running fails the test."""

from __future__ import annotations

import uuid

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def queue_redis():
    """(url, prefix) of an empty set of queues; fails the test if Redis does not answer."""
    prefix = f"countersign-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"the queue engine's tests need Redis at {REDIS_URL} (Debian's redis-server): {error}")
    try:
        yield REDIS_URL, prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
