"""The lock, top to bottom: the second signature locks the document; its Word file is made again with both
signatures; in the background that becomes a PDF, an audit certificate is made and joined after its pages, and the
organisation's seal goes over the whole; the sealed PDF is attached as the document's signed copy.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import logging

from flask import current_app
from sqlalchemy import func, select

from doc_templates import ConversionError, docx_to_pdf, pool
from doc_templates.certificate import append_pages, page_count, render_certificate
from signing.evidence import CONSENT_TEXT
from signing.seal import SEAL_FIELD, SealConfig, SealError, config_for, draw_text, seal_pdf
from storage import audit, jobs
from storage.blobs import blobs
from storage.db import reading
from storage.db import session as db
from storage.models import Annotation, AuditEvent, Document, FileKind, Job, Party, Signature, Staff
from storage.times import uk_time
from workflows import copies, evidence, group_members, links, quality_forms
from workflows.renditions import WordToRender, render, waiting_message, word_to_render

log = logging.getLogger(__name__)

SEAL_FINAL_PDF = "final_pdf"


# -- 1. The second signature: in the signer's own transaction ---------------------------------------


@dataclasses.dataclass(frozen=True)
class SignedWord:
    """A signed Word file rendered ahead of the lock, and what it was rendered from."""

    rendered_from: WordToRender
    sha256: str


class RenderFirst(Exception):
    """The signed Word file has to be rendered (again) before the document can lock, with no lock held."""

    def __init__(self, word: WordToRender):
        super().__init__("the signed Word file is rendered before the document locks")
        self.word = word


def lock(document: Document, rendered: SignedWord | None, *, render_here: bool = False) -> None:
    """The document has just been signed by both: attach its signed Word file, queue the sealed PDF, tell both.

    The signed Word file is rendered beforehand, outside the lock (render_signed_word); if it was rendered from
    anything other than what the document holds now, RenderFirst says to render it again (or, `render_here`, it is
    rendered now, as a last resort).
    """
    signed = {party: f"Signed electronically by {s.typed_name}\n{how_signed(s)}"
              for party in Party if (s := document.signature_of(party)) is not None}
    word = word_to_render(document, signatures=signed, recorded_disagreements=recorded_disagreements(document))
    if rendered is not None and rendered.rendered_from == word:
        sha256 = rendered.sha256
    elif render_here:
        sha256 = render(word)
    else:
        raise RenderFirst(word)
    document.attach(FileKind.SIGNED_WORD, sha256)
    jobs.queue(db, SEAL_FINAL_PDF, document.id)
    audit.record(db, "locked", audit.SYSTEM, document.id, content_version=document.content_version,
                 final_docx_sha256=sha256, reviewed_sha256=document.pdf_sha256)
    quality_forms.mark_done(document)  # a signed observation or audit form: its activity is done
    # "Signed by both" goes out with each party's copy once the sealed PDF is made (attach_sealed).


def render_signed_word(word: WordToRender) -> SignedWord:
    """Render a signed Word file with no database lock held (on SQLite, not even the write lock)."""
    with reading():
        sha256 = render(word)
        db.rollback()  # ends whatever the render read, so the next transaction starts afresh
    return SignedWord(word, sha256)


def unbroken(email: str) -> str:
    """An email address that a line never breaks inside: a word joiner after each hyphen, where lines may break."""
    return email.replace("-", "-\u2060")


def how_signed(signature: Signature) -> str:
    """How a party signed ("via a link emailed to …, typed name, consent given"), for the document and certificate."""
    consent = "consent given" if signature.consent_text else "no consent recorded"
    where = ("from the document's page in Countersign" if signature.signed_from == "document page"
             else f"via a link emailed to {unbroken(signature.email)}")
    checked = f", identity confirmed by {signature.identity_check}" if signature.identity_check else ""
    return f"{where}, typed name \u201c{signature.typed_name}\u201d, {consent}{checked}"


def recorded_disagreements(document: Document) -> str:
    """The Word template's disagreement field: what either party recorded before the document locked."""
    rows = [annotation_row(a) for a in before_lock(document)]
    if not rows:
        return "None recorded."
    return "\n".join(f"{r['what']} \u2013 {r['who']}, {r['at']}: \u201c{r['text']}\u201d" for r in rows)


