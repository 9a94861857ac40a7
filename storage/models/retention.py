"""Keeping records: retention periods, legal holds, disposition reviews, disposal records, and the daily runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.documents import Document, Signature
from storage.models.log import AuditEvent
from storage.models.people import Organisation, Staff


class RetentionPolicy(Base):
    """How long an organisation keeps a leaver's records; a staff category may keep them longer."""

    __tablename__ = "retention_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "staff_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_category: Mapped[str] = mapped_column(String(100), default="")  # "" is everyone else
    years: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class LegalHold(Base):
    """A hold on a person's records or on one document: while it stands nothing is disposed of."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lift_reason: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    document: Mapped[Document | None] = relationship(foreign_keys=[document_id])
    placed_by: Mapped[Staff | None] = relationship(foreign_keys=[placed_by_id])
    lifted_by: Mapped[Staff | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DispositionReview(Base):
    """A document past its retention date, waiting for HR to archive, destroy or extend it."""

    __tablename__ = "disposition_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retain_until: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20), index=True)  # archive, destroy, extend, withdrawn
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    extended_until: Mapped[dt.date | None] = mapped_column(Date)

    document: Mapped[Document] = relationship()
    decided_by: Mapped[Staff | None] = relationship()


class DisposalRecord(Base):
    """What was disposed of, when, how and on whose authority: metadata only, kept for ever."""

    __tablename__ = "disposal_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(30))
    record_class: Mapped[str] = mapped_column(String(100))
    earliest: Mapped[dt.date] = mapped_column(Date)
    latest: Mapped[dt.date] = mapped_column(Date)
    retained_until: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))  # archived, destroyed
    how: Mapped[str] = mapped_column(Text)
    authorised_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    authorised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    files_removed: Mapped[int] = mapped_column(Integer, default=0)

    authorised_by: Mapped[Staff] = relationship()


class ScheduledRun(Base):
    """One row per daily job per day: the unique key is what lets only one worker run it."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    run_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RecordsKept(Exception):
    """A document, its signatures, its audit rows or its disposal record were about to be deleted."""


@event.listens_for(Session, "before_flush")
def _refuse_deleting_kept_records(session: Session, _context, _instances) -> None:
    # Before any SQL, so the refusal is ours and whole, not a half-flushed cascade the database stops.
    for row in session.deleted:
        if isinstance(row, Document) and row.disposal_authorised_at is None:
            raise RecordsKept(f"{row.reference} is kept under the retention rule and cannot be deleted.")
        if isinstance(row, Signature) and row.document.disposal_authorised_at is None:
            raise RecordsKept("A signature is kept with its document and cannot be deleted.")
        if isinstance(row, (AuditEvent, DisposalRecord)):
            raise RecordsKept(f"{type(row).__name__} rows are kept for ever and cannot be deleted.")
