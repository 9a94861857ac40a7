"""What is due: each supervisee's next supervision, agreement reviews, postponed sessions and unsigned documents."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import defer, lazyload

from storage import audit
from storage.db import session as db
from storage.models import (
    GROUP_RECORD,
    Document,
    DocumentState,
    GroupAnswer,
    GroupKind,
    GroupSession,
    Party,
    PostponedSession,
    Staff,
    SupervisionRelationship,
    as_utc,
    utcnow,
)
from storage.models.documents import PROFESSIONAL_KINDS
from storage.times import add_years, parse_date
from workflows import access, group_members, newly_qualified, policy_changes, signing_order
from workflows.errors import InvalidInput, NotAllowed
from workflows.frequency import (
    COUNTING_GROUP_KINDS,
    Frequency,
    GroupRule,
    Person,
    category_label,
    frequency_on,
    group_rule,
)
from workflows.teams import current_relationships, session_parties, team_supervisors

DUE_SOON_DAYS = 7  # a supervision is "due soon" this many days ahead
REVIEW_SOON_DAYS = 30  # an agreement review is flagged a month ahead, time enough to book it
MAX_REASON = 500


@dataclasses.dataclass
class SupervisionDue:
    """One supervisee's position: when they were last supervised, when next, and their agreement."""

    supervisee: Staff
    supervisor: Staff
    relationship: SupervisionRelationship
    category: str
    last_held: dt.date | None
    booked_for: dt.date | None
    next_due: dt.date
    frequency: Frequency
    today: dt.date
    agreement: Document | None
    agreement_pending: Document | None
    review_due: dt.date | None
    agreement_needed_by: dt.date | None
    # While set, an ASYE learning agreement stands in for the supervision agreement (B 5.2).
    learning_agreement_until: dt.date | None = None
    # Group supervision they signed as attending: its latest date, and what it counts toward under their category.
    group_last_held: dt.date | None = None
    group_rule: GroupRule | None = None
    # Where group supervision is a requirement of its own (Havering's day opportunities staff, weekly).
    group_next_due: dt.date | None = None
    # Where it stands in for one-to-one (Barking and Dagenham's provider services): the last session was a group.
    last_held_in_group: bool = False

    @property
    def days_to_due(self) -> int:
        return (self.next_due - self.today).days

    @property
    def status(self) -> str:
        if self.days_to_due < 0:
            return "overdue"
        return "due_soon" if self.days_to_due <= DUE_SOON_DAYS else "on_track"

    @property
    def booked_too_late(self) -> bool:
        return self.booked_for is not None and self.booked_for > self.next_due

    @property
    def group_status(self) -> str | None:
        return _status(self.group_next_due, self.today, 0)

    @property
    def review_status(self) -> str | None:
        return _status(self.review_due, self.today, REVIEW_SOON_DAYS)

    @property
    def agreement_needed_status(self) -> str | None:
        return _status(self.agreement_needed_by, self.today, REVIEW_SOON_DAYS)


@dataclasses.dataclass
class Unsigned:
    """A document sent for signature some days ago that one or both parties have not signed."""

    document: Document
    waiting_for: list[Party]
    days_waiting: int


def _status(day: dt.date | None, today: dt.date, soon: int) -> str | None:
    if day is None:
        return None
    if day < today:
        return "overdue"
    return "due_soon" if (day - today).days <= soon else "on_track"


# --- reading what is due ---------------------------------------------------------------------


def due_for_supervisor(supervisor_id: int, today: dt.date | None = None) -> list[SupervisionDue]:
    """Each of this supervisor's current supervisees, soonest due first."""
    today = today or dt.date.today()
    relationships = current_relationships(supervisor_id, today)
    return _due_rows(relationships, today, {r.supervisee_id for r in relationships})


def due_everywhere(today: dt.date) -> list[SupervisionDue]:
    """Every current supervision relationship's position, for the daily reminders."""
    return _due_rows(current_relationships(None, today), today, None)


def team_due(manager_id: int, today: dt.date | None = None) -> list[tuple[Staff, list[SupervisionDue]]]:
    """For a manager: each supervisor they line-manage, with every supervisee's position."""
    today = today or dt.date.today()
    supervisors = team_supervisors(manager_id)
    relationships = current_relationships([s.id for s in supervisors], today)
    rows = _due_rows(relationships, today, {r.supervisee_id for r in relationships})
    return [(supervisor, [row for row in rows if row.relationship.supervisor_id == supervisor.id])
            for supervisor in supervisors]


