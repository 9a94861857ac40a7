"""Who belongs to a group record and how each has answered: read by signing, locking, copies and the pages."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import session as db
from storage.models import GROUP_RECORD, Document, GroupAnswer, GroupSession, Staff
from storage.times import uk_time


def is_group(document: Document) -> bool:
    return document.kind == GROUP_RECORD


def session_of(document: Document) -> GroupSession | None:
    return db.scalars(select(GroupSession).where(GroupSession.document_id == document.id)).first()


def members(document: Document) -> list[Staff]:
    """The facilitator first, then each attendee in the order they were added."""
    session = session_of(document)
    return [document.supervisor, *(a.staff for a in session.attendees)] if session else [document.supervisor]


def answers(document: Document) -> dict[int, GroupAnswer]:
    """Each person's answer to the record's current version, by their id."""
    rows = db.scalars(select(GroupAnswer).where(GroupAnswer.document_id == document.id,
                                                GroupAnswer.content_version == document.content_version)
                      .order_by(GroupAnswer.id))
    return {row.staff_id: row for row in rows}


def waiting_for(document: Document) -> list[Staff]:
    """Who has still to sign or be recorded as absent."""
    answered = answers(document)
    return [person for person in members(document) if person.id not in answered]


def how_signed(answer: GroupAnswer) -> str:
    """How a person signed, or that they did not attend, in the words the record and certificate print."""
    if not answer.attended:
        by = "themselves" if answer.recorded_by_id == answer.staff_id else f"by {answer.recorded_by.name}"
        note = f": \u201c{answer.absence_note}\u201d" if answer.absence_note else ""
        return f"Did not attend (recorded {by}{note})"
    where = ("from the document's page in Countersign" if answer.signed_from == "document page"
             else f"via a link emailed to {_unbroken(answer.email)}")
    checked = f", identity confirmed by {answer.identity_check}" if answer.identity_check else ""
    consent = "consent given" if answer.consent_text else "no consent recorded"
    return f"Signed electronically {where}, typed name \u201c{answer.typed_name}\u201d, {consent}{checked}"


def _unbroken(email: str) -> str:
    """An email address no line breaks inside (a word joiner after each hyphen), as the certificate prints it."""
    return email.replace("-", "-\u2060")


def role_of(document: Document, person: Staff) -> str:
    return "Facilitator" if person.id == document.supervisor_id else "Attendee"


def attendance_rows(document: Document, *, signed: bool) -> list[dict[str, str]]:
    """The record's attendance table: each person, with their signature or absence once it is locked."""
    answered = answers(document) if signed else {}
    rows = []
    for person in members(document):
        answer = answered.get(person.id)
        if answer is None:
            signature, on = "", ""
        elif answer.attended:
            signature, on = f"Signed electronically by {answer.typed_name}\n{how_signed(answer)}", uk_time(
                answer.at, with_offset=True)
        else:
            signature, on = how_signed(answer), uk_time(answer.at, with_offset=True)
        rows.append({"name": person.name, "role": role_of(document, person), "signature": signature,
                     "signed_on": on})
    return rows


def certificate_rows(document: Document) -> list[dict[str, str]]:
    """Every person of a locked group record, as the audit certificate lists its signers."""
    answered = answers(document)
    rows = []
    for person in members(document):
        answer = answered[person.id]
        rows.append({
            "party": role_of(document, person) + ("" if answer.attended else " (absent)"),
            "name": person.name,
            "email": _unbroken(answer.email),
            "signed_at": uk_time(answer.at, with_offset=True),
            "how": how_signed(answer),
            "ip_address": answer.ip_address or "not recorded",
            "user_agent": answer.user_agent or "not recorded",
            "reviewed_sha256": answer.reviewed_sha256 or "not signed (did not attend)",
        })
    return rows


def copy_recipients(document: Document) -> list[Staff]:
    """Those who signed a locked group record (the facilitator and each attendee present): each gets a copy."""
    answered = answers(document)
    return [person for person in members(document) if (a := answered.get(person.id)) is not None and a.attended]
