"""Tokenised links: purpose-salted, SHA-256-signed, expiring, and backed by a hashed nonce in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session, joinedload

from storage.models import (
    CopyLink,
    Disagreement,
    Document,
    MediationLink,
    Party,
    SigningLink,
    Staff,
    TokenisedLink,
    as_utc,
    utcnow,
)

PURPOSES = frozenset({"sign", "mediate", "copy"})


class LinkRefused(Exception):
    """A link that cannot be used; `reason` is a key, `str()` a plain sentence for the person holding it."""

    MESSAGES = {
        "invalid": "This link is not valid. It may have been copied incompletely or changed.",
        "expired": "This link has expired.",
        "used": "This link has already been used.",
        "revoked": "This link has been replaced or withdrawn.",
        "wrong_document": "This link is for a different document.",
        "wrong_purpose": "This link cannot be used for this.",
        "signer_left": "This document can no longer be signed: one of the people who sign it has left the organisation.",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self.MESSAGES[reason])


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(
        secret_key, salt=f"countersign.link.{purpose}", signer_kwargs={"digest_method": hashlib.sha256}
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def issue_link(
    db: Session, *, secret_key: str, document: Document, party: Party, purpose: str, lifetime: dt.timedelta
) -> tuple[SigningLink, str]:
    """Make a new link for one party and revoke any earlier live one; returns the row and the token."""
    for old in db.query(SigningLink).filter_by(document_id=document.id, party=party, purpose=purpose):
        old.revoke("replaced by a new link")
    person = document.signer(party)
    link = SigningLink(document_id=document.id, content_version=document.content_version, party=party,
                       purpose=purpose, staff_id=person.id, email=person.email, expires_at=utcnow() + lifetime)
    return link, _issue(db, secret_key, link, _signing_claims(link))


def issue_group_link(
    db: Session, *, secret_key: str, document: Document, person: Staff, party: Party, lifetime: dt.timedelta
) -> tuple[SigningLink, str]:
    """A signing link for one person of a group record (the facilitator as supervisor, each attendee as supervisee):
    only that person's earlier live link is revoked, never another attendee's."""
    for old in db.query(SigningLink).filter_by(document_id=document.id, staff_id=person.id, purpose="sign"):
        old.revoke("replaced by a new link")
    link = SigningLink(document_id=document.id, content_version=document.content_version, party=party,
                       purpose="sign", staff_id=person.id, email=person.email, expires_at=utcnow() + lifetime)
    return link, _issue(db, secret_key, link, _signing_claims(link))


def check_link(
    db: Session,
    *,
    secret_key: str,
    token: str,
    purpose: str,
    max_age: dt.timedelta,
    document_id: int | None = None,
    lock: bool = False,
) -> SigningLink:
    """The live link `token` stands for, or LinkRefused saying why not."""
    return _check(db, SigningLink, _signing_claims, secret_key=secret_key, token=token, purpose=purpose,
                  max_age=max_age, document_id=document_id, lock=lock)


def issue_mediation_link(
    db: Session, *, secret_key: str, disagreement: Disagreement, mediator: Staff, lifetime: dt.timedelta
) -> tuple[MediationLink, str]:
    """Make a new "mediate" link for a disagreement's mediator and revoke any earlier one; the row and the token."""
    for old in db.query(MediationLink).filter_by(disagreement_id=disagreement.id):
        old.revoke("replaced by a new link")
    link = MediationLink(document_id=disagreement.document_id, disagreement_id=disagreement.id, purpose="mediate",
                         staff_id=mediator.id, email=mediator.email, expires_at=utcnow() + lifetime)
    return link, _issue(db, secret_key, link, _mediation_claims(link))


def check_mediation_link(
    db: Session,
    *,
    secret_key: str,
    token: str,
    max_age: dt.timedelta,
    document_id: int | None = None,
    lock: bool = False,
) -> MediationLink:
    """The live mediator's link `token` stands for, or LinkRefused saying why not (as for signing links)."""
    # Salted with "mediate": a signing link fails here, and a mediator's link fails check_link.
    return _check(db, MediationLink, _mediation_claims, secret_key=secret_key, token=token, purpose="mediate",
                  max_age=max_age, document_id=document_id, lock=lock)


