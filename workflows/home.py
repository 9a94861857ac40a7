"""What a signed-in person's home page lists: their supervisees and documents, and what awaits them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from storage.db import session as db
from storage.models import (
    Disagreement,
    Document,
    DocumentState,
    RecordDraft,
    Role,
    Staff,
)
from workflows import disagreements, signing_order
from workflows.records import unfinished_records
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
    """The documents about this person that have been sent to them, newest first."""
    return list(db.scalars(select(Document).where(Document.supervisee_id == supervisee_id,
                                                  Document.state != DocumentState.DRAFT,
                                                  Document.sent_at.is_not(None))
                           .order_by(Document.created_at.desc())))


def out_for_signature_by(supervisor_id: int) -> list[Document]:
    """The documents this supervisor has sent that are not signed by both yet."""
    return list(db.scalars(select(Document).where(
        Document.supervisor_id == supervisor_id,
        Document.state.in_([DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]))))


def awaiting_signature(user: Staff, documents: list[Document]) -> list[Document]:
    """Those of the documents still open for signature that it is the person's turn to sign, each once (not those
    a leaver can no longer sign)."""
    waiting = {}
    today = dt.date.today()
    for document in documents:
        party = document.party_of(user.id)
        if (document.state.is_open_for_signature and party in signing_order.waiting_on(document)
                and document.departed_signer(today) is None):
            waiting[document.id] = document
    return list(waiting.values())
