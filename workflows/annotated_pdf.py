"""Annotations on a locked document's PDF: each one appended as its own sealed, visible revision, in order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import subprocess
import textwrap

import pikepdf
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signing.seal import SealError, Stamp, config_for, seal_pdf
from storage import audit, jobs
from storage.blobs import blobs
from storage.db import session as db
from storage.models import AnnotatedCopy, Annotation, Document, DocumentState, FileKind, Job
from storage.times import uk_time
from workflows import evidence

log = logging.getLogger(__name__)

SEAL_ANNOTATIONS = "annotate_pdf"
# The heading of the page the audit certificate reserves for stamps (tools/make_audit_certificate.py).
RESERVED_HEADING = "Annotations added after sealing"
# The stamps' slots on that page, top down, in points on an A4 page (the certificate's margins are 2.2 cm
# left and right, 2 cm top and bottom; the heading and its explanation take the top 5 cm).
PAGE_LEFT, PAGE_RIGHT = 63.0, 532.0
SLOTS_TOP, SLOTS_BOTTOM = 700.0, 62.0
SLOT_HEIGHT, SLOT_GAP = 100.0, 6.0
SLOTS = int((SLOTS_TOP - SLOTS_BOTTOM + SLOT_GAP) // (SLOT_HEIGHT + SLOT_GAP))
# Characters of the annotation's own words printed in a box: about seven lines at 8 pt across the page.
STAMP_TEXT_CHARS = 560
STAMP_LINE_CHARS = 120
WAIT_FOR_FINAL = dt.timedelta(seconds=5)


def reference(annotation: Annotation) -> str:
    """The annotation's reference, printed on its stamp and searchable in Countersign."""
    return f"{annotation.document.reference}-A{annotation.id}"


def field_name(annotation: Annotation) -> str:
    return f"CountersignAnnotation{annotation.id}"


def heading(annotation: Annotation) -> str:
    """Who added what and when, in one line: the start of the stamp and of the seal's reason."""
    about = ""
    if annotation.disagreement is not None:
        about = f" on {annotation.disagreement.reference} ({annotation.disagreement.section_label})"
    return (f"{annotation.kind.label}{about} \u2013 {annotation.author_name} ({annotation.author_role}), "
            f"{uk_time(annotation.created_at, with_offset=True)}")


def stamp_text(annotation: Annotation) -> str:
    """The stamp's text: reference, heading and the annotation's words, wrapped, and cut short if very long."""
    words = annotation.text
    cut = len(words) > STAMP_TEXT_CHARS
    if cut:
        words = words[:STAMP_TEXT_CHARS].rsplit(" ", 1)[0].rstrip() + " \u2026"
    lines = textwrap.wrap(f"{reference(annotation)}  {heading(annotation)}", STAMP_LINE_CHARS)
    for paragraph in words.split("\n"):
        lines.extend(textwrap.wrap(paragraph, STAMP_LINE_CHARS) or [""])
    if cut:
        lines.extend(textwrap.wrap(
            f"[Shortened: the full text ({len(annotation.text):,} characters) is in Countersign under "
            f"{reference(annotation)}, and in this seal's reason.]", STAMP_LINE_CHARS))
    return "\n".join(lines)


def reason(annotation: Annotation) -> str:
    """The seal's reason: the whole annotation, so the sealed file carries its full text."""
    return f"Annotation {reference(annotation)}: {heading(annotation)}: {annotation.text}"


def slot_box(slot: int) -> tuple[float, float, float, float]:
    """Where the n-th stamp goes on the reserved page."""
    top = SLOTS_TOP - slot * (SLOT_HEIGHT + SLOT_GAP)
    return (PAGE_LEFT, top - SLOT_HEIGHT, PAGE_RIGHT, top)


def has_reserved_page(pdf: bytes) -> bool:
    """Whether the PDF's last page is the certificate's page kept for stamps (older seals have none)."""
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        last = len(opened.pages)
    text = subprocess.run(["pdftotext", "-f", str(last), "-l", str(last), "-", "-"], input=pdf,
                          capture_output=True, check=False, timeout=60).stdout.decode(errors="replace")
    return RESERVED_HEADING in " ".join(text.split())


# -- queueing, in the annotation's own transaction ------------------------------------------------


def queue_for(annotation: Annotation) -> None:
    """An annotation on a locked document: ask the worker to seal it into the PDF (same transaction)."""
    if annotation.on_locked_document:
        jobs.queue(db, SEAL_ANNOTATIONS, annotation.document_id)


# -- the chain of copies --------------------------------------------------------------------------


