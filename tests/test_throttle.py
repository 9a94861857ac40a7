"""Throttling per IP address: sign-in, password reset, /verify and the emailed-link posts; memory or Redis."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import redis

from tests.support.data import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings():
    """Settings a test adds to the app's (parametrize it)."""
    return {}


@pytest.fixture
def app_config(app_config, settings):
    return {**app_config, "RATELIMIT_ENABLED": True, **settings}


def test_sign_in_from_one_address_is_paused_after_ten_attempts_a_minute(client, people):
    wrong = {"email": people.supervisor.email, "password": "wrong"}
    for _ in range(10):
        assert client.post("/sign-in", data=wrong).status_code == 200
    refused = client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Too many attempts" in page
    assert re.search(r"Try again in ([0-9]{1,2} seconds?|1 minute) \(after [0-9]{1,2} [A-Z][a-z]+ 20[0-9]{2} at ", page)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "govuk-heading-l" in page  # the service's own page, with its header and menu
    assert client.get("/").status_code == 302  # the right password, sent too soon, signed nobody in
    assert client.get("/sign-in").status_code == 200  # reading the page is never counted
    # Another address is not held back by this one (another account: these wrong passwords paused this one).
    other = client.post("/sign-in", data={"email": people.supervisee.email, "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert other.status_code == 302


@pytest.mark.parametrize("settings", [{"THROTTLE_SIGN_IN": "2 per hour"}])
def test_each_limit_is_a_setting(client, people):
    for _ in range(2):
        client.post("/sign-in", data={"email": people.supervisor.email, "password": "wrong"})
    refused = client.post("/sign-in", data={"email": people.supervisor.email, "password": "wrong"})
    assert refused.status_code == 429 and re.search(r"Try again in [0-9]{1,2} minutes", refused.get_data(as_text=True))


def test_verify_uploads_are_throttled(client):
    def upload():
        return client.post("/verify", data={"file": (io.BytesIO(b"%PDF-1.7 not really"), "x.pdf")},
                           content_type="multipart/form-data")

    for _ in range(10):
        assert upload().status_code != 429
    assert upload().status_code == 429
    assert client.get("/verify").status_code == 200


def test_signing_and_mediation_posts_share_one_limit(client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    for _ in range(20):
        assert client.post(path, data={"decision": "sign"}).status_code != 429
    assert client.post(path, data={"decision": "sign"}).status_code == 429
    assert client.post("/mediate/1/some-token", data={"outcome": "x"}).status_code == 429
    assert client.get(path).status_code == 200  # the document can still be read


def test_asking_for_password_reset_links_is_throttled(client, people):
    for _ in range(5):
        assert client.post("/password/forgotten", data={"email": people.supervisor.email}).status_code != 429
    refused = client.post("/password/forgotten", data={"email": people.supervisor.email})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert client.get("/password/forgotten").status_code == 200  # reading the page never counts


@pytest.mark.parametrize("settings", [{"RATELIMIT_STORAGE_URI": REDIS_URL}])
def test_with_redis_configured_the_counters_live_in_redis(app, client, people):
    server = redis.Redis.from_url(REDIS_URL)
    server.ping()  # this machine's Redis must be running: the test fails, never skips, without it
    # An address of this test's own, so no other run (or process) shares its counters.
    address = "10." + ".".join(str(part) for part in uuid.uuid4().bytes[:3])
    client.environ_base["REMOTE_ADDR"] = address
    try:
        for _ in range(10):
            assert client.post("/sign-in", data={"email": people.supervisor.email, "password": "x"}).status_code == 200
        assert client.post("/sign-in", data={"email": people.supervisor.email, "password": "x"}).status_code == 429
        keys = [key.decode() for key in server.scan_iter(f"*countersign/{address}/*")]
        assert sorted(key.rsplit("/", 4)[1:] for key in keys) == [["sign-in", "10", "1", "minute"],
                                                                  ["sign-in", "100", "1", "hour"]]
    finally:
        for key in server.scan_iter(f"*countersign/{address}/*"):
            server.delete(key)