def before_lock(document: Document) -> list[Annotation]:
    """What was recorded on the signed version before it locked (printed in the document and certificate)."""
    return list(db.scalars(select(Annotation).where(
        Annotation.document_id == document.id, Annotation.content_version == document.content_version,
        Annotation.on_locked_document.is_(False)).order_by(Annotation.id)))


def annotation_row(annotation: Annotation) -> dict:
    """One annotation as the certificate and the document's disagreement section print it."""
    about = ""
    if annotation.disagreement is not None:
        about = f" on {annotation.disagreement.reference}, about \u201c{annotation.disagreement.section_label}\u201d"
    return {
        "at": uk_time(annotation.created_at, with_offset=True),
        "what": f"{annotation.kind.label}{about}",
        "who": f"{annotation.author_name} ({annotation.author_role})",
        "text": annotation.text,
    }


# -- 2. In the background: the signed Word file to a sealed PDF -------------------------------------


def seal_final_pdf(job_id: int) -> int:
    """The background job: PDF of the signed Word file, its audit certificate after it, sealed, attached."""
    document = db.get(Document, db.get(Job, job_id).document_id)
    document_id, source, reference = document.id, document.final_docx_sha256, document.reference
    # Sealed with its own council's seal (or the deployment's, for a council with none of its own).
    organisation = document.organisation
    organisation.seal_pkcs12  # noqa: B018 - read now: the seal's settings are used after the transaction ends
    done = source is None or document.final_pdf_sha256 is not None
    db.commit()
    if done:
        return jobs.finish(db, job_id)
    timeout = float(current_app.config["PDF_TIMEOUT_SECONDS"])
    try:
        # With two or more LibreOffice instances, the certificate converts beside the document, not after it.
        expected = reviewed_pages(document_id) if pool.parallelism() > 1 else None
        if expected is not None:
            pages, certificate = converted_side_by_side(document_id, blobs().get(source), expected, timeout)
        else:
            pages = docx_to_pdf(blobs().get(source), timeout=timeout)
            certificate = numbered_certificate(document_id, pages, timeout)
        final = seal_final(reference, pages, certificate, config_for(organisation))
    except (ConversionError, SealError, OSError) as error:
        log.warning("Sealed PDF for document %s failed (attempt will be retried): %s", document_id, error)
        return jobs.retry(db, job_id, str(error), document_message=waiting_message(error))
    sha256 = blobs().put(final.sealed)
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    if document.final_docx_sha256 == source and document.final_pdf_sha256 is None:
        attach_sealed(document, sha256, final)
    return jobs.finish(db, job_id)


# The certificate is at least its page and the page kept for annotations; how long it runs depends on how many
# events and annotations it lists, so the length a certificate of as many rows had last time is the first guess.
# A wrong guess only costs a second conversion, numbered right.
USUAL_CERTIFICATE_PAGES = 2
_pages_for_rows: dict[tuple[int, int], int] = {}


def numbered_certificate(document_id: int, pages_pdf: bytes, timeout: float) -> bytes:
    """The certificate as PDF, each page numbered in the whole file ("Page 4 of 5"), after the document's pages."""
    before = page_count(pages_pdf)
    rows = certificate_rows(document_id)
    guess = _pages_for_rows.get(rows, USUAL_CERTIFICATE_PAGES)
    certificate = docx_to_pdf(certificate_docx(document_id, pages_pdf, before + guess), timeout=timeout)
    length = page_count(certificate)
    if len(_pages_for_rows) < 10_000:
        _pages_for_rows[rows] = length
    if length != guess:
        certificate = docx_to_pdf(certificate_docx(document_id, pages_pdf, before + length), timeout=timeout)
    return certificate


# Where the pages' SHA-256 is drawn on a certificate converted beside the document: in the band its template keeps
# clear at the foot of its first page, above the reference and page number (tools/make_audit_certificate.py),
# at the left margin (2.2 cm), in points from the page's bottom left.
PAGES_HASH_AT = (62.5, 54.0)
PAGES_HASH_WHERE = "printed at the foot of this page"


