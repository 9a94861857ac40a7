"""Each party's signed copy: sent with the "signed by both" email, attached or as a one-time download link."""

from __future__ import annotations

import dataclasses

from flask import current_app

from signing.tokens import check_copy_link, issue_copy_link
from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import CopyLink, Document, Party, RetentionState, utcnow
from storage.outbox import queue_email
from workflows import group_members, links, messages
from workflows.errors import LinkRefused


def send_copies(document: Document, sha256: str, size: int) -> None:
    """Email each party "signed by both" with their copy of the sealed PDF; the caller commits."""
    filename = f"{document.reference}-signed.pdf"
    attach = size <= int(current_app.config["COPY_ATTACHMENT_MAX_BYTES"])
    lifetime = current_app.config["COPY_LINK_LIFETIME"]
    group = group_members.is_group(document)
    # A group record: everyone who signed it (its facilitator and each attendee present); else both parties.
    people = ([(group_members.role_of(document, p).lower(), p) for p in group_members.copy_recipients(document)]
              if group else [(party.value, document.signer(party)) for party in Party])
    locked = messages.group_locked if group else messages.locked
    for party, person in people:
        if attach:
            subject, body = locked(document, person, attached=filename)
            queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id,
                        attachment_sha256=sha256, attachment_name=filename)
            audit.record(db, "copy_sent", audit.SYSTEM, document.id, party=party, email=person.email,
                         sha256=sha256, how="attached")
            continue
        link, token = issue_copy_link(db, secret_key=current_app.config["SECRET_KEY"], document=document,
                                      person=person, sha256=sha256, lifetime=lifetime)
        subject, body = locked(document, person, copy_link=links.copy_url(document.id, token),
                               copy_expires_at=link.expires_at)
        queue_email(db, to=person.email, subject=subject, body=body, document_id=document.id)
        audit.record(db, "copy_sent", audit.SYSTEM, document.id, party=party, email=person.email,
                     sha256=sha256, how="one-time download link", link_id=link.id)


@dataclasses.dataclass(frozen=True)
class Copy:
    data: bytes
    filename: str


def _link(document_id: int, token: str, *, lock: bool = False) -> CopyLink:
    return check_copy_link(db, secret_key=current_app.config["SECRET_KEY"], token=token,
                           max_age=current_app.config["COPY_LINK_LIFETIME"], document_id=document_id, lock=lock)


def open_copy_link(document_id: int, token: str) -> CopyLink:
    """The copy link, checked, for the page that offers the download (opening it uses nothing up)."""
    link = _link(document_id, token)
    db.rollback()
    return link


def download_copy(document_id: int, token: str, actor: audit.Actor) -> Copy:
    """The signed copy the link is for; the link is then used up, and the download audited."""
    link = _link(document_id, token, lock=True)
    document = link.document
    if document.final_pdf_sha256 is None or document.retention_status is RetentionState.DESTROYED:
        db.rollback()
        raise LinkRefused("revoked")
    data = blobs().get(link.sha256)
    link.used_at = utcnow()
    audit.record(db, "downloaded", audit.Actor(link.staff_id, link.email, actor.ip_address, actor.user_agent),
                 document.id, file="signed-pdf", sha256=link.sha256, via="one-time copy link", link_id=link.id)
    db.commit()
    return Copy(data, f"{document.reference}-signed.pdf")
