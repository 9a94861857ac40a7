"""Who may see and act on a document: one rule per action, used by every page and download."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.db import session as db
from storage.models import Document, Role, Staff, SupervisionRelationship


def supervises(supervisor_id: int, supervisee_id: int, on: dt.date | None = None) -> bool:
    """True if the supervisor has a supervision relationship with the supervisee on that date."""
    on = on or dt.date.today()
    rows = db.scalars(
        select(SupervisionRelationship).where(
            SupervisionRelationship.supervisor_id == supervisor_id,
            SupervisionRelationship.supervisee_id == supervisee_id,
        )
    )
    return any(row.is_current(on) for row in rows)


def can_view(user: Staff, document: Document) -> bool:
    """Need to know: the two parties, the supervisee's current supervisor, and HR."""
    if document.organisation_id != user.organisation_id:
        return False
    if user.has_role(Role.HR) or user.id in (document.supervisor_id, document.supervisee_id):
        return True
    if is_mediator_of(user, document):
        return True
    return supervises(user.id, document.supervisee_id)


def is_mediator_of(user: Staff, document: Document) -> bool:
    """Mediator: what was escalated to them (a disagreement on this document they were asked to mediate)."""
    from storage.models import Disagreement, DisagreementState

    return db.scalar(
        select(Disagreement.id).where(
            Disagreement.document_id == document.id,
            Disagreement.mediator_id == user.id,
            Disagreement.state.in_([DisagreementState.ESCALATED, DisagreementState.MEDIATED]),
        ).limit(1)
    ) is not None


def can_manage(user: Staff, document: Document) -> bool:
    """Only the supervisor who wrote the document edits, sends, voids or amends it."""
    return document.organisation_id == user.organisation_id and user.id == document.supervisor_id


def can_write_for(user: Staff, supervisee: Staff) -> bool:
    """A supervisor writes documents only for their current supervisees."""
    return (
        user.has_role(Role.SUPERVISOR)
        and supervisee.organisation_id == user.organisation_id
        and supervises(user.id, supervisee.id)
    )
