"""Keeping a sealed record's evidence alive: a fresh document timestamp before the newest one's certificate expires.

Every sealed copy (at lock, each annotation, each renewal) notes where its evidence stands in `document_evidence`.
Once a day one worker (the `scheduled_runs` row is the claim) queues a renewal job for each kept document whose
renewal is due; each job is claimed by one worker, checks again that it is still due, appends a timestamp revision to
the newest copy and attaches it. Run twice, or by two workers, it renews once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signing import long_term
from signing.seal import SealError, config_for, current_config, renew_evidence
from storage import audit, jobs
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Document, DocumentEvidence, FileKind, Job, RetentionState, ScheduledRun, as_utc, utcnow

log = logging.getLogger(__name__)

RENEW_EVIDENCE = "renew_evidence"
DAILY_RUN = "evidence_renewal"


def record(document: Document, pdf: bytes, sha256: str) -> DocumentEvidence:
    """Note where a document's evidence stands now that `pdf` is its newest sealed copy (the caller commits)."""
    evidence = long_term.evidence_of(pdf)
    row = db.get(DocumentEvidence, document.id)
    if row is None:
        row = DocumentEvidence(document_id=document.id, renewals=0)
        db.add(row)
    newest = evidence.newest
    row.pdf_sha256 = sha256
    row.timestamped_at = newest.at if newest else None
    row.timestamped_by = newest.authority[:300] if newest else None
    row.valid_until = newest.certificate_expires if newest else None
    row.renew_by = evidence.renew_by(current_config().renew_before) if evidence.long_term else None
    return row


# -- finding what is due ---------------------------------------------------------------------------


def due(now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    """Kept documents whose evidence is due for renewal and not already waiting for it, soonest first."""
    waiting = select(Job.document_id).where(Job.kind == RENEW_EVIDENCE, Job.status != "done",
                                            Job.document_id.is_not(None))
    query = (select(DocumentEvidence.document_id).join(Document, Document.id == DocumentEvidence.document_id)
             .where(DocumentEvidence.renew_by <= (now or utcnow()),
                    Document.retention_status != RetentionState.DESTROYED,
                    DocumentEvidence.document_id.not_in(waiting))
             .order_by(DocumentEvidence.renew_by, DocumentEvidence.document_id))
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def queue_due(now: dt.datetime | None = None) -> int:
    """Queue a renewal job for each document that is due (the caller commits); how many."""
    ids = due(now)
    for document_id in ids:
        jobs.queue(db, RENEW_EVIDENCE, document_id)
    return len(ids)


def run_daily(today: dt.date | None = None) -> int | None:
    """The worker's once-a-day look for due renewals; None if another worker (or an earlier poll) has done it today."""
    today = today or dt.date.today()
    if db.get(ScheduledRun, (DAILY_RUN, today)) is not None:
        db.rollback()
        return None
    try:
        # Claiming the day and queueing commit together: a failure frees the day for another try.
        db.add(ScheduledRun(name=DAILY_RUN, run_on=today, detail={}))
        db.flush()
        count = queue_due()
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    if count:
        log.info("evidence renewal: %s documents queued", count)
    return count


# -- renewing one document ---------------------------------------------------------------------------


def renew(job_id: int) -> int:
    """The background job: add a fresh document timestamp to the document's newest copy, if it is still due."""
    document_id = db.get(Job, job_id).document_id
    db.commit()
    # The row lock serialises this with annotations sealed into the same document (PostgreSQL; on SQLite the
    # session's write transaction, BEGIN IMMEDIATE, already does), so both always build on the newest copy.
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    row = db.get(DocumentEvidence, document_id, populate_existing=True)
    if (document is None or row is None or row.renew_by is None or as_utc(row.renew_by) > utcnow()
            or document.retention_status is RetentionState.DESTROYED):
        db.rollback()
        return jobs.finish(db, job_id)  # done already (by another worker), or no longer kept: nothing to do
    previous = document.current_files().get("current-pdf")
    try:
        pdf = blobs().get(previous)
        renewed = renew_evidence(pdf, config_for(document.organisation))
        if not renewed.startswith(pdf):
            raise SealError("the renewed copy does not begin with the copy before it")
    except (SealError, OSError) as error:
        db.rollback()
        log.warning("Renewing the evidence of document %s failed (will be retried): %s", document_id, error)
        db.get(DocumentEvidence, document_id).last_error = str(error)
        return jobs.retry(db, job_id, str(error))
    sha256 = blobs().put(renewed)
    document.attach(FileKind.RENEWED_PDF, sha256)
    row = record(document, renewed, sha256)
    row.renewed_at, row.renewals, row.last_error = utcnow(), row.renewals + 1, None
    audit.record(db, "evidence_renewed", audit.SYSTEM, document_id, sha256=sha256, previous_sha256=previous,
                 timestamped_by=row.timestamped_by, valid_until=row.valid_until.isoformat() if row.valid_until else None,
                 next_renewal_due=row.renew_by.isoformat() if row.renew_by else None)
    return jobs.finish(db, job_id)


def renew_due_now(now: dt.datetime | None = None, on_each=None) -> tuple[int, int]:
    """For an operator: queue what is due and renew it in this process; (renewed, failed).

    `on_each(renewed, failed)` is called after each document (progress for a long run)."""
    queue_due(now)
    db.commit()
    ids = list(db.scalars(select(Job.id).where(Job.kind == RENEW_EVIDENCE, Job.status == "queued").order_by(Job.id)))
    db.commit()
    renewed = failed = 0
    for job_id in ids:
        if jobs.claim(db, job_id):
            if renew(job_id):
                renewed += 1
            else:
                failed += 1
            if on_each is not None:
                on_each(renewed, failed)
    return renewed, failed


# -- what people see -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EvidenceStatus:
    """A document's evidence as HR and an operator see it."""

    reference: str
    timestamped_at: dt.datetime | None
    timestamped_by: str | None
    valid_until: dt.datetime | None
    renew_by: dt.datetime | None
    renewed_at: dt.datetime | None
    renewals: int
    last_error: str | None

    @property
    def overdue(self) -> bool:
        return self.renew_by is not None and self.renew_by <= utcnow()


def _status(document: Document, row: DocumentEvidence) -> EvidenceStatus:
    def utc(moment):
        return as_utc(moment) if moment is not None else None

    return EvidenceStatus(document.reference, utc(row.timestamped_at), row.timestamped_by, utc(row.valid_until),
                          utc(row.renew_by), utc(row.renewed_at), row.renewals, row.last_error)


def status_of(document: Document) -> EvidenceStatus | None:
    """Where the document's evidence stands (None before it is sealed)."""
    row = db.get(DocumentEvidence, document.id)
    return _status(document, row) if row is not None else None


def status_list(limit: int = 200) -> list[EvidenceStatus]:
    """Every sealed document's evidence, the soonest renewal first (for an operator)."""
    rows = db.execute(select(Document, DocumentEvidence).join(DocumentEvidence,
                                                              DocumentEvidence.document_id == Document.id)
                      .order_by(DocumentEvidence.renew_by.is_(None), DocumentEvidence.renew_by, Document.id)
                      .limit(limit)).all()
    out = [_status(document, row) for document, row in rows]
    db.rollback()
    return out
