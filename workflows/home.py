"""What a signed-in person is shown: the lists on their home page, and everything a document's page says."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app
from sqlalchemy import select

from signing.seal import seal_problem
from storage.db import session as db
from storage.models import (
    AuditEvent,
    Disagreement,
    DisposalRecord,
    Document,
    DocumentState,
    Party,
    RecordDraft,
    Role,
    Staff,
)
from storage.states import DOCUMENT
from workflows import annotated_pdf, disagreements
from workflows.access import can_manage
from workflows.archive import StoredCopyCheck, check_stored_copy, document_history
from workflows.records import unfinished_records
from workflows.renditions import is_waiting_for_pdf
from workflows.teams import current_supervisees, needs_agreement


@dataclasses.dataclass(frozen=True)
class HomePage:
    """What needs doing: a supervisor's supervisees and their documents, and what awaits the person's signature."""

    supervisees: list[Staff]
    by_supervisee: dict[int, list[Document]]
    mine: list[Document]
    awaiting: list[Document]
    to_write: list[Staff]
    unfinished: list[RecordDraft]
    open_disagreements: list[Disagreement]


def home_page(user: Staff, today: dt.date | None = None) -> HomePage:
    """Everything the person's home page lists, on that day."""
    supervisees = current_supervisees(user.id, today or dt.date.today()) if user.has_role(Role.SUPERVISOR) else []
    theirs = supervisees_documents(supervisees)
    mine = own_documents(user.id)
    return HomePage(
        supervisees=supervisees,
        by_supervisee={s.id: [d for d in theirs if d.supervisee_id == s.id] for s in supervisees},
        mine=mine,
        awaiting=awaiting_signature(user, [*out_for_signature_by(user.id), *theirs, *mine]),
        to_write=needs_agreement(user.id, supervisees),
        unfinished=unfinished_records(user.id),
        open_disagreements=disagreements.open_for(user),
    )


def supervisees_documents(supervisees: list[Staff]) -> list[Document]:
    """Every document of these supervisees, newest first, whoever wrote it."""
    if not supervisees:
        return []
    # A supervisee's records pass to whoever supervises them now, whoever wrote them (H 9.3).
    return list(db.scalars(select(Document).where(Document.supervisee_id.in_([s.id for s in supervisees]))
                           .order_by(Document.created_at.desc())))


def own_documents(supervisee_id: int) -> list[Document]:
    """The documents about this person that have left draft, newest first."""
    return list(db.scalars(select(Document).where(Document.supervisee_id == supervisee_id,
                                                  Document.state != DocumentState.DRAFT)
                           .order_by(Document.created_at.desc())))


def out_for_signature_by(supervisor_id: int) -> list[Document]:
    """The documents this supervisor has sent that are not signed by both yet."""
    return list(db.scalars(select(Document).where(
        Document.supervisor_id == supervisor_id,
        Document.state.in_([DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]))))


def awaiting_signature(user: Staff, documents: list[Document]) -> list[Document]:
    """Those of the documents still open for signature that the person has not signed, each once."""
    waiting = {}
    for document in documents:
        party = document.party_of(user.id)
        if document.state.is_open_for_signature and party is not None and document.signature_of(party) is None:
            waiting[document.id] = document
    return list(waiting.values())


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
    )


def disposal_record(document: Document) -> DisposalRecord | None:
    """What is left of a destroyed document: its metadata-only disposal record."""
    return db.scalars(select(DisposalRecord).where(DisposalRecord.document_id == document.id)).first()
