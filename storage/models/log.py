"""The audit log's rows and the heads of its hash chains, one chain per council."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class AuditEvent(Base):
    """One row of the append-only, hash-chained audit log."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The hash chain the row is in (storage.audit.chain_of): one per council, one for events of no council, and
    # the single chain every row was written in before each council had its own ("legacy").
    chain: Mapped[str] = mapped_column(String(40))
    # Its place in that chain, from 1.
    seq: Mapped[int] = mapped_column(Integer)
    # The council the event belongs to; None: the deployment's own (no council's).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(50), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest row of one hash chain: the row that serialises appends to that chain, and only to it."""

    __tablename__ = "audit_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