def issue_copy_link(db: Session, *, secret_key: str, document: Document, person: Staff, sha256: str,
                    lifetime: dt.timedelta) -> tuple[CopyLink, str]:
    """Make a one-time link for a party to download a signed copy (the file `sha256`); the row and the token."""
    link = CopyLink(document_id=document.id, sha256=sha256, purpose="copy", staff_id=person.id, email=person.email,
                    expires_at=utcnow() + lifetime)
    return link, _issue(db, secret_key, link, _copy_claims(link))


def check_copy_link(db: Session, *, secret_key: str, token: str, max_age: dt.timedelta, document_id: int | None = None,
                    lock: bool = False) -> CopyLink:
    """The live copy link `token` stands for, or LinkRefused saying why not (as for signing links)."""
    return _check(db, CopyLink, _copy_claims, secret_key=secret_key, token=token, purpose="copy", max_age=max_age,
                  document_id=document_id, lock=lock)


# What each kind of token says about its link, beside the link's id and nonce: a token is only good for the
# document, version, party or disagreement it was made for.
def _signing_claims(link: SigningLink) -> dict:
    return {"d": link.document_id, "v": link.content_version, "p": link.party.value}


def _mediation_claims(link: MediationLink) -> dict:
    return {"d": link.document_id, "g": link.disagreement_id}


def _copy_claims(link: CopyLink) -> dict:
    return {"d": link.document_id, "s": link.staff_id}


def _issue(db: Session, secret_key: str, link: TokenisedLink, claims: dict) -> str:
    """Store the link with a fresh nonce (hashed) and make its token."""
    nonce = secrets.token_urlsafe(32)
    link.nonce_hash = _sha256(nonce)
    db.add(link)
    db.flush()
    token = _serializer(secret_key, link.purpose).dumps({"l": link.id, **claims, "n": nonce})
    # The whole token's hash is kept too, so a token with characters appended is not "the same" token.
    link.token_hash = _sha256(token)
    return token


def _check(db: Session, model: type[TokenisedLink], claims: Callable[[TokenisedLink], dict], *, secret_key: str,
           token: str, purpose: str, max_age: dt.timedelta, document_id: int | None, lock: bool):
    """The live link of this kind the token stands for, or LinkRefused saying why not."""
    payload = _load(secret_key, token, purpose, max_age)
    link = _row(db, model, payload, token, lock)
    if link.purpose != purpose:
        raise LinkRefused("wrong_purpose")
    if any(payload.get(key) != value for key, value in claims(link).items()):
        raise LinkRefused("invalid")
    if document_id is not None and link.document_id != document_id:
        raise LinkRefused("wrong_document")
    return _still_usable(link)


def _still_usable(link: TokenisedLink) -> TokenisedLink:
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if as_utc(link.expires_at) <= utcnow():
        raise LinkRefused("expired")
    return link


def _load(secret_key: str, token: str, purpose: str, max_age: dt.timedelta) -> dict:
    try:
        payload = _serializer(secret_key, purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        # A token made for another purpose fails here too: the salt differs.
        raise LinkRefused("invalid") from None
    if not isinstance(payload, dict) or not {"l", "n"} <= payload.keys():
        raise LinkRefused("invalid")
    return payload


def _row(db: Session, model: type[TokenisedLink], payload: dict, token: str, lock: bool):
    """The link row the payload names, if its nonce and the whole token match what was stored."""
    query = db.query(model).filter_by(id=payload["l"])
    if lock:
        query = query.with_for_update()
    else:
        # Every page reached from a link shows the document with its council and both people: one query for them all
        # (not when locking: the lock is the link row's alone).
        query = query.options(joinedload(model.document).options(
            joinedload(Document.organisation), joinedload(Document.supervisor), joinedload(Document.supervisee)))
    link = query.one_or_none()
    if (
        link is None
        or not isinstance(payload["n"], str)
        or not hmac.compare_digest(link.nonce_hash, _sha256(payload["n"]))
        or not hmac.compare_digest(link.token_hash or "", _sha256(token))
    ):
        raise LinkRefused("invalid")
    return link
