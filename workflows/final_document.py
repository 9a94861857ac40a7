"""The locked document as evidence: its audit certificate, joined after its pages, sealed by the organisation."""

from __future__ import annotations

import dataclasses
import hashlib

from flask import current_app
from sqlalchemy import select

from doc_templates.certificate import append_pages, render_certificate
from signing.evidence import CONSENT_TEXT
from signing.seal import SEAL_FIELD, seal_pdf
from storage.db import session as db
from storage.models import Annotation, AuditEvent, Document, Party, Signature, Staff, as_utc
from workflows.messages import uk_time

# Detail keys that are noise on paper (link ids) or printed once elsewhere (the consent wording).
_HIDDEN_DETAIL = {"link_id", "consent"}
EVENT_LABELS = {
    "created": "Written", "edited": "Changed", "rendered": "File made", "sent": "Sent for signature",
    "link_sent": "Signing link emailed", "viewed": "Opened to sign", "signed": "Signed", "declined": "Declined",
    "locked": "Locked", "downloaded": "Downloaded", "amended": "Amended", "voided": "Voided",
    "disagreement_raised": "Disagreement recorded", "annotation_added": "Note added",
    "disagreement_resolved": "Resolved between the parties", "disagreement_escalated": "Escalated for mediation",
    "mediation_recorded": "Mediation outcome recorded", "annotation_sealed": "Annotation sealed into the PDF",
}


def how_signed(signature: Signature) -> str:
    """How a party signed ("via a link emailed to …, typed name, consent given"), for the document and certificate."""
    consent = "consent given" if signature.consent_text else "no consent recorded"
    return f"via a link emailed to {signature.email}, typed name \u201c{signature.typed_name}\u201d, {consent}"


def certificate_context(document: Document, final_pages_sha256: str) -> dict:
    """Everything the audit certificate prints about a locked document, from the database."""
    events = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document.id)
                        .order_by(AuditEvent.id)).all()
    names = {s.id: s.name for s in db.scalars(select(Staff).where(
        Staff.id.in_({e.actor_id for e in events if e.actor_id is not None})))}
    signatures = []
    for party in Party:
        signature = document.signature_of(party)
        signatures.append({
            "party": party.label,
            "name": document.signer(party).name,
            "email": signature.email,
            "signed_at": uk_time(as_utc(signature.signed_at)),
            "how": f"Signed electronically {how_signed(signature)}",
            "ip_address": signature.ip_address or "not recorded",
            "user_agent": signature.user_agent or "not recorded",
            "reviewed_sha256": signature.reviewed_sha256,
        })
    consent = next((s.consent_text for s in document.current_signatures if s.consent_text), CONSENT_TEXT)
    return {
        "title": document.title,
        "reference": document.reference,
        "document_id": str(document.id),
        "organisation": document.organisation.name,
        "template": document.template_key,
        "template_version": str(document.template_version),
        "content_version": str(document.content_version),
        "locked_at": uk_time(as_utc(document.locked_at)),
        "final_docx_sha256": document.final_docx_sha256,
        "final_pages_sha256": final_pages_sha256,
        "signatures": signatures,
        "consent_text": consent,
        "events": [_event_row(e, names) for e in events],
        "verify_url": current_app.config["BASE_URL"].rstrip("/") + "/verify",
        "annotations": [annotation_row(a) for a in before_lock(document)],
    }


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
        "at": uk_time(as_utc(annotation.created_at)),
        "what": f"{annotation.kind.label}{about}",
        "who": f"{annotation.author_name} ({annotation.author_role})",
        "text": annotation.text,
    }


def recorded_disagreements(document: Document) -> str:
    """The Word template's disagreement field: what either party recorded before the document locked."""
    rows = [annotation_row(a) for a in before_lock(document)] if document.locked_at is not None else []
    if not rows:
        return "None recorded."
    return "\n".join(f"{r['what']} \u2013 {r['who']}, {r['at']}: \u201c{r['text']}\u201d" for r in rows)


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
    what = f"{EVENT_LABELS.get(event.event, event.event.capitalize())} \u2013 {who}" + (f" ({email})" if email else "")
    if details:
        what += "\n" + "; ".join(details)
    source = f"IP {event.ip_address or 'none (system)'}\n{event.user_agent or 'no browser (system)'}"
    return {"at": uk_time(as_utc(event.at)), "what": what, "source": source}


@dataclasses.dataclass(frozen=True)
class FinalPdf:
    """The sealed PDF HR downloads, and the fingerprints of what went into it."""

    sealed: bytes
    unsealed_sha256: str
    pages_sha256: str


def seal_final(reference: str, pages_pdf: bytes, certificate_pdf: bytes) -> FinalPdf:
    """Join the certificate after the document's pages and apply the organisation's seal."""
    unsealed = append_pages(pages_pdf, certificate_pdf)
    sealed = seal_pdf(unsealed, field_name=SEAL_FIELD,
                      reason=f"Locked: {reference} signed by both parties; sealed by Countersign")
    return FinalPdf(sealed, hashlib.sha256(unsealed).hexdigest(), hashlib.sha256(pages_pdf).hexdigest())


def certificate_docx(document: Document, pages_pdf: bytes) -> bytes:
    """The document's audit certificate as a Word file, ready for the same PDF/A conversion as the document."""
    return render_certificate(certificate_context(document, hashlib.sha256(pages_pdf).hexdigest()))