def _due_rows(relationships: list[SupervisionRelationship], today: dt.date,
              supervisee_ids: set[int] | None) -> list[SupervisionDue]:
    """Each relationship's position from three grouped queries (None: every supervisee's documents)."""
    if not relationships:
        return []
    last_records = _last_records(supervisee_ids)
    last_groups = last_group_sessions(supervisee_ids)
    signed_agreements = _latest_signed_agreements(supervisee_ids)
    pending_agreements = _pending_agreements(supervisee_ids)
    changed = policy_changes.latest_changes(r.supervisee.organisation_id for r in relationships)
    rows = []
    for relationship in relationships:
        person = relationship.supervisee
        mine = (person.id, person.organisation_id)
        last_record = last_records.get(mine)
        last_held = last_record.supervision_date if last_record is not None else None
        pack = person.organisation.template_pack
        groups = group_rule(pack, person.staff_category or None)
        last_group = last_groups.get(mine)
        in_group = bool(groups and groups.stands_in_for_one_to_one and last_group
                        and (last_held is None or last_group > last_held))
        if in_group:  # supervision may take place in a group for them (B 4.3): the group session counts
            last_held = last_group
        signed = signed_agreements.get(mine)
        pending = pending_agreements.get(mine)
        agreed_weeks = signed.agreed_frequency_weeks if signed else None
        facts = Person(person.staff_category or None, person.start_date, person.qualified_on, person.part_time,
                       person.appointed_from_overseas, agreed_weeks)
        if last_held is not None:
            base = last_held
        else:
            # Never supervised here yet: count from when supervision starts – the relationship, their first day
            # or the agreement's start, whichever is latest.
            starts = [relationship.starts_on, person.start_date, signed.agreement_start_date if signed else None]
            base = max(day for day in starts if day is not None)
        frequency = frequency_on(pack, facts, base)
        review_due = None
        if signed is not None:
            began = signed.agreement_start_date or (as_utc(signed.locked_at) or utcnow()).date()
            review_due = policy_changes.review_due(add_years(began, 1), began, changed.get(person.organisation_id))
        needed_by = None if signed is not None else newly_qualified.agreement_needed_by(
            pack, person.staff_category, person.start_date, relationship.starts_on, today)
        learning_until = newly_qualified.learning_agreement_until(pack, person.staff_category, person.start_date)
        booked = last_record.next_supervision_date if last_record is not None else None
        rows.append(SupervisionDue(
            supervisee=person, supervisor=relationship.supervisor, relationship=relationship,
            category=category_label(pack, person.staff_category), last_held=last_held,
            booked_for=booked if booked and booked >= today else None, next_due=frequency.due_after(base),
            frequency=frequency, today=today, agreement=signed, agreement_pending=pending, review_due=review_due,
            agreement_needed_by=needed_by,
            learning_agreement_until=learning_until if learning_until and today < learning_until else None,
            group_last_held=last_group, group_rule=groups, last_held_in_group=in_group,
            group_next_due=(groups.interval.after(max(d for d in (last_group, relationship.starts_on,
                                                                   person.start_date) if d is not None))
                            if groups and groups.interval else None),
        ))
    return sorted(rows, key=lambda row: (row.next_due, row.supervisee.name, row.supervisee.id))


# The due pages show an agreement's reference and state; its form data and signatures load only if asked for.
_JUST_THE_DOCUMENT = (defer(Document.data), lazyload(Document.signatures))


# Each query groups by supervisee and organisation: only documents written in the supervisee's own organisation
# count, and `_due_rows` looks each up by (supervisee, their organisation).
def _theirs(query, supervisee_ids: set[int] | None):
    """Documents of these supervisees (or everyone's) that are not voided or deleted unsent."""
    query = query.where(Document.state.not_in([DocumentState.VOIDED, DocumentState.DELETED]))
    return query if supervisee_ids is None else query.where(Document.supervisee_id.in_(sorted(supervisee_ids)))


def _last_records(supervisee_ids: set[int] | None) -> dict[tuple[int, int], Row]:
    """Each supervisee's record of their latest session (the first written, if two are of one day)."""
    latest = _theirs(select(Document.supervisee_id, Document.organisation_id,
                            func.max(Document.supervision_date).label("day"))
                     .where(Document.kind == "record", Document.supervision_date.is_not(None)), supervisee_ids
                     ).group_by(Document.supervisee_id, Document.organisation_id).subquery()
    found: dict[tuple[int, int], Row] = {}
    for row in db.execute(_theirs(select(
            Document.id, Document.supervisee_id, Document.organisation_id, Document.supervision_date,
            Document.next_supervision_date).join(latest, and_(
                Document.supervisee_id == latest.c.supervisee_id, Document.organisation_id == latest.c.organisation_id,
                Document.supervision_date == latest.c.day)).where(Document.kind == "record"), supervisee_ids)
            .order_by(Document.id)):
        found.setdefault((row.supervisee_id, row.organisation_id), row)
    return found


