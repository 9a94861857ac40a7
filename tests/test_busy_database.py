"""A database held by someone else: pages answer "busy, try again" (503) quickly, nothing is left half-done,
and the error pages never touch the failed transaction."""

from __future__ import annotations

import contextlib
import time

import pytest
import sqlalchemy as sa

from storage.db import session as database
from storage.models import Document, DocumentState, Signature
from tests.support.faults import database_lock_held
from tests.support.links import reviewed_sha256


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DATABASE_BUSY_SECONDS": 1}


def _stylesheet(client) -> int:
    """Fetch the stylesheet as a browser does: its status."""
    response = client.get("/static/countersign.css")
    response.get_data()
    response.close()
    return response.status_code


def test_signing_while_the_database_is_held_says_busy_and_leaves_nothing_half_done(
        app, client, db, people, make_agreement, signing_link, database_url):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    form = {"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": people.supervisee.name,
            "reviewed_sha256": reviewed_sha256(client.get(path).get_data(as_text=True))}
    db.remove()

    with database_lock_held(database_url):
        started = time.monotonic()
        refused = client.post(path, data=form)
        assert time.monotonic() - started < 10
        stylesheet = _stylesheet(client)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    page = refused.get_data(as_text=True)
    assert "Countersign is busy" in page and "try again" in page and "half-saved" in page
    assert stylesheet == 200
    assert db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
    assert db.get(Document, document_id).state is DocumentState.OUT_FOR_SIGNATURE
    db.remove()

    assert client.post(path, data=form).status_code == 200
    assert db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1


def test_a_page_view_that_is_audited_says_busy_while_the_database_is_held(
        app, client, db, people, login, make_agreement, database_url):
    document_id = make_agreement()
    login(client, people.supervisor)
    db.remove()
    with database_lock_held(database_url):
        viewed = client.get(f"/documents/{document_id}")
        stylesheet = _stylesheet(client)
    assert viewed.status_code == 503 and "Countersign is busy" in viewed.get_data(as_text=True)
    assert stylesheet == 200
    assert client.get(f"/documents/{document_id}").status_code == 200


def test_the_error_page_of_a_signed_in_person_never_touches_the_failed_transaction(app, client, people, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/broken-query")
    def broken_query():
        # On PostgreSQL the transaction is now aborted: any further query in it fails too.
        with contextlib.suppress(sa.exc.DBAPIError):
            database.execute(sa.text("SELECT no_such_column FROM documents"))
        raise RuntimeError("a mistake in the code")

    login(client, people.supervisor)
    response = client.get("/broken-query")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