def copies(document_id: int) -> list[AnnotatedCopy]:
    """The document's sealed annotated copies, oldest first."""
    return list(db.scalars(select(AnnotatedCopy).where(AnnotatedCopy.document_id == document_id)
                           .order_by(AnnotatedCopy.sequence)))


def current_sha256(document: Document) -> str | None:
    """The newest copy: the last annotated one, or the sealed final PDF when nothing was added after lock."""
    return document.current_files().get("current-pdf")


def pending(document_id: int) -> list[Annotation]:
    """Annotations added after lock that are not in the PDF yet, in the order they were added."""
    done = select(AnnotatedCopy.annotation_id).where(AnnotatedCopy.document_id == document_id)
    return list(db.scalars(select(Annotation).where(
        Annotation.document_id == document_id, Annotation.on_locked_document.is_(True),
        Annotation.id.not_in(done)).order_by(Annotation.id)))


@dataclasses.dataclass(frozen=True)
class Listed:
    """An annotation as the document page lists it, with where it is in the PDF."""

    annotation: Annotation
    reference: str
    where: str


def listed(document: Document) -> list[Listed]:
    """The annotations of the signed version and those added after lock, and where each is in the PDF."""
    if document.state is not DocumentState.LOCKED:
        return []
    sealed = {c.annotation_id: c for c in copies(document.id)}
    rows = db.scalars(select(Annotation).where(
        Annotation.document_id == document.id,
        (Annotation.content_version == document.content_version) | Annotation.on_locked_document.is_(True),
    ).order_by(Annotation.id)).all()
    out = []
    for annotation in rows:
        if not annotation.on_locked_document:
            where = "Printed in the signed document and its audit certificate"
        elif annotation.id in sealed:
            copy = sealed[annotation.id]
            where = f"Sealed into the PDF as revision {copy.sequence + 1}" + (
                "" if copy.stamped else " (no room left for a box: listed by the seal's reason)")
        else:
            where = "Being sealed into the PDF"
        out.append(Listed(annotation, reference(annotation), where))
    return out


# -- the background step --------------------------------------------------------------------------


def seal_annotations(job_id: int) -> int:
    """The background job: seal every waiting annotation of the document into its PDF, one revision each, in order."""
    document_id = db.get(Job, job_id).document_id
    db.commit()
    try:
        while True:
            step = _apply_next(document_id)
            if step == "waiting":
                # The sealed final PDF is still being made: not a failure, so no attempt is counted.
                return jobs.defer(db, job_id, "waiting for the sealed final PDF", WAIT_FOR_FINAL)
            if step == "done":
                return jobs.finish(db, job_id)
    except (SealError, OSError, subprocess.SubprocessError) as error:
        db.rollback()
        log.warning("Annotating the PDF of document %s failed (will be retried): %s", document_id, error)
        return jobs.retry(db, job_id, str(error))


def _apply_next(document_id: int) -> str:
    # Locking the document row serialises annotators per document (PostgreSQL); the unique (document,
    # sequence) pair catches a race anywhere else, and the loser simply starts again from the new copy.
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    if document.final_pdf_sha256 is None:
        db.rollback()
        return "waiting"
    waiting = pending(document_id)
    if not waiting:
        db.rollback()
        return "done"
    annotation = waiting[0]
    chain = copies(document_id)
    # The newest copy: the last annotated one, or a renewal of the evidence after it, or the sealed final PDF.
    previous = current_sha256(document)
    pdf = blobs().get(previous)
    slot = sum(1 for c in chain if c.stamped)
    stamped = slot < SLOTS and has_reserved_page(pdf)
    stamp = Stamp(stamp_text(annotation), slot_box(slot)) if stamped else None
    annotated = seal_pdf(pdf, field_name=field_name(annotation), reason=reason(annotation), stamp=stamp,
                         config=config_for(document.organisation))
    if not annotated.startswith(pdf):
        raise SealError("the annotated copy does not begin with the copy before it")
    sha256 = blobs().put(annotated)
    document.attach(FileKind.ANNOTATED_PDF, sha256)
    evidence.record(document, annotated, sha256)
    db.add(AnnotatedCopy(document_id=document_id, annotation_id=annotation.id, sequence=len(chain) + 1,
                         field_name=field_name(annotation), stamped=stamped, previous_sha256=previous,
                         pdf_sha256=sha256))
    audit.record(db, "annotation_sealed", audit.SYSTEM, document_id, annotation_id=annotation.id,
                 reference=reference(annotation), sequence=len(chain) + 1, sha256=sha256, previous_sha256=previous,
                 stamped=stamped)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()  # another worker appended first; go round again from its copy
    return "applied"
