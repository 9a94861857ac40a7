"""Every state times every move: allowed moves happen, every other move is refused (and 409 on the web)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from storage.models import Disagreement, Document, LockedDocumentError, Party, Signature, Staff, utcnow
from storage.states import (
    DISAGREEMENT,
    DOCUMENT,
    RETENTION,
    DisagreementState,
    DocumentState,
    IllegalMove,
    RetentionState,
)
from tests.support.data import actor_for


def _signature(party: Party) -> Signature:
    return Signature(party=party, staff_id=1, typed_name="x", email="x@example.org", link_id=1, signed_at=utcnow(),
                     ip_address="", user_agent="", reviewed_sha256="0" * 64, consent_text="")


MOVES = {
    "edit": lambda d: d.edit({"start_date": "2026-01-01"}),
    "send": lambda d: d.send(),
    "sign": lambda d: d.add_signature(_signature(Party.SUPERVISEE)),
    "decline": lambda d: d.decline("wrong frequency"),
    "void": lambda d: d.void("made in error"),
    "amend": lambda d: d.amend(),
    # A group record's answers: the last one locks it (test_groups drives whole rounds).
    "answer": lambda d: d.answer_group(complete=d.state is DocumentState.SIGNED_BY_ONE, at=utcnow()),
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(DocumentState, MOVES)))
def test_every_state_and_move(state, action):
    document = Document(state=state, content_version=1, data={}, signatures=[])
    if state is DocumentState.SIGNED_BY_ONE:
        document.signatures.append(_signature(Party.SUPERVISOR))
        document.signatures[0].content_version = 1
    if state in DOCUMENT.moves[action]:
        MOVES[action](document)
        assert document.state in DOCUMENT.moves[action][state]
    else:
        with pytest.raises(IllegalMove) as refused:
            MOVES[action](document)
        assert document.state is state
        assert "cannot" in str(refused.value)


DISAGREEMENT_MOVES = {
    "resolve": lambda d: d.resolve(),
    "escalate": lambda d: d.escalate(None),
    "name_mediator": lambda d: d.name_mediator(Staff(id=9, name="Morgan Lee")),
    "mediate": lambda d: d.mediate(),
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(DisagreementState, DISAGREEMENT_MOVES)))
def test_every_disagreement_state_and_move(state, action):
    disagreement = Disagreement(state=state)
    if state in DISAGREEMENT.moves[action]:
        DISAGREEMENT_MOVES[action](disagreement)
        assert disagreement.state in DISAGREEMENT.moves[action][state]
        assert (disagreement.closed_at is not None) == disagreement.state.is_closed
    else:
        with pytest.raises(IllegalMove) as refused:
            DISAGREEMENT_MOVES[action](disagreement)
        assert disagreement.state is state
        assert "cannot" in str(refused.value) and "disagreement" in str(refused.value)


RETENTION_MOVES = {
    "withdraw": lambda d: d.withdraw_from_review(),
    "extend": lambda d: d.keep_until(dt.date(2040, 1, 1)),
    "archive": lambda d: d.archive(),
    "destroy": lambda d: d.destroyed(utcnow()),
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(RetentionState, RETENTION_MOVES)))
def test_every_retention_state_and_move(state, action):
    document = Document(state=DocumentState.LOCKED, retention_status=state)
    if state in RETENTION.moves[action]:
        RETENTION_MOVES[action](document)
        assert document.retention_status in RETENTION.moves[action][state]
    else:
        with pytest.raises(IllegalMove) as refused:
            RETENTION_MOVES[action](document)
        assert document.retention_status is state
        assert "cannot" in str(refused.value) and "record" in str(refused.value)


def test_an_archived_or_destroyed_record_never_goes_back():
    assert RETENTION.allowed_actions(RetentionState.ARCHIVED) == set()
    assert RETENTION.allowed_actions(RetentionState.DESTROYED) == set()
    assert RETENTION.allowed_actions(RetentionState.KEPT) == {"review"}


def test_second_signature_locks_and_first_does_not():
    document = Document(state=DocumentState.OUT_FOR_SIGNATURE, content_version=1, data={}, signatures=[])
    assert document.add_signature(_signature(Party.SUPERVISEE)) is False
    assert document.state is DocumentState.SIGNED_BY_ONE
    assert document.add_signature(_signature(Party.SUPERVISOR)) is True
    assert document.state is DocumentState.LOCKED
    assert document.locked_at is not None


def test_locked_and_voided_allow_nothing_but_what_the_table_says():
    assert DOCUMENT.allowed_actions(DocumentState.LOCKED) == set()
    assert DOCUMENT.allowed_actions(DocumentState.VOIDED) == set()
    assert DOCUMENT.allowed_actions(DocumentState.DELETED) == set()
    # A draft nobody was sent is deleted; one that was (amended after a decline) is voided.
    assert DOCUMENT.allowed_actions(DocumentState.DRAFT) == {"edit", "send", "void", "delete"}


def test_illegal_move_on_the_web_is_409_with_a_clear_message(app, client, people, login, make_agreement, db):
    document_id = make_agreement(send=True)
    login(client, people.supervisor)
    response = client.post(f"/documents/{document_id}/send")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "You cannot send for signature this document because it is out for signature" in page
    assert "Nothing has been changed" in page


def _lock(app, client, people, make_agreement, signing_link):
    document_id = make_agreement(send=True)
    for person in (people.supervisee, people.supervisor):
        path = signing_link(person)
        page = client.get(path)
        assert page.status_code == 200
        sha = page.get_data(as_text=True).split('name="reviewed_sha256" value="')[1].split('"')[0]
        response = client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": person.name,
                                           "reviewed_sha256": sha})
        assert response.status_code == 200, response.get_data(as_text=True)
    return document_id


def test_a_locked_document_never_changes(app, client, people, make_agreement, signing_link, db, run_jobs, login):
    from storage.blobs import blobs
    from workflows import agreements

    document_id = _lock(app, client, people, make_agreement, signing_link)
    run_jobs()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256
    before = (dict(document.data), document.docx_sha256, document.pdf_sha256, document.final_docx_sha256,
              document.final_pdf_sha256)
    files = [blobs().get(sha) for sha in before[1:]]

    # The model refuses a direct change to its data, its files or its signatures.
    for change in (
        lambda d: setattr(d, "data", {**d.data, "frequency_weeks": 2}),
        lambda d: setattr(d, "pdf_sha256", "f" * 64),
        lambda d: setattr(d, "final_pdf_sha256", "e" * 64),
        lambda d: d.signatures.pop(),
    ):
        document = db.get(Document, document_id)
        change(document)
        with pytest.raises(LockedDocumentError):
            db.commit()
        db.rollback()

    # The workflows refuse too, and the web answers 409.
    with app.test_request_context():
        for attempt in (
            lambda: agreements.update_draft(document_id, {"frequency_weeks": "2"}, actor_for(people.supervisor)),
            lambda: agreements.void_document(document_id, "changed my mind", actor_for(people.supervisor)),
            lambda: agreements.send_for_signature(document_id, actor_for(people.supervisor)),
        ):
            with pytest.raises(IllegalMove):
                attempt()
            db.rollback()
    login(client, people.supervisor)
    assert client.post(f"/documents/{document_id}/edit", data={"frequency_weeks": "2"}).status_code == 409
    assert client.post(f"/documents/{document_id}/void", data={"reason": "x"}).status_code == 409

    db.expire_all()
    document = db.get(Document, document_id)
    after = (dict(document.data), document.docx_sha256, document.pdf_sha256, document.final_docx_sha256,
             document.final_pdf_sha256)
    assert after == before
    assert [blobs().get(sha) for sha in after[1:]] == files
