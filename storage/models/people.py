"""People: organisations, staff and their roles, who supervises whom, and signed-in browsers."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, String
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


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
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
        """In force on that date; it ends at the supervisee's leaver date, when their records become HR's."""
        left = self.supervisee.leaver_date
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on) and (left is None or on < left)


class LoginSession(Base):
    """A signed-in browser; ending the row is what makes signing out final."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff] = relationship()
