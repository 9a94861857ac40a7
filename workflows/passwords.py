"""Passwords, where they are used: a person's own reset by email, changing their own, and what a good one is.

A password link (reset, or a new account's welcome) is a random token stored only as its SHA-256: it works once,
until it expires, and a newer link for the same person revokes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pathlib
import re
import secrets

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from storage import audit
from storage.db import session as db
from storage.models import PasswordLink, Staff, utcnow
from storage.outbox import queue_email
from workflows import account_messages, links
from workflows.errors import InvalidInput, LinkRefused, NotAllowed
from workflows.sign_in import end_logins

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_PASSWORDS = pathlib.Path(__file__).parent / "data" / "common-passwords.txt"
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


@functools.cache
def _common() -> frozenset[str]:
    return frozenset(line.strip() for line in COMMON_PASSWORDS.read_text().splitlines() if line.strip())


def hash_password(password: str) -> str:
    """A strong, salted, slow hash (scrypt)."""
    return generate_password_hash(password, method="scrypt")


def password_problem(password: str, person: Staff | None = None) -> str | None:
    """What is wrong with a new password, in words that say what to do; None if it will do."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    # The words people build passwords from, without the digits and symbols stuck on either end.
    stem = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if {lowered, stem, stem.translate(_LEET), lowered.translate(_LEET)} & _common() or len(set(lowered)) < 5:
        return "Choose a less common password – this one is on lists that people trying to break in use first"
    if person is not None:
        own = [part for part in re.split(r"[\s.@_'-]+", f"{person.name} {person.email.split('@')[0]}".lower())
               if len(part) >= 4]
        if any(part in lowered for part in own):
            return "Choose a password that does not contain your name or email address"
    return None


def issue_password_link(staff: Staff, purpose: str, lifetime: dt.timedelta) -> str:
    """A new password link for a person, revoking any earlier one still live (the caller commits); its token."""
    now = utcnow()
    for old in db.scalars(select(PasswordLink).where(PasswordLink.staff_id == staff.id, PasswordLink.used_at.is_(None),
                                                     PasswordLink.revoked_at.is_(None))):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    db.add(PasswordLink(staff_id=staff.id, purpose=purpose, token_hash=_sha256(token), expires_at=now + lifetime))
    return token


def email_password_link(staff: Staff, purpose: str) -> None:
    """Queue a person's password link: a reset (short-lived) or a new account's welcome (the caller commits)."""
    welcome = purpose == "welcome"
    lifetime = (dt.timedelta(days=float(current_app.config["WELCOME_LINK_DAYS"])) if welcome
                else dt.timedelta(minutes=float(current_app.config["PASSWORD_RESET_MINUTES"])))
    token = issue_password_link(staff, purpose, lifetime)
    subject, body = account_messages.password_link(staff, links.password_url(token), utcnow() + lifetime, welcome)
    queue_email(db, to=staff.email, subject=subject, body=body)


def request_reset(email: str, actor: audit.Actor) -> None:
    """Email a reset link if the address is a current account's; says nothing either way (no account is revealed)."""
    address = (email or "").strip().lower()
    if not address or len(address) > 320:
        raise InvalidInput({"email": "Enter the email address of your Countersign account"})
    staff = db.scalars(select(Staff).where(func.lower(Staff.email) == address)).one_or_none()
    if staff is None or staff.has_left(dt.date.today()) or not staff.organisation.password_sign_in:
        db.rollback()
        return
    email_password_link(staff, "reset")
    audit.record(db, "password_reset_requested", audit.Actor(staff.id, staff.email, actor.ip_address,
                                                             actor.user_agent))
    db.commit()


def link_holder(token: str) -> Staff:
    """Whose password link this is, or LinkRefused saying why it cannot be used."""
    return _live_link(token).staff


def set_password_with_link(token: str, password: str, confirm: str, actor: audit.Actor) -> Staff:
    """Set a password from an emailed link: the link is used up and every other login of theirs ends."""
    link = _live_link(token, lock=True)
    staff = link.staff
    problem = password_problem(password, staff)
    if problem:
        raise InvalidInput({"password": problem})
    if password != confirm:
        raise InvalidInput({"confirm": "Enter the same password twice"})
    link.used_at = utcnow()
    _replace_password(staff, password)
    audit.record(db, "password_set_by_link", audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent),
                 purpose=link.purpose)
    db.commit()
    return staff


def change_own_password(staff_id: int, current: str, new: str, confirm: str, actor: audit.Actor,
                        keep_token: str | None) -> Staff:
    """A signed-in person changes their own password; their other logins end, this one stays."""
    staff = db.get(Staff, staff_id)
    if staff is None or actor.staff_id != staff_id:
        raise NotAllowed()
    if not staff.password_hash or not check_password_hash(staff.password_hash, current or ""):
        raise InvalidInput({"current": "Enter your current password"})
    problem = password_problem(new, staff)
    if problem:
        raise InvalidInput({"password": problem})
    if new != confirm:
        raise InvalidInput({"confirm": "Enter the same new password twice"})
    _replace_password(staff, new, keep_token=keep_token)
    audit.record(db, "password_changed", actor)
    db.commit()
    return staff


def _replace_password(staff: Staff, password: str, keep_token: str | None = None) -> None:
    staff.password_hash = hash_password(password)
    staff.failed_sign_ins = 0
    staff.sign_in_paused_until = None
    end_logins(staff, except_token=keep_token)
    subject, body = account_messages.password_changed(staff)
    queue_email(db, to=staff.email, subject=subject, body=body)


def _live_link(token: str, lock: bool = False) -> PasswordLink:
    if not token or len(token) > 100:
        raise LinkRefused("invalid")
    query = select(PasswordLink).where(PasswordLink.token_hash == _sha256(token))
    link = db.scalars(query.with_for_update() if lock else query).one_or_none()
    if link is None:
        raise LinkRefused("invalid")
    refusal = link.refusal(utcnow())
    if refusal is None and link.staff.has_left(dt.date.today()):
        refusal = "revoked"
    if refusal:
        db.rollback()
        raise LinkRefused(refusal)
    return link


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
