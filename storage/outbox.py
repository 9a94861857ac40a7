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

from storage.jobs import this_process
from storage.mail import PermanentMailError, build_message
from storage.models import OutboxMessage, as_utc, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


def queue_email(
    db: Session, *, to: str, subject: str, body: str, document_id: int | None = None, domain: str = "countersign.local",
    attachment_sha256: str | None = None, attachment_name: str | None = None,
) -> OutboxMessage:
    """Queue one plain-text message, with a file from the blob store if given; sent only if the caller commits."""
    message = OutboxMessage(
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


def release_abandoned(db: Session, is_alive: Callable[[str], bool]) -> int:
    """Free the claims of senders that have died (`is_alive(claimed_by)` is False); the caller commits. How many."""
    now = utcnow()
    claimed = db.scalars(select(OutboxMessage).where(OutboxMessage.status == "queued",
                                                     OutboxMessage.claimed_until >= now)).all()
    released = [message for message in claimed if message.claimed_by and not is_alive(message.claimed_by)]
    for message in released:
        message.claimed_until = message.claimed_by = None
    return len(released)


def _claimable(now: dt.datetime):
    return and_(
        OutboxMessage.status == "queued",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _send_one(
    db: Session,
    transport: Transport,
    message_id: int,
    *,
    sender: str,
    clock: Callable[[], dt.datetime],
    lease_seconds: int,
) -> str | None:
    """Claim, send and record one message; which SendReport count it adds to, or None if another sender has it."""
    now = clock()
    claimed = db.execute(
        update(OutboxMessage)
        # Status and due time are checked again: another sender may have sent it since we looked.
        .where(OutboxMessage.id == message_id, _claimable(now))
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
