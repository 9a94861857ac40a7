"""A party's use cases from their emailed link (open it, confirm it is them, record a disagreement, sign, or
decline), and signing from the document's page when signed in."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from signing.evidence import CONSENT_TEXT, name_matches
from signing.tokens import check_link
from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Disagreement, Document, Party, Signature, SigningLink, Staff, utcnow
from storage.outbox import queue_email
from storage.times import uk_time
from workflows import disagreements, group_attendance, group_members, identity, links, messages, signing_order
from workflows.access import user_of
from workflows.errors import InvalidInput, LinkRefused, NotAllowed
from workflows.lock import RenderFirst, SignedWord, lock, render_signed_word
from workflows.renditions import ShownDocument, shown_document

# The longest reason for declining: it is emailed to the supervisor and kept in the audit log.
MAX_REASON = 2000


@dataclasses.dataclass(frozen=True)
class SigningView:
    """What a signer sees: the document, who they are signing as, the PDF's fingerprint, what they disagree with."""

    document: Document
    link: SigningLink
    party: Party
    reviewed_sha256: str
    # The parts of the document they may disagree with, and what they have recorded against this version.
    sections: list[tuple[str, str]]
    recorded: list[Disagreement]
    # The document as read in the page, made from the Word file the PDF was made from.
    shown: ShownDocument | None = None
    # Whether the signer must type a code emailed to them, and where it goes ("j•••@havering.example").
    code_required: bool = False
    code_sent_to: str | None = None
    consent_text: str = CONSENT_TEXT


def _view(link: SigningLink, *, signed_in: bool = False) -> SigningView:
    document = link.document
    required = not signed_in and identity.code_required(link)
    # A group record's attendees confirm they attended, say they did not, or decline: no disagreements by section.
    group = group_members.is_group(document)
    return SigningView(document, link, link.party, document.pdf_sha256,
                       [] if group else disagreements.sections(document),
                       [] if group else disagreements.raised_through_link(document, link.party),
                       shown_document(document.docx_sha256),
                       code_required=required, code_sent_to=identity.masked(link.email) if required else None)


def _link(document_id: int, token: str, *, lock: bool = False) -> SigningLink:
    link = _checked_link(document_id, token, lock=lock)
    # Signable up to and including a leaver's last working day; after it, by neither party (see README: leavers).
    if link.document.state.is_open_for_signature and link.document.departed_signer(dt.date.today()) is not None:
        db.rollback()
        raise LinkRefused("signer_left")
    return link


def _checked_link(document_id: int, token: str, *, lock: bool = False) -> SigningLink:
    return check_link(
        db,
        secret_key=current_app.config["SECRET_KEY"],
        token=token,
        purpose="sign",
        max_age=current_app.config["LINK_LIFETIME"],
        document_id=document_id,
        lock=lock,
    )


def open_for_signing(document_id: int, token: str, actor: audit.Actor) -> SigningView:
    """Check the link and record that the party opened the document."""
    link = _link(document_id, token)
    document = link.document
    if not document.state.is_open_for_signature or document.pdf_sha256 is None:
        raise LinkRefused("revoked")
    view = _view(link)
    audit.record(db, "viewed", _as_party(link, actor), document.id, party=link.party.value, link_id=link.id,
                 sha256=document.pdf_sha256, html_sha256=view.shown.sha256 if view.shown else None)
    db.commit()
    return view


def record_disagreement(document_id: int, token: str, *, section: str, text: str, actor: audit.Actor) -> SigningView:
    """A party records a disagreement from their link, before signing or declining; the page they go back to."""
    # The document row is locked first, as when signing, so the disagreement is recorded against a settled version.
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    link = _link(document_id, token)
    if not document.state.is_open_for_signature:
        raise LinkRefused("revoked")
    disagreements.record_from_link(document, link, section=section, text=text, actor=_as_party(link, actor))
    db.commit()
    return open_for_signing(document_id, token, actor)


def review_pdf(document_id: int, token: str) -> bytes:
    """The PDF the link's holder is asked to sign (checked, not audited: opening the page is)."""
    link = _link(document_id, token)
    data = blobs().get(link.document.pdf_sha256)
    db.rollback()
    return data


def send_code(document_id: int, token: str, actor: audit.Actor) -> SigningView:
    """Email the link's holder a one-time code to confirm it is them signing; the page they go back to."""
    link = _link(document_id, token)
    if not link.document.state.is_open_for_signature:
        raise LinkRefused("revoked")
    if not identity.code_required(link):
        db.rollback()
        raise InvalidInput({"code": "You do not need a code to sign this document: type your name and sign"})
    identity.send_code(link, _as_party(link, actor))
    db.commit()
    return _view(link)


