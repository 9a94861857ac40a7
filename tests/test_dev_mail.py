"""The development mail page: only when explicitly on and no mail server is set, only to people signed in, no paths."""

from __future__ import annotations

import logging
import pathlib
import types

import pytest

from web.cli import _say_where_email_goes


@pytest.fixture
def settings():
    """Settings a test adds to the app's (parametrize it)."""
    return {}


@pytest.fixture
def app_config(app_config, settings):
    return {**app_config, **settings}


def _write_mail(app):
    path = pathlib.Path(app.config["OUTBOX_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    (path / "20261130-000001.eml").write_text(
        "To: jo.obrien@havering.example\nSubject: Please sign\nDate: Mon, 30 Nov 2026 09:00:00 +0000\n\n"
        "Open https://countersign.test/sign/1/secret-token to sign.\n")


def test_there_is_no_mail_page_unless_the_development_setting_is_on(client, people, login):
    assert client.get("/dev/mail/").status_code == 404
    login(client, people.supervisor)
    assert client.get("/dev/mail/").status_code == 404
    assert "Mail (development)" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("settings", [{"DEV_MAIL": True, "SMTP_HOST": "smtp.council.example"}])
def test_a_mail_server_turns_the_page_off_even_with_the_setting(client, people, login):
    login(client, people.supervisor)
    assert client.get("/dev/mail/").status_code == 404


@pytest.mark.parametrize("settings", [{"DEV_MAIL": "true"}])
def test_the_mail_page_needs_a_signed_in_person_and_shows_no_server_path(app, client, people, login):
    _write_mail(app)
    for path in ("/dev/mail/", "/dev/mail/20261130-000001.eml"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/sign-in"), path
    login(client, people.supervisee)
    assert "Mail (development)" in client.get("/").get_data(as_text=True)
    listing = client.get("/dev/mail/").get_data(as_text=True)
    message = client.get("/dev/mail/20261130-000001.eml").get_data(as_text=True)
    assert "Please sign" in listing and "https://countersign.test/sign/1/secret-token" in message
    for page in (listing, message):
        assert app.config["OUTBOX_DIR"] not in page and app.instance_path not in page


def test_a_server_without_mail_says_at_start_up_where_email_goes(app, caplog):
    with caplog.at_level(logging.WARNING, logger="web.cli"):
        said = _say_where_email_goes(app)
    assert app.config["OUTBOX_DIR"] in said and "nobody receives it" in said
    assert any(app.config["OUTBOX_DIR"] in record.getMessage() and "COUNTERSIGN_SMTP_HOST" in record.getMessage()
               for record in caplog.records)


def test_with_a_mail_server_or_the_development_page_nothing_is_warned(app, caplog):
    with_smtp = types.SimpleNamespace(config={**app.config, "SMTP_HOST": "smtp.council.example"})
    with_page = types.SimpleNamespace(config={**app.config, "DEV_MAIL": True})
    with caplog.at_level(logging.WARNING, logger="web.cli"):
        assert _say_where_email_goes(with_smtp) == "SMTP smtp.council.example"
        assert "/dev/mail" in _say_where_email_goes(with_page)
    assert not caplog.records
