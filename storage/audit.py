"""The append-only audit log: each council's events form a hash chain of their own, each row holding the hash of
the row before it in its chain."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import write_from_here
from storage.models import AuditEvent, AuditHead, Document, Organisation, Staff
from storage.times import as_utc, utcnow

GENESIS = "0" * 64
# Events of no council (a deployment-wide sweep, say) chain here.
DEPLOYMENT = "deployment"
# Every row written before each council had its own chain stays in the one chain it was written in.
LEGACY = "legacy"


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who did something and from where, as the audit log records it."""

    staff_id: int | None = None
    email: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(email="system")


def chain_of(organisation_id: int | None) -> str:
    """The name of the chain a council's events go in (or the deployment's, for events of no council)."""
    return DEPLOYMENT if organisation_id is None else f"organisation:{organisation_id}"


def _row_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = {
        "prev": prev_hash,
        "at": as_utc(event.at).isoformat(timespec="microseconds"),
        "event": event.event,
        "document_id": event.document_id,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "ip": event.ip_address,
        "ua": event.user_agent,
        "detail": event.detail,
    }
    if event.chain == LEGACY:
        payload["id"] = event.id  # as it was hashed when written, in the single chain
    else:
        payload.update(chain=event.chain, seq=event.seq, organisation_id=event.organisation_id)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(db: Session, event: str, actor: Actor, document_id: int | None = None, *,
           organisation_id: int | None = None, **detail: Any) -> AuditEvent:
    """Add an event to the caller's transaction; it joins its council's chain when the caller commits.

    The council is `organisation_id`, else the document's, else the actor's; an event with none of them is the
    deployment's own.
    """
    row = AuditEvent(
        at=utcnow(),
        event=event,
        organisation_id=organisation_id,
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
    # A chain's head is the last lock any transaction takes: whatever else it changes is written and locked first,
    # and the rows the new events point at are held (FOR KEY SHARE) before the heads are taken, in the order of
    # their names. So a transaction holding a head never waits for anything, and no mix of work can deadlock on it;
    # and each council has a head of its own, so one council's work never waits for another's.
    pending = db.info.pop(_PENDING, None)
    if not pending:
        return
    db.flush()
    write_from_here(db)
    _find_councils(db, pending)
    by_chain: dict[str, list[AuditEvent]] = {}
    for row in pending:
        by_chain.setdefault(chain_of(row.organisation_id), []).append(row)
    for chain in sorted(by_chain):
        head = _head(db, chain, by_chain[chain][0].organisation_id)
        for row in by_chain[chain]:
            row.chain, row.seq, row.prev_hash = chain, head.last_seq + 1, head.last_hash
            # The row is written once, complete: the log's triggers refuse any later update.
            row.hash = _row_hash(head.last_hash, row)
            head.last_seq, head.last_hash = row.seq, row.hash
            db.add(row)
    db.flush()


def _head(db: Session, chain: str, organisation_id: int | None) -> AuditHead:
    """The chain's head row, locked until commit; made (once, whoever gets there first) for a chain's first row."""
    locked = select(AuditHead).where(AuditHead.chain == chain).with_for_update().execution_options(
        populate_existing=True)
    head = db.execute(locked).scalar_one_or_none()
    if head is not None:
        return head
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(AuditHead).values(chain=chain, organisation_id=organisation_id, last_seq=0,
                                                last_hash=GENESIS).on_conflict_do_nothing())
    return db.execute(locked).scalar_one()


def _find_councils(db: Session, pending: list[AuditEvent]) -> None:
    """Give each event its council (from its document, else its actor), holding the rows the events point at."""
    documents = _organisations_of(db, Document, {r.document_id for r in pending})
    actors = _organisations_of(db, Staff, {r.actor_id for r in pending})
    for row in pending:
        if row.organisation_id is None:
            row.organisation_id = documents.get(row.document_id) or actors.get(row.actor_id)


def _organisations_of(db: Session, model, ids: set[int | None]) -> dict[int, int]:
    ids.discard(None)
    if not ids:
        return {}
    query = select(model.id, model.organisation_id).where(model.id.in_(sorted(ids))).order_by(model.id)
    if db.get_bind().dialect.name == "postgresql":  # SQLite: one writer at a time already
        query = query.with_for_update(key_share=True, read=True)
    return dict(db.execute(query).all())


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(db: Session, transaction) -> None:
    # Rolled back or closed: the events go with the rest of the transaction.
    if transaction.parent is None:
        db.info.pop(_PENDING, None)


@dataclasses.dataclass(frozen=True)
class ChainReport:
    """One chain checked: whose it is, how many rows, and the first row whose hash does not hold."""

    chain: str
    council: str
    rows: int
    first_broken_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and self.problem is None


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """Every chain checked."""

    chains: list[ChainReport]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.chains)

    @property
    def broken(self) -> list[ChainReport]:
        return [c for c in self.chains if not c.ok]

    def of(self, chain: str) -> ChainReport:
        return next(c for c in self.chains if c.chain == chain)


def verify_chain(db: Session, organisation_id: int | None = None) -> AuditReport:
    """Check every chain (or one council's) from its first row, and report each chain's first broken row."""
    heads = {h.chain: h for h in db.scalars(select(AuditHead))}
    chains = set(heads) | set(db.scalars(select(AuditEvent.chain).distinct()))
    if organisation_id is not None:
        chains = {chain_of(organisation_id)}
    names = dict(db.execute(select(Organisation.id, Organisation.name)).all())
    order = sorted(chains, key=lambda c: (c != LEGACY, c == DEPLOYMENT, c))
    return AuditReport([_verify_one(db, chain, heads.get(chain), names) for chain in order])


def _council(chain: str, names: dict[int, str]) -> str:
    if chain == LEGACY:
        return "every council, before each had its own chain"
    if chain == DEPLOYMENT:
        return "no council (the deployment's own events)"
    number = int(chain.split(":", 1)[1])
    return names.get(number, f"organisation {number}")


def _verify_one(db: Session, chain: str, head: AuditHead | None, names: dict[int, str]) -> ChainReport:
    council = _council(chain, names)
    prev, count, last_id = GENESIS, 0, None
    for row in db.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)).yield_per(1000):
        count += 1
        after = f"row {last_id}" if last_id is not None else "the start of the chain"
        if row.seq != count or row.prev_hash != prev:
            return ChainReport(chain, council, count, row.id,
                               f"row {row.id} does not follow {after} (a row was removed or reordered)")
        if _row_hash(prev, row) != row.hash:
            return ChainReport(chain, council, count, row.id, f"row {row.id} was altered after it was written")
        prev, last_id = row.hash, row.id
    if head is not None and (head.last_hash != prev or head.last_seq != count):
        return ChainReport(chain, council, count, None, f"the newest rows after row {last_id} are missing")
    return ChainReport(chain, council, count, None, None)
