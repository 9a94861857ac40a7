"""The append-only audit log: each row carries the hash of the row before it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from storage.db import write_from_here
from storage.models import AuditEvent, AuditHead, Document, Staff
from storage.times import as_utc, utcnow

GENESIS = "0" * 64


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who did something and from where, as the audit log records it."""

    staff_id: int | None = None
    email: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(email="system")


def _row_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = {
        "prev": prev_hash,
        "id": event.id,
        "at": as_utc(event.at).isoformat(timespec="microseconds"),
        "event": event.event,
        "document_id": event.document_id,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "ip": event.ip_address,
        "ua": event.user_agent,
        "detail": event.detail,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(db: Session, event: str, actor: Actor, document_id: int | None = None, **detail: Any) -> AuditEvent:
    """Add an event to the caller's transaction; it joins the chain when the caller commits."""
    row = AuditEvent(
        at=utcnow(),
        event=event,
        document_id=document_id,
        actor_id=actor.staff_id,
        actor_email=actor.email,
        ip_address=actor.ip_address,
        user_agent=(actor.user_agent or "")[:500] or None,
        detail=detail,
    )
    db.info.setdefault(_PENDING, []).append(row)
    return row


_PENDING = "countersign.audit_pending"


@event.listens_for(Session, "before_commit")
def _append_to_chain(db: Session) -> None:
    # The chain's head is the last lock any transaction takes: whatever else it changes is written and locked
    # first, and the rows the new events point at are held (FOR KEY SHARE) before the head is taken. So a
    # transaction holding the head never waits for anything, and no mix of work can deadlock on it.
    pending = db.info.pop(_PENDING, None)
    if not pending:
        return
    db.flush()
    write_from_here(db)
    _hold_referenced_rows(db, pending)
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        db.add(head)
    for row in pending:
        row.id, row.prev_hash = head.last_id + 1, head.last_hash
        # The row is written once, complete: the log's triggers refuse any later update.
        row.hash = _row_hash(head.last_hash, row)
        head.last_id, head.last_hash = row.id, row.hash
        db.add(row)
    db.flush()


def _hold_referenced_rows(db: Session, pending: list[AuditEvent]) -> None:
    if db.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time already
    for model, ids in ((Document, {r.document_id for r in pending}), (Staff, {r.actor_id for r in pending})):
        ids.discard(None)
        if ids:
            db.execute(select(model.id).where(model.id.in_(sorted(ids))).order_by(model.id)
                       .with_for_update(key_share=True, read=True))


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(db: Session, transaction) -> None:
    # Rolled back or closed: the events go with the rest of the transaction.
    if transaction.parent is None:
        db.info.pop(_PENDING, None)


@dataclasses.dataclass(frozen=True)
class ChainReport:
    rows: int
    first_broken_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and self.problem is None


def verify_chain(db: Session) -> ChainReport:
    """Walk the log from the first row and report the first row whose hash does not hold."""
    prev = GENESIS
    count = 0
    last_id = 0
    for row in db.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if row.prev_hash != prev:
            return ChainReport(count, row.id, f"row {row.id} does not follow row {last_id} (a row was removed or reordered)")
        if _row_hash(prev, row) != row.hash:
            return ChainReport(count, row.id, f"row {row.id} was altered after it was written")
        prev, last_id = row.hash, row.id
    head = db.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainReport(count, None, f"the newest rows after row {last_id} are missing")
    return ChainReport(count, None, None)