def converted_side_by_side(document_id: int, word: bytes, expected: int, timeout: float) -> tuple[bytes, bytes]:
    """The signed Word file and its certificate converted at the same time, on two of the pool's instances.

    The certificate cannot print the SHA-256 of pages not yet converted, so its Word file says where it is, and once
    both are converted the hash is drawn there, as text in an embedded font, before the whole is joined and sealed.
    Its pages are numbered after the `expected` pages (the PDF the parties reviewed had as many); if the signed
    document converts to a different length, or the certificate is not as long as guessed, it is numbered right and
    converted again.
    """
    rows = certificate_rows(document_id)
    guess = _pages_for_rows.get(rows, USUAL_CERTIFICATE_PAGES)
    certificate_word = certificate_docx(document_id, None, expected + guess, first_page=expected + 1)
    with concurrent.futures.ThreadPoolExecutor(1) as beside:
        converting = beside.submit(docx_to_pdf, word, timeout=timeout)
        certificate = docx_to_pdf(certificate_word, timeout=timeout)
        pages = converting.result()
    before, length = page_count(pages), page_count(certificate)
    if len(_pages_for_rows) < 10_000:
        _pages_for_rows[rows] = length
    if (before, length) != (expected, guess):
        certificate = docx_to_pdf(certificate_docx(document_id, None, before + length, first_page=before + 1),
                                  timeout=timeout)
    return pages, with_pages_sha256(certificate, pages)


def with_pages_sha256(certificate_pdf: bytes, pages_pdf: bytes) -> bytes:
    """The certificate with the document's pages and their SHA-256 drawn where its first page says they are."""
    pages = page_count(pages_pdf)
    which = "page 1" if pages == 1 else f"pages 1\u2013{pages}"
    x, y = PAGES_HASH_AT
    return draw_text(certificate_pdf, f"Final document {which} (PDF) SHA-256: {hashlib.sha256(pages_pdf).hexdigest()}",
                     page=0, x=x, y=y)


def reviewed_pages(document_id: int) -> int | None:
    """How many pages the PDF both parties reviewed has (the signed document usually converts to as many)."""
    reviewed = db.get(Document, document_id).pdf_sha256
    db.rollback()  # only read: the transaction ends before the conversion
    return page_count(blobs().get(reviewed)) if reviewed is not None else None


def certificate_rows(document_id: int) -> tuple[int, int]:
    """How many events and annotations a locked document's certificate lists (what its length mostly depends on)."""
    document = db.get(Document, document_id)
    events = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.document_id == document_id))
    rows = (events, len(before_lock(document)))
    db.rollback()  # only read: the transaction ends before the conversion
    return rows


def certificate_docx(document_id: int, pages_pdf: bytes | None, total_pages: int | None = None, *,
                     first_page: int | None = None) -> bytes:
    """The document's audit certificate as a Word file, ready for the same PDF/A conversion as the document.

    Without the document's converted pages (the two converted side by side), it says where their SHA-256 is
    printed instead, and starts its page numbers at `first_page`.
    """
    document = db.get(Document, document_id)
    first = page_count(pages_pdf) + 1 if pages_pdf is not None else first_page
    context = certificate_context(document, hashlib.sha256(pages_pdf).hexdigest() if pages_pdf is not None
                                  else PAGES_HASH_WHERE)
    context.update(first_page=str(first), total_pages=str(total_pages or first))
    db.commit()
    return render_certificate(context)


def certificate_context(document: Document, final_pages_sha256: str) -> dict:
    """Everything the audit certificate prints about a locked document, from the database."""
    events = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document.id)
                        .order_by(AuditEvent.id)).all()
    names = {s.id: s.name for s in db.scalars(select(Staff).where(
        Staff.id.in_({e.actor_id for e in events if e.actor_id is not None})))}
    signatures = []
    for party in Party if not group_members.is_group(document) else ():
        signature = document.signature_of(party)
        signatures.append({
            "party": party.label,
            "name": document.signer(party).name,
            "email": unbroken(signature.email),
            "signed_at": uk_time(signature.signed_at, with_offset=True),
            "how": f"Signed electronically {how_signed(signature)}",
            "ip_address": signature.ip_address or "not recorded",
            "user_agent": signature.user_agent or "not recorded",
            "reviewed_sha256": signature.reviewed_sha256,
        })
    consent = next((s.consent_text for s in document.current_signatures if s.consent_text), CONSENT_TEXT)
    if group_members.is_group(document):  # every attendee signs, or is recorded as absent
        signatures = group_members.certificate_rows(document)
    return {
        "title": document.title,
        "reference": document.reference,
        "document_id": str(document.id),
        "organisation": document.organisation.name,
        "template": document.template_key,
        "template_version": str(document.template_version),
        "content_version": str(document.content_version),
        "locked_at": uk_time(document.locked_at, with_offset=True),
        "final_docx_sha256": document.final_docx_sha256,
        "final_pages_sha256": final_pages_sha256,
        "signatures": signatures,
        "consent_text": consent,
        "events": [_event_row(e, names) for e in events],
        "verify_url": links.verify_url(),
        "annotations": [annotation_row(a) for a in before_lock(document)],
    }


