"""The append-only audit log: each row carries the hash of the row before it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEvent, AuditHead
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
    """Append an event to the chain in the caller's transaction (the caller commits)."""
    # Locking the head row serialises appends across workers so the chain never forks.
    head = db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        db.add(head)
    row = AuditEvent(
        id=head.last_id + 1,
        at=utcnow(),
        event=event,
        document_id=document_id,
        actor_id=actor.staff_id,
        actor_email=actor.email,
        ip_address=actor.ip_address,
        user_agent=(actor.user_agent or "")[:500] or None,
        detail=detail,
        prev_hash=head.last_hash,
    )
    # The row is written once, complete: the log's triggers refuse any later update.
    row.hash = _row_hash(head.last_hash, row)
    head.last_id, head.last_hash = row.id, row.hash
    db.add(row)
    return row


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
