"""Opening a document, what its page shows, and handing out its files; each view and download is audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app
from sqlalchemy import select

from signing.evidence import CONSENT_TEXT
from signing.seal import seal_problem
from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import (
    AuditEvent,
    Disagreement,
    DisposalRecord,
    Document,
    FileKind,
    Party,
    RetentionState,
    Role,
    Staff,
)
from storage.states import DOCUMENT
from workflows import annotated_pdf, disagreements, evidence, signing_order, signing_round
from workflows.access import allowed, can_manage, document_for, user_of
from workflows.archive import StoredCopyCheck, check_stored_copy, document_history
from workflows.errors import NotAllowed
from workflows.renditions import ShownDocument, is_waiting_for_pdf, shown_document

MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# What each download is called: its file name's ending, and whether it is a signed copy.
DOWNLOADS = {
    FileKind.WORD.value: ("", "docx"),
    FileKind.PDF.value: ("", "pdf"),
    FileKind.SIGNED_WORD.value: ("-signed", "docx"),
    FileKind.SIGNED_PDF.value: ("-signed", "pdf"),
    # The current copy: the sealed PDF with the annotations sealed into it since (the newest in the chain).
    "current-pdf": (None, "pdf"),
}


@dataclasses.dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


def view_document(document_id: int, actor: audit.Actor, *, where: str = "document page",
                  audited: bool = True) -> Document:
    """The document, if the person may see it; the view is audited unless it is the page coming back to itself
    (NotAllowed otherwise)."""
    document = document_for(document_id, "view", user_of(actor))
    if audited:
        audit.record(db, "viewed", actor, document.id, page=where)
        db.commit()
    return document


def download(document_id: int, which: str, actor: audit.Actor) -> Download:
    """One of the document's files, if the person may have it; the download is audited."""
    document = document_for(document_id, "download", user_of(actor))
    if which not in DOWNLOADS or document.retention_status is RetentionState.DESTROYED:
        raise NotAllowed()  # unknown, or its files were destroyed at disposal
    sha256 = document.current_files().get(which)
    if sha256 is None:
        raise NotAllowed()
    suffix, extension = DOWNLOADS[which]
    if suffix is None:
        count = len(document.annotated_pdfs())
        suffix = f"-signed-with-{count}-annotation{'s' if count > 1 else ''}" if count else "-signed"
    data = blobs().get(sha256)
    audit.record(db, "downloaded", actor, document.id, file=which, sha256=sha256)
    db.commit()
    return Download(data, f"{document.reference}{suffix}.{extension}", MIMETYPES[extension])


@dataclasses.dataclass(frozen=True)
class DocumentPage:
    """A document's page: its history, what the person may do next, its disagreements and annotations."""

    history: list[AuditEvent]
    actions: set[str]
    waiting: bool
    verification: StoredCopyCheck | None
    seal_problem: str | None
    disagreements: list[Disagreement]
    signed_disagreeing: set[Party]
    can_disagree: bool
    annotations: list[annotated_pdf.Listed]
    # The document to read in the page: the signed Word file once locked, else the current version's.
    shown: ShownDocument | None = None
    # Whether the person is a party who may sign it here and now, being signed in.
    can_sign: bool = False
    consent_text: str = CONSENT_TEXT
    # "The supervisee signs first, then the supervisor.", where the template sets an order.
    signing_order: str | None = None
    # A party who has left while it was out for signature: it can no longer be signed, only voided.
    departed_signer: Staff | None = None
    # Where the sealed copy's long-term evidence stands: HR's, who keep the record.
    evidence: evidence.EvidenceStatus | None = None


def document_page(document: Document, user: Staff) -> DocumentPage:
    """What the page of a document the person may see shows them."""
    departed = document.departed_signer(dt.date.today()) if document.state.is_open_for_signature else None
    if can_manage(user, document):
        actions = DOCUMENT.allowed_actions(document.state)
    elif allowed(user, "void", document) and document.was_ever_sent:  # HR, once the writer has left
        actions = DOCUMENT.allowed_actions(document.state) & {"void"}
    else:
        actions = set()
    # A draft nobody has seen is deleted; once sent, a document is voided, and the parties are told why.
    actions -= {"void"} if "delete" in actions and not document.was_ever_sent else {"delete"}
    return DocumentPage(
        history=document_history(document, user),
        actions=actions - {"resend", "send"} if departed else actions,
        waiting=is_waiting_for_pdf(document),
        verification=check_stored_copy(document),
        seal_problem=seal_problem(current_app, document.organisation),
        disagreements=disagreements.on_document(document),
        signed_disagreeing=disagreements.signed_with_disagreement(document),
        can_disagree=document.party_of(user.id) is not None and document.state in disagreements.RAISABLE,
        annotations=annotated_pdf.listed(document),
        shown=shown_document(document.final_docx_sha256 or document.docx_sha256),
        can_sign=signing_round.signable_link(document, user) is not None,
        signing_order=signing_order.describe(document),
        departed_signer=departed,
        evidence=evidence.status_of(document) if user.has_role(Role.HR) else None,
    )


@dataclasses.dataclass(frozen=True)
class PdfStatus:
    """Whether the PDF a document's page waits for is made yet, in words for the page to announce."""

    waiting: bool
    message: str


SEALING_ANNOTATION = "Being sealed into the PDF"


def is_page_waiting(document: Document, page: DocumentPage) -> bool:
    """Whether the page waits for a PDF: its own, or an annotation being sealed into it."""
    return page.waiting and document.state.value in ("draft", "locked") or any(
        listed.where == SEALING_ANNOTATION for listed in page.annotations)


def pdf_status(document_id: int, user: Staff) -> PdfStatus:
    """What the page of a document waits for, for the page to learn it without reloading; not audited, as it shows
    nothing of the document's content (NotAllowed for anyone who may not view it)."""
    document = document_for(document_id, "view", user)
    sealing = any(listed.where == SEALING_ANNOTATION for listed in annotated_pdf.listed(document))
    if is_waiting_for_pdf(document) and document.pdf_error:
        status = PdfStatus(True, f"Rendering the PDF is waiting. {document.pdf_error}")
    elif is_waiting_for_pdf(document):
        status = PdfStatus(True, "The PDF is being prepared.")
    elif sealing:
        status = PdfStatus(True, "An annotation is being sealed into the PDF.")
    else:
        status = PdfStatus(False, "The PDF is ready.")
    db.rollback()  # a read: end it, so a poll never holds SQLite's lock
    return status


def disposal_record(document: Document) -> DisposalRecord | None:
    """What is left of a destroyed document: its metadata-only disposal record."""
    return db.scalars(select(DisposalRecord).where(DisposalRecord.document_id == document.id)).first()
