"""The supervisee's portfolio (H 8.7, B 8.4): their own signed records and agreements, the group sessions' records
they signed as attending, and the reflections they include, for registration renewal with Social Work England (supervision counts as CPD) – one PDF with a contents page,
or a ZIP of the sealed originals (with the reflections as a PDF of their own)."""

from __future__ import annotations

import io
import zipfile

import pikepdf
from fpdf import FPDF
from sqlalchemy import and_, or_, select

from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import GROUP_RECORD, Document, DocumentState, GroupAnswer, Reflection, RetentionState, Staff
from storage.times import uk_date
from workflows.reflections import reflections_of

REFLECTIONS_FILE = "reflections.pdf"


def signed_documents(staff_id: int) -> list[Document]:
    """A person's own signed agreements and records as supervisee, and the group sessions' records they signed as
    attending, oldest first (archived ones are HR's alone)."""
    attended = select(GroupAnswer.id).where(
        GroupAnswer.document_id == Document.id, GroupAnswer.content_version == Document.content_version,
        GroupAnswer.staff_id == staff_id, GroupAnswer.attended.is_(True)).exists()
    return list(db.scalars(select(Document).where(
        or_(Document.supervisee_id == staff_id, and_(Document.kind == GROUP_RECORD, attended)),
        Document.state == DocumentState.LOCKED,
        Document.final_pdf_sha256.is_not(None), Document.retention_status == RetentionState.KEPT)
        .order_by(Document.locked_at, Document.id)))


def _sealed(document: Document) -> bytes:
    return blobs().get(document.current_files()["current-pdf"])


def _name(document: Document) -> str:
    return f"{document.reference}-{document.kind}.pdf"


def portfolio_zip(staff_id: int, actor: audit.Actor) -> bytes:
    """Every signed document, exactly as sealed, in one ZIP: each still verifies on its own."""
    documents = signed_documents(staff_id)
    reflections = reflections_of(staff_id, in_portfolio=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(_name(document), _sealed(document))
        if reflections:
            archive.writestr(REFLECTIONS_FILE, _reflections(db.get(Staff, staff_id), reflections))
    audit.record(db, "portfolio_exported", actor, staff_id=staff_id, form="zip",
                 documents=[d.reference for d in documents], reflections=len(reflections))
    db.commit()
    return out.getvalue()


def portfolio_pdf(staff_id: int, actor: audit.Actor) -> bytes:
    """Every signed document in one PDF after a contents page; the seals verify only in the ZIP's originals."""
    person = db.get(Staff, staff_id)
    documents = signed_documents(staff_id)
    reflections = reflections_of(staff_id, in_portfolio=True)
    parts = [pikepdf.open(io.BytesIO(_sealed(d))) for d in documents]
    if reflections:
        parts.append(pikepdf.open(io.BytesIO(_reflections(person, reflections))))
    first_pages, page = [], 2
    for part in parts:
        first_pages.append(page)
        page += len(part.pages)
    reflections_page = first_pages.pop() if reflections else None
    merged = pikepdf.open(io.BytesIO(_contents(person, documents, first_pages, reflections_page, len(reflections))))
    for part in parts:
        merged.add_pages_from(part)
    out = io.BytesIO()
    merged.save(out)
    audit.record(db, "portfolio_exported", actor, staff_id=staff_id, form="pdf",
                 documents=[d.reference for d in documents], reflections=len(reflections))
    db.commit()
    return out.getvalue()


def _contents(person: Staff, documents: list[Document], first_pages: list[int], reflections_page: int | None = None,
              reflections: int = 0) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Supervision portfolio: {person.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5, _latin(f"{person.organisation.name}. Signed supervision agreements and records, for "
                                "continuing professional development. Each document's seal is verified in the ZIP "
                                "of sealed originals, not in this combined copy."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    for text, width in (("Page", 15), ("Reference", 35), ("Document", 90), ("Signed", 40)):
        pdf.cell(width, 7, text, border="B")
    pdf.ln()
    pdf.set_font("helvetica", size=10)
    for document, first in zip(documents, first_pages, strict=True):
        held = document.data.get("supervision_date") if document.kind == "record" else None
        what = Document.KIND_TITLES.get(document.kind, document.kind) + (f" of {uk_date(held)}" if held else "")
        for text, width in ((str(first), 15), (document.reference, 35), (what, 90),
                            (uk_date(document.locked_at.date()), 40)):
            pdf.cell(width, 7, _latin(text))
        pdf.ln()
    if reflections_page is not None:
        what = f"Your reflections ({reflections})"
        for text, width in ((str(reflections_page), 15), ("", 35), (what, 90), ("", 40)):
            pdf.cell(width, 7, _latin(text))
        pdf.ln()
    if not documents:
        pdf.cell(0, 7, "No signed documents yet.")
    return bytes(pdf.output())


def _reflections(person: Staff, reflections: list[Reflection]) -> bytes:
    """The reflections the person included, oldest first, each under its date and title."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Reflections: {person.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 5, "Written by the supervisee for their continuing professional development, and included in "
                         "their portfolio by them.", new_x="LMARGIN", new_y="NEXT")
    for reflection in reversed(reflections):
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 6, _latin(f"{uk_date(reflection.written_on)}: {reflection.title}"),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 5, _latin(reflection.text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin(text: str) -> str:
    """The PDF's built-in font has Latin-1 only: typographic dashes and quotes become their plain forms."""
    plain = text.translate(str.maketrans({"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"'}))
    return plain.encode("latin-1", "replace").decode("latin-1")
