"""Who supervises whom, on a given day, and who manages the supervisors: the one place these are decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.db import session as db
from storage.models import Document, DocumentState, Role, Staff, SupervisionRelationship


def is_current_supervisor(supervisor_id: int, supervisee_id: int, on: dt.date | None = None) -> bool:
    """True if the supervisor is responsible for the supervisee on that date."""
    on = on or dt.date.today()
    rows = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisor_id == supervisor_id,
        SupervisionRelationship.supervisee_id == supervisee_id))
    return any(row.is_current(on) for row in rows)


def session_parties(supervisor_id: int, supervisee_id: int | None, errors: dict[str, str]) -> tuple[Staff, Staff | None]:
    """The supervisor and the supervisee a session note is about; an error unless they supervise them today."""
    supervisor = db.get(Staff, supervisor_id)
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    if supervisee is None or supervisee.organisation_id != supervisor.organisation_id or not is_current_supervisor(
            supervisor.id, supervisee.id):
        errors["supervisee"] = "Choose one of your supervisees"
    return supervisor, supervisee


def current_supervisees(supervisor_id: int, on: dt.date | None = None) -> list[Staff]:
    """The people this supervisor is responsible for on that date, by name."""
    on = on or dt.date.today()
    # The supervisees and their roles in two queries, not two for each of them.
    rows = db.scalars(select(SupervisionRelationship).where(SupervisionRelationship.supervisor_id == supervisor_id)
                      .options(selectinload(SupervisionRelationship.supervisee)))
    return sorted((r.supervisee for r in rows if r.is_current(on)), key=lambda s: s.name)


def current_relationships(supervisor_id: int | Iterable[int] | None = None,
                          on: dt.date | None = None) -> list[SupervisionRelationship]:
    """The supervision relationships in force on that date: one supervisor's, several's, or everyone's."""
    on = on or dt.date.today()
    # Both people in one query each; their roles only if asked for (every relationship may be thousands).
    query = select(SupervisionRelationship).options(
        selectinload(SupervisionRelationship.supervisee).lazyload(Staff.role_rows),
        selectinload(SupervisionRelationship.supervisor).lazyload(Staff.role_rows))
    if isinstance(supervisor_id, int):
        query = query.where(SupervisionRelationship.supervisor_id == supervisor_id)
    elif supervisor_id is not None:
        query = query.where(SupervisionRelationship.supervisor_id.in_(list(supervisor_id)))
    return [r for r in db.scalars(query) if r.is_current(on)]


def can_write_for(user: Staff, supervisee: Staff) -> bool:
    """A supervisor writes documents only for their current supervisees."""
    return (user.has_role(Role.SUPERVISOR) and supervisee.organisation_id == user.organisation_id
            and is_current_supervisor(user.id, supervisee.id))


def needs_agreement(supervisor_id: int, supervisees: list[Staff]) -> list[Staff]:
    """The supervisees this supervisor has no live agreement with yet (after a transfer, for example)."""
    if not supervisees:
        return []
    covered = set(db.scalars(select(Document.supervisee_id).where(
        Document.supervisor_id == supervisor_id, Document.kind == "agreement",
        Document.supervisee_id.in_([s.id for s in supervisees]),
        Document.state.not_in([DocumentState.VOIDED, DocumentState.DECLINED, DocumentState.DELETED]),
    )))
    return [s for s in supervisees if s.id not in covered]


def team_supervisors(manager_id: int) -> list[Staff]:
    """The supervisors this person line-manages: their team for the due and quality pages."""
    return [s for s in db.scalars(select(Staff).where(Staff.line_manager_id == manager_id).order_by(Staff.name))
            if s.has_role(Role.SUPERVISOR)]


def is_manager(staff_id: int) -> bool:
    """True if the person line-manages at least one supervisor."""
    return bool(team_supervisors(staff_id))