def check_signature(document_id: int, token: str, *, typed_name: str, consented: bool, reviewed_sha256: str,
                    code: str = "") -> SigningView:
    """Check what the party typed before they confirm, and the emailed code if their organisation asks for one."""
    link = _link(document_id, token)
    document = link.document
    _check_details(link, typed_name, consented)
    if reviewed_sha256 != document.pdf_sha256 or not document.state.is_open_for_signature:
        raise LinkRefused("revoked")
    if identity.code_required(link):
        # A wrong code is counted (and committed) before the form comes back with its error.
        identity.confirm_code(link, code)
        db.commit()
        return _view(link)
    view = _view(link)
    db.rollback()
    return view


def _check_details(link: SigningLink, typed_name: str, consented: bool) -> None:
    errors = {}
    if not consented:
        errors["consent"] = "Confirm that you agree to sign electronically"
    if not name_matches(typed_name, link.staff.name):
        errors["typed_name"] = f"Type your full name exactly as it appears here: {link.staff.name}"
    if errors:
        db.rollback()
        raise InvalidInput(errors)


@dataclasses.dataclass(frozen=True)
class SignOutcome:
    document: Document
    locked: bool
    # The signer's recorded disagreements with this version: they signed "with a recorded disagreement".
    disagreement_ids: tuple[int, ...] = ()


def sign_document(
    document_id: int, token: str, *, typed_name: str, consented: bool, reviewed_sha256: str, actor: audit.Actor,
) -> SignOutcome:
    """Record a party's signature from their emailed link; the second signature locks the document, once."""
    signed_at = utcnow()

    def attempt(rendered: SignedWord | None, render_here: bool) -> SignOutcome:
        # The document row is locked first, so two parties signing at the same moment take turns.
        document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
        link = _link(document_id, token, lock=True)
        _check_details(link, typed_name, consented)
        if reviewed_sha256 != document.pdf_sha256:
            db.rollback()
            raise LinkRefused("revoked")
        checked = identity.code_confirmed(link) if identity.code_required(link) else None
        return _sign(document, link, typed_name, reviewed_sha256, _as_party(link, actor), signed_at=signed_at,
                     signed_from="emailed link", identity_check=checked, rendered=rendered, render_here=render_here)

    return _rendering_first(attempt)


# A signature that locks the document is tried again after each render; the last try renders under the lock.
RENDER_ATTEMPTS = 3


def _rendering_first(attempt: Callable[[SignedWord | None, bool], SignOutcome]) -> SignOutcome:
    """Sign; a signature that locks the document first has its signed Word file rendered with no lock held.

    The render takes time, and other requests on the document must not wait for it: the attempt reads, under the
    document's lock, what the file is rendered from, and gives the lock up; the file is rendered; then the attempt
    runs again under the lock and uses the file only if what it was rendered from has not changed.
    """
    rendered = None
    for _ in range(RENDER_ATTEMPTS - 1):
        try:
            return attempt(rendered, False)
        except RenderFirst as first:
            db.rollback()
            rendered = render_signed_word(first.word)
    return attempt(rendered, True)


def signable_link(document: Document, person: Staff) -> SigningLink | None:
    """The live signing link of a party who may sign the document now, from its page, or None."""
    party = document.party_of(person.id)
    if party is None or not document.state.is_open_for_signature or document.signature_of(party) is not None:
        return None
    return db.scalars(select(SigningLink).where(
        SigningLink.document_id == document.id, SigningLink.party == party, SigningLink.purpose == "sign",
        SigningLink.content_version == document.content_version, SigningLink.used_at.is_(None),
        SigningLink.revoked_at.is_(None), SigningLink.expires_at > utcnow()).order_by(SigningLink.id.desc())).first()


def _signed_in_link(document_id: int, actor: audit.Actor, *, lock: bool = False) -> SigningLink:
    document = db.get(Document, document_id, with_for_update=lock, populate_existing=lock)
    person = user_of(actor)
    link = signable_link(document, person) if document is not None and person is not None else None
    if link is None:
        db.rollback()
        raise NotAllowed()
    if lock:
        db.refresh(link, with_for_update=True)
    return link


