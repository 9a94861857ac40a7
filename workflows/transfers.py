"""Moving a supervisee to a new supervisor from a date: the records pass with them (H 9.3, B 9.3)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, Role, SigningLink, Staff, SupervisionRelationship
from storage.outbox import queue_email
from storage.times import parse_date, uk_date
from workflows import links, messages
from workflows.access import user_of
from workflows.errors import InvalidInput, NotAllowed

# Nobody is part-way through signing these, and they name the old supervisor: voided, with the reason.
VOIDED_ON_TRANSFER = (DocumentState.DRAFT, DocumentState.DECLINED)


@dataclasses.dataclass(frozen=True)
class TransferOutcome:
    relationship: SupervisionRelationship
    ended: list[SupervisionRelationship]
    voided: list[Document]
    kept_with_signers: list[Document]


def can_transfer(user: Staff | None) -> bool:
    """HR and admins move supervisees between supervisors."""
    return user is not None and (user.has_role(Role.HR) or user.has_role(Role.ADMIN))


@dataclasses.dataclass(frozen=True)
class Choices:
    """Who can be moved, each named with who supervises them now, and who they can be moved to: (id, name)."""

    supervisees: list[tuple[int, str]]
    supervisors: list[tuple[int, str]]


def choices(organisation_id: int, today: dt.date | None = None) -> Choices:
    """The organisation's supervisees, with their current supervisors in the name, and its supervisors."""
    today = today or dt.date.today()
    everyone = list(db.scalars(select(Staff).where(Staff.organisation_id == organisation_id).order_by(Staff.name)))
    current: dict[int, list[str]] = {}
    for r in db.scalars(select(SupervisionRelationship).join(SupervisionRelationship.supervisor)
                        .where(Staff.organisation_id == organisation_id)):
        if r.is_current(today):
            current.setdefault(r.supervisee_id, []).append(r.supervisor.name)
    supervisees = [(p.id, p.name + (f" (now supervised by {', '.join(current[p.id])})" if p.id in current else ""))
                   for p in everyone if p.has_role(Role.SUPERVISEE)]
    return Choices(supervisees, [(p.id, p.name) for p in everyone if p.has_role(Role.SUPERVISOR)])


def transfer(supervisee_id: int | None, new_supervisor_id: int | None, starts_on: dt.date | str,
             actor: audit.Actor) -> TransferOutcome:
    """End the supervisee's current supervision the day before `starts_on` and start it with the new supervisor."""
    user = user_of(actor)
    if not can_transfer(user):
        raise NotAllowed()
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    new_supervisor = db.get(Staff, new_supervisor_id) if new_supervisor_id else None
    errors: dict[str, str] = {}
    if supervisee is None or supervisee.organisation_id != user.organisation_id:
        errors["supervisee_id"] = "Choose the supervisee to transfer"
    if new_supervisor is None or new_supervisor.organisation_id != user.organisation_id:
        errors["supervisor_id"] = "Choose the new supervisor"
    elif not new_supervisor.has_role(Role.SUPERVISOR):
        errors["supervisor_id"] = f"Choose someone with the supervisor role – {new_supervisor.name} does not have it"
    elif supervisee is not None and new_supervisor.id == supervisee.id:
        errors["supervisor_id"] = "Choose someone other than the supervisee – a person cannot supervise themselves"
    start, date_error = parse_date(starts_on, "transfer date")
    if start is None:
        errors["starts_on"] = date_error or "Enter the date the new supervisor takes over"
    if errors:
        raise InvalidInput(errors)
    outcome = move_supervisee(supervisee, new_supervisor, start, actor)
    db.commit()
    return outcome


def move_supervisee(supervisee: Staff, new_supervisor: Staff, start: dt.date, actor: audit.Actor) -> TransferOutcome:
    """The transfer itself, for a use case that has checked who and when (the caller commits)."""
    relationships = db.scalars(
        select(SupervisionRelationship).where(SupervisionRelationship.supervisee_id == supervisee.id)
        .with_for_update()
    ).all()
    # Every supervision still running on the transfer date ends the day before it.
    running = [r for r in relationships if r.ends_on is None or r.ends_on >= start]
    for r in running:
        if r.supervisor_id == new_supervisor.id:
            raise InvalidInput({"supervisor_id": f"{new_supervisor.name} already supervises {supervisee.name} "
                                                 f"on {uk_date(start)} – choose a different supervisor"})
        if r.starts_on >= start:
            raise InvalidInput({"starts_on": f"{r.supervisor.name} only starts supervising {supervisee.name} on "
                                             f"{uk_date(r.starts_on)} – enter a transfer date after that"})
    day_before = start - dt.timedelta(days=1)
    old_supervisors = [r.supervisor for r in running]
    for r in running:
        r.ends_on = day_before
    relationship = SupervisionRelationship(supervisor=new_supervisor, supervisee=supervisee, starts_on=start)
    db.add(relationship)
    db.flush()

    voided, kept = _settle_documents(supervisee, old_supervisors, new_supervisor, start, actor)
    audit.record(db, "transferred", actor, supervisee_id=supervisee.id, to_supervisor_id=new_supervisor.id,
                 from_supervisor_ids=[s.id for s in old_supervisors], starts_on=start.isoformat(),
                 ended_relationship_ids=[r.id for r in running], relationship_id=relationship.id,
                 voided_document_ids=[d.id for d in voided], kept_with_signers_ids=[d.id for d in kept])
    subject, body = messages.transferred_in(supervisee, new_supervisor, start, links.home_url())
    queue_email(db, to=new_supervisor.email, subject=subject, body=body)
    for old in old_supervisors:
        subject, body = messages.transferred_out(supervisee, old, new_supervisor, start, voided, kept)
        queue_email(db, to=old.email, subject=subject, body=body)
    return TransferOutcome(relationship, running, voided, kept)


def _settle_documents(supervisee: Staff, old_supervisors: list[Staff], new_supervisor: Staff, start: dt.date,
                      actor: audit.Actor) -> tuple[list[Document], list[Document]]:
    """Void the old supervisors' unsent and declined documents; leave those being signed with their signers."""
    if not old_supervisors:
        return [], []
    documents = db.scalars(
        select(Document).where(Document.supervisee_id == supervisee.id,
                               Document.supervisor_id.in_([s.id for s in old_supervisors]))
        .order_by(Document.id).with_for_update()
    ).all()
    voided, kept = [], []
    for document in documents:
        if document.state in VOIDED_ON_TRANSFER:
            reason = (f"{supervisee.name} transferred to {new_supervisor.name} from {uk_date(start)}; "
                      "the new supervisor writes their own documents.")
            document.void(reason)
            for link in db.scalars(select(SigningLink).where(SigningLink.document_id == document.id)):
                link.revoke("supervisee transferred")
            audit.record(db, "voided", actor, document.id, reason=reason, on_transfer=True)
            voided.append(document)
        elif document.state.is_open_for_signature:
            # The session happened with its own supervisor: they finish signing what they already hold.
            audit.record(db, "kept_with_signers", actor, document.id, transferred_to=new_supervisor.id,
                         starts_on=start.isoformat())
            kept.append(document)
    return voided, kept


