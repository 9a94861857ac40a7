"""Confirming that the person signing from an emailed link is the person it was sent to: a one-time emailed code."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import func, select

from storage import audit
from storage.db import session as db
from storage.models import SigningCode, SigningLink, as_utc, utcnow
from storage.outbox import queue_email
from storage.times import uk_time
from workflows import messages
from workflows.errors import InvalidInput

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=10)
WRONG_TRIES = 5
# However often someone asks: one code a minute, five an hour, for each link.
RESEND_AFTER = dt.timedelta(minutes=1)
CODES_AN_HOUR = 5
# A code typed on the confirm page is good for signing for this long after it was typed.
CONFIRMED_FOR = dt.timedelta(minutes=30)


def code_required(link: SigningLink) -> bool:
    """Whether the link's organisation asks signers to confirm who they are with an emailed code."""
    return bool(link.document.organisation.signing_code_required)


def masked(email: str) -> str:
    """An email address as shown to whoever holds the link: "j•••@havering.example"."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2022\u2022\u2022@{domain}"


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _codes(link: SigningLink):
    return select(SigningCode).where(SigningCode.link_id == link.id)


def send_code(link: SigningLink, actor: audit.Actor) -> None:
    """Email a new code to the link's address (the one before stops working); the caller commits."""
    now = utcnow()
    latest = db.scalars(_codes(link).order_by(SigningCode.id.desc())).first()
    if latest is not None and as_utc(latest.sent_at) > now - RESEND_AFTER:
        db.rollback()
        raise InvalidInput({"code": "We sent you a code less than a minute ago. Check your email (and its junk "
                                    "folder), or wait a minute and ask for another."})
    sent_lately = db.scalar(select(func.count()).select_from(SigningCode).where(
        SigningCode.link_id == link.id, SigningCode.sent_at > now - dt.timedelta(hours=1)))
    if sent_lately >= CODES_AN_HOUR:
        db.rollback()
        raise InvalidInput({"code": f"You have asked for {CODES_AN_HOUR} codes in the last hour. Wait an hour, "
                                    "then ask for a new one."})
    for earlier in db.scalars(_codes(link).where(SigningCode.used_at.is_(None), SigningCode.expires_at > now)):
        earlier.expires_at = now
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    db.add(SigningCode(link_id=link.id, code_hash=_hash(salt, code), salt=salt, sent_to=link.email, sent_at=now,
                       expires_at=now + CODE_LIFETIME, wrong_tries=0))
    subject, body = messages.signing_code(link.document, link.staff, code, now + CODE_LIFETIME)
    queue_email(db, to=link.email, subject=subject, body=body, document_id=link.document_id)
    audit.record(db, "signing_code_sent", actor, link.document_id, party=link.party.value, link_id=link.id,
                 sent_to=masked(link.email))


def confirm_code(link: SigningLink, typed: str) -> None:
    """Check the code the signer typed; a wrong one is counted. The caller commits either way."""
    typed = "".join((typed or "").split())
    code = db.scalars(_codes(link).order_by(SigningCode.id.desc())).first()
    if code is None:
        raise InvalidInput({"code": "Ask for a code first: select \u201cEmail me a code\u201d"})
    if not code.is_live:
        raise InvalidInput({"code": "That code has expired. Ask for a new code"})
    if code.wrong_tries >= WRONG_TRIES:
        raise InvalidInput({"code": "That code was typed wrongly too many times. Ask for a new code"})
    if not (typed.isdigit() and len(typed) == CODE_DIGITS):
        raise InvalidInput({"code": f"Enter the {CODE_DIGITS}-digit code from the email"})
    if not hmac.compare_digest(_hash(code.salt, typed), code.code_hash):
        code.wrong_tries += 1
        db.commit()
        left = WRONG_TRIES - code.wrong_tries
        raise InvalidInput({"code": "That code is not right. Check the email and type it again"
                                    + (f" ({left} {'try' if left == 1 else 'tries'} left)" if left else
                                       ". Ask for a new code")})
    code.confirmed_at = utcnow()


def code_confirmed(link: SigningLink) -> str:
    """The evidence of the code the signer confirmed, now used up; InvalidInput if they have not confirmed one."""
    code = db.scalars(_codes(link).where(SigningCode.confirmed_at.is_not(None), SigningCode.used_at.is_(None))
                      .order_by(SigningCode.id.desc())).first()
    if code is None or as_utc(code.confirmed_at) < utcnow() - CONFIRMED_FOR:
        db.rollback()
        raise InvalidInput({"code": "Confirm it is you: ask for a code and type it before you sign"})
    code.used_at = utcnow()
    return (f"a one-time code emailed to {masked(code.sent_to)} at {uk_time(code.sent_at, with_offset=True)}, "
            f"typed at {uk_time(code.confirmed_at, with_offset=True)}")
