"""The second factor: a code from an authenticator app (TOTP), or a one-use recovery code; required for HR and
admins when they sign in with a password."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
from sqlalchemy import select

from storage import audit
from storage.db import session as db
from storage.models import LoginSession, RecoveryCode, Staff, as_utc, utcnow
from storage.times import uk_time
from workflows.errors import InvalidInput, NotAllowed
from workflows.sign_in import SECOND_FACTOR, SET_UP_SECOND_FACTOR, count_failure, waiting_login

RECOVERY_CODES = 10
_CODE_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
ISSUER = "Countersign"


def set_up_key(token: str | None) -> tuple[str, str]:
    """The key to put into an authenticator app, and its otpauth:// address, for a login that must set one up."""
    login = _waiting(token, SET_UP_SECOND_FACTOR)
    staff = login.staff
    if not staff.totp_secret:
        staff.totp_secret = pyotp.random_base32()
        db.commit()
    return staff.totp_secret, pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=ISSUER)


def confirm_set_up(token: str | None, code: str, actor: audit.Actor, lifetime: dt.timedelta) -> list[str]:
    """Turn the second factor on once a code from the app matches, finish signing in; the recovery codes, once."""
    login = _waiting(token, SET_UP_SECOND_FACTOR)
    staff = login.staff
    step = _matching_step(staff, code)
    if step is None:
        raise InvalidInput({"code": "Enter the 6-digit code your authenticator app shows now for Countersign"})
    staff.totp_enabled_at = utcnow()
    staff.totp_last_step = step
    codes = _new_recovery_codes(staff)
    audit.record(db, "second_factor_set_up", _as(staff, actor), recovery_codes=len(codes))
    _complete(login, lifetime, _as(staff, actor), how="password and second factor (set up)")
    db.commit()
    return codes


def check_code(token: str | None, code: str, actor: audit.Actor, lifetime: dt.timedelta) -> Staff:
    """Finish signing in with a code from the app or a recovery code; wrong codes count like wrong passwords."""
    login = _waiting(token, SECOND_FACTOR)
    staff = login.staff
    now = utcnow()
    paused_until = as_utc(staff.sign_in_paused_until)
    if paused_until is not None and paused_until > now:
        raise InvalidInput({"code": f"Too many wrong codes have been entered. Try again after "
                                    f"{uk_time(paused_until, with_seconds=True)}"})
    step = _matching_step(staff, code)
    if step is not None and (staff.totp_last_step is None or step > staff.totp_last_step):
        staff.totp_last_step = step
        how = "password and second factor"
    elif (recovery := _unused_recovery_code(staff, code)) is not None:
        recovery.used_at = now
        how = "password and recovery code"
    else:
        count_failure(staff, now, _as(staff, actor), what="code")
        db.commit()
        raise InvalidInput({"code": "Enter the 6-digit code your authenticator app shows now, or one of your "
                                    "recovery codes"})
    staff.failed_sign_ins = 0
    staff.sign_in_paused_until = None
    _complete(login, lifetime, _as(staff, actor), how=how)
    db.commit()
    return staff


def recovery_codes_left(staff_id: int) -> int:
    return len([c for c in db.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff_id))
                if c.used_at is None])


def _waiting(token: str | None, stage: str) -> LoginSession:
    login = waiting_login(token)
    if login is None or login.waiting_for != stage:
        raise NotAllowed()
    return login


def _matching_step(staff: Staff, code: str) -> int | None:
    """The time step whose code this is (this one or either side, for a slow clock), or None."""
    code = "".join((code or "").split())
    if not staff.totp_secret or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(staff.totp_secret)
    now = utcnow()
    for offset in (0, -1, 1):
        at = now + dt.timedelta(seconds=offset * totp.interval)
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def _new_recovery_codes(staff: Staff) -> list[str]:
    for old in db.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None))):
        old.used_at = utcnow()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_LETTERS) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(staff_id=staff.id, code_hash=_sha256(raw)))
    return codes


def _unused_recovery_code(staff: Staff, code: str) -> RecoveryCode | None:
    typed = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    if len(typed) != 10:
        return None
    return db.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None),
                                                 RecoveryCode.code_hash == _sha256(typed))).first()


def _complete(login: LoginSession, lifetime: dt.timedelta, actor: audit.Actor, how: str) -> None:
    login.waiting_for = None
    login.expires_at = utcnow() + lifetime
    audit.record(db, "signed_in", actor, how=how)


def _as(staff: Staff, actor: audit.Actor) -> audit.Actor:
    return audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
