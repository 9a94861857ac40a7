"""The long-term evidence of each sealed document: its newest timestamp, until when it holds, when to renew it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class DocumentEvidence(Base):
    """Where a sealed document's evidence stands: one row per document, updated at each seal and renewal."""

    __tablename__ = "document_evidence"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    # The copy described: the newest sealed copy, with the newest document timestamp at its end.
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    timestamped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    timestamped_by: Mapped[str | None] = mapped_column(String(300))
    # When the newest timestamp's certificate expires: the evidence holds until then without renewal.
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When a fresh timestamp is due (None: the copy has no timestamp, so there is nothing to renew).
    renew_by: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    renewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
