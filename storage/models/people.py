"""People: organisations, staff and their roles, who supervises whom, and signed-in browsers."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    SUPERVISOR = "supervisor"
    SUPERVISEE = "supervisee"
    HR = "hr"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return "HR" if self is Role.HR else self.value.capitalize()


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    template_pack: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Whoever signs from an emailed link first types a one-time code emailed to them.
    signing_code_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Single sign-on with the council's OpenID Connect provider (Entra ID, Google Workspace...), when set.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_client_id: Mapped[str | None] = mapped_column(String(200))
    oidc_client_secret: Mapped[str | None] = mapped_column(String(500))
    # Space-separated: only staff whose verified email is at one of these domains may sign in through it.
    oidc_email_domains: Mapped[str] = mapped_column(String(1000), default="")
    password_sign_in: Mapped[bool] = mapped_column(Boolean, default=True)
    # The From of this organisation's email ("Havering Supervision <supervision@havering.gov.uk>"); None: MAIL_FROM.
    mail_from: Mapped[str | None] = mapped_column(String(320))
    # This council's own seal (configure-seal): where its PKCS#12 file, the file holding that file's passphrase, and
    # the CA certificate(s) it must chain to are; never the key itself. None: the deployment's seal.
    seal_pkcs12: Mapped[str | None] = mapped_column(String(1000))
    seal_passphrase_file: Mapped[str | None] = mapped_column(String(1000))
    seal_trust_pem: Mapped[str | None] = mapped_column(String(1000))

    @property
    def single_sign_on(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def email_domains(self) -> list[str]:
        return self.oidc_email_domains.lower().split()


class Staff(Base):
    __tablename__ = "staff"
    # Agency staff work for several councils: an email is unique within an organisation only.
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_staff_organisation_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    profession: Mapped[str] = mapped_column(String(100), default="")
    # A code from the organisation's supervision policy (workflows.frequency); how often they are supervised
    # turns on it and the dates and flags below (H Appendix 3).
    staff_category: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    qualified_on: Mapped[dt.date | None] = mapped_column(Date)
    part_time: Mapped[bool] = mapped_column(Boolean, default=False)
    appointed_from_overseas: Mapped[bool] = mapped_column(Boolean, default=False)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last working day; from it their records are HR's and the seven years run.
    leaver_date: Mapped[dt.date | None] = mapped_column(Date)
    # Wrong passwords in a row, and until when sign-in is paused because of them (never for good).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    sign_in_paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The second factor: a TOTP secret, once confirmed, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship()
    line_manager: Mapped[Staff | None] = relationship(remote_side=[id])
    role_rows: Mapped[list[StaffRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StaffRole.role"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def has_left(self, on: dt.date) -> bool:
        """True from the day after their last working day: they can no longer sign in or sign."""
        return self.leaver_date is not None and on > self.leaver_date

    def grant(self, role: Role) -> None:
        """Give this person a role (idempotent)."""
        if role not in self.roles:
            self.role_rows.append(StaffRole(role=role))


class StaffRole(Base):
    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), primary_key=True)


class SupervisionRelationship(Base):
    __tablename__ = "supervision_relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])

    def is_current(self, on: dt.date) -> bool:
        """In force on that date; it ends at either party's leaver date (the supervisee's records become HR's)."""
        left = [d for d in (self.supervisee.leaver_date, self.supervisor.leaver_date) if d is not None]
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on) and all(on < d for d in left)


class LoginSession(Base):
    """A signed-in browser; ending the row is what makes signing out final."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set while the password was right but the second factor is still to come ("second_factor", "set_up").
    waiting_for: Mapped[str | None] = mapped_column(String(20))

    staff: Mapped[Staff] = relationship()
