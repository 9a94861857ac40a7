"""The audit certificate is numbered in the whole file ("Page 4 of 5"); when its length is known from a certificate
listing as many events and annotations, it is converted once, not once to count its pages and again to number them."""

from __future__ import annotations

import io

import pikepdf

from storage import audit
from storage.models import DocumentState
from workflows import lock


def _pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_certificate_is_converted_once_when_its_length_is_known_from_one_as_long(db, document_in, monkeypatch):
    document_id = document_in(DocumentState.LOCKED)
    numbered: list[int] = []  # the total page count each converted certificate was numbered with
    monkeypatch.setattr(lock, "certificate_docx", lambda _id, _pages, total=None: f"numbered {total}".encode())

    def three_pages(word: bytes, timeout: float) -> bytes:
        numbered.append(int(word.split()[-1]))
        return _pdf(3)

    monkeypatch.setattr(lock, "docx_to_pdf", three_pages)
    monkeypatch.setattr(lock, "_pages_for_rows", {})
    document_pages = _pdf(4)

    assert lock.page_count(lock.numbered_certificate(document_id, document_pages, timeout=10)) == 3
    assert numbered == [6, 7]  # guessed the usual 2 pages; it ran to 3, so it was numbered again and converted again

    lock.numbered_certificate(document_id, document_pages, timeout=10)
    assert numbered == [6, 7, 7]  # as many rows as last time: numbered 4 + 3 at once, converted once

    audit.record(db, "viewed", audit.SYSTEM, document_id, page="document page")
    db.commit()
    lock.numbered_certificate(document_id, document_pages, timeout=10)
    assert numbered == [6, 7, 7, 6, 7]  # one more event: nothing known of that length, so the usual guess again
