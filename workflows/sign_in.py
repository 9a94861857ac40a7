"""Signing in and out: a login is a database row, so ending it ends every copy of the cookie.

A wrong password counts against the account: after a few in a row, password sign-in pauses for a while that grows
with each further failure, never beyond a quarter of an hour, and the owner is emailed. The pause never applies to a
browser the person has signed in on before (it carries a signed mark), and a reset link or single sign-on always
still works, so nobody can lock another person out for good.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from storage import audit
from storage.db import session as db
from storage.models import LoginSession, Role, Staff, as_utc, utcnow
from storage.outbox import queue_email
from storage.times import uk_date, uk_time
from workflows import account_messages, links
from workflows.errors import InvalidInput

# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$6dJp0pHqgM6oWm8Q$" + "0" * 128
# One message for a wrong email and a wrong password alike: the page must not tell which accounts exist.
_REFUSED = {"email": "Enter the email address and password for your Countersign account"}
# Wrong passwords in a row before sign-in pauses; the pause doubles from 30 seconds with each one after, up to this.
FREE_ATTEMPTS = 5
LONGEST_PAUSE = dt.timedelta(minutes=15)
# How long the second step of signing in (the code from the authenticator app) may take.
SECOND_STEP = dt.timedelta(minutes=10)
SET_UP_SECOND_FACTOR = "set_up"
SECOND_FACTOR = "second_factor"


@dataclasses.dataclass(frozen=True)
class Opened:
    """A login just opened: its token for the cookie, what it still waits for (None: nothing), and the mark that
    makes this browser one the person has signed in on."""

    token: str
    waiting_for: str | None
    device_mark: str = ""


def device_mark(staff_id: int) -> str:
    """A signed mark saying this browser has signed in as this person: their paused sign-in does not apply to it."""
    return _device_serializer().dumps(staff_id)


def _known_device(mark: str | None, staff: Staff) -> bool:
    if not mark or len(mark) > 200:
        return False
    try:
        return _device_serializer().loads(mark) == staff.id
    except BadSignature:
        return False


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="countersign.known-device")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def needs_second_factor(staff: Staff) -> bool:
    """HR and admins must use a second factor when they sign in with a password."""
    return staff.has_role(Role.HR) or staff.has_role(Role.ADMIN) or staff.totp_enabled_at is not None


def pause_after(failures: int) -> dt.timedelta | None:
    """How long password sign-in pauses after this many wrong passwords in a row (None: not at all)."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(dt.timedelta(seconds=30 * 2 ** min(failures - FREE_ATTEMPTS, 10)), LONGEST_PAUSE)


def sign_in(email: str, password: str, actor: audit.Actor, lifetime: dt.timedelta,
            known_device: str | None = None) -> Opened:
    """Check the password and open a login, or InvalidInput saying what to do."""
    staff = db.scalars(select(Staff).where(func.lower(Staff.email) == email.strip().lower())).one_or_none()
    if staff is None or not staff.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidInput(dict(_REFUSED))
    now = utcnow()
    as_them = audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent)
    paused_until = as_utc(staff.sign_in_paused_until)
    if paused_until is not None and paused_until > now and not _known_device(known_device, staff):
        # Not even checked: guessing goes no faster while paused.
        raise InvalidInput({"password": f"Too many wrong passwords have been entered for this account. Try again "
                                        f"after {uk_time(paused_until, with_seconds=True)}, or reset your password"})
    if not check_password_hash(staff.password_hash, password):
        count_failure(staff, now, as_them)
        db.commit()
        raise InvalidInput(dict(_REFUSED))
    if staff.has_left(dt.date.today()):
        audit.record(db, "sign_in_refused", as_them, reason="left", leaver_date=staff.leaver_date.isoformat())
        db.commit()
        raise InvalidInput({"email": f"Your Countersign account closed after your last working day, "
                                     f"{uk_date(staff.leaver_date)}. If that date is wrong, ask HR to correct it"})
    if not staff.organisation.password_sign_in:
        raise InvalidInput({"email": f"{staff.organisation.name} signs in with its own accounts: choose "
                                     f"“Sign in with {staff.organisation.name}”"})
    staff.failed_sign_ins = 0
    staff.sign_in_paused_until = None
    if staff.totp_enabled_at is not None:
        waiting = SECOND_FACTOR
    elif needs_second_factor(staff):
        waiting = SET_UP_SECOND_FACTOR
    else:
        waiting = None
    opened = open_login(staff, as_them, SECOND_STEP if waiting else lifetime, waiting_for=waiting, how="password")
    db.commit()
    return dataclasses.replace(opened, device_mark=device_mark(staff.id))


