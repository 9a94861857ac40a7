"""The background job queue: work is queued in the caller's transaction, claimed by one worker, retried with backoff."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Document, Job, utcnow

# A claim is short and renewed while the work goes on (renew(), every RENEW_SECONDS), so work held by a
# process that died is taken up again by another within CLAIM_SECONDS plus one poll.
CLAIM_SECONDS = 20
RENEW_SECONDS = 5
# With a queue engine, a job handed to it is marked so (claimed_by RELAYED) for RELAY_SECONDS: no other relay sends
# it again meanwhile, and the first worker to take it claims it as above. A message lost with the engine's server
# is sent again once the mark runs out; a worker that dies is the engine's to redeliver, or its claim runs out.
RELAYED = "queue"
RELAY_SECONDS = 300


def this_process() -> str:
    """Who holds a claim: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def queue(db: Session, kind: str, document_id: int | None) -> Job:
    """Queue a job; it runs only if the caller's transaction commits."""
    job = Job(kind=kind, document_id=document_id)
    db.add(job)
    return job


def due_kinds(db: Session, now: dt.datetime, limit: int) -> list[tuple[int, str]]:
    """Jobs waiting, due and unclaimed, with their kinds, oldest first (the read ends at once)."""
    rows = db.execute(
        select(Job.id, Job.kind)
        .where(Job.status == "queued", Job.next_attempt_at <= now)
        .where(or_(Job.claimed_until.is_(None), Job.claimed_until < now))
        .order_by(Job.id)
        .limit(limit)
    ).all()
    db.rollback()
    return [(job_id, kind) for job_id, kind in rows]


def claim(db: Session, job_id: int, owner: str | None = None, *, relayed: bool = False) -> bool:
    """Take a job for this worker; its own short transaction, so the slow work after it holds no lock.

    `relayed`: the job came from the queue engine, so it may carry the relay's mark, and is taken only if due (a
    message sent twice, or early, finds it done, waiting for its retry, or held by another worker, and leaves it).
    """
    now = utcnow()
    free = or_(Job.claimed_until.is_(None), Job.claimed_until < now)
    if relayed:
        free = and_(Job.next_attempt_at <= now, or_(free, Job.claimed_by == RELAYED))
    claimed = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued", free)
        .values(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS), claimed_by=owner or this_process())
    ).rowcount
    db.commit()
    return claimed == 1


def mark_relayed(db: Session, job_id: int) -> bool:
    """Mark a due, unclaimed job as handed to the queue engine; False if another relay or worker has it. Commits."""
    now = utcnow()
    marked = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued", Job.next_attempt_at <= now,
               or_(Job.claimed_until.is_(None), Job.claimed_until < now))
        .values(claimed_until=now + dt.timedelta(seconds=RELAY_SECONDS), claimed_by=RELAYED)
    ).rowcount
    db.commit()
    return marked == 1


def unmark_relayed(db: Session, job_id: int) -> None:
    """The engine could not take it: free it for the next relay. Commits."""
    db.execute(update(Job).where(Job.id == job_id, Job.status == "queued", Job.claimed_by == RELAYED)
               .values(claimed_until=None, claimed_by=None))
    db.commit()


def release_relayed(db: Session) -> int:
    """Free every job handed to the queue engine and not yet taken, so that it is handed over again; the caller
    commits. How many."""
    return db.execute(update(Job).where(Job.status == "queued", Job.claimed_by == RELAYED)
                      .values(claimed_until=None, claimed_by=None)).rowcount


def renew(db: Session, job_ids: Iterable[int], owner: str | None = None) -> int:
    """Keep this process's claims on the jobs it is still working on; how many it still holds."""
    ids = list(job_ids)
    if not ids:
        return 0
    renewed = db.execute(
        update(Job).where(Job.id.in_(ids), Job.status == "queued", Job.claimed_by == (owner or this_process()))
        .values(claimed_until=utcnow() + dt.timedelta(seconds=CLAIM_SECONDS))
    ).rowcount
    db.commit()
    return renewed


def release_abandoned(db: Session, is_alive: Callable[[str], bool]) -> int:
    """Free the claims of processes that have died (`is_alive(claimed_by)` is False), so their work is due now."""
    now = utcnow()
    claimed = db.scalars(select(Job).where(Job.status == "queued", Job.claimed_until >= now)).all()
    released = [job for job in claimed if job.claimed_by and not is_alive(job.claimed_by)]
    for job in released:
        job.claimed_until, job.claimed_by, job.next_attempt_at = None, None, now
    return len(released)


def finish(db: Session, job_id: int) -> int:
    """Mark a job done, committing whatever the caller wrote with it; returns 1, one job done."""
    job = db.get(Job, job_id)
    job.status, job.done_at, job.claimed_until, job.claimed_by, job.last_error = "done", utcnow(), None, None, None
    db.commit()
    return 1


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after this many failed attempts: doubling from 30 seconds, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def retry(db: Session, job_id: int, error: str, *, document_message: str | None = None) -> int:
    """Count a failed attempt and try again after the backoff; the document can say why it waits. Returns 0."""
    document_id = db.scalar(select(Job.document_id).where(Job.id == job_id))
    if document_message is not None and document_id is not None:
        # The document row before the job's, the order finishing a job takes them in, so the two never deadlock.
        db.get(Document, document_id, with_for_update=True, populate_existing=True).pdf_error = document_message
    job = db.get(Job, job_id, populate_existing=True)
    job.attempts += 1
    job.last_error = error
    job.claimed_until = job.claimed_by = None
    job.next_attempt_at = utcnow() + backoff(job.attempts)
    db.commit()
    return 0


def defer(db: Session, job_id: int, why: str, wait: dt.timedelta) -> int:
    """Not a failure, only too early (what it needs is still being made): try again shortly, no attempt counted."""
    job = db.get(Job, job_id, populate_existing=True)
    job.claimed_until, job.claimed_by, job.last_error = None, None, why
    job.next_attempt_at = utcnow() + wait
    db.commit()
    return 0


def bring_forward(db: Session, *, document_id: int | None = None, kinds_other_than: str | None = None) -> int:
    """Make waiting jobs due now (all of them, or a document's other kinds); the caller commits. How many."""
    statement = update(Job).where(Job.status == "queued")
    if document_id is not None:
        statement = statement.where(Job.document_id == document_id)
    if kinds_other_than is not None:
        statement = statement.where(Job.kind != kinds_other_than)
    return db.execute(statement.values(next_attempt_at=utcnow())).rowcount


def claimed_now(db: Session) -> int:
    """How many jobs a process is working on now (its claim still running; not those only handed to the engine)."""
    return db.scalar(select(func.count()).select_from(Job).where(
        Job.status == "queued", Job.claimed_until >= utcnow(), Job.claimed_by != RELAYED))


def failing(db: Session) -> list[Job]:
    """Jobs not yet done that have failed at least once, oldest first: what an operator should look at."""
    return list(db.scalars(select(Job).where(Job.status == "queued", Job.attempts > 0).order_by(Job.id)))


def waiting_for(db: Session, document_id: int) -> list[Job]:
    """Jobs not yet done for a document."""
    return list(db.scalars(select(Job).where(Job.document_id == document_id, Job.status != "done")))


def waiting(db: Session) -> list[tuple[Job, Document]]:
    """Every job not yet done, oldest first, with its document (for an operator)."""
    rows = db.execute(select(Job, Document).join(Document, Job.document_id == Document.id)
                      .where(Job.status != "done").order_by(Job.id)).all()
    return [(job, document) for job, document in rows]
