"""The background worker: every kind of background work in one table, PDFs, sealing and email, in the app
process or on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from doc_templates import pool
from storage import jobs, outbox, wakeups
from storage.db import session as db
from storage.mail import transport_from_config
from storage.models import Document, Job, OutboxMessage, utcnow
from storage.settings import is_on
from workflows import annotated_pdf, evidence, housekeeping, lock, reminders, renditions
from workflows.retention import run_daily_sweep

log = logging.getLogger(__name__)

# Every kind of background job, by Job.kind: a function taking the claimed job's id and returning 1 once done.
JOBS: dict[str, Callable[[int], int]] = {
    renditions.REVIEW_PDF: renditions.make_review_pdf,
    lock.SEAL_FINAL_PDF: lock.seal_final_pdf,
    annotated_pdf.SEAL_ANNOTATIONS: annotated_pdf.seal_annotations,
    evidence.RENEW_EVIDENCE: evidence.renew,
}

_wake = threading.Event()


def wake() -> None:
    """Ask the worker to look for work now rather than at its next poll."""
    _wake.set()


def wait_for_work(seconds: float) -> None:
    """Wait until work is queued (in this process, or announced by another) or `seconds` pass."""
    _wake.wait(seconds)
    # Cleared here, and the caller looks for work straight after: a wake-up that comes after this line is for work
    # committed before it, which that look finds; one that comes while the caller works stays set, so the next wait
    # returns at once. Either way no wake-up is lost.
    _wake.clear()


@event.listens_for(Session, "after_flush")
def _note_new_work(session: Session, _context) -> None:
    if any(isinstance(obj, (Job, OutboxMessage)) for obj in session.new):
        wakeups.announce(session)  # workers in other processes hear of it when this commits (once, however often)
        session.info["new_work"] = True


@event.listens_for(Session, "after_commit")
def _wake_on_new_work(session: Session) -> None:
    # Only commits that queued something wake the worker, so its own commits never spin it.
    if session.info.pop("new_work", False):
        wake()


def run_due_jobs(now: dt.datetime | None = None, limit: int = 10) -> int:
    """Do the jobs that are due, as many at once as the LibreOffice pool has instances; returns the jobs done.

    A failure is retried with backoff, never dropped. Each claim is short and renewed while the work goes on,
    so if this process dies another worker takes the work up within half a minute.
    """
    owner = jobs.this_process()
    # Each job's kind comes with the list of due work, so starting a claimed job costs no further transaction.
    claimed = {job_id: kind for job_id, kind in jobs.due_kinds(db, now or utcnow(), limit)
               if jobs.claim(db, job_id, owner)}
    if not claimed:
        return 0
    app = current_app._get_current_object()
    with Claims(app, list(claimed), owner) as claims:
        workers = min(pool.parallelism(), len(claimed))
        if workers <= 1:
            return sum(run_job(job_id, claims, kind) for job_id, kind in claimed.items())
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="countersign-render") as threads:
            return sum(threads.map(lambda item: _run_in_thread(app, *item, claims), claimed.items()))


class Claims:
    """Renews this process's claims on the jobs it is still working on, every few seconds, in a thread."""

    def __init__(self, app: Flask, job_ids: list[int], owner: str):
        self.app, self.owner = app, owner
        self.working = set(job_ids)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="countersign-claims", daemon=True)

    def __enter__(self) -> Claims:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def done(self, job_id: int) -> None:
        with self._lock:
            self.working.discard(job_id)

    def _keep(self) -> None:
        while not self._stop.wait(jobs.RENEW_SECONDS):
            with self._lock:
                working = list(self.working)
            try:
                with self.app.app_context():
                    held = jobs.renew(db, working, self.owner)
                with self._lock:
                    working = [job_id for job_id in working if job_id in self.working]  # not those finished meanwhile
                if held < len(working):
                    log.warning("lost the claim on %s of jobs %s; another worker may redo them", len(working) - held,
                                working)
            except Exception:  # a busy moment: the next beat tries again, the claim lasts several beats
                log.warning("could not renew the claims on jobs %s", working, exc_info=True)


def run_job(job_id: int, claims: Claims | None = None, kind: str | None = None) -> int:
    """Do one claimed job (of `kind`, read here if not given); a failure is recorded on it and its document, and
    retried after the backoff."""
    try:
        if kind is None:
            kind = db.get(Job, job_id).kind
            db.commit()
        return JOBS[kind](job_id)
    except Exception as error:  # a full disk, the file store or LibreOffice gone: recorded, then retried
        log.exception("background job %s failed; it will be retried", job_id)
        return _record_failure(job_id, error)
    finally:
        if claims is not None:
            claims.done(job_id)


def _record_failure(job_id: int, error: Exception) -> int:
    """Write the failure on the job and its document, and schedule the retry; a database too far gone for
    that leaves the claim to run out, and the work is taken up again then."""
    try:
        db.rollback()
        return jobs.retry(db, job_id, f"{type(error).__name__}: {error}",
                          document_message=renditions.waiting_message(error))
    except Exception:
        log.exception("could not record the failure of job %s; its claim will run out and it will be retried", job_id)
        db.rollback()
        return 0


