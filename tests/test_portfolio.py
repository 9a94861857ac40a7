"""The supervisee's portfolio: their own signed documents as one PDF with a contents page, and a ZIP of the sealed
originals."""

from __future__ import annotations

import io
import zipfile

import pikepdf
from sqlalchemy import select

from storage.blobs import blobs
from storage.models import AuditEvent, Document
from storage.states import DocumentState
from tests.factories import add_document


def test_the_zip_holds_each_signed_document_exactly_as_sealed_and_nothing_else(client, people, login, db):
    mine = add_document(people.supervisor, people.supervisee, supervision_date="2026-10-01")
    add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE)  # not signed yet
    add_document(people.other_supervisor, people.other_supervisee)  # someone else's
    login(client, people.supervisee)
    assert "REC-" in client.get("/portfolio").get_data(as_text=True)
    response = client.get("/portfolio.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"REC-{mine:06d}-record.pdf"]
    assert archive.read(archive.namelist()[0]) == blobs().get(db.get(Document, mine).final_pdf_sha256)
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "portfolio_exported")).one()
    assert event.detail["documents"] == [f"REC-{mine:06d}"]


def test_the_pdf_opens_with_a_contents_page_then_each_document(client, people, login, locked_agreement, db):
    login(client, people.supervisee)
    response = client.get("/portfolio.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    combined = pikepdf.open(io.BytesIO(response.data))
    sealed = pikepdf.open(io.BytesIO(blobs().get(db.get(Document, locked_agreement).final_pdf_sha256)))
    assert len(combined.pages) == 1 + len(sealed.pages)
    contents = combined.pages[0].Contents.read_bytes()
    assert b"AGR-" in contents and b"Supervision portfolio" in contents


def test_someone_with_no_signed_documents_gets_an_empty_portfolio(client, people, login):
    login(client, people.other_supervisee)
    assert "You have no signed documents yet" in client.get("/portfolio").get_data(as_text=True)
    assert zipfile.ZipFile(io.BytesIO(client.get("/portfolio.zip").data)).namelist() == []


def test_only_supervisees_have_a_portfolio(client, people, login):
    login(client, people.hr)
    assert client.get("/portfolio.pdf").status_code == 404