def check_signature_signed_in(document_id: int, actor: audit.Actor, *, typed_name: str, consented: bool,
                              reviewed_sha256: str) -> SigningView:
    """A signed-in party's details checked before they confirm, on the document's page; records nothing."""
    link = _signed_in_link(document_id, actor)
    _check_details(link, typed_name, consented)
    if reviewed_sha256 != link.document.pdf_sha256:
        db.rollback()
        raise InvalidInput({"typed_name": "The document has changed since you opened it. Read it again, then sign."})
    view = _view(link, signed_in=True)
    db.rollback()
    return view


def sign_signed_in(document_id: int, actor: audit.Actor, *, typed_name: str, consented: bool,
                   reviewed_sha256: str) -> SignOutcome:
    """A party signs from the document's page while signed in; their emailed link is then used up."""
    signed_at = utcnow()
    checked = f"signed in to Countersign as {actor.email} at {uk_time(signed_at, with_offset=True)}"

    def attempt(rendered: SignedWord | None, render_here: bool) -> SignOutcome:
        link = _signed_in_link(document_id, actor, lock=True)
        document = link.document
        _check_details(link, typed_name, consented)
        if reviewed_sha256 != document.pdf_sha256:
            db.rollback()
            raise InvalidInput({"typed_name": "The document has changed since you opened it. Read it again, then sign."})
        return _sign(document, link, typed_name, reviewed_sha256, actor, signed_at=signed_at, signed_from="document page",
                     identity_check=checked, rendered=rendered, render_here=render_here)

    return _rendering_first(attempt)


def _sign(document: Document, link: SigningLink, typed_name: str, reviewed_sha256: str, signer: audit.Actor, *,
          signed_at: dt.datetime, signed_from: str, identity_check: str | None, rendered: SignedWord | None,
          render_here: bool) -> SignOutcome:
    if group_members.is_group(document):
        locking = group_attendance.record_signature(document, link, typed_name, reviewed_sha256, signer,
                                                    signed_at=signed_at, signed_from=signed_from,
                                                    identity_check=identity_check, rendered=rendered,
                                                    render_here=render_here)
        db.commit()
        return SignOutcome(document, locking)
    shown = shown_document(document.docx_sha256)
    signature = Signature(
        party=link.party,
        staff_id=link.staff_id,
        typed_name=" ".join(typed_name.split()),
        email=link.email,
        link_id=link.id,
        signed_at=signed_at,
        ip_address=signer.ip_address or "",
        user_agent=signer.user_agent or "",
        reviewed_sha256=reviewed_sha256,
        consent_text=CONSENT_TEXT,
        shown_html_sha256=shown.sha256 if shown else None,
        signed_from=signed_from,
        identity_check=identity_check,
    )
    link.used_at = signature.signed_at
    locking = document.add_signature(signature)
    db.flush()
    disagreed = tuple(d.id for d in disagreements.raised_through_link(document, link.party))
    extra = {"with_recorded_disagreements": list(disagreed)} if disagreed else {}
    audit.record(db, "signed", signer, document.id, party=link.party.value, link_id=link.id, email=link.email,
                 typed_name=signature.typed_name, sha256=reviewed_sha256, consent=CONSENT_TEXT,
                 html_sha256=signature.shown_html_sha256, signed_from=signed_from, identity=identity_check, **extra)
    if locking:
        lock(document, rendered, render_here=render_here)
    else:
        signing_order.after_one_signed(document, link.party, audit.SYSTEM)
    db.commit()
    return SignOutcome(document, locking, disagreed)


def decline_document(document_id: int, token: str, *, reason: str, actor: audit.Actor) -> Document:
    """A party declines to sign, saying why; the supervisor is told and can amend or void."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Enter why you are declining to sign, so your supervisor can put it right"})
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": f"Say why you are declining in {MAX_REASON:,} characters or fewer"})
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    link = _link(document_id, token, lock=True)
    by = link.staff
    link.used_at = utcnow()
    document.decline(reason)
    for other in db.scalars(select(SigningLink).where(SigningLink.document_id == document.id)):
        other.revoke("document declined")
    subject, body = messages.declined(document, by, reason, links.document_url(document.id))
    queue_email(db, to=document.supervisor.email, subject=subject, body=body, document_id=document.id)
    audit.record(db, "declined", _as_party(link, actor), document.id, party=link.party.value, reason=reason,
                 link_id=link.id)
    db.commit()
    return document


def _as_party(link: SigningLink, actor: audit.Actor) -> audit.Actor:
    # Whoever holds the link acts as the person it was sent to, wherever they are signed in.
    return audit.Actor(link.staff_id, link.email, actor.ip_address, actor.user_agent)
