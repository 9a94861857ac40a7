"""Who is sent a signing link when: both parties at once, or one after the other where the template says so."""

from __future__ import annotations

from flask import current_app

from doc_templates import get_schema
from signing.tokens import issue_link
from storage import audit
from storage.db import session as db
from storage.models import Document, Party, Staff
from storage.outbox import queue_email
from workflows import links, messages


def order_of(document: Document) -> tuple[Party, ...]:
    """The template's signing order ("supervisee first"), or () when both may sign at once."""
    return tuple(Party(p) for p in get_schema(document.template_key).signing_order)


def waiting_on(document: Document) -> list[Party]:
    """The parties who may sign now: whoever has not signed, or only the next of them in the template's order."""
    unsigned = [party for party in Party if document.signature_of(party) is None]
    for party in order_of(document):
        if party in unsigned:
            return [party]
    return unsigned


def describe(document: Document) -> str | None:
    """The order in words, for the document page: "The supervisee signs first, then the supervisor."."""
    order = order_of(document)
    if not order:
        return None
    return f"The {order[0].value} signs first, then the {' then the '.join(p.value for p in order[1:])}."


def send_link(document: Document, party: Party, requester: Staff, actor: audit.Actor) -> None:
    """Email a party their own signing link (any earlier one stops working); the caller commits."""
    link, token = issue_link(db, secret_key=current_app.config["SECRET_KEY"], document=document, party=party,
                             purpose="sign", lifetime=current_app.config["LINK_LIFETIME"])
    person = document.signer(party)
    subject, body = messages.please_sign(document, person, requester, links.signing_url(document.id, token),
                                         link.expires_at)
    queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id)
    audit.record(db, "sent", actor, document.id, party=party.value, to=person.email, link_id=link.id,
                 expires_at=link.expires_at.isoformat())


def after_one_signed(document: Document, signed: Party, actor: audit.Actor) -> None:
    """The first signature is in: in a signing order the next party gets their link now; else they are told."""
    signer = document.signer(signed)
    for party in waiting_on(document):
        person = document.signer(party)
        if order_of(document):
            link, token = issue_link(db, secret_key=current_app.config["SECRET_KEY"], document=document, party=party,
                                     purpose="sign", lifetime=current_app.config["LINK_LIFETIME"])
            subject, body = messages.your_turn(document, person, signer, links.signing_url(document.id, token),
                                               link.expires_at)
            audit.record(db, "sent", actor, document.id, party=party.value, to=person.email, link_id=link.id,
                         expires_at=link.expires_at.isoformat(), after=signed.value)
        else:
            subject, body = messages.other_signed(document, person, signer, links.document_url(document.id))
        queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id)
