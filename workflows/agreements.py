"""The supervisor's use cases for an agreement: write it, change the draft, send it, void it, amend it."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from doc_templates import TemplateSchema, get_schema, pack_schema
from signing.seal import seal_problem
from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, Organisation, Party, SigningLink, Staff
from storage.models.documents import QUALITY_KINDS
from storage.outbox import queue_email
from storage.states import DOCUMENT
from storage.times import uk_date
from workflows import group_members, messages, quality_forms, signing_order
from workflows.access import can_manage, document_for, user_of
from workflows.errors import InvalidInput, NotAllowed, NotReady
from workflows.renditions import prepare_draft
from workflows.teams import can_write_for
from workflows.templates import current_version

# Kept in a document's data beside what was typed, and kept when its draft is changed.
KEPT_ON_EDIT = ("professional_supervisor_id", "professional_supervisor_name", "quality_activity_id", "quality_year")
# The longest reason for voiding: it is emailed to both parties and kept in the audit log.
MAX_REASON = 2000


def agreement_schema(organisation: Organisation) -> TemplateSchema:
    """The agreement template of an organisation's pack."""
    return pack_schema(organisation.template_pack, "agreement")


def start_agreement(supervisor_id: int, supervisee_id: int | None, form: dict[str, str], actor: audit.Actor) -> Document:
    """Create a draft agreement from the form, render its Word file and queue its PDF."""
    supervisor = db.get(Staff, supervisor_id)
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    schema = agreement_schema(supervisor.organisation)
    values, errors = schema.validate(form)
    if supervisee is None or not can_write_for(supervisor, supervisee):
        errors = {"supervisee": "Choose one of your supervisees", **errors}
    if errors:
        raise InvalidInput(errors)
    document = Document(
        organisation_id=supervisor.organisation_id,
        kind="agreement",
        template_key=schema.key,
        template_version=current_version(schema.key),
        supervisor=supervisor,
        supervisee=supervisee,
        created_by_id=supervisor.id,
        data=values,
        state=DocumentState.DRAFT,
    )
    db.add(document)
    db.flush()
    audit.record(db, "created", actor, document.id, template=schema.key, template_version=document.template_version)
    prepare_draft(document, actor)
    db.commit()
    return document


def update_draft(document_id: int, form: dict[str, str], actor: audit.Actor) -> Document:
    """Save changes to a draft and render it again."""
    document = _managed(document_id, actor)
    DOCUMENT.check("edit", document.state, DocumentState.DRAFT)  # a locked document is refused whatever the form says
    values, errors = get_schema(document.template_key).validate(form)
    if document.kind in QUALITY_KINDS:
        year = document.data.get("quality_year") or document.created_at.year
        errors = {**quality_forms.form_problems(document.kind, year, form), **errors}
    if errors:
        raise InvalidInput(errors)
    # What the app keeps beside the typed values (a three-way meeting's professional supervisor, a form's activity).
    document.edit({**{k: v for k, v in document.data.items() if k in KEPT_ON_EDIT}, **values})
    audit.record(db, "edited", actor, document.id)
    prepare_draft(document, actor)
    db.commit()
    return document


def send_for_signature(document_id: int, actor: audit.Actor) -> Document:
    """Send each party their own signing link by email."""
    document = _managed(document_id, actor, lock=True)
    if document.state is DocumentState.DRAFT and document.pdf_sha256 is None:
        raise NotReady("The PDF of this document is still being prepared. Wait a moment, then send it.")
    problem = seal_problem(current_app, document.organisation)
    if problem:
        db.rollback()
        raise NotReady(f"{problem} Ask your Countersign administrator to fix the seal and restart Countersign.")
    document.send()
    requester = db.get(Staff, actor.staff_id)
    for party in signing_order.waiting_on(document):
        signing_order.send_link(document, party, requester, actor)
    db.commit()
    return document


def resend_link(document_id: int, party: Party, actor: audit.Actor) -> Document:
    """Send a party a fresh signing link; any earlier link for them stops working."""
    document = _managed(document_id, actor, lock=True)
    DOCUMENT.check("resend", document.state)
    departed = document.departed_signer(dt.date.today())
    if departed is not None:
        raise NotReady(f"{departed.name} left on {uk_date(departed.leaver_date)}, so this document can no longer be "
                       "signed. Void it, and write a new one if it is still needed.")
    if document.signature_of(party) is not None:
        raise NotReady(f"The {party.value} has already signed, so they do not need a new link.")
    if party not in signing_order.waiting_on(document):
        first = signing_order.waiting_on(document)[0]
        raise NotReady(f"The {party.value} signs after the {first.value}: their link is emailed to them when the "
                       f"{first.value} has signed.")
    signing_order.send_link(document, party, db.get(Staff, actor.staff_id), actor)
    db.commit()
    return document


def void_document(document_id: int, reason: str, actor: audit.Actor) -> Document:
    """Withdraw a document before it locks; it is kept, with the reason, and its links stop working."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Enter why you are voiding this document"})
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": f"Say why you are voiding it in {MAX_REASON:,} characters or fewer"})
    document = document_for(document_id, "void", user_of(actor), lock=True)
    was_sent = document.state is not DocumentState.DRAFT
    document.void(reason)
    _revoke_links(document, "document voided")
    by = db.get(Staff, actor.staff_id)
    if was_sent:
        # A group record's people are its facilitator and each attendee; any other document's, its two parties.
        people = group_members.members(document) if group_members.is_group(document) else [
            document.signer(party) for party in Party]
        for person in people:
            subject, body = messages.voided(document, person, by, reason)
            queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id)
    audit.record(db, "voided", actor, document.id, reason=reason)
    db.commit()
    return document


def delete_draft(document_id: int, actor: audit.Actor) -> Document:
    """Discard a draft nobody was ever sent; it leaves every list, and its history records who deleted it."""
    document = _managed(document_id, actor, lock=True)
    document.delete()
    audit.record(db, "deleted", actor, document.id)
    db.commit()
    return document


def amend_document(document_id: int, actor: audit.Actor) -> Document:
    """Reopen a declined document as a new draft version; the declined version's evidence is kept."""
    document = _managed(document_id, actor, lock=True)
    old_version, old_pdf = document.content_version, document.pdf_sha256
    document.amend()
    audit.record(db, "amended", actor, document.id, from_version=old_version, old_pdf_sha256=old_pdf)
    prepare_draft(document, actor)
    db.commit()
    return document


def _managed(document_id: int, actor: audit.Actor, lock: bool = False) -> Document:
    document = db.get(Document, document_id, with_for_update=lock or None, populate_existing=lock)
    user = user_of(actor)
    if document is None or user is None or not can_manage(user, document):
        raise NotAllowed()
    return document


def _revoke_links(document: Document, reason: str) -> None:
    for link in db.scalars(select(SigningLink).where(SigningLink.document_id == document.id)):
        link.revoke(reason)
