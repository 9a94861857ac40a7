"""Background work on Dramatiq and Redis, for several worker processes: the job and email rows stay the outbox,
written in the transaction that causes them, and are relayed once committed to separate queues (PDFs, email, the
daily work) so that PDFs never wait behind reminders."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable

from dramatiq import Actor, Message, Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries
from flask import Flask

from doc_templates import pool
from storage import jobs, outbox, wakeups
from storage.db import session as db
from storage.mail import transport_from_config
from storage.models import utcnow
from storage.settings import is_on
from workflows import annotated_pdf, background, evidence, housekeeping, lock, renditions
from workflows.retention import run_daily_sweep

log = logging.getLogger(__name__)

PDFS, EMAIL, DAILY = "pdfs", "email", "daily"
QUEUES = (PDFS, EMAIL, DAILY)
# Which queue each kind of job goes to: renewing evidence is the daily work's, never in the PDFs' way.
QUEUE_OF = {renditions.REVIEW_PDF: PDFS, lock.SEAL_FINAL_PDF: PDFS, annotated_pdf.SEAL_ANNOTATIONS: PDFS,
            evidence.RENEW_EVIDENCE: DAILY}
# A worker that stops beating this long is dead: its unfinished messages go back to their queue. Each live
# worker looks for dead ones on about one call in five, so work held by a killed worker is redelivered within
# about half a minute (its own claim on the job row runs out in jobs.CLAIM_SECONDS anyway).
HEARTBEAT_SECONDS = 10
MAINTENANCE_CHANCE = 200_000  # in a million
# The engine's own retries are only for a worker that could not reach the database to take the work; a failure
# of the work itself is recorded on its row and retried with the row's backoff (the row is the truth).
ENGINE_RETRIES = {"max_retries": 5, "min_backoff": 2_000, "max_backoff": 60_000}
EMAIL_THREADS, DAILY_THREADS = 2, 1
RELAY_BATCH = 200


def configured(app: Flask) -> bool:
    """Whether this install runs its background work on the queue engine (COUNTERSIGN_QUEUE_URL is set)."""
    return bool(app.config.get("QUEUE_URL"))


class Engine:
    """The queues of one install, in the Redis at COUNTERSIGN_QUEUE_URL under COUNTERSIGN_QUEUE_PREFIX."""

    def __init__(self, app: Flask):
        self.app = app
        self._brokers: list[RedisBroker] = []
        self.sender = self._broker()

    def _broker(self) -> RedisBroker:
        # Each queue's workers get a broker of their own, so each has its own threads (Dramatiq's rule is one
        # worker per broker): a long reminder run then never holds a thread that a PDF is waiting for.
        broker = RedisBroker(url=self.app.config["QUEUE_URL"], namespace=self.app.config["QUEUE_PREFIX"],
                             heartbeat_timeout=HEARTBEAT_SECONDS * 1000, maintenance_chance=MAINTENANCE_CHANCE,
                             middleware=[Retries(**ENGINE_RETRIES)])
        for queue in (PDFS, DAILY):
            Actor(self._run_job, broker=broker, actor_name=f"job_{queue}", queue_name=queue, priority=0, options={})
        Actor(self._send_email, broker=broker, actor_name="email", queue_name=EMAIL, priority=0, options={})
        Actor(self._daily, broker=broker, actor_name="daily", queue_name=DAILY, priority=0, options={})
        self._brokers.append(broker)
        return broker

    # -- sending -------------------------------------------------------------------------------------------------

    def _send(self, actor_name: str, queue: str, *args) -> None:
        self.sender.enqueue(Message(queue_name=queue, actor_name=actor_name, args=args, kwargs={}, options={}))

    def relay(self) -> int:
        """Hand every due job and email row to its queue, each marked first so that no other relay sends it too;
        how many were sent. A row the engine cannot take is freed for the next try."""
        sent = 0
        for job_id, kind in jobs.due_kinds(db, utcnow(), RELAY_BATCH):
            queue = QUEUE_OF.get(kind, PDFS)
            sent += self._relay_one(jobs, job_id, f"job_{queue}", queue)
        for message_id in outbox.relayable(db, utcnow(), RELAY_BATCH):
            sent += self._relay_one(outbox, message_id, "email", EMAIL)
        return sent

    def _relay_one(self, table, row_id: int, actor_name: str, queue: str) -> int:
        if not table.mark_relayed(db, row_id):
            return 0
        try:
            self._send(actor_name, queue, row_id)
        except Exception:
            table.unmark_relayed(db, row_id)
            raise
        return 1

    def send_daily(self, day: dt.date) -> None:
        """Ask for the day's reminders, disposition sweep and evidence renewal; each runs once a day whoever asks."""
        self._send("daily", DAILY, day.isoformat())

    # -- working -------------------------------------------------------------------------------------------------

    def _run_job(self, job_id: int) -> None:
        with self.app.app_context():
            try:
                owner = jobs.this_process()
                # Done already, waiting for its retry, or being done by another worker: the message is spent.
                if jobs.claim(db, job_id, owner, relayed=True):
                    with background.Claims(self.app, [job_id], owner) as claims:
                        background.run_job(job_id, claims)
            finally:
                db.remove()

    def _send_email(self, message_id: int) -> None:
        with self.app.app_context():
            try:
                outbox.send_one(db, transport_from_config(self.app.config), message_id,
                                sender=self.app.config["MAIL_FROM"])
            finally:
                db.remove()

    def _daily(self, day: str) -> None:
        today = dt.date.fromisoformat(day)
        config = self.app.config
        with self.app.app_context():
            try:
                if is_on(config["SEND_DAILY_REMINDERS"]):
                    background.run_daily_once(today)
                if is_on(config.get("DISPOSITION_SWEEP")):
                    run_daily_sweep(today)
                if is_on(config.get("EVIDENCE_RENEWAL")):
                    evidence.run_daily(today)
            finally:
                db.remove()

    def start_workers(self, queues: Iterable[str]) -> list[Worker]:
        """Start a worker for each queue named, in threads of this process."""
        threads = {PDFS: pool.parallelism(), EMAIL: EMAIL_THREADS, DAILY: DAILY_THREADS}
        workers = []
        for queue in queues:
            worker = Worker(self._broker(), queues={queue, f"{queue}.DQ"}, worker_threads=threads[queue])
            # Take only what the threads can start: a message waiting in a worker's hands is stuck if it dies.
            worker.queue_prefetch = threads[queue]
            worker.start()
            workers.append(worker)
        return workers

    def close(self, workers: Iterable[Worker] = ()) -> None:
        for worker in workers:
            worker.stop(timeout=30_000)
        for broker in self._brokers:
            broker.close()
            broker.client.connection_pool.disconnect()  # Dramatiq's close leaves the Redis connections open


