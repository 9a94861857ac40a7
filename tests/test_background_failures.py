"""Background work that fails or is abandoned: recorded on the job and the document, retried, taken up again."""

from __future__ import annotations

import datetime as dt
import errno
import socket
import subprocess
import tempfile
import time

import sqlalchemy as sa

from doc_templates.pdf import use_converter
from storage import jobs, outbox
from storage.blobs import blobs
from storage.models import Document, Job, OutboxMessage, as_utc, utcnow
from tests.support.data import AGREEMENT_FORM, actor_for
from tests.support.quick_pdf import quick_pdf
from workflows import agreements, housekeeping
from workflows.background import retry_now
from workflows.housekeeping import process_is_alive


def _draft(app, people) -> int:
    """A draft agreement whose review PDF is queued and not yet made."""
    with app.test_request_context():
        return agreements.start_agreement(people.supervisor.id, people.supervisee.id, dict(AGREEMENT_FORM),
                                          actor_for(people.supervisor)).id


def _dead_process() -> str:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return f"{socket.gethostname()}:{finished.pid}"


def test_a_claim_is_short_so_work_of_a_process_that_died_is_taken_up_within_half_a_minute():
    assert jobs.CLAIM_SECONDS + 2 <= 30  # plus the worker's two-second poll
    assert jobs.RENEW_SECONDS * 3 <= jobs.CLAIM_SECONDS  # a renewal may fail twice before the claim runs out


def test_work_whose_claim_ran_out_is_done_by_the_next_worker(app, db, people, run_jobs):
    document_id = _draft(app, people)
    job = db.query(Job).filter_by(document_id=document_id).one()
    job.claimed_by, job.claimed_until = _dead_process(), utcnow() - dt.timedelta(seconds=1)
    job_id = job.id
    db.commit()
    run_jobs()
    assert db.get(Document, document_id).pdf_sha256
    job = db.get(Job, job_id)
    assert job.status == "done" and job.claimed_by is None


def test_only_the_process_holding_a_claim_renews_it(app, db, people):
    document_id = _draft(app, people)
    job_id = db.query(Job).filter_by(document_id=document_id).one().id
    db.commit()
    assert jobs.claim(db, job_id, "host-a:1")
    assert jobs.renew(db, [job_id], "host-b:2") == 0
    before = db.get(Job, job_id, populate_existing=True).claimed_until
    assert jobs.renew(db, [job_id], "host-a:1") == 1
    assert db.get(Job, job_id, populate_existing=True).claimed_until >= before


def test_retry_renders_frees_work_held_by_a_stopped_process_and_render_status_says_so(app, db, people):
    document_id = _draft(app, people)
    job = db.query(Job).filter_by(document_id=document_id).one()
    stopped = _dead_process()
    job.claimed_by, job.claimed_until = stopped, utcnow() + dt.timedelta(seconds=jobs.CLAIM_SECONDS)
    job_id = job.id
    db.commit()
    assert not process_is_alive(stopped) and process_is_alive(jobs.this_process())

    status = app.test_cli_runner().invoke(args=["render-status"])
    assert f"being made now by {stopped} (which has stopped" in status.output

    retried = app.test_cli_runner().invoke(args=["retry-renders"])
    assert "1 of the conversions were held by a process that has stopped" in retried.output, retried.output
    db.remove()
    job = db.get(Job, job_id)
    assert job.claimed_until is None and job.claimed_by is None
    assert "due now" in app.test_cli_runner().invoke(args=["render-status"]).output


def test_work_being_done_by_a_live_process_is_left_to_it(app, db, people):
    document_id = _draft(app, people)
    job = db.query(Job).filter_by(document_id=document_id).one()
    job.claimed_by, job.claimed_until = jobs.this_process(), utcnow() + dt.timedelta(seconds=jobs.CLAIM_SECONDS)
    job_id = job.id
    db.commit()
    assert "being made now by" in app.test_cli_runner().invoke(args=["render-status"]).output
    report = retry_now()
    assert report.working == 1 and report.released == 0
    db.remove()
    assert db.get(Job, job_id).claimed_until is not None


def test_a_full_disk_in_the_worker_is_recorded_in_words_retried_and_recovered(
        app, client, db, people, login, run_jobs, monkeypatch):
    document_id = _draft(app, people)
    store = blobs()
    real_put = store.put

    def full(data: bytes) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "put", full)
    run_jobs()
    job = db.query(Job).filter_by(document_id=document_id).one()
    job_id = job.id
    assert job.status == "queued" and job.attempts == 1 and job.claimed_until is None
    assert "No space left on device" in job.last_error and as_utc(job.next_attempt_at) > utcnow()
    document = db.get(Document, document_id)
    assert document.pdf_sha256 is None and "disk is full" in document.pdf_error
    db.rollback()
    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "the server&#39;s disk is full" in page and "keep trying" in page

    monkeypatch.setattr(store, "put", real_put)
    retry_now()
    run_jobs()
    document = db.get(Document, document_id)
    assert document.pdf_sha256 and document.pdf_error is None
    assert db.get(Job, job_id).status == "done"


def test_a_claim_is_renewed_while_slow_work_goes_on_so_no_other_worker_takes_it(
        app, db, people, run_jobs, monkeypatch, database_url):
    monkeypatch.setattr(jobs, "CLAIM_SECONDS", 2)
    monkeypatch.setattr(jobs, "RENEW_SECONDS", 0.3)
    document_id = _draft(app, people)
    job_id = db.query(Job).filter_by(document_id=document_id).one().id
    db.commit()
    onlooker = sa.create_engine(database_url)
    held = []

    def slow(docx: bytes, timeout: float) -> bytes:
        for _ in range(8):  # twice the claim's length
            time.sleep(0.5)
            with onlooker.connect() as connection:
                until = connection.scalar(sa.select(Job.claimed_until).where(Job.id == job_id))
            held.append(until is not None and as_utc(until) > utcnow())
        return quick_pdf(docx, timeout)

    use_converter(slow)
    try:
        run_jobs()
    finally:
        use_converter(quick_pdf)
        onlooker.dispose()
    assert held and all(held), held
    assert db.get(Document, document_id).pdf_sha256


def test_a_restarted_worker_frees_at_once_the_work_its_dead_predecessor_held(app, db, people, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # no other process's LibreOffice folders are touched
    document_id = _draft(app, people)
    job = db.query(Job).filter_by(document_id=document_id).one()
    job.claimed_by, job.claimed_until = _dead_process(), utcnow() + dt.timedelta(seconds=jobs.CLAIM_SECONDS)
    job_id = job.id
    db.commit()
    assert housekeeping.sweep().abandoned_jobs == 1
    db.remove()
    assert db.get(Job, job_id).claimed_until is None


def test_an_email_held_by_a_dead_sender_is_freed_at_start_up_and_sent_once(app, db, people, run_jobs, monkeypatch,
                                                                           tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    message = outbox.queue_email(db, to=people.supervisee.email, subject="A test", body="Hello")
    message.claimed_by, message.claimed_until = _dead_process(), utcnow() + dt.timedelta(minutes=5)
    db.commit()
    message_id = message.id
    assert housekeeping.sweep().abandoned_jobs == 1
    db.remove()
    run_jobs()
    sent = db.get(OutboxMessage, message_id)
    assert sent.status == "sent" and sent.claimed_by is None
