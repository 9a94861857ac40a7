"""Group sessions (H 5.2, 5.3; B 4.3, 4.4): a supervisor sets one up with its attendees, writes its record and
sends it for everyone to sign; attendees, HR and the facilitator read it; a facilitator records an absence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from flask import current_app
from sqlalchemy import or_, select

from doc_templates import pack_schema
from doc_templates.schema import TemplateSchema
from signing.tokens import issue_group_link
from storage import audit
from storage.db import session as db
from storage.models import (
    GROUP_RECORD,
    Document,
    DocumentState,
    GroupAnswer,
    GroupAttendee,
    GroupKind,
    GroupSession,
    Role,
    Staff,
)
from storage.outbox import queue_email
from storage.states import DOCUMENT
from storage.times import parse_date
from workflows import group_attendance, group_members, links, messages
from workflows.access import user_of
from workflows.errors import InvalidInput, NotAllowed, NotReady
from workflows.renditions import prepare_draft
from workflows.templates import current_version

# A group has at least two attendees besides its facilitator; more than this is a meeting, not a group.
MIN_ATTENDEES, MAX_ATTENDEES = 2, 30
MAX_LENGTH_MINUTES = 600
# The session's own fields are set when it is created; the record's form asks for the rest.
SESSION_FIELDS = ("group_kind", "supervision_date", "session_length")


def record_schema(session: GroupSession) -> TemplateSchema:
    """The group record template of the facilitator's organisation's pack."""
    return pack_schema(session.facilitator.organisation.template_pack, "group_record")


def can_facilitate(user: Staff | None) -> bool:
    return user is not None and user.has_role(Role.SUPERVISOR)


def staff_to_invite(facilitator: Staff, today: dt.date | None = None) -> list[Staff]:
    """The organisation's staff who can attend: everyone still working there, except the facilitator."""
    today = today or dt.date.today()
    people = db.scalars(select(Staff).where(Staff.organisation_id == facilitator.organisation_id,
                                            Staff.id != facilitator.id).order_by(Staff.name, Staff.id))
    return [p for p in people if not p.has_left(today)]


def create_session(facilitator_id: int, *, kind: str, held_on: str, length_minutes: str, attendee_ids: list[str],
                   actor: audit.Actor) -> GroupSession:
    """Set up a group session: its kind, date, length and who attended (chosen from the organisation's staff)."""
    facilitator = db.get(Staff, facilitator_id)
    if not can_facilitate(facilitator):
        raise NotAllowed()
    errors: dict[str, str] = {}
    if kind not in {k.value for k in GroupKind}:
        errors["kind"] = "Choose the kind of group: group supervision, reflective practice group or action learning set"
    day, error = parse_date(held_on, "date of the session")
    if error:
        errors["held_on"] = error
    elif day > dt.date.today():
        errors["held_on"] = "Enter today's date or an earlier one: set up the session once the group has met"
    elif day < dt.date(2000, 1, 1):
        errors["held_on"] = "Enter a date from the year 2000 on"
    text = (length_minutes or "").strip()
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= MAX_LENGTH_MINUTES:
        errors["length_minutes"] = f"Enter how long the session lasted in minutes, from 1 to {MAX_LENGTH_MINUTES}"
    invitable = {str(p.id): p for p in staff_to_invite(facilitator)}
    chosen = list(dict.fromkeys(str(i) for i in attendee_ids or []))
    if any(i not in invitable for i in chosen):
        errors["attendees"] = "Choose attendees from your organisation's staff list"
    elif not MIN_ATTENDEES <= len(chosen) <= MAX_ATTENDEES:
        errors["attendees"] = (f"Choose at least {MIN_ATTENDEES} people who attended (the facilitator is added "
                               f"for you), and at most {MAX_ATTENDEES}")
    if errors:
        raise InvalidInput(errors)
    session = GroupSession(organisation_id=facilitator.organisation_id, facilitator=facilitator,
                           kind=GroupKind(kind), held_on=day, length_minutes=int(text),
                           attendees=[GroupAttendee(staff_id=invitable[i].id) for i in chosen])
    db.add(session)
    db.flush()
    audit.record(db, "group_session_created", actor, None, group_session=session.id, kind=kind,
                 held_on=day.isoformat(), length_minutes=int(text), attendees=[int(i) for i in chosen])
    db.commit()
    return session