def queue_names(text: str) -> list[str]:
    """The queues named in `--queues pdfs,email`; a name that is not a queue raises ValueError saying which are."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise ValueError(f"{', '.join(unknown) or 'no queue'}: the queues are {', '.join(QUEUES)}")
    return names


def run_forever(app: Flask, stop: threading.Event, queues: Iterable[str] = QUEUES, poll_seconds: float = 2.0,
                on_start: Callable[[], None] | None = None) -> None:
    """Work on the named queues, and relay committed work to the engine, until `stop` is set."""
    queues = list(queues)
    engine = Engine(app)
    swept_on = background.sweep_left_behind(app)
    if PDFS in queues:
        background.warm_up_pool()
    workers = engine.start_workers(queues)
    wakeups.listen(app.config["DATABASE_URL"], background.wake, stop)
    daily_sent: dt.date | None = None
    if on_start is not None:
        on_start()
    try:
        while not stop.is_set():
            today = dt.date.today()
            if swept_on != today:
                swept_on = background.sweep_left_behind(app)
            try:
                with app.app_context():
                    engine.relay()
                    # Work held by a process on this machine that died is free again at once, not when its claim ends.
                    if jobs.release_abandoned(db, housekeeping.process_is_alive) + outbox.release_abandoned(
                            db, housekeeping.process_is_alive):
                        db.commit()
                        background.wake()
                    # Several workers may each ask; a row in the database per day and run makes each run once.
                    if daily_sent != today:
                        engine.send_daily(today)
                        daily_sent = today
            except Exception:  # the database or Redis busy or down: the next beat tries again
                log.exception("could not hand background work to the queue engine; trying again shortly")
            finally:
                db.remove()
            background.wait_for_work(poll_seconds)
    finally:
        engine.close(workers)
