"""A document's renditions before it locks: its Word file, made from its data in the request, and the PDF each party
reviews, made in the background."""

from __future__ import annotations

import dataclasses
import errno
import functools
import logging
import zipfile

from flask import current_app
from sqlalchemy.exc import OperationalError

from doc_templates import ConversionError, docx_to_pdf, get_schema, render_docx
from doc_templates.html import docx_to_html, html_sha256
from doc_templates.pool import PoolUnavailable
from storage import audit, jobs
from storage.blobs import BlobCorrupt, BlobMissing, blobs
from storage.db import session as db
from storage.models import Document, DocumentState, FileKind, Job, Party
from storage.times import add_years, as_utc, uk_date, uk_time
from workflows import group_members
from workflows.templates import template_source

log = logging.getLogger(__name__)

REVIEW_PDF = "review_pdf"


@dataclasses.dataclass(frozen=True)
class ShownDocument:
    """A Word file as read in the page: its HTML, the HTML's fingerprint, and the Word file it was made from."""

    html: str
    sha256: str
    word_sha256: str


def shown_document(word_sha256: str | None) -> ShownDocument | None:
    """The document to read in the page, made from its Word file (the same file always gives the same HTML)."""
    if word_sha256 is None:
        return None
    try:
        return _shown(word_sha256)
    except (BlobMissing, BlobCorrupt, zipfile.BadZipFile, KeyError, ValueError) as error:
        # The page then says to open the PDF; the PDF is still what is signed.
        log.warning("The Word file %s cannot be shown as HTML: %s", word_sha256, error)
        return None


@functools.lru_cache(maxsize=256)
def _shown(word_sha256: str) -> ShownDocument:
    # A Word file never changes under its SHA-256, and the HTML made from it is always the same: each process reads
    # and converts a file once, however often its pages are opened. A file that cannot be read is not remembered.
    html = docx_to_html(blobs().get(word_sha256))
    return ShownDocument(html, html_sha256(html), word_sha256)


def system_fields(document: Document, *, signatures: dict[Party, str] | None = None,
                  recorded_disagreements: str = "None recorded.") -> dict[str, str]:
    """The values the app fills in: names, reference, review date and, once signed, the signatures."""
    fields = {
        "supervisor_name": document.supervisor.name,
        "supervisee_name": document.supervisee.name,
        "document_reference": document.reference,
    }
    if document.data.get("start_date"):  # agreements: reviewed a year after supervision starts
        fields["review_date"] = uk_date(add_years(document.data["start_date"], 1))
    for party in Party:
        signature = document.signature_of(party) if signatures is not None else None
        fields[f"{party.value}_signature"] = (signatures or {}).get(party, "")
        fields[f"{party.value}_signed_on"] = uk_time(as_utc(signature.signed_at), with_offset=True) if signature else ""
    fields["recorded_disagreements"] = recorded_disagreements
    if group_members.is_group(document):  # who attended, with their signatures once it locks
        fields["attendance"] = group_members.attendance_rows(document, signed=signatures is not None)
    # A three-way meeting names the professional supervisor who took part (a template that has no such field ignores it).
    fields["professional_supervisor_name"] = str(document.data.get("professional_supervisor_name") or "")
    return fields


@dataclasses.dataclass(frozen=True)
class WordToRender:
    """Everything a Word file is rendered from, as plain values: the template, its version and the values."""

    template_key: str
    template_version: int
    context: dict


def word_to_render(document: Document, **system) -> WordToRender:
    """What the document's Word file is rendered from now (cheap: nothing is rendered)."""
    schema = get_schema(document.template_key)
    return WordToRender(document.template_key, document.template_version,
                        schema.context(document.data, system_fields(document, **system)))


def render(word: WordToRender) -> str:
    """Render a Word file, store it and return its SHA-256."""
    schema = get_schema(word.template_key)
    # Always the version the document was made from, even after a newer one is uploaded.
    return blobs().put(render_docx(template_source(schema, word.template_version), word.context))


def render_word(document: Document, **system) -> str:
    """Render the document's Word file from its data and template, store it and return its SHA-256."""
    return render(word_to_render(document, **system))


def prepare_draft(document: Document, actor: audit.Actor) -> None:
    """Render a draft's Word file now and queue its review PDF, in the caller's transaction."""
    sha256 = render_word(document)
    document.attach(FileKind.WORD, sha256)
    jobs.queue(db, REVIEW_PDF, document.id)
    audit.record(db, "rendered", actor, document.id, file="Word", sha256=sha256)


def make_review_pdf(job_id: int) -> int:
    """The background job: convert the draft's Word file into the PDF each party will review and sign."""
    document = db.get(Document, db.get(Job, job_id).document_id)
    source, document_id = document.docx_sha256, document.id
    done = document.pdf_sha256 is not None or source is None
    db.commit()
    if done:
        return jobs.finish(db, job_id)
    try:
        pdf = docx_to_pdf(blobs().get(source), timeout=float(current_app.config["PDF_TIMEOUT_SECONDS"]))
    except (ConversionError, OSError) as error:
        log.warning("PDF for document %s failed (attempt will be retried): %s", document_id, error)
        return jobs.retry(db, job_id, str(error), document_message=waiting_message(error))
    sha256 = blobs().put(pdf)
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    # Only attach the PDF if the Word file it came from is still the document's.
    if document.docx_sha256 == source and document.pdf_sha256 is None:
        document.attach(FileKind.PDF, sha256)
        document.pdf_error = None
        audit.record(db, "rendered", audit.SYSTEM, document.id, file="PDF", sha256=sha256)
    return jobs.finish(db, job_id)


def waiting_message(error: BaseException) -> str:
    """What the document page says while a failed conversion waits for its next try."""
    return (f"The PDF could not be made yet: {what_went_wrong(error)} ({error}). "
            "Countersign will keep trying by itself, and the PDF will appear here once it works.")


def what_went_wrong(error: BaseException) -> str:
    """A failure in background work, in the words of someone who does not run the server."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "the server's disk is full (your administrator needs to free some space)"
    if isinstance(error, PoolUnavailable):
        return "LibreOffice, which makes the PDFs, is not running on the server"
    if isinstance(error, ConversionError):
        return "LibreOffice, which makes the PDFs, could not convert the document"
    if isinstance(error, (BlobMissing, BlobCorrupt)):
        return "a file it is made from is missing or damaged in the file store"
    if isinstance(error, OperationalError):
        return "the database was busy or out of reach"
    if isinstance(error, OSError):
        return "the file store could not be read or written"
    return "an unexpected problem on the server"


def is_waiting_for_pdf(document: Document) -> bool:
    """Whether the document's PDF (the review copy, or the sealed one once locked) is still being made."""
    if document.state is DocumentState.LOCKED:
        return document.final_pdf_sha256 is None
    return document.pdf_sha256 is None
