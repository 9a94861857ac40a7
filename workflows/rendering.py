"""Making a document's files: the Word file from its data, and its PDF in the background."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import or_, select, update

from doc_templates import ConversionError, docx_to_pdf, get_schema, pool, render_docx
from doc_templates.schema import format_date, one_year_after
from signing.seal import SealError
from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Document, Job, Party, as_utc, utcnow
from workflows.final_document import certificate_docx, how_signed, recorded_disagreements, seal_final
from workflows.messages import uk_time
from workflows.templates import template_source

log = logging.getLogger(__name__)


def system_fields(document: Document) -> dict[str, str]:
    """The values the app fills in: names, reference, review date and, once signed, the signatures."""
    fields = {
        "supervisor_name": document.supervisor.name,
        "supervisee_name": document.supervisee.name,
        "document_reference": document.reference,
    }
    if document.data.get("start_date"):  # agreements: reviewed a year after supervision starts
        fields["review_date"] = format_date(one_year_after(document.data["start_date"]))
    for party in Party:
        signature = document.signature_of(party) if document.state.value == "locked" else None
        fields[f"{party.value}_signature"] = (
            f"Signed electronically by {signature.typed_name}\n{how_signed(signature)}" if signature else "")
        fields[f"{party.value}_signed_on"] = uk_time(as_utc(signature.signed_at)) if signature else ""
    fields["recorded_disagreements"] = recorded_disagreements(document)
    return fields


def render_word(document: Document) -> str:
    """Render the document's Word file from its data and template; returns the stored file's SHA-256."""
    schema = get_schema(document.template_key)
    context = schema.context(document.data, system_fields(document))
    # Always the version the document was made from, even after a newer one is uploaded.
    return blobs().put(render_docx(template_source(schema, document.template_version), context))


def queue_pdf(document: Document, *, final: bool) -> None:
    """Ask the background worker for the document's PDF (review copy, or the final one once locked)."""
    db.add(Job(kind="final_pdf" if final else "review_pdf", document_id=document.id))


def run_due_jobs(now: dt.datetime | None = None, limit: int = 10) -> int:
    """Convert waiting documents to PDF, as many at once as the LibreOffice pool has instances.

    A failure is retried with backoff, never dropped. Returns the jobs done.
    """
    job_ids = [job_id for job_id in _due_job_ids(now or utcnow(), limit) if _claim(job_id)]
    workers = min(pool.parallelism(), len(job_ids))
    if workers <= 1:
        return sum(_run(job_id) for job_id in job_ids)
    app = current_app._get_current_object()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="countersign-render") as threads:
        return sum(threads.map(lambda job_id: _run_in_thread(app, job_id), job_ids))


def _run_in_thread(app, job_id: int) -> int:
    # Each thread has its own app context and database session (the session is thread-local).
    with app.app_context():
        try:
            return _run(job_id)
        finally:
            db.remove()


def _due_job_ids(now: dt.datetime, limit: int) -> list[int]:
    ids = db.scalars(
        select(Job.id)
        .where(Job.status == "queued", Job.next_attempt_at <= now)
        .where(or_(Job.claimed_until.is_(None), Job.claimed_until < now))
        .order_by(Job.id)
        .limit(limit)
    ).all()
    db.commit()
    return list(ids)


def _claim(job_id: int) -> bool:
    # The claim is its own short transaction so the slow conversion holds no database lock.
    now = utcnow()
    claimed = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued", or_(Job.claimed_until.is_(None), Job.claimed_until < now))
        .values(claimed_until=now + dt.timedelta(seconds=600))
    ).rowcount
    db.commit()
    return claimed == 1


# Other kinds of background work, by Job.kind: a function taking the claimed job's id, returning 1 when done.
JOB_KINDS: dict[str, Callable[[int], int]] = {}