# Detail keys that are noise on paper (link ids) or printed once elsewhere (the consent wording).
_HIDDEN_DETAIL = {"link_id", "consent"}
EVENT_LABELS = {
    "created": "Written", "edited": "Changed", "rendered": "File made", "sent": "Sent for signature",
    "link_sent": "Signing link emailed", "signed": "Signed", "declined": "Declined",
    "locked": "Locked", "downloaded": "Downloaded", "amended": "Amended", "voided": "Voided",
    "deleted": "Deleted before it was sent",
    "disagreement_raised": "Disagreement recorded", "annotation_added": "Note added",
    "disagreement_resolved": "Resolved between the parties", "disagreement_escalated": "Escalated for mediation",
    "mediation_recorded": "Mediation outcome recorded", "annotation_sealed": "Annotation sealed into the PDF",
    "signing_code_sent": "Code emailed to confirm who is signing", "copy_sent": "Signed copy emailed",
}


def event_label(event: AuditEvent) -> str:
    """What happened, in words; a view says whether a page was looked at or an emailed link was opened."""
    detail = event.detail or {}
    if event.event == "viewed":
        if detail.get("role") == "mediator":
            return "Opened the emailed link to mediate"
        if "link_id" in detail:
            return "Opened the emailed link to sign"
        return f"Viewed in Countersign ({detail.get('page', 'document page')})"
    return EVENT_LABELS.get(event.event, event.event.replace("_", " ").capitalize())


def _event_row(event: AuditEvent, names: dict[int, str]) -> dict:
    who = names.get(event.actor_id) or ("Countersign" if event.actor_email == "system" else event.actor_email or "")
    email = event.actor_email if event.actor_email and event.actor_email != "system" else ""
    details = []
    for key, value in sorted((event.detail or {}).items()):
        if key == "consent":
            details.append("consent given")
        if key in _HIDDEN_DETAIL:
            continue
        details.append(f"{key.replace('_', ' ')}: {value}")
    what = f"{event_label(event)} \u2013 {who}" + (f" ({email})" if email else "")
    if details:
        what += "\n" + "; ".join(details)
    source = f"IP {event.ip_address or 'none (system)'}\n{event.user_agent or 'no browser (system)'}"
    return {"at": uk_time(event.at, with_offset=True), "what": what, "source": source}


@dataclasses.dataclass(frozen=True)
class FinalPdf:
    """The sealed PDF HR downloads, and the fingerprints of what went into it."""

    sealed: bytes
    unsealed_sha256: str
    pages_sha256: str


def seal_final(reference: str, pages_pdf: bytes, certificate_pdf: bytes, config: SealConfig | None = None) -> FinalPdf:
    """Join the certificate after the document's pages and apply the organisation's seal."""
    unsealed = append_pages(pages_pdf, certificate_pdf)
    sealed = seal_pdf(unsealed, field_name=SEAL_FIELD,
                      reason=f"Locked: {reference} signed by both parties; sealed by Countersign", config=config)
    return FinalPdf(sealed, hashlib.sha256(unsealed).hexdigest(), hashlib.sha256(pages_pdf).hexdigest())


# -- 3. Attached: the document's signed copy -------------------------------------------------------


def attach_sealed(document: Document, sha256: str, final: FinalPdf) -> None:
    """The sealed PDF becomes the document's signed copy; annotations waiting for it can now be sealed in."""
    document.attach(FileKind.SIGNED_PDF, sha256)
    evidence.record(document, final.sealed, sha256)
    document.pdf_error = None
    audit.record(db, "rendered", audit.SYSTEM, document.id, file="final PDF", sha256=sha256)
    # The seal covers the document and its certificate; what was sealed is kept by hash for the record.
    audit.record(db, "sealed", audit.SYSTEM, document.id, sha256=sha256, unsealed_sha256=final.unsealed_sha256,
                 pages_sha256=final.pages_sha256)
    jobs.bring_forward(db, document_id=document.id, kinds_other_than=SEAL_FINAL_PDF)
    copies.send_copies(document, sha256, len(final.sealed))
