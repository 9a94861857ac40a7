"""Signing in without an admin: emailed password links and the second factor's recovery codes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, as_utc, utcnow
from storage.models.people import Staff


class PasswordLink(Base):
    """An emailed link to set a password: a reset, or a new account's welcome. Used once; a newer one revokes it."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "reset" or "welcome"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff] = relationship()

    def refusal(self, now: dt.datetime) -> str | None:
        """Why this link can no longer be used, or None if it can."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if as_utc(self.expires_at) <= now:
            return "expired"
        return None


class RecoveryCode(Base):
    """A one-use code standing in for the second factor when the phone is lost; kept hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
