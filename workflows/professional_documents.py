"""The professional supervisor's own agreement and records with a supervisee (H 4.2, H 5.4, B 2.2, B 3.1, B 4.2),
and the three-way meetings of supervisee, line manager and professional supervisor (H 5.5, B 4.5)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select

from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, ProfessionalSupervision, Staff
from storage.models.documents import PROFESSIONAL_KINDS
from storage.times import uk_date
from workflows import access
from workflows.drafting import draft_document
from workflows.errors import NotAllowed
from workflows.frequency import add_months, policy_for
from workflows.professional import current_professional_supervisors, professional_supervisees
from workflows.teams import can_write_for

THREE_WAY = "three_way_meeting"
# Kept however they end: only a voided or deleted meeting record is not a meeting held.
_NOT_HELD = (DocumentState.VOIDED, DocumentState.DELETED)


def start_professional_document(kind: str, professional_id: int, supervisee_id: int | None, form: dict[str, str],
                                actor: audit.Actor) -> Document:
    """The professional supervisor writes a professional supervision agreement or record for one of their
    professional supervisees; its Word file is rendered and its PDF queued."""
    if kind not in PROFESSIONAL_KINDS:
        raise NotAllowed()
    author = db.get(Staff, professional_id)
    supervisee = next((s for s in professional_supervisees(author.id) if s.id == supervisee_id), None)
    errors = {} if supervisee is not None else {"supervisee": "Choose one of the people you are professional "
                                                              "supervisor of"}
    document = draft_document(kind, author, supervisee, form, actor, errors=errors)
    db.commit()
    return document


def start_three_way(line_manager_id: int, supervisee_id: int | None, form: dict[str, str],
                    actor: audit.Actor) -> Document:
    """The line manager records a three-way meeting with a supervisee and their professional supervisor, who is
    named in it; the line manager and the supervisee sign it, and the professional supervisor sees it."""
    author = db.get(Staff, line_manager_id)
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    professional = (current_professional_supervisors([supervisee.id]).get(supervisee.id)
                    if supervisee is not None and can_write_for(author, supervisee) else None)
    errors = {} if professional is not None else {
        "supervisee": "Choose one of your supervisees who has a professional supervisor"}
    extra = {"professional_supervisor_id": professional.id, "professional_supervisor_name": professional.name} \
        if professional is not None else {}
    document = draft_document(THREE_WAY, author, supervisee, form, actor, errors=errors, extra=extra)
    db.commit()
    return document


def three_way_supervisees(line_manager_id: int, supervisees: Iterable[Staff]) -> list[Staff]:
    """Of a line manager's supervisees, those with a professional supervisor: the people a three-way meeting is for."""
    people = list(supervisees)
    have = current_professional_supervisors(p.id for p in people)
    return [p for p in people if p.id in have]


def documents_for_professional(staff_id: int) -> list[tuple[Staff, list[Document]]]:
    """Each current professional supervisee, with the professional documents and three-way meeting records about
    them (newest first) that this professional supervisor sees."""
    people = professional_supervisees(staff_id)
    if not people:
        return []
    documents = db.scalars(select(Document).where(
        Document.supervisee_id.in_([p.id for p in people]),
        Document.kind.in_([*PROFESSIONAL_KINDS, THREE_WAY]), Document.state != DocumentState.DELETED)
        .order_by(Document.created_at.desc())).all()
    # Professional records pass to a new professional supervisor (H 9.3, B 9.3) once sent, never the one before's
    # unsent drafts; a meeting record once it is sent. The same rule as opening one (workflows/access.py).
    viewer = db.get(Staff, staff_id)
    visible = [d for d in documents if access.allowed(viewer, "view", d)]
    return [(p, [d for d in visible if d.supervisee_id == p.id]) for p in people]


@dataclasses.dataclass(frozen=True)
class ThreeWayDue:
    """A supervisee whose three-way meeting is overdue, and why."""

    last_held: dt.date | None
    due_by: dt.date
    rule: str

    @property
    def words(self) -> str:
        held = f"last held {uk_date(self.last_held)}" if self.last_held else "none held yet"
        return f"Three-way meeting overdue since {uk_date(self.due_by)} ({held}). {self.rule}."


def three_way_overdue(people: Iterable[Staff], today: dt.date | None = None) -> dict[int, ThreeWayDue]:
    """Of these supervisees, those with a professional supervisor whose policy sets an interval for three-way
    meetings (Havering: twice a year) and whose last meeting, or the professional supervision's start, is older."""
    today = today or dt.date.today()
    people = list(people)
    have = current_professional_supervisors((p.id for p in people), today)
    people = [p for p in people if p.id in have and policy_for(p.organisation.template_pack).three_way_months]
    if not people:
        return {}
    ids = [p.id for p in people]
    last = dict(db.execute(select(Document.supervisee_id, func.max(Document.supervision_date)).where(
        Document.kind == THREE_WAY, Document.supervisee_id.in_(ids), Document.state.not_in(_NOT_HELD))
        .group_by(Document.supervisee_id)).all())
    began: dict[int, dt.date] = {}
    for row in db.scalars(select(ProfessionalSupervision).where(ProfessionalSupervision.supervisee_id.in_(ids))):
        if row.is_current(today):
            began[row.supervisee_id] = row.starts_on
    found = {}
    for person in people:
        policy = policy_for(person.organisation.template_pack)
        held = last.get(person.id)
        due_by = add_months(held or began.get(person.id, today), policy.three_way_months)
        if due_by < today:
            found[person.id] = ThreeWayDue(held, due_by, policy.three_way_rule)
    return found
