"""With two or more LibreOffice instances, the signed document and its audit certificate convert at the same time;
the SHA-256 of the document's pages, not known until it has converted, is then drawn at the foot of the certificate's
first page, before the seal. With one instance the certificate still converts after the document, the hash in it."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import threading
import time

import pikepdf
import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Document
from storage.states import DocumentState
from workflows import lock


def _pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595.3, 841.9))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _text(pdf: bytes, *pages: int) -> str:
    which = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    text = subprocess.run(["pdftotext", *which, "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def _words(pdf: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """Each word on one page with its box (x min, y min, x max, y max, from the top left), as pdftotext finds it."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()
    return [(word, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


@pytest.fixture
def conversions(monkeypatch):
    """Every conversion the lock makes: when it started and ended, and whether it was the certificate."""
    made: list[dict] = []
    real = lock.docx_to_pdf

    def recorded(word: bytes, *, timeout: float) -> bytes:
        started = time.monotonic()
        pdf = real(word, timeout=timeout)
        made.append({"started": started, "ended": time.monotonic(), "thread": threading.get_ident(),
                     "certificate": "Audit certificate" in _text(pdf, 1)})
        return pdf

    monkeypatch.setattr(lock, "docx_to_pdf", recorded)
    return made


def _locked(make_agreement, client, signing_link, people, run_jobs, db) -> tuple[int, bytes]:
    from storage import db as database
    from storage.blobs import blobs
    from tests.support.links import post_signature

    document_id = make_agreement()
    for person in (people.supervisee, people.supervisor):
        post_signature(client, signing_link(person), person.name)
    database.session.remove()
    run_jobs()
    document = db.get(Document, document_id)
    assert document.final_pdf_sha256, document.pdf_error
    pdf = blobs().get(document.final_pdf_sha256)
    db.rollback()
    return document_id, pdf


class TestTwoLibreOffices:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PDF_POOL_SIZE": 2}

    @pytest.mark.libreoffice
    def test_the_document_and_its_certificate_convert_at_the_same_time_and_the_certificate_shows_the_pages_hash(
            self, make_agreement, client, signing_link, people, run_jobs, db, conversions, tmp_path):
        document_id, pdf = _locked(make_agreement, client, signing_link, people, run_jobs, db)

        document, certificate = [c for c in conversions if not c["certificate"]], [c for c in conversions
                                                                                   if c["certificate"]]
        signed = document[-1]  # the agreement's own earlier conversions (its preview) come first
        first = certificate[0]
        assert first["started"] < signed["ended"] and signed["started"] < first["ended"], \
            "the document and its certificate were not converting at the same time"
        assert first["thread"] != signed["thread"]

        # The certificate's first page says where the hash is, and it is drawn there: the one the audit log recorded.
        sealed = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id,
                                                     AuditEvent.event == "sealed")).one()
        pages = sealed.detail["pages_sha256"]
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            total = len(opened.pages)
            meta = opened.open_metadata()
            assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
            assert "/OutputIntents" in opened.Root
        reviewed = db.get(Document, document_id)
        document_pages = next(n for n in range(1, total + 1) if _text(pdf, n + 1).startswith("Audit certificate"))
        on_certificate = _text(pdf, document_pages + 1)
        assert "Final document pages (PDF) SHA-256 printed at the foot of this page" in on_certificate
        assert f"Final document pages 1\u2013{document_pages} (PDF) SHA-256: {pages}" in on_certificate
        assert f"Reference: {reviewed.reference} · Audit certificate Page {document_pages + 1} of {total}" \
            in on_certificate
        db.rollback()

        # Drawn inside the page, clear of every other word on it.
        words = _words(pdf, document_pages + 1)
        drawn = next(w for w in words if pages in w[0] or w[0] == pages)
        assert 0 < drawn[1] and drawn[3] < 595 and drawn[4] < 842
        for other in words:
            if other is not drawn:
                apart = other[3] <= drawn[1] or drawn[3] <= other[1] or other[4] <= drawn[2] or drawn[4] <= other[2]
                assert apart, f"{other[0]!r} overlaps the drawn hash"

        # PDF/A keeps every font embedded, the drawn line's too; the seal covers it and still verifies.
        path = tmp_path / "sealed.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        for line in fonts.splitlines()[2:]:
            assert line.split()[-5] == "yes", f"font not embedded: {line}"
        assert "LiberationSans-Identity-H" in fonts
        pdfsig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
        assert "Signature is Valid." in pdfsig and "Total document signed" in pdfsig, pdfsig

    def test_a_document_longer_than_the_one_reviewed_has_its_certificate_numbered_again(self, db, document_in,
                                                                                         monkeypatch):
        document_id = document_in(DocumentState.LOCKED)
        numbered: list[tuple[int, int]] = []  # (first page, total pages) each certificate was numbered with

        def certificate_docx(_id, pages, total=None, *, first_page=None):
            assert pages is None  # converted beside the document: its pages are not known yet
            numbered.append((first_page, total))
            return b"certificate"

        monkeypatch.setattr(lock, "certificate_docx", certificate_docx)
        monkeypatch.setattr(lock, "docx_to_pdf", lambda word, timeout: _pdf(2 if word == b"certificate" else 5))
        monkeypatch.setattr(lock, "_pages_for_rows", {})

        pages, certificate = lock.converted_side_by_side(document_id, b"signed word", 4, timeout=10)
        # Reviewed at 4 pages, so numbered from 5 of 6; the signed document has 5, so numbered again from 6 of 7.
        assert numbered == [(5, 6), (6, 7)]
        assert lock.page_count(certificate) == 2
        assert f"Final document pages 1\u20135 (PDF) SHA-256: {hashlib.sha256(pages).hexdigest()}" in _text(
            certificate, 1)
        assert hashlib.sha256(pages).hexdigest() not in _text(certificate, 2)

        numbered.clear()
        monkeypatch.setattr(lock, "docx_to_pdf", lambda word, timeout: _pdf(2 if word == b"certificate" else 4))
        lock.converted_side_by_side(document_id, b"signed word", 4, timeout=10)
        assert numbered == [(5, 6)]  # as long as reviewed, and the certificate as long as guessed: converted once

    def test_a_one_page_document_is_named_as_page_1(self, db, document_in, monkeypatch):
        document_id = document_in(DocumentState.LOCKED)
        monkeypatch.setattr(lock, "certificate_docx", lambda *_args, **_kwargs: b"certificate")
        monkeypatch.setattr(lock, "docx_to_pdf", lambda word, timeout: _pdf(2 if word == b"certificate" else 1))
        pages, certificate = lock.converted_side_by_side(document_id, b"signed word", 1, timeout=10)
        assert f"Final document page 1 (PDF) SHA-256: {hashlib.sha256(pages).hexdigest()}" in _text(certificate, 1)


class TestOneLibreOffice:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PDF_POOL_SIZE": 1}

    def test_the_certificate_converts_after_the_document_with_the_pages_hash_in_it(
            self, make_agreement, client, signing_link, people, run_jobs, db, conversions):
        document_id, pdf = _locked(make_agreement, client, signing_link, people, run_jobs, db)

        signed = [c for c in conversions if not c["certificate"]][-1]
        certificate = [c for c in conversions if c["certificate"]]
        assert certificate and all(signed["ended"] <= c["started"] for c in certificate)
        pages = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id,
                                                    AuditEvent.event == "sealed")).one().detail["pages_sha256"]
        text = _text(pdf)
        assert pages in text[text.index("Audit certificate"):]
        assert "printed at the foot of this page" not in text
