"""`kill -9` of the web process while people sign and of the worker while it seals: every signature a person saw
confirmed is kept, every locked document is sealed within a minute of the restart, and no LibreOffice is left."""

from __future__ import annotations

import threading
import time

import requests
import sqlalchemy as sa

from doc_templates import pool
from storage import audit
from storage.db import session as database
from storage.models import Document, DocumentState, Job, Party, Signature
from tests.support.links import reviewed_sha256, sign
from tests.support.processes import AppProcesses
from workflows.lock import SEAL_FINAL_PDF

DOCUMENTS = 6


def _sign_over_http(url: str, path: str, name: str) -> requests.Response | None:
    """The supervisor signs from their link; the answer they saw, or None if the server died under them."""
    try:
        page = requests.get(url + path, timeout=30)
        form = {"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name,
                "reviewed_sha256": reviewed_sha256(page.text)}
        return requests.post(url + path, data=form, timeout=30)
    except (requests.RequestException, IndexError):  # refused, or cut off half way through the answer
        return None


def _confirmed(response: requests.Response | None) -> bool:
    return response is not None and response.status_code == 200 and "signed" in response.text.lower()


def _documents(ids):
    try:
        return {d.id: d for d in database.scalars(sa.select(Document).where(Document.id.in_(ids)))}
    finally:
        database.remove()


def _sealing_claimed() -> bool:
    try:
        return bool(database.scalar(sa.select(sa.func.count()).select_from(Job).where(
            Job.kind == SEAL_FINAL_PDF, Job.claimed_until.is_not(None))))
    finally:
        database.remove()  # the test must not hold SQLite's lock while the app works


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def test_kill_9_of_the_web_process_and_the_worker_loses_nothing_and_leaves_no_libreoffice(
        app, app_config, db, people, make_agreement, signing_link, tmp_path):
    client = app.test_client()
    documents = {}
    for _ in range(DOCUMENTS):
        document_id = make_agreement()
        sign(client, signing_link(people.supervisee), people.supervisee.name)
        documents[document_id] = signing_link(people.supervisor)
    database.remove()

    processes = AppProcesses(app_config, tmp_path)
    try:
        processes.start_web()
        processes.start_worker()
        answers: dict[int, requests.Response | None] = {}
        first_signed = threading.Event()

        def sign_as_supervisor(document_id: int) -> None:
            answers[document_id] = _sign_over_http(processes.url, documents[document_id], people.supervisor.name)
            if _confirmed(answers[document_id]):
                first_signed.set()

        signers = [threading.Thread(target=sign_as_supervisor, args=(d,)) for d in documents]
        for signer in signers:
            signer.start()
        assert first_signed.wait(60), (tmp_path / "web.log").read_text()[-3000:]
        processes.kill(processes.web)  # in the middle of people signing
        for signer in signers:
            signer.join(60)
        outcome = {d: (r.status_code if r is not None else "no answer") for d, r in answers.items()}

        # The worker is killed while it seals (or, if it is quick, just after it claimed the work).
        assert _wait_for(_sealing_claimed, 60), (outcome, (tmp_path / "worker.log").read_text()[-3000:])
        processes.kill(processes.worker)
        assert _wait_for(lambda: not processes.leftover_libreoffice(), 10), processes.leftover_libreoffice()

        processes.start_web()
        processes.start_worker()
        restarted = time.monotonic()
        for document_id, document in _documents(documents).items():
            if document.state is not DocumentState.LOCKED:
                assert _confirmed(_sign_over_http(processes.url, documents[document_id], people.supervisor.name))

        for document_id, response in answers.items():
            if _confirmed(response):
                assert database.scalar(sa.select(sa.func.count()).select_from(Signature).where(
                    Signature.document_id == document_id, Signature.party == Party.SUPERVISOR)) == 1
        database.remove()
        assert all(d.state is DocumentState.LOCKED for d in _documents(documents).values())
        sealed = _wait_for(lambda: all(d.final_pdf_sha256 for d in _documents(documents).values()),
                           60 - (time.monotonic() - restarted))
        assert sealed, (tmp_path / "worker.log").read_text()[-3000:]
        assert audit.verify_chain(database).ok
    finally:
        processes.stop()
        database.remove()
    assert _wait_for(lambda: not processes.leftover_libreoffice(), 10), processes.leftover_libreoffice()
    assert _wait_for(lambda: not pool._processes_using(processes.temp), 10), "LibreOffice outlived a stopped app"
