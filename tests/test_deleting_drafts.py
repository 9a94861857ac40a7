"""An unsent draft is deleted, not voided: it leaves every list and its history says who deleted it; a document
anyone was sent is voided, with the reason they are told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Document, DocumentState
from storage.states import IllegalMove
from tests.support.links import csrf_token


def test_an_unsent_draft_offers_delete_not_void(client, login, people, document_in):
    draft = document_in(DocumentState.DRAFT)
    login(client, people.supervisor)
    page = client.get(f"/documents/{draft}").get_data(as_text=True)
    assert "Delete this draft" in page
    assert "Void this document" not in page


def test_a_sent_document_offers_void_not_delete(client, login, people, document_in):
    sent = document_in(DocumentState.OUT_FOR_SIGNATURE)
    login(client, people.supervisor)
    page = client.get(f"/documents/{sent}").get_data(as_text=True)
    assert "Void this document" in page
    assert "Delete this draft" not in page


def test_deleting_a_draft_keeps_it_in_its_history_and_takes_it_off_the_home_page(client, login, people, db,
                                                                                  document_in):
    draft = document_in(DocumentState.DRAFT)
    login(client, people.supervisor)
    confirm = client.get(f"/documents/{draft}/delete")
    assert "Are you sure you want to delete this draft?" in confirm.get_data(as_text=True)
    done = client.post(f"/documents/{draft}/delete", data={"csrf_token": csrf_token(confirm.get_data(as_text=True))})
    assert done.status_code == 302 and done.location.endswith("/")
    home = client.get("/").get_data(as_text=True)
    assert "has been deleted" in home
    assert f"/documents/{draft}\"" not in home
    db.expire_all()
    assert db.get(Document, draft).state is DocumentState.DELETED
    events = db.scalars(select(AuditEvent.event).where(AuditEvent.document_id == draft)).all()
    assert "deleted" in events and "voided" not in events


def test_someone_else_cannot_delete_a_draft(client, login, people, document_in):
    draft = document_in(DocumentState.DRAFT)
    login(client, people.supervisee)
    assert client.get(f"/documents/{draft}/delete").status_code == 404


def test_a_draft_once_sent_and_amended_cannot_be_deleted(db, document_in):
    document = db.get(Document, document_in(DocumentState.DECLINED))
    document.amend()
    with pytest.raises(IllegalMove):
        document.delete()
    with pytest.raises(IllegalMove):
        db.get(Document, document_in(DocumentState.LOCKED)).delete()