@dataclasses.dataclass(frozen=True)
class GroupPage:
    """A group session as its page shows it: the session, its record, and where each person stands."""

    session: GroupSession
    document: Document | None
    answers: dict[int, GroupAnswer]
    is_facilitator: bool

    @property
    def people(self) -> list[Staff]:
        return [self.session.facilitator, *(a.staff for a in self.session.attendees)]

    @property
    def open_for_signature(self) -> bool:
        return self.document is not None and self.document.state.is_open_for_signature

    @property
    def can_write(self) -> bool:
        return self.is_facilitator and (self.document is None or self.document.state in (
            DocumentState.DRAFT, DocumentState.DECLINED))

    @property
    def can_send(self) -> bool:
        return self.is_facilitator and self.document is not None and self.document.state is DocumentState.DRAFT


def _readable(session: GroupSession | None, user: Staff | None) -> bool:
    if session is None or user is None or session.organisation_id != user.organisation_id:
        return False
    if user.id == session.facilitator_id or user.has_role(Role.HR):
        return True
    # Attendees once the record has been sent to them.
    return (session.attendee(user.id) is not None and session.document is not None
            and session.document.sent_at is not None)


def group_page(session_id: int, actor: audit.Actor) -> GroupPage:
    """The session's page for its facilitator, its attendees (once sent) and HR; viewing is audited."""
    session = db.get(GroupSession, session_id)
    user = user_of(actor)
    if not _readable(session, user):
        raise NotAllowed()
    document = session.document
    answers = group_members.answers(document) if document is not None else {}
    audit.record(db, "viewed", actor, document.id if document else None, page="group session", group_session=session.id)
    db.commit()
    return GroupPage(session, document, answers, user.id == session.facilitator_id)


def sessions_of(user: Staff) -> list[GroupSession]:
    """The group sessions someone facilitated, or attended and has been sent the record of, newest first."""
    attended = select(GroupAttendee.group_session_id).where(GroupAttendee.staff_id == user.id)
    rows = db.scalars(select(GroupSession).outerjoin(Document, Document.id == GroupSession.document_id).where(
        GroupSession.organisation_id == user.organisation_id,
        or_(GroupSession.facilitator_id == user.id,
            GroupSession.id.in_(attended) & Document.sent_at.is_not(None)),
        or_(Document.id.is_(None), Document.state.not_in([DocumentState.DELETED])),
    ).order_by(GroupSession.held_on.desc(), GroupSession.id.desc()))
    return list(rows)


def waiting_for_me(user: Staff) -> list[GroupSession]:
    """The group records open for signature that this person has still to answer."""
    return [s for s in sessions_of(user) if s.document is not None and s.document.state.is_open_for_signature
            and user.id not in group_members.answers(s.document)]


def _facilitated(session_id: int, actor: audit.Actor, *, lock: bool = False) -> GroupSession:
    session = db.get(GroupSession, session_id)
    user = user_of(actor)
    if session is None or user is None or session.facilitator_id != user.id or not can_facilitate(user):
        raise NotAllowed()
    if lock and session.document_id is not None:
        db.get(Document, session.document_id, with_for_update=True, populate_existing=True)
    return session


def form_schema(schema: TemplateSchema) -> TemplateSchema:
    """The record's template without the session's own fields, which were set when the session was: the form."""
    return dataclasses.replace(schema, fields=tuple(f for f in schema.fields if f.name not in SESSION_FIELDS))


def record_form(session_id: int, actor: audit.Actor) -> tuple[GroupSession, TemplateSchema, dict[str, str]]:
    """The record's form for its facilitator, and what it starts with: what was written so far, if anything."""
    session = _facilitated(session_id, actor)
    if session.document is not None and session.document.state not in (DocumentState.DRAFT, DocumentState.DECLINED):
        DOCUMENT.check("edit", session.document.state, DocumentState.DRAFT)
    schema = record_schema(session)
    values = schema.form_values(session.document.data) if session.document is not None else {}
    db.rollback()
    return session, form_schema(schema), values


