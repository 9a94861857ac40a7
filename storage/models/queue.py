"""Work that outlives the request that asked for it: queued email and background jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class QueuedWork:
    """What every piece of background work carries: its status, its retries and who has claimed it."""

    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # host:pid of the process whose claim it is, so the claims of a process that died can be freed at once
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(QueuedWork, Base):
    """An email queued in the same transaction as the change that caused it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A file from the blob store sent with the message (a party's signed copy), and its name.
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(200))


class Job(QueuedWork, Base):
    """Background work on a document (its PDFs, sealing annotations) that survives a restart and is retried until done."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
