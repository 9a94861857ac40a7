"""Opening a document, what its page shows, and handing out its files; each view and download is audited."""

from __future__ import annotations

import dataclasses

from flask import current_app
from sqlalchemy import select

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
from workflows import annotated_pdf, disagreements, evidence
from workflows.access import can_manage, document_for, user_of
from workflows.archive import StoredCopyCheck, check_stored_copy, document_history
from workflows.errors import NotAllowed
from workflows.renditions import is_waiting_for_pdf

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


def view_document(document_id: int, actor: audit.Actor, *, where: str = "document page") -> Document:
    """The document, if the person may see it; the view is audited (NotAllowed otherwise)."""
    document = document_for(document_id, "view", user_of(actor))
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
    # Where the sealed copy's long-term evidence stands: HR's, who keep the record.
    evidence: evidence.EvidenceStatus | None = None


def document_page(document: Document, user: Staff) -> DocumentPage:
    """What the page of a document the person may see shows them."""
    return DocumentPage(
        history=document_history(document, user),
        actions=DOCUMENT.allowed_actions(document.state) if can_manage(user, document) else set(),
        waiting=is_waiting_for_pdf(document),
        verification=check_stored_copy(document),
        seal_problem=seal_problem(current_app),
        disagreements=disagreements.on_document(document),
        signed_disagreeing=disagreements.signed_with_disagreement(document),
        can_disagree=document.party_of(user.id) is not None and document.state in disagreements.RAISABLE,
        annotations=annotated_pdf.listed(document),
        evidence=evidence.status_of(document) if user.has_role(Role.HR) else None,
    )


def disposal_record(document: Document) -> DisposalRecord | None:
    """What is left of a destroyed document: its metadata-only disposal record."""
    return db.scalars(select(DisposalRecord).where(DisposalRecord.document_id == document.id)).first()