def last_group_sessions(supervisee_ids: set[int] | None) -> dict[tuple[int, int], dt.date]:
    """Each person's latest group supervision they signed as attending (not a reflective group or action learning
    set, which supplement supervision rather than count toward it: H 5.5, B 4.5), in their own organisation."""
    query = (select(GroupAnswer.staff_id, GroupSession.organisation_id, func.max(GroupSession.held_on))
             .join(GroupSession, GroupSession.document_id == GroupAnswer.document_id)
             .join(Document, Document.id == GroupAnswer.document_id)
             .where(GroupAnswer.attended.is_(True), GroupAnswer.content_version == Document.content_version,
                    GroupAnswer.staff_id != GroupSession.facilitator_id,
                    GroupSession.kind.in_([GroupKind(kind) for kind in COUNTING_GROUP_KINDS]),
                    Document.state.not_in([DocumentState.VOIDED, DocumentState.DELETED, DocumentState.DECLINED]))
             .group_by(GroupAnswer.staff_id, GroupSession.organisation_id))
    if supervisee_ids is not None:
        query = query.where(GroupAnswer.staff_id.in_(sorted(supervisee_ids)))
    return {(staff_id, organisation_id): day for staff_id, organisation_id, day in db.execute(query)}


def _latest_signed_agreements(supervisee_ids: set[int] | None) -> dict[tuple[int, int], Document]:
    """Each supervisee's locked agreement with the latest start date (the newest, if two start on one day or none
    says when it starts)."""
    signed = (Document.kind == "agreement", Document.state == DocumentState.LOCKED)
    latest = _theirs(select(Document.supervisee_id, Document.organisation_id,
                            func.max(Document.agreement_start_date).label("day")).where(*signed), supervisee_ids
                     ).group_by(Document.supervisee_id, Document.organisation_id).subquery()
    found: dict[tuple[int, int], Document] = {}
    for document in db.scalars(_theirs(select(Document).join(latest, and_(
            Document.supervisee_id == latest.c.supervisee_id, Document.organisation_id == latest.c.organisation_id,
            or_(Document.agreement_start_date == latest.c.day, latest.c.day.is_(None)))).where(*signed),
            supervisee_ids).order_by(Document.id.desc()).options(*_JUST_THE_DOCUMENT)):
        found.setdefault((document.supervisee_id, document.organisation_id), document)
    return found


def _pending_agreements(supervisee_ids: set[int] | None) -> dict[tuple[int, int], Document]:
    """Each supervisee's newest agreement still being written or signed."""
    newest = _theirs(select(func.max(Document.id)).where(
        Document.kind == "agreement",
        Document.state.in_([DocumentState.DRAFT, DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]),
    ), supervisee_ids).group_by(Document.supervisee_id, Document.organisation_id)
    documents = db.scalars(select(Document).where(Document.id.in_(newest.scalar_subquery()))
                           .options(*_JUST_THE_DOCUMENT))
    return {(d.supervisee_id, d.organisation_id): d for d in documents}


def postponed_outstanding(supervisor_ids: Iterable[int] | None, today: dt.date | None = None) -> list[PostponedSession]:
    """Postponed sessions not yet held (no record of a session on or after the postponement), soonest first."""
    query = select(PostponedSession).where(PostponedSession.held_on.is_(None))
    if supervisor_ids is not None:
        ids = list(supervisor_ids)
        if not ids:
            return []
        query = query.where(PostponedSession.supervisor_id.in_(ids))
    held = select(Document.id).where(
        Document.supervisee_id == PostponedSession.supervisee_id, Document.kind == "record",
        Document.state.not_in([DocumentState.VOIDED, DocumentState.DELETED]),
        Document.supervision_date >= PostponedSession.postponed_on)
    outstanding = db.scalars(query.where(~held.exists())).all()
    return sorted(outstanding, key=lambda s: (s.hold_by, s.id))


