"""Background work on the queue engine (Dramatiq on Redis): separate queues, retries with backoff, the list of failed
work, work handed over twice done once, and the worker command's queues."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from doc_templates.pdf import use_converter
from storage import jobs
from storage.db import session as database
from storage.models import Document, Job, as_utc, utcnow
from tests.support.data import AGREEMENT_FORM, actor_for
from tests.support.quick_pdf import quick_pdf
from workflows import agreements, background, queue_engine


@pytest.fixture
def app_config(app_config, queue_redis):
    url, prefix = queue_redis
    return {**app_config, "QUEUE_URL": url, "QUEUE_PREFIX": prefix}


@pytest.fixture
def engine(app):
    """The queue engine's workers and relay in threads of this process, on every queue, until the test ends."""
    database.remove()
    stop, started = threading.Event(), threading.Event()
    thread = threading.Thread(target=queue_engine.run_forever, args=(app, stop),
                              kwargs={"poll_seconds": 0.3, "on_start": started.set}, daemon=True)
    thread.start()
    assert started.wait(30), "the queue engine's workers did not start"
    yield
    stop.set()
    background.wake()
    thread.join(60)
    assert not thread.is_alive(), "the queue engine's workers did not stop"


def _draft(app, people) -> int:
    with app.test_request_context():
        document_id = agreements.start_agreement(people.supervisor.id, people.supervisee.id, dict(AGREEMENT_FORM),
                                                 actor_for(people.supervisor)).id
    database.remove()
    return document_id


def _wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = condition()
        finally:
            database.remove()
        if found:
            return found
        time.sleep(0.2)
    return None


def _review_pdf(document_id: int) -> str | None:
    return database.get(Document, document_id).pdf_sha256


def _job(document_id: int) -> Job:
    job = database.scalars(sa.select(Job).where(Job.document_id == document_id)).one()
    database.expunge(job)
    return job


def test_a_pdf_is_made_while_a_long_reminder_run_holds_the_daily_queue(app, people, monkeypatch):
    app.config["SEND_DAILY_REMINDERS"] = True
    reminding, release = threading.Event(), threading.Event()

    def long_reminder_run(today: dt.date) -> bool:
        reminding.set()
        release.wait(60)
        return True

    monkeypatch.setattr(background, "run_daily_once", long_reminder_run)
    stop = threading.Event()
    thread = threading.Thread(target=queue_engine.run_forever, args=(app, stop), kwargs={"poll_seconds": 0.3},
                              daemon=True)
    database.remove()
    thread.start()
    try:
        assert reminding.wait(30), "the daily run was never started"
        document_id = _draft(app, people)
        assert _wait_for(lambda: _review_pdf(document_id), 30), "the PDF waited behind the reminders"
        assert not release.is_set() and thread.is_alive()  # the reminders were still running all along
    finally:
        release.set()
        stop.set()
        background.wake()
        thread.join(60)
    assert not thread.is_alive()


def test_a_failed_job_is_retried_after_its_backoff_listed_as_failed_and_retried_on_request(app, people, engine):
    def broken(_docx: bytes, _timeout: float) -> bytes:
        raise OSError("LibreOffice is not installed")

    use_converter(broken)
    document_id = _draft(app, people)
    failed = _wait_for(lambda: (job := _job(document_id)).attempts >= 1 and job.claimed_by is None and job, 30)
    assert failed, "the failure was not recorded on the job"
    assert "LibreOffice is not installed" in failed.last_error
    wait = (as_utc(failed.next_attempt_at) - utcnow()).total_seconds()
    assert 20 < wait <= jobs.backoff(1).total_seconds()  # the row's backoff: 30 s after a first failure
    time.sleep(1.5)  # the relay polls every 0.3 s: a job waiting out its backoff is not handed over early
    assert _job(document_id).attempts == 1
    database.remove()

    listed = app.test_cli_runner().invoke(args=["failed-work"])
    assert listed.exit_code == 0, listed.output
    assert "review pdf of" in listed.output and "1 failed attempt(s), next try in" in listed.output
    assert "LibreOffice is not installed" in listed.output
    database.remove()

    use_converter(quick_pdf)  # mended
    retried = app.test_cli_runner().invoke(args=["failed-work", "--retry"])
    assert retried.exit_code == 0 and "1 will be tried again now" in retried.output, retried.output
    database.remove()
    assert _wait_for(lambda: _review_pdf(document_id), 30), "the job was not done after the retry"
    job = _job(document_id)
    assert job.status == "done" and job.attempts == 1
    database.remove()
    assert "No background work has failed." in app.test_cli_runner().invoke(args=["failed-work"]).output


