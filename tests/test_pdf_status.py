"""A document's page learns that its PDF is ready by asking, not by reloading itself."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.blobs import blobs
from storage.models import AuditEvent, Document, FileKind
from storage.states import DocumentState


def _views(db, document_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.document_id == document_id, AuditEvent.event == "viewed"))


def test_the_page_asks_whether_its_pdf_is_ready_instead_of_refreshing(client, people, login, document_in, db):
    document_id = document_in(DocumentState.DRAFT)
    document = db.get(Document, document_id)
    document.pdf_sha256 = None  # its review PDF is still being made
    db.commit()
    login(client, people.supervisor)

    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "<script>" not in page.split("<main", 1)[1]
    assert f'data-pdf-status-url="/documents/{document_id}/pdf-status"' in page and "document-status.js" in page
    assert 'aria-live="polite"' in page and "The PDF is being prepared." in page
    views = _views(db, document_id)

    asked = client.get(f"/documents/{document_id}/pdf-status")
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store"
    assert asked.get_json() == {"waiting": True, "message": "The PDF is being prepared."}

    document = db.get(Document, document_id)
    document.attach(FileKind.PDF, blobs().put(b"%PDF-1.7 the review copy"))
    db.commit()
    assert client.get(f"/documents/{document_id}/pdf-status").get_json() == {
        "waiting": False, "message": "The PDF is ready."}
    assert _views(db, document_id) == views  # asking shows nothing of the document: it is not a view

    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "data-pdf-status-url" not in page  # nothing to wait for: the script does nothing


def test_a_waiting_pdf_says_why(client, people, login, document_in, db):
    document_id = document_in(DocumentState.DRAFT)
    document = db.get(Document, document_id)
    document.pdf_sha256, document.pdf_error = None, "LibreOffice could not start; it will be tried again."
    db.commit()
    login(client, people.supervisor)
    assert client.get(f"/documents/{document_id}/pdf-status").get_json() == {
        "waiting": True, "message": "Rendering the PDF is waiting. LibreOffice could not start; it will be tried again."}


def test_only_someone_who_may_see_the_document_may_ask(client, people, login, document_in):
    document_id = document_in(DocumentState.DRAFT)
    login(client, people.outsider)
    assert client.get(f"/documents/{document_id}/pdf-status").status_code == 404
    assert client.get("/documents/999999/pdf-status").status_code == 404
