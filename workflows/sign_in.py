"""Signing in and out: a login is a database row, so ending it ends every copy of the cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from storage import audit
from storage.db import session as db
from storage.models import LoginSession, Staff, as_utc, utcnow
from workflows.errors import InvalidInput

# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$6dJp0pHqgM6oWm8Q$" + "0" * 128
# One message for a wrong email and a wrong password alike: the page must not tell which accounts exist.
_REFUSED = {"email": "Enter the email address and password for your Countersign account"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(email: str, password: str, actor: audit.Actor, lifetime: dt.timedelta) -> str:
    """Check the password and open a login: the session token, or InvalidInput if the details are wrong."""
    staff = db.scalars(select(Staff).where(func.lower(Staff.email) == email.strip().lower())).one_or_none()
    if staff is None or not staff.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidInput(dict(_REFUSED))
    if not check_password_hash(staff.password_hash, password):
        audit.record(db, "sign_in_failed", audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent))
        db.commit()
        raise InvalidInput(dict(_REFUSED))
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_hash=_hash(token), staff_id=staff.id, expires_at=utcnow() + lifetime))
    audit.record(db, "signed_in", audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent))
    db.commit()
    return token


def current_login(token: str | None) -> LoginSession | None:
    """The open login this token belongs to, if any."""
    if not token:
        return None
    login = db.scalars(select(LoginSession).where(LoginSession.token_hash == _hash(token))).one_or_none()
    if login is None or login.ended_at is not None or as_utc(login.expires_at) <= utcnow():
        return None
    return login


def sign_out(token: str | None, actor: audit.Actor) -> None:
    """End the login for good; the same cookie presented again is refused."""
    login = current_login(token)
    if login is None:
        return
    login.ended_at = utcnow()
    audit.record(db, "signed_out", actor)
    db.commit()
