"""The email outbox: messages are queued in the caller's transaction and sent later by the sender."""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from storage.jobs import RELAY_SECONDS, RELAYED, this_process
from storage.mail import PermanentMailError, build_message
from storage.models import Document, Organisation, OutboxMessage, as_utc, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


def queue_email(
    db: Session, *, to: str, subject: str, body: str, document_id: int | None = None, domain: str = "countersign.local",
    attachment_sha256: str | None = None, attachment_name: str | None = None, organisation_id: int | None = None,
) -> OutboxMessage:
    """Queue one plain-text message, with a file from the blob store if given; sent only if the caller commits.

    It goes out from the organisation's own sender address, if it has one: the organisation given, or the document's.
    """
    message = OutboxMessage(
        sender=_sender_of(db, organisation_id, document_id),
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        to_address=to,
        subject=subject,
        body_text=body,
        document_id=document_id,
        attachment_sha256=attachment_sha256,
        attachment_name=attachment_name,
    )
    db.add(message)
    return message


def _sender_of(db: Session, organisation_id: int | None, document_id: int | None) -> str | None:
    if organisation_id is None and document_id is not None:
        organisation_id = db.scalar(select(Document.organisation_id).where(Document.id == document_id))
    if organisation_id is None:
        return None
    return db.scalar(select(Organisation.mail_from).where(Organisation.id == organisation_id)) or None


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the given number of failed attempts: doubling from 30s, at most an hour."""
    seconds = min(30 * 2 ** min(max(attempts, 1) - 1, 20), 3600)
    # Up to 10% earlier, so messages that failed together do not all retry in the same second.
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.0))


def send_due(
    db: Session,
    transport: Transport,
    *,
    sender: str,
    now: dt.datetime | None = None,
    limit: int = 50,
    lease_seconds: int = 300,
) -> SendReport:
    """Send the queued messages that are due, each claimed first so no other sender sends it too."""
    # A fixed `now` is for tests; a real batch reads the clock per message, or a slow batch would
    # claim its last messages with leases that have already run out.
    fixed = as_utc(now)  # SQLite stores wall-clock digits only, so every time here must be UTC
    clock: Callable[[], dt.datetime] = (lambda: fixed) if fixed is not None else utcnow
    report = SendReport()
    try:
        due = db.scalars(
            select(OutboxMessage.id)
            .where(_claimable(clock()))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        ).all()
        # SQLite holds the write lock for the whole transaction; never keep one open across a send.
        db.rollback()
        for message_id in due:
            outcome = _send_one(db, transport, message_id, sender=sender, clock=clock, lease_seconds=lease_seconds)
            if outcome == "sent":
                report.sent += 1
            elif outcome == "retrying":
                report.retrying += 1
            elif outcome == "failed":
                report.failed += 1
    except BaseException:
        db.rollback()
        raise
    return report


def retry_failed(db: Session, message_ids: Iterable[int] | None = None) -> int:
    """Put failed messages (all, or those with these row ids) back in the queue; commits and returns how many."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=utcnow(), claimed_until=None, claimed_by=None)
        .execution_options(synchronize_session="fetch")
    )
    if message_ids is not None:
        statement = statement.where(OutboxMessage.id.in_(list(message_ids)))
    count = db.execute(statement).rowcount
    db.commit()
    return count


def send_one(db: Session, transport: Transport, message_id: int, *, sender: str,
             lease_seconds: int = 300) -> str | None:
    """Send one message the queue engine handed over, if it is still due: "sent", "retrying", "failed", or None
    if it was sent already, waits for its retry, or another sender has it."""
    try:
        return _send_one(db, transport, message_id, sender=sender, clock=utcnow, lease_seconds=lease_seconds,
                         relayed=True)
    except BaseException:
        db.rollback()
        raise


def relayable(db: Session, now: dt.datetime, limit: int) -> list[int]:
    """Messages due and unclaimed, oldest first, to hand to the queue engine (the read ends at once)."""
    ids = db.scalars(select(OutboxMessage.id).where(_claimable(now))
                     .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)).all()
    db.rollback()
    return list(ids)