def _run_in_thread(app: Flask, job_id: int, kind: str, claims: Claims) -> int:
    # Each thread has its own app context and database session (the session is thread-local).
    with app.app_context():
        try:
            return run_job(job_id, claims, kind)
        finally:
            db.remove()


def retry_now() -> RetryReport:
    """Bring waiting jobs forward (after LibreOffice is mended) instead of waiting out the backoff, free the claims
    of processes on this machine that have died, and have work handed to a queue engine handed over again (in case
    the engine lost it: a worker given it twice does it once)."""
    released = jobs.release_abandoned(db, housekeeping.process_is_alive)
    count = jobs.bring_forward(db)
    working = jobs.claimed_now(db)
    requeued = jobs.release_relayed(db) + outbox.release_relayed(db)
    db.commit()
    return RetryReport(count, released, working, requeued)


@dataclasses.dataclass(frozen=True)
class RetryReport:
    due_now: int  # jobs waiting, now due
    released: int  # of them, held by a process that had died
    working: int  # being worked on now by a live process, left to it
    requeued: int = 0  # jobs and emails waiting in the queue engine, handed to it again


@dataclasses.dataclass(frozen=True)
class FailedWork:
    """A piece of background work that has failed: tried again after a wait, or (email only) given up on."""

    what: str
    attempts: int
    error: str
    next_try: dt.datetime | None  # None: given up, until someone retries it


def failed_work() -> list[FailedWork]:
    """Every job and email that has failed and not yet succeeded, oldest first (for an operator)."""
    found = []
    for job in jobs.failing(db):
        document = db.get(Document, job.document_id) if job.document_id is not None else None
        name = job.kind.replace("_", " ")
        found.append(FailedWork(f"{name} of {document.reference}" if document is not None else name, job.attempts,
                                job.last_error or "", job.next_attempt_at))
    for message in outbox.failing(db):
        found.append(FailedWork(f"email to {message.to_address}: {message.subject}", message.attempts,
                                message.last_error or "", message.next_attempt_at if message.status == "queued" else None))
    db.commit()
    return found


def retry_failed_work() -> int:
    """Try every failed job and email again now, given-up email included; how many."""
    count = len(jobs.failing(db)) + outbox.bring_forward(db)
    jobs.bring_forward(db)
    db.commit()
    return count + outbox.retry_failed(db)


def run_once() -> tuple[int, outbox.SendReport]:
    """Do whatever rendering and email is due; safe to run in several processes at once."""
    try:
        done = run_due_jobs()
        report = outbox.send_due(
            db, transport_from_config(current_app.config), sender=current_app.config["MAIL_FROM"]
        )
        if is_on(current_app.config.get("DISPOSITION_SWEEP")):
            run_daily_sweep()
        if is_on(current_app.config.get("EVIDENCE_RENEWAL")):
            evidence.run_daily()
        return done, report
    finally:
        db.remove()


def run_daily_once(today: dt.date) -> bool:
    """Send today's reminders unless another worker has; True once today's run is settled either way."""
    try:
        report = reminders.run_daily(today)
        if report is not None:
            log.info("daily reminders: %s emails for %s reminders", report.emails, report.reminders)
        return True
    finally:
        db.remove()


def run_forever(app: Flask, stop: threading.Event, poll_seconds: float = 2.0) -> None:
    """Keep doing due work until `stop` is set; an error is logged and the loop goes on."""
    swept_on = sweep_left_behind(app)
    warm_up_pool()
    wakeups.listen(app.config["DATABASE_URL"], wake, stop)
    daily_done: dt.date | None = None
    while not stop.is_set():
        if swept_on != dt.date.today():
            swept_on = sweep_left_behind(app)
        try:
            with app.app_context():
                run_once()
                # The ledger row for the day is the claim, so several workers send the day's reminders once.
                today = dt.date.today()
                if daily_done != today and is_on(app.config["SEND_DAILY_REMINDERS"]) and run_daily_once(today):
                    daily_done = today
        except Exception:  # a bad moment (database busy, disk full) must not kill the worker
            log.exception("background work failed; trying again shortly")
        wait_for_work(poll_seconds)


def sweep_left_behind(app: Flask) -> dt.date:
    """What crashed processes left behind, swept at start-up and then daily; a failure only logs."""
    try:
        with app.app_context():
            housekeeping.sweep()
    except Exception:  # tried again tomorrow; nothing depends on it today
        log.exception("could not sweep what stopped processes left behind")
    finally:
        db.remove()
    return dt.date.today()


def start_in_thread(app: Flask, poll_seconds: float = 2.0) -> threading.Event:
    """Run the worker in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop, poll_seconds), name="countersign-worker", daemon=True).start()
    return stop


def warm_up_pool() -> None:
    """Start the LibreOffice pool now, so the first document does not wait for it; failures only log."""
    try:
        warm = pool.get()
        if warm is not None:
            warm.start()
    except Exception:  # the first conversion starts it again and reports why on the document
        log.exception("could not start the LibreOffice pool; conversions will try again")