def test_work_handed_to_the_engine_twice_is_done_once(app, people):
    document_id = _draft(app, people)
    job_id = _job(document_id).id
    engine = queue_engine.Engine(app)
    try:
        assert jobs.mark_relayed(database, job_id)
        assert not jobs.mark_relayed(database, job_id)  # another relay finds it handed over already
        database.remove()
        render = app.test_cli_runner().invoke(args=["render-status"])
        assert "in the pdfs queue, waiting for a worker" in render.output, render.output
        database.remove()
        for _ in range(3):
            engine._send("job_pdfs", queue_engine.PDFS, job_id)
        calls = []
        real = background.JOBS["review_pdf"]
        background.JOBS["review_pdf"] = lambda job: calls.append(job) or real(job)
        try:
            workers = engine.start_workers([queue_engine.PDFS])
            try:
                assert _wait_for(lambda: _review_pdf(document_id), 30)
                time.sleep(1)  # the other two messages are taken, and find it done
                assert engine.sender.client.llen(f"{app.config['QUEUE_PREFIX']}:{queue_engine.PDFS}") == 0
            finally:
                engine.close(workers)
        finally:
            background.JOBS["review_pdf"] = real
        assert calls == [job_id]
    finally:
        engine.close()


def test_an_email_goes_through_the_email_queue(app, people, engine, tmp_path):
    _draft(app, people)  # nothing emailed yet; sending for signature emails the supervisee
    document_id = database.scalars(sa.select(Document.id)).one()
    assert _wait_for(lambda: _review_pdf(document_id), 30)
    with app.test_request_context():
        agreements.send_for_signature(document_id, actor_for(people.supervisor))
    database.remove()
    outbox_dir = tmp_path / "outbox"
    assert _wait_for(lambda: list(outbox_dir.glob("*.eml")), 30), "the email was not sent"


def test_the_worker_command_refuses_a_queue_that_does_not_exist(app):
    result = app.test_cli_runner().invoke(args=["worker", "--queues", "pdfs,faxes"])
    assert result.exit_code != 0
    assert "faxes: the queues are pdfs, email, daily" in result.output


def test_separate_queues_need_the_engine(app):
    app.config["QUEUE_URL"] = ""
    result = app.test_cli_runner().invoke(args=["worker", "--queues", "pdfs"])
    assert result.exit_code != 0
    assert "separate queues need a queue engine: set COUNTERSIGN_QUEUE_URL" in result.output


def test_a_job_taken_by_a_worker_that_died_is_redelivered_within_half_a_minute(app, people):
    document_id = _draft(app, people)
    job_id = _job(document_id).id
    dead, alive = queue_engine.Engine(app), queue_engine.Engine(app)
    try:
        # A worker takes the job's message off the queue, then dies before acknowledging it: it never beats again.
        assert jobs.mark_relayed(database, job_id)
        database.remove()
        dead._send("job_pdfs", queue_engine.PDFS, job_id)
        taken = dead.sender.consume(queue_engine.PDFS, prefetch=1, timeout=100)
        message = None
        while message is None:
            message = next(taken)
        assert tuple(message.args) == (job_id,)
        died = time.monotonic()
        # The job's row says it waits in the queue for 5 minutes more: only the engine's redelivery is quick.
        workers = alive.start_workers([queue_engine.PDFS])
        try:
            assert _wait_for(lambda: _review_pdf(document_id), 40), "the message of the dead worker was not redelivered"
        finally:
            alive.close(workers)
        assert time.monotonic() - died <= 30
        job = _job(document_id)
        assert job.status == "done" and job.attempts == 0
    finally:
        dead.close()
        alive.close()