def mark_relayed(db: Session, message_id: int) -> bool:
    """Mark a due, unclaimed message as handed to the queue engine; False if someone else has it. Commits."""
    now = utcnow()
    marked = db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, _claimable(now))
        .values(claimed_until=now + dt.timedelta(seconds=RELAY_SECONDS), claimed_by=RELAYED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return marked == 1


def unmark_relayed(db: Session, message_id: int) -> None:
    """The engine could not take it: free it for the next relay. Commits."""
    db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "queued",
                                           OutboxMessage.claimed_by == RELAYED)
               .values(claimed_until=None, claimed_by=None).execution_options(synchronize_session=False))
    db.commit()


def release_relayed(db: Session) -> int:
    """Free every message handed to the queue engine and not yet taken, so that it is handed over again; the
    caller commits. How many."""
    return db.execute(update(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.claimed_by == RELAYED)
                      .values(claimed_until=None, claimed_by=None).execution_options(synchronize_session=False)).rowcount


def failing(db: Session) -> list[OutboxMessage]:
    """Messages that failed for good, or failed and wait to be tried again, oldest first (for an operator)."""
    return list(db.scalars(select(OutboxMessage).where(or_(
        OutboxMessage.status == "failed", and_(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)))
        .order_by(OutboxMessage.id)))


def bring_forward(db: Session) -> int:
    """Make messages waiting for a retry due now; the caller commits. How many."""
    return db.execute(update(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)
                      .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def release_abandoned(db: Session, is_alive: Callable[[str], bool]) -> int:
    """Free the claims of senders that have died (`is_alive(claimed_by)` is False); the caller commits. How many."""
    now = utcnow()
    claimed = db.scalars(select(OutboxMessage).where(OutboxMessage.status == "queued",
                                                     OutboxMessage.claimed_until >= now)).all()
    released = [message for message in claimed if message.claimed_by and not is_alive(message.claimed_by)]
    for message in released:
        message.claimed_until = message.claimed_by = None
    return len(released)


def _claimable(now: dt.datetime, *, relayed: bool = False):
    free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    return and_(
        OutboxMessage.status == "queued",
        OutboxMessage.next_attempt_at <= now,
        or_(free, OutboxMessage.claimed_by == RELAYED) if relayed else free,
    )


def _send_one(
    db: Session,
    transport: Transport,
    message_id: int,
    *,
    sender: str,
    clock: Callable[[], dt.datetime],
    lease_seconds: int,
    relayed: bool = False,
) -> str | None:
    """Claim, send and record one message; which SendReport count it adds to, or None if another sender has it."""
    now = clock()
    claimed = db.execute(
        update(OutboxMessage)
        # Status and due time are checked again: another sender may have sent it since we looked.
        .where(OutboxMessage.id == message_id, _claimable(now, relayed=relayed))
        .values(claimed_until=now + dt.timedelta(seconds=lease_seconds), claimed_by=this_process())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.rollback()
        return None
    row = db.get(OutboxMessage, message_id, populate_existing=True)
    attempts = row.attempts
    try:
        message = build_message(row, sender)
    except PermanentMailError as error:
        db.commit()
        return _record_failure(db, message_id, attempts, error, permanent=True, now=clock())
    db.commit()

    try:
        transport.send(message)
    except PermanentMailError as error:
        return _record_failure(db, message_id, attempts, error, permanent=True, now=clock())
    except Exception as error:  # anything unexpected from a transport is treated as worth retrying
        return _record_failure(db, message_id, attempts, error, permanent=False, now=clock())
    _finish(db, message_id, status="sent", sent_at=clock())
    return "sent"


def _record_failure(
    db: Session, message_id: int, attempts: int, error: Exception, *, permanent: bool, now: dt.datetime
) -> str:
    attempts += 1
    failed = permanent or attempts >= MAX_ATTEMPTS
    log.warning("outbox message %s attempt %s failed%s: %s", message_id, attempts, " for good" if failed else "", error)
    last_error = str(error) or type(error).__name__
    if failed:
        _finish(db, message_id, status="failed", attempts=attempts, last_error=last_error)
        return "failed"
    _finish(db, message_id, attempts=attempts, last_error=last_error, next_attempt_at=now + backoff(attempts))
    return "retrying"


def _finish(db: Session, message_id: int, **values) -> None:
    db.execute(
        update(OutboxMessage)
        # Only a still-queued row is ours to change: if our lease ran out and another sender sent it, leave it sent.
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(claimed_until=None, claimed_by=None, **values)
        .execution_options(synchronize_session="fetch")
    )
    db.commit()