def write_record(session_id: int, form: dict[str, str], actor: audit.Actor) -> Document:
    """Check the record's form and make (or change) the record, ready to read and send; a declined one is amended."""
    session = _facilitated(session_id, actor, lock=True)
    schema = record_schema(session)
    document = session.document
    if document is not None and document.state is DocumentState.DECLINED:
        document.amend()
        audit.record(db, "amended", actor, document.id, content_version=document.content_version)
    if document is not None:
        DOCUMENT.check("edit", document.state, DocumentState.DRAFT)
    own = {f.name: form.get(f.name, "") for f in schema.fields if f.name not in SESSION_FIELDS and not f.is_rows}
    own.update({k: v for k, v in form.items() if any(k.startswith(f"{f.name}-") for f in schema.fields if f.is_rows)})
    own.update(group_kind=session.kind.value, supervision_date=session.held_on.isoformat(),
               session_length=str(session.length_minutes))
    values, errors = schema.validate(own)
    if errors:
        db.rollback()
        raise InvalidInput(errors)
    if document is None:
        facilitator = session.facilitator
        document = Document(organisation_id=session.organisation_id, kind=GROUP_RECORD, template_key=schema.key,
                            template_version=current_version(schema.key), supervisor=facilitator,
                            supervisee=facilitator, created_by_id=facilitator.id, data=values,
                            state=DocumentState.DRAFT)
        db.add(document)
        db.flush()
        session.document_id = document.id
        audit.record(db, "created", actor, document.id, template=schema.key,
                     template_version=document.template_version, group_session=session.id)
    else:
        document.edit(values)
        audit.record(db, "edited", actor, document.id)
    prepare_draft(document, actor)
    db.commit()
    return document


def _email_link(document: Document, session: GroupSession, person: Staff, actor: audit.Actor, **detail) -> None:
    """Email one person their own link to sign the record (any earlier one of theirs stops working)."""
    link, token = issue_group_link(db, secret_key=current_app.config["SECRET_KEY"], document=document, person=person,
                                   party=group_attendance.party_for(document, person.id),
                                   lifetime=current_app.config["LINK_LIFETIME"])
    subject, body = messages.group_please_sign(document, session, person, links.signing_url(document.id, token),
                                               link.expires_at)
    queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id)
    audit.record(db, "sent", actor, document.id, party=group_members.role_of(document, person).lower(),
                 to=person.email, link_id=link.id, expires_at=link.expires_at.isoformat(), **detail)


def send_for_signature(session_id: int, actor: audit.Actor) -> Document:
    """Email everyone in the session their own link to sign the record (the facilitator too)."""
    session = _facilitated(session_id, actor, lock=True)
    document = session.document
    if document is None:
        db.rollback()
        raise InvalidInput({"record": "Write the record of the session first"})
    DOCUMENT.check("send", document.state, DocumentState.OUT_FOR_SIGNATURE)
    if document.pdf_sha256 is None:
        db.rollback()
        raise NotReady("The record's PDF is still being made. Wait a moment, then send it.")
    document.send()
    for person in group_members.members(document):
        _email_link(document, session, person, actor)
    db.commit()
    return document


def resend_link(session_id: int, staff_id: int, actor: audit.Actor) -> Staff:
    """Email someone who has not answered yet a new link (theirs expired, or the email went astray)."""
    session = _facilitated(session_id, actor, lock=True)
    document = session.document
    person = next((p for p in group_members.members(document) if p.id == staff_id), None) if document else None
    if person is None or not document.state.is_open_for_signature or staff_id in group_members.answers(document):
        db.rollback()
        raise NotAllowed()
    _email_link(document, session, person, actor, again=True)
    db.commit()
    return person


def attendee_to_mark(session_id: int, staff_id: int, actor: audit.Actor) -> tuple[GroupSession, Staff]:
    """An attendee the facilitator may record as absent now: invited, and not yet answered."""
    session = _facilitated(session_id, actor)
    attendee = session.attendee(staff_id)
    document = session.document
    if attendee is None or document is None or not document.state.is_open_for_signature or (
            staff_id in group_members.answers(document)):
        db.rollback()
        raise NotAllowed()
    db.rollback()
    return session, attendee.staff


def record_absence(session_id: int, staff_id: int, note: str, actor: audit.Actor) -> Document:
    """The facilitator records that an attendee did not attend: they are told, and no longer asked to sign."""
    note = " ".join((note or "").split())
    if len(note) > group_attendance.MAX_NOTE:
        raise InvalidInput({"note": f"Say it in {group_attendance.MAX_NOTE:,} characters or fewer"})
    session = _facilitated(session_id, actor, lock=True)
    document = session.document
    attendee = session.attendee(staff_id)
    if attendee is None:
        db.rollback()
        raise NotAllowed()
    if document is None or not document.state.is_open_for_signature:
        db.rollback()
        raise InvalidInput({"note": "An absence is recorded while the record is out for signature: send it first"})
    group_attendance.absent(document, attendee.staff, recorded_by=session.facilitator, note=note, actor=actor)
    subject, body = messages.group_absence_recorded(document, attendee.staff, note)
    queue_email(db, to=attendee.staff.email, subject=subject, body=body, document_id=document.id)
    db.commit()
    return document
