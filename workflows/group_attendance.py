"""Each person's answer to a group record: signed as present (from their link or the record's page), or did not
attend (said by themselves from their link, or recorded by the facilitator). The last answer locks the record."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from signing.evidence import CONSENT_TEXT
from signing.tokens import check_link
from storage import audit
from storage.db import session as db
from storage.models import Document, GroupAnswer, Party, SigningLink, Staff, utcnow
from storage.models.groups import Role as GroupRole
from storage.outbox import queue_email
from workflows import group_members, links, messages
from workflows.errors import InvalidInput, LinkRefused
from workflows.lock import SignedWord, lock
from workflows.renditions import shown_document

# The longest note about an absence: it is emailed to the facilitator and kept with the record.
MAX_NOTE = 1000


def record_signature(document: Document, link: SigningLink, typed_name: str, reviewed_sha256: str,
                     signer: audit.Actor, *, signed_at: dt.datetime, signed_from: str, identity_check: str | None,
                     rendered: SignedWord | None = None, render_here: bool = True) -> bool:
    """A person signs the group record as present; True when theirs was the last answer and it is now locked.

    As with any document, the last answer's signed Word file is best rendered beforehand with no lock held
    (`rendered`; see lock.lock), else RenderFirst asks for it, unless `render_here`."""
    if link.staff_id in group_members.answers(document):
        db.rollback()
        raise LinkRefused("used")
    shown = shown_document(document.docx_sha256)
    answer = GroupAnswer(document_id=document.id, content_version=document.content_version, staff_id=link.staff_id,
                         role=_role(document, link.staff_id), attended=True, at=signed_at, email=link.email,
                         recorded_by_id=link.staff_id, typed_name=" ".join(typed_name.split()), link_id=link.id,
                         ip_address=signer.ip_address or "", user_agent=signer.user_agent or "",
                         reviewed_sha256=reviewed_sha256, consent_text=CONSENT_TEXT,
                         shown_html_sha256=shown.sha256 if shown else None, signed_from=signed_from,
                         identity_check=identity_check)
    link.used_at = answer.at
    db.add(answer)
    db.flush()
    audit.record(db, "signed", signer, document.id, party=answer.role.value, link_id=link.id, email=link.email,
                 typed_name=answer.typed_name, sha256=reviewed_sha256, consent=CONSENT_TEXT,
                 html_sha256=answer.shown_html_sha256, signed_from=signed_from, identity=identity_check)
    return after_answer(document, answer, rendered, render_here=render_here)


def not_attended_from_link(document_id: int, token: str, *, note: str, actor: audit.Actor) -> Document:
    """An attendee says, from their emailed link, that they did not attend: recorded, and the facilitator told."""
    note = _checked_note(note)
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    link = check_link(db, secret_key=current_app.config["SECRET_KEY"], token=token, purpose="sign",
                      max_age=current_app.config["LINK_LIFETIME"], document_id=document_id, lock=True)
    if not group_members.is_group(document) or not document.state.is_open_for_signature:
        db.rollback()
        raise LinkRefused("revoked")
    if link.staff_id == document.supervisor_id:
        db.rollback()
        raise InvalidInput({"note": "You facilitated this session: sign the record, or void it if it did not happen"})
    person = link.staff
    as_them = audit.Actor(person.id, link.email, actor.ip_address, actor.user_agent)
    answer = absent(document, person, recorded_by=person, note=note, actor=as_them, link=link)
    subject, body = messages.group_absence_said(document, person, note, links.document_url(document.id))
    queue_email(db, to=document.supervisor.email, subject=subject, body=body, document_id=document.id)
    db.commit()
    return answer


def absent(document: Document, person: Staff, *, recorded_by: Staff, note: str, actor: audit.Actor,
           link: SigningLink | None = None) -> Document:
    """Record that `person` did not attend; their link stops working; the caller commits."""
    if person.id in group_members.answers(document):
        db.rollback()
        raise InvalidInput({"note": f"{person.name} has already answered this record"})
    answer = GroupAnswer(document_id=document.id, content_version=document.content_version, staff_id=person.id,
                         role=_role(document, person.id), attended=False, at=utcnow(), email=person.email,
                         recorded_by_id=recorded_by.id, link_id=link.id if link else None,
                         ip_address=actor.ip_address or "", user_agent=actor.user_agent or "",
                         absence_note=note or None)
    if link is not None:
        link.used_at = answer.at
    for other in db.query(SigningLink).filter_by(document_id=document.id, staff_id=person.id, purpose="sign"):
        other.revoke("recorded as not attending")
    db.add(answer)
    db.flush()
    audit.record(db, "group_absence_recorded", actor, document.id, staff_id=person.id, email=person.email,
                 recorded_by=recorded_by.email, note=note or None)
    after_answer(document, answer)
    return document


def after_answer(document: Document, answer: GroupAnswer, rendered: SignedWord | None = None, *,
                 render_here: bool = True) -> bool:
    """Move the record on after an answer; lock it if everyone has answered. True when it locked."""
    complete = not group_members.waiting_for(document)
    document.answer_group(complete=complete, at=answer.at)
    if complete:
        lock(document, rendered, render_here=render_here)  # may ask for the file to be rendered first (RenderFirst)
    return complete


def _checked_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidInput({"note": f"Say it in {MAX_NOTE:,} characters or fewer"})
    return note


def _role(document: Document, staff_id: int) -> GroupRole:
    return GroupRole.FACILITATOR if staff_id == document.supervisor_id else GroupRole.ATTENDEE


def party_for(document: Document, staff_id: int) -> Party:
    """The party a group member's signing link carries: the facilitator as supervisor, an attendee as supervisee."""
    return Party.SUPERVISOR if staff_id == document.supervisor_id else Party.SUPERVISEE
