"""Supervision as it happens: postponed sessions, the reminders sent, and quality assurance activities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.people import Staff


class PostponedSession(Base):
    """A booked supervision that was postponed; the policies say it is held within seven days (both Appendix 1)."""

    __tablename__ = "postponed_sessions"

    HOLD_WITHIN_DAYS = 7

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    booked_for: Mapped[dt.date] = mapped_column(Date)
    postponed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])

    @property
    def hold_by(self) -> dt.date:
        return self.postponed_on + dt.timedelta(days=self.HOLD_WITHIN_DAYS)


class ReminderSent(Base):
    """The reminder ledger: one row per item per period, so a reminder is never sent twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("item", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(50))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QualityActivity(Base):
    """One dip-sample audit or observation a supervisor owes in a year (H 6.5, H 10.1), and when it was done."""

    __tablename__ = "quality_activities"
    # Four of each kind per supervisor per year: the slot makes a fifth impossible, even from two browsers.
    __table_args__ = (UniqueConstraint("supervisor_id", "year", "kind", "slot"),)

    KINDS = {"dip_sample_audit": "Dip sample case audit", "observation": "Direct observation"}
    # Each council's own words for them: Barking and Dagenham's inspection of case files and practice evaluations
    # (B 10, the Supervision Practice Evaluation Proforma; Appendix 1).
    KINDS_BY_PACK = {"barking-dagenham": {"dip_sample_audit": "Case file inspection",
                                          "observation": "Supervision Practice Evaluation"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    slot: Mapped[int] = mapped_column(Integer)
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    planned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The signed form (observation or audit) written for it; it is done once that form locks.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    done_by: Mapped[Staff | None] = relationship(foreign_keys=[done_by_id])

    @property
    def kind_label(self) -> str:
        return self.KINDS_BY_PACK.get(self.supervisor.organisation.template_pack, self.KINDS)[self.kind]


class CancelledSession(Base):
    """A booked supervision that did not take place and was not re-booked as a postponement: a missed session, with
    who called it off and why (both Appendix 1)."""

    __tablename__ = "cancelled_sessions"

    BY = {"supervisor": "The supervisor", "supervisee": "The supervisee", "other": "Neither: a major incident or other"}

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    booked_for: Mapped[dt.date] = mapped_column(Date, index=True)
    cancelled_by: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])

    @property
    def cancelled_by_label(self) -> str:
        return self.BY.get(self.cancelled_by, self.cancelled_by)


class PolicyChange(Base):
    """A significant change to the organisation's supervision policy: every agreement made before it is reviewed
    (H 7.1, B 6.1)."""

    __tablename__ = "policy_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    changed_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[Staff] = relationship()


class AgendaItem(Base):
    """Something the supervisee (or supervisor) wants to discuss at the next supervision; it opens that record's
    agenda (H 4.4, H 6.1, B 2.2–2.3, both Appendix 1s: "notify each other in advance")."""

    __tablename__ = "agenda_items"

    MAX_TEXT = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a record's form is opened with it on the agenda; cleared again if that unfinished record is deleted.
    record_draft_id: Mapped[int | None] = mapped_column(Integer, index=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    added_by: Mapped[Staff] = relationship(foreign_keys=[added_by_id])


class CoverArrangement(Base):
    """A named supervisor covering an absent one's supervision for a stated period (both Appendix 1s: "if the
    supervisor is likely to be away for more than 1 month, supervision will be undertaken by …")."""

    __tablename__ = "cover_arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)  # the one away
    cover_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    arranged_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    cover: Mapped[Staff] = relationship(foreign_keys=[cover_id])

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on


class ProfessionalSupervision(Base):
    """A professional supervisor of the supervisee's own profession, beside a line manager of another (H 4.2, H 5.4,
    B 2.2, B 3.1, B 4.2)."""

    __tablename__ = "professional_supervision"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    professional_supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    arranged_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    professional_supervisor: Mapped[Staff] = relationship(foreign_keys=[professional_supervisor_id])

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)