def _run(job_id: int) -> int:
    job = db.get(Job, job_id)
    if job.kind in JOB_KINDS:
        db.commit()
        return JOB_KINDS[job.kind](job_id)
    document = db.get(Document, job.document_id)
    final = job.kind == "final_pdf"
    source = document.final_docx_sha256 if final else document.docx_sha256
    already = document.final_pdf_sha256 if final else document.pdf_sha256
    db.commit()
    if source is None or already is not None:
        return _finish(job_id, None)
    timeout = float(current_app.config["PDF_TIMEOUT_SECONDS"])
    final_pdf = None
    try:
        pdf = docx_to_pdf(blobs().get(source), timeout=timeout)
        if final:
            final_pdf = _sealed_final(job.document_id, pdf, timeout)
            pdf = final_pdf.sealed
    except (ConversionError, SealError, OSError) as error:
        log.warning("PDF for document %s failed (attempt will be retried): %s", job.document_id, error)
        return _retry(job_id, str(error))
    pdf_sha = blobs().put(pdf)
    document = db.get(Document, job.document_id, with_for_update=True, populate_existing=True)
    # Only attach the PDF if the Word file it came from is still the document's.
    if final and document.final_docx_sha256 == source and document.final_pdf_sha256 is None:
        document.final_pdf_sha256 = pdf_sha
    elif not final and document.docx_sha256 == source and document.pdf_sha256 is None:
        document.pdf_sha256 = pdf_sha
    else:
        return _finish(job_id, None)
    document.pdf_error = None
    audit.record(db, "rendered", audit.SYSTEM, document.id, file="final PDF" if final else "PDF", sha256=pdf_sha)
    if final_pdf is not None:
        # The seal covers the document and its certificate; what was sealed is kept by hash for the record.
        audit.record(db, "sealed", audit.SYSTEM, document.id, sha256=pdf_sha, unsealed_sha256=final_pdf.unsealed_sha256,
                     pages_sha256=final_pdf.pages_sha256)
        # Annotations added while it was being sealed were waiting for this PDF: they can go in now.
        db.execute(update(Job).where(Job.document_id == document.id, Job.kind != job.kind, Job.status == "queued")
                   .values(next_attempt_at=utcnow()))
    return _finish(job_id, None)


def _sealed_final(document_id: int, pages_pdf: bytes, timeout: float):
    """The locked document's pages, its audit certificate after them, sealed."""
    document = db.get(Document, document_id)
    reference = document.reference
    certificate = certificate_docx(document, pages_pdf)
    db.commit()
    return seal_final(reference, pages_pdf, docx_to_pdf(certificate, timeout=timeout))


def _finish(job_id: int, error: str | None) -> int:
    job = db.get(Job, job_id)
    job.status, job.done_at, job.claimed_until, job.last_error = "done", utcnow(), None, error
    db.commit()
    return 1


def _retry(job_id: int, error: str) -> int:
    job = db.get(Job, job_id, populate_existing=True)
    document = db.get(Document, job.document_id)
    job.attempts += 1
    job.last_error = error
    job.claimed_until = None
    job.next_attempt_at = utcnow() + dt.timedelta(seconds=min(30 * 2 ** (job.attempts - 1), 3600))
    document.pdf_error = f"The PDF could not be made yet ({error}). Countersign will keep trying."
    db.commit()
    return 0


def pending_jobs(document_id: int) -> list[Job]:
    """Rendering work not yet done for a document, for an operator or the document page to explain."""
    return list(db.scalars(select(Job).where(Job.document_id == document_id, Job.status != "done")))


def is_waiting_for_pdf(document: Document) -> bool:
    if document.state.value == "locked":
        return document.final_pdf_sha256 is None
    return document.pdf_sha256 is None


def retry_now() -> int:
    """Bring waiting rendering work forward (after LibreOffice is mended) instead of waiting out the backoff."""
    count = db.execute(update(Job).where(Job.status == "queued").values(next_attempt_at=utcnow())).rowcount
    db.commit()
    return count




def waiting_jobs() -> list[tuple[Job, Document]]:
    """Every PDF conversion not yet done, oldest first, with its document (for `flask render-status`)."""
    rows = db.execute(select(Job, Document).join(Document, Job.document_id == Document.id)
                      .where(Job.status != "done").order_by(Job.id)).all()
    return [(job, document) for job, document in rows]
