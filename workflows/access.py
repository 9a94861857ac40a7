"""Who may see and act on a document: one list of grants per action, used by every page, download and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from storage.db import session as db
from storage.models import (
    GROUP_RECORD,
    Disagreement,
    DisagreementState,
    Document,
    GroupAttendee,
    GroupSession,
    Role,
    Staff,
)
from storage.models.documents import PROFESSIONAL_KINDS, QUALITY_KINDS
from workflows import cover
from workflows.errors import NotAllowed
from workflows.professional import is_current_professional_supervisor
from workflows.teams import is_current_supervisor

# A grant says yes to one person for one document on one day; an action is allowed if any of its grants says yes.
Grant = Callable[[Staff, Document, dt.date], bool]


def own_document(user: Staff, document: Document, on: dt.date) -> bool:
    """A supervisee's own documents, once sent to them: never the supervisor's unsent draft."""
    return user.id == document.supervisee_id and document.sent_at is not None


def current_supervisor(user: Staff, document: Document, on: dt.date) -> bool:
    """The supervisor responsible for the document's supervisee today: records pass with a transfer (H 9.3). Not the
    professional supervisor's own agreement and records: the line manager sees those only as the two agree (H 5.5).
    Not a group record, whose "supervisee" is its facilitator: their own supervisor was not in the group."""
    return (document.kind not in PROFESSIONAL_KINDS and document.kind != GROUP_RECORD
            and user.has_role(Role.SUPERVISOR) and is_current_supervisor(user.id, document.supervisee_id, on))


def professional_supervisor(user: Staff, document: Document, on: dt.date) -> bool:
    """The supervisee's professional supervisor today: their professional agreement and records, which pass to a new
    professional supervisor (H 9.3, B 9.3) once sent (a draft is its writer's own), and three-way meeting records
    once sent."""
    if document.kind not in PROFESSIONAL_KINDS | {"three_way_meeting"} or document.sent_at is None:
        return False
    return is_current_professional_supervisor(user.id, document.supervisee_id, on)


def author_of_form(user: Staff, document: Document, on: dt.date) -> bool:
    """Who wrote an observation or audit form (the supervisor or their line manager), or a professional document
    while they are the supervisee's professional supervisor or it is being signed."""
    if user.id != document.supervisor_id:
        return False
    if document.kind in QUALITY_KINDS:
        return True
    return document.kind in PROFESSIONAL_KINDS and (
        document.state.is_open_for_signature or is_current_professional_supervisor(user.id, document.supervisee_id, on))


def cover_of_line_supervision(user: Staff, document: Document, on: dt.date) -> bool:
    """A cover for the line supervisor sees what cover needs (workflows/cover.py), never professional documents."""
    return document.kind not in PROFESSIONAL_KINDS and cover.needed_by_cover(user, document, on)


def signer_while_open(user: Staff, document: Document, on: dt.date) -> bool:
    """A party to a document still out for signature keeps it until it is signed or closed (see README: transfers)."""
    return document.state.is_open_for_signature and document.party_of(user.id) is not None


def hr(user: Staff, document: Document, on: dt.date) -> bool:
    """HR: everything in their organisation."""
    return user.has_role(Role.HR)


def hr_once_the_writer_has_left(user: Staff, document: Document, on: dt.date) -> bool:
    """HR, for a document whose writer has left: nobody else can withdraw it any more."""
    return user.has_role(Role.HR) and document.supervisor.has_left(on)


def author_while_responsible(user: Staff, document: Document, on: dt.date) -> bool:
    """The supervisor who wrote it, while they still supervise the supervisee, or while it is being signed."""
    if user.id != document.supervisor_id:
        return False
    return document.state.is_open_for_signature or is_current_supervisor(user.id, document.supervisee_id, on)


def party(user: Staff, document: Document, on: dt.date) -> bool:
    """The supervisor or supervisee named in it, who signs it (the supervisee once it has been sent to them)."""
    return user.id == document.supervisor_id or own_document(user, document, on)


def mediator(user: Staff, document: Document, on: dt.date) -> bool:
    """Mediator: a document with a disagreement they are mediating, until it is closed (resolved or mediated)."""
    return db.scalar(select(Disagreement.id).where(
        Disagreement.document_id == document.id, Disagreement.mediator_id == user.id,
        Disagreement.state == DisagreementState.ESCALATED).limit(1)) is not None


def group_attendee(user: Staff, document: Document, on: dt.date) -> bool:
    """A group record's facilitator; someone invited to the session, once it has been sent to them to sign."""
    if document.kind != GROUP_RECORD:
        return False
    if user.id == document.supervisor_id:
        return True
    return document.sent_at is not None and db.scalar(
        select(GroupAttendee.id).join(GroupSession).where(GroupSession.document_id == document.id,
                                                          GroupAttendee.staff_id == user.id).limit(1)) is not None


_READ: list[Grant] = [own_document, current_supervisor, signer_while_open, hr, mediator, cover_of_line_supervision,
                      professional_supervisor, author_of_form, group_attendee]
GRANTS: dict[str, list[Grant]] = {
    "view": _READ,  # the document's page
    "download": _READ,  # its Word file and PDFs
    "history": _READ,  # its audit trail
    # edit, send, re-send a link, void, amend
    "manage": [author_while_responsible, cover.author_while_covering, author_of_form],
    # withdraw it before it locks: whoever manages it, or HR once its writer has left
    "void": [author_while_responsible, cover.author_while_covering, author_of_form, hr_once_the_writer_has_left],
    "export": [hr],  # part of an HR export of everything held on one person
    "hold": [hr],  # place a legal hold on it
    "disagree": [party],  # record a disagreement with it
}


def allowed(user: Staff | None, action: str, document: Document | None, on: dt.date | None = None) -> bool:
    """Whether `user` may take `action` on `document`; never across organisations, never an unknown action."""
    if user is None or document is None or document.organisation_id != user.organisation_id:
        return False
    on = on or dt.date.today()
    grants = GRANTS.get(action, ())
    if document.retention_status.is_past_retention:  # archived or destroyed: HR's alone
        grants = [grant for grant in grants if grant is hr]
    return any(grant(user, document, on) for grant in grants)


def can_view(user: Staff, document: Document) -> bool:
    return allowed(user, "view", document)


def can_manage(user: Staff, document: Document) -> bool:
    return allowed(user, "manage", document)


def can_search_archive(user: Staff | None) -> bool:
    """The HR archive (search and export) is HR's alone."""
    return user is not None and user.has_role(Role.HR)


def can_administer_templates(user: Staff, template_pack: str) -> bool:
    """An admin uploads template versions for their own organisation's pack only."""
    return user.has_role(Role.ADMIN) and user.organisation.template_pack == template_pack


def document_for(document_id: int, action: str, user: Staff | None, *, lock: bool = False) -> Document:
    """The document if `user` may take `action` on it; NotAllowed otherwise, the same as a missing id."""
    document = db.get(Document, document_id, with_for_update=lock or None, populate_existing=lock)
    if not allowed(user, action, document):
        raise NotAllowed()
    return document


def user_of(actor) -> Staff | None:
    """The signed-in person an audit actor stands for (None for the system, or someone unknown)."""
    return db.get(Staff, actor.staff_id) if actor.staff_id else None