def count_failure(staff: Staff, now: dt.datetime, actor: audit.Actor, what: str = "password") -> None:
    """One more wrong password (or second-factor code) in a row: pause and tell the owner when there are many."""
    staff.failed_sign_ins = (staff.failed_sign_ins or 0) + 1
    pause = pause_after(staff.failed_sign_ins)
    audit.record(db, "sign_in_failed", actor, wrong=what, failures=staff.failed_sign_ins,
                 paused_seconds=int(pause.total_seconds()) if pause else 0)
    if pause is None:
        return
    staff.sign_in_paused_until = now + pause
    # Told at the first pause and every tenth wrong password after it, not at every one.
    if staff.failed_sign_ins == FREE_ATTEMPTS or staff.failed_sign_ins % 10 == 0:
        subject, body = account_messages.sign_in_paused(staff, staff.failed_sign_ins, staff.sign_in_paused_until,
                                                        links.forgotten_password_url())
        queue_email(db, to=staff.email, subject=subject, body=body)


def open_login(staff: Staff, actor: audit.Actor, lifetime: dt.timedelta, *, how: str,
               waiting_for: str | None = None) -> Opened:
    """Open a login row for a person whose identity is checked (the caller commits); its token."""
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_hash=_hash(token), staff_id=staff.id, expires_at=utcnow() + lifetime,
                        waiting_for=waiting_for))
    if waiting_for is None:
        audit.record(db, "signed_in", actor, how=how)
    else:
        audit.record(db, "password_accepted", actor, waiting_for=waiting_for)
    return Opened(token, waiting_for)


def _open_row(token: str | None) -> LoginSession | None:
    if not token:
        return None
    login = db.scalars(select(LoginSession).where(LoginSession.token_hash == _hash(token))).one_or_none()
    if login is None or login.ended_at is not None or as_utc(login.expires_at) <= utcnow():
        return None
    if login.staff.has_left(dt.date.today()):
        # From the day after the leaver date every live login ends, at its next request.
        login.ended_at = utcnow()
        audit.record(db, "login_ended", audit.Actor(login.staff_id, login.staff.email), reason="left",
                     leaver_date=login.staff.leaver_date.isoformat())
        db.commit()
        return None
    return login


def current_login(token: str | None) -> LoginSession | None:
    """The open, complete login this token belongs to, if any."""
    login = _open_row(token)
    return login if login is not None and login.waiting_for is None else None


def waiting_login(token: str | None) -> LoginSession | None:
    """The login this token belongs to if it still waits for its second factor."""
    login = _open_row(token)
    return login if login is not None and login.waiting_for is not None else None


def end_logins(staff: Staff, except_token: str | None = None) -> None:
    """End every open login a person has (but the one given); the caller commits."""
    keep = _hash(except_token) if except_token else None
    for login in db.scalars(select(LoginSession).where(LoginSession.staff_id == staff.id,
                                                       LoginSession.ended_at.is_(None))):
        if login.token_hash != keep:
            login.ended_at = utcnow()


def sign_out(token: str | None, actor: audit.Actor) -> None:
    """End the login for good; the same cookie presented again is refused."""
    login = _open_row(token)
    if login is None:
        return
    login.ended_at = utcnow()
    audit.record(db, "signed_out", actor)
    db.commit()
