"""Signing, opening links, HR viewing and the worker sealing the same documents at the same instant: no error page,
nothing lost."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from storage import audit
from storage.db import session as database
from storage.models import Document, DocumentState, Signature
from tests.support.links import reviewed_sha256, sign

ROUNDS = 6


def _at_once(*calls):
    """Run each call in its own thread, released together; their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported below as the test's failure
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _all_at_once(app, hr, people, run_jobs, document_id, supervisor_path, supervisee_path):
    """The supervisor signs while the supervisee opens their link, HR views and downloads the document, and the
    worker seals the documents locked before it."""
    signer, opener = app.test_client(), app.test_client()
    sha = reviewed_sha256(signer.get(supervisor_path).get_data(as_text=True))
    database.remove()
    form = {"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": people.supervisor.name,
            "reviewed_sha256": sha}
    return _at_once(
        lambda: signer.post(supervisor_path, data=form),
        lambda: opener.get(supervisee_path),
        lambda: hr.get(f"/documents/{document_id}"),
        lambda: hr.get(f"/documents/{document_id}/files/pdf"),
        run_jobs,
    )


def test_signing_viewing_opening_links_and_sealing_at_once_never_fail(app, db, people, make_agreement, signing_link,
                                                                     login, run_jobs):
    hr = app.test_client()
    login(hr, people.hr)
    documents = []
    for _ in range(ROUNDS):
        document_id = make_agreement()
        sign(app.test_client(), signing_link(people.supervisee), people.supervisee.name)
        documents.append((document_id, signing_link(people.supervisor), signing_link(people.supervisee)))
    db.remove()

    answers = [_all_at_once(app, hr, people, run_jobs, *document) for document in documents]
    run_jobs()

    for signed, *others, worked in answers:
        assert not isinstance(signed, BaseException), signed
        assert signed.status_code == 200, signed.get_data(as_text=True)
        assert not isinstance(worked, BaseException), worked
        for response in others:
            assert not isinstance(response, BaseException), response
            assert response.status_code < 500, response.get_data(as_text=True)
    for document_id, *_ in documents:
        assert db.get(Document, document_id).state is DocumentState.LOCKED
        assert db.get(Document, document_id).final_pdf_sha256
        assert db.scalar(sa.select(sa.func.count()).select_from(Signature)
                         .where(Signature.document_id == document_id)) == 2
    assert audit.verify_chain(db).ok
