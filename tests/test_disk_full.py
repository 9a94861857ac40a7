"""The file store's disk fills up (a real, small filesystem): the PDF waits and says why in words, a new
document is refused with nothing saved, and everything carries on once there is space again."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from storage.blobs import blobs
from storage.db import session as database
from storage.models import Document, Job
from tests.support.data import AGREEMENT_FORM, actor_for
from workflows import agreements
from workflows.background import retry_now


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs for the file store; the test fails (it never skips) where it cannot be mounted."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    assert done.returncode == 0, f"this test needs to mount a small tmpfs (run as root): {done.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def app_config(app_config, small_disk):
    return {**app_config, "BLOB_DIR": str(small_disk / "blobs")}


def _fill(disk) -> None:
    """Write until the disk refuses another byte."""
    with open(disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_is_retried_told_in_words_and_recovered(app, client, db, people, login, run_jobs, small_disk):
    with app.test_request_context():
        document_id = agreements.start_agreement(people.supervisor.id, people.supervisee.id, dict(AGREEMENT_FORM),
                                                 actor_for(people.supervisor)).id
    _fill(small_disk)

    run_jobs()
    job = db.scalars(sa.select(Job).where(Job.document_id == document_id)).one()
    assert job.status == "queued" and job.attempts == 1 and job.claimed_until is None
    assert "No space left on device" in job.last_error
    assert "disk is full" in db.get(Document, document_id).pdf_error
    database.remove()

    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "the server&#39;s disk is full" in page and "keep trying" in page
    documents_before = db.scalar(sa.select(sa.func.count()).select_from(Document))
    database.remove()
    refused = client.post("/agreements/new", data={**AGREEMENT_FORM, "supervisee": people.supervisee.id,
                                                   "absence_cover": "Someone else, Team Manager"})
    assert refused.status_code == 503 and "nothing you did was saved" in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Document)) == documents_before
    assert not list((small_disk / "blobs").rglob(".incoming-*")), "a half-written file was left behind"
    database.remove()

    (small_disk / "filler").unlink()
    with app.app_context():
        retry_now()
    run_jobs()
    document = db.get(Document, document_id)
    assert document.pdf_sha256 and document.pdf_error is None and blobs().exists(document.pdf_sha256)
