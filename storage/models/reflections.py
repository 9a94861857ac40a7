"""A supervisee's own reflections for their CPD portfolio (H 8.7, B 8.4): private to them unless they include one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class Reflection(Base):
    """One reflection a person wrote: on a session, a piece of learning or their practice."""

    __tablename__ = "reflections"

    MAX_TITLE = 200
    MAX_TEXT = 10000

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    written_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # In their portfolio's PDF and ZIP; otherwise nobody but them sees it.
    in_portfolio: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