def unsigned_documents(today: dt.date | None = None, supervisor_ids: Iterable[int] | None = None,
                       days: int | None = None, viewer: Staff | None = None) -> list[Unsigned]:
    """Documents out for signature longer than the reminder setting, with who has still to sign. Shown to `viewer`,
    professional supervision documents only if they may see them (need to know: never the writer's line manager)."""
    today = today or dt.date.today()
    days = unsigned_reminder_days() if days is None else days
    query = select(Document).where(Document.state.in_([DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]),
                                   Document.sent_at.is_not(None), Document.kind != GROUP_RECORD)
    if supervisor_ids is not None:
        query = query.where(Document.supervisor_id.in_(list(supervisor_ids)))
    found = []
    for document in db.scalars(query.order_by(Document.sent_at)):
        waiting = (today - as_utc(document.sent_at).date()).days
        if waiting < days:
            continue
        if viewer is not None and document.kind in PROFESSIONAL_KINDS and not access.allowed(viewer, "view", document,
                                                                                             today):
            continue
        parties = signing_order.waiting_on(document)  # in a signing order, the next party only
        if parties:
            found.append(Unsigned(document, parties, waiting))
    return found


def unsigned_group_records(today: dt.date, days: int) -> list[tuple[Document, list[Staff], int]]:
    """Group records out for signature at least `days` days, each with who has still to answer and how long."""
    query = select(Document).where(Document.state.in_([DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]),
                                   Document.sent_at.is_not(None), Document.kind == GROUP_RECORD)
    found = []
    for document in db.scalars(query.order_by(Document.sent_at)):
        waiting = (today - as_utc(document.sent_at).date()).days
        if waiting >= days and (people := group_members.waiting_for(document)):
            found.append((document, people, waiting))
    return found


def unsigned_reminder_days() -> int:
    return max(1, int(current_app.config["UNSIGNED_REMINDER_DAYS"]))


# --- postponing a session --------------------------------------------------------------------


def record_postponement(supervisor_id: int, supervisee_id: int | None, form: dict[str, str],
                        actor: audit.Actor) -> PostponedSession:
    """Note that a booked session was postponed; it must then be held within seven days."""
    errors: dict[str, str] = {}
    supervisor, supervisee = session_parties(supervisor_id, supervisee_id, errors)
    booked_for, error = parse_date(form.get("booked_for"), "date the session was booked for")
    if error:
        errors["booked_for"] = error
    postponed_on, error = parse_date(form.get("postponed_on"), "date it was postponed")
    if error:
        errors["postponed_on"] = error
    elif postponed_on > dt.date.today():
        errors["postponed_on"] = "Enter today's date or an earlier one – a session cannot be postponed in the future"
    reason = " ".join(str(form.get("reason") or "").split())
    if len(reason) > MAX_REASON:
        errors["reason"] = f"Enter a reason of {MAX_REASON} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    session = PostponedSession(organisation_id=supervisor.organisation_id, supervisor=supervisor, supervisee=supervisee,
                               booked_for=booked_for, postponed_on=postponed_on, reason=reason,
                               recorded_by_id=supervisor.id)
    db.add(session)
    db.flush()
    audit.record(db, "session_postponed", actor, postponed_id=session.id, supervisee_id=supervisee.id,
                 booked_for=booked_for.isoformat(), postponed_on=postponed_on.isoformat(),
                 hold_by=session.hold_by.isoformat(), reason=reason)
    db.commit()
    return session


def postponed_session(postponed_id: int, supervisor_id: int) -> PostponedSession:
    """A session this supervisor recorded as postponed; NotAllowed for anyone else's, as for one that does not exist."""
    session = db.get(PostponedSession, postponed_id)
    if session is None or session.supervisor_id != supervisor_id:
        raise NotAllowed()
    return session


def record_held(postponed_id: int, held_on: str | dt.date | None, actor: audit.Actor) -> PostponedSession:
    """Note the day a postponed session was held, when there is no record of it in Countersign."""
    session = postponed_session(postponed_id, actor.staff_id)
    day, error = parse_date(held_on, "date it was held")
    if error:
        raise InvalidInput({"held_on": error})
    if day < session.postponed_on or day > dt.date.today():
        raise InvalidInput({"held_on": f"Enter a date from {session.postponed_on:%d/%m/%Y}, when it was postponed, "
                                       "to today"})
    session.held_on = day
    audit.record(db, "postponed_session_held", actor, postponed_id=session.id, supervisee_id=session.supervisee_id,
                 held_on=day.isoformat(), within_seven_days=day <= session.hold_by)
    db.commit()
    return session
