"""`flask serve` (waitress) behind a proxy: the address recorded is the person's, and only when a proxy is trusted."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request

import waitress

from storage import db as database
from storage.models import AuditEvent

CLAIMED = "203.0.113.7"


def _failed_sign_in_from(app_config, people, proxies: int) -> str:
    """Serve the app as `flask serve` does, send one wrong password with an X-Forwarded-For, and say what address the
    audit log recorded for it."""
    from app import create_app
    from web.cli import waitress_settings

    email = people.supervisor.email
    database.session.remove()
    app = create_app({**app_config, "PROXY_COUNT": proxies})
    server = waitress.create_server(app, host="127.0.0.1", port=0, **waitress_settings(app))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.effective_port}/sign-in", method="POST",
            data=urllib.parse.urlencode({"email": email, "password": "not the password"}).encode(),
            headers={"X-Forwarded-For": CLAIMED, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError as refused:  # the sign-in page again, saying the password is wrong
            assert refused.code < 500
            refused.close()
    finally:
        server.close()
        serving.join(10)
    with app.app_context():
        (event,) = database.session.query(AuditEvent).filter_by(event="sign_in_failed").all()
        address = event.ip_address
        database.session.remove()
    app.extensions["countersign.engine"].dispose()
    return address


def test_behind_a_trusted_proxy_the_address_recorded_is_the_persons(app_config, people):
    assert _failed_sign_in_from(app_config, people, proxies=1) == CLAIMED


def test_with_no_proxy_trusted_a_request_cannot_claim_another_address(app_config, people):
    assert _failed_sign_in_from(app_config, people, proxies=0) == "127.0.0.1"
