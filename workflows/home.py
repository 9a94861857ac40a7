"""What a signed-in person's home page lists: their supervisees and documents, and what awaits them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from storage.db import session as db
from storage.models import (
    GROUP_RECORD,
    Disagreement,
    DispositionReview,
    Document,
    DocumentState,
    LegalHold,
    RecordDraft,
    Role,
    Staff,
    SupervisionRelationship,
)
from storage.models.documents import PROFESSIONAL_KINDS
from workflows import disagreements, groups, retention, signing_order, templates
from workflows.records import unfinished_records
from workflows.schedule import SupervisionDue, due_for_supervisor, team_due
from workflows.teams import current_supervisees, needs_agreement


@dataclasses.dataclass(frozen=True)
class TemplateLine:
    """One of the council's templates, by its title, with the version new documents are made from."""

    title: str
    current_version: int


@dataclasses.dataclass(frozen=True)
class HrHome:
    """What HR looks after: records waiting for a decision, the holds standing and this month's leavers."""

    reviews_waiting: list[DispositionReview]
    holds: list[LegalHold]
    leavers_this_month: list[Staff]


@dataclasses.dataclass(frozen=True)
class AdminHome:
    """What the admin puts right: staff whom nobody supervises, disagreements waiting for a mediator, templates."""

    without_supervisor: list[Staff]
    needing_mediator: list[Disagreement]
    templates: list[TemplateLine]


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
    overdue: list[SupervisionDue] = dataclasses.field(default_factory=list)
    declined: list[Document] = dataclasses.field(default_factory=list)
    signed: list[Document] = dataclasses.field(default_factory=list)
    team_overdue: int | None = None
    hr: HrHome | None = None
    admin: AdminHome | None = None
    # Group sessions whose record waits for the person's signature (as attendee or facilitator).
    groups_waiting: list = dataclasses.field(default_factory=list)


def home_page(user: Staff, today: dt.date | None = None) -> HomePage:
    """Everything the person's home page lists, on that day."""
    today = today or dt.date.today()
    supervisor = user.has_role(Role.SUPERVISOR)
    supervisees = current_supervisees(user.id, today) if supervisor else []
    theirs = supervisees_documents(supervisees)
    mine = own_documents(user.id)
    team = team_due(user.id, today)
    return HomePage(
        overdue=[row for row in due_for_supervisor(user.id, today) if row.status == "overdue"] if supervisor else [],
        declined=[d for d in theirs if d.state == DocumentState.DECLINED and d.supervisor_id == user.id],
        signed=[d for d in mine if d.state == DocumentState.LOCKED],
        team_overdue=sum(1 for _, rows in team for row in rows if row.status == "overdue") if team else None,
        hr=hr_home(user.organisation_id, today) if user.has_role(Role.HR) else None,
        admin=admin_home(user.organisation_id, user.organisation.template_pack, today)
        if user.has_role(Role.ADMIN) else None,
        supervisees=supervisees,
        by_supervisee={s.id: [d for d in theirs if d.supervisee_id == s.id] for s in supervisees},
        mine=mine,
        awaiting=awaiting_signature(user, [*out_for_signature_by(user.id), *theirs, *mine]),
        to_write=needs_agreement(user.id, supervisees),
        unfinished=unfinished_records(user.id),
        open_disagreements=disagreements.open_for(user),
        groups_waiting=groups.waiting_for_me(user),
    )


def supervisees_documents(supervisees: list[Staff]) -> list[Document]:
    """Every document of these supervisees, newest first, whoever wrote it."""
    if not supervisees:
        return []
    # A supervisee's records pass to whoever supervises them now, whoever wrote them (H 9.3).
    # Not the professional supervisor's own documents: a line manager does not see those (workflows/access.py).
    return list(db.scalars(select(Document).where(Document.supervisee_id.in_([s.id for s in supervisees]),
                                                  Document.kind != GROUP_RECORD,
                                                  Document.state != DocumentState.DELETED,
                                                  Document.kind.not_in(PROFESSIONAL_KINDS))
                           .order_by(Document.created_at.desc())))


def own_documents(supervisee_id: int) -> list[Document]:
    """The documents about this person that have been sent to them, newest first."""
    # A group record's supervisee is its facilitator: it is listed with the group sessions instead.
    return list(db.scalars(select(Document).where(Document.supervisee_id == supervisee_id,
                                                  Document.kind != GROUP_RECORD,
                                                  Document.state != DocumentState.DRAFT,
                                                  Document.sent_at.is_not(None))
                           .order_by(Document.created_at.desc())))


def out_for_signature_by(supervisor_id: int) -> list[Document]:
    """The documents this supervisor has sent that are not signed by both yet."""
    return list(db.scalars(select(Document).where(
        Document.supervisor_id == supervisor_id, Document.kind != GROUP_RECORD,
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


def hr_home(organisation_id: int, today: dt.date) -> HrHome:
    """HR's part of the home page, on that day."""
    holds = db.scalars(select(LegalHold).where(LegalHold.organisation_id == organisation_id,
                                               LegalHold.lifted_at.is_(None)).order_by(LegalHold.placed_at.desc()))
    first = today.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    leavers = db.scalars(select(Staff).where(Staff.organisation_id == organisation_id, Staff.leaver_date >= first,
                                             Staff.leaver_date < after).order_by(Staff.leaver_date, Staff.name))
    return HrHome(retention.waiting_for_decision(organisation_id), list(holds), list(leavers))


def admin_home(organisation_id: int, template_pack: str, today: dt.date) -> AdminHome:
    """The admin's part of the home page, on that day."""
    supervised = {r.supervisee_id for r in db.scalars(select(SupervisionRelationship).join(SupervisionRelationship.supervisee)
                                                      .where(Staff.organisation_id == organisation_id)) if r.is_current(today)}
    staff = db.scalars(select(Staff).where(Staff.organisation_id == organisation_id).order_by(Staff.name))
    unsupervised = [p for p in staff if p.has_role(Role.SUPERVISEE) and p.id not in supervised
                    and not p.has_left(today)]
    lines = [TemplateLine(schema.title, templates.current_version(schema.key))
             for schema in templates.pack_schemas(template_pack)]
    return AdminHome(unsupervised, disagreements.awaiting_mediator(organisation_id), lines)
