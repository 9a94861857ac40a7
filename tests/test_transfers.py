"""Transfers: a supervisee moves to a new supervisor from a date, and their records go with them (H 9.3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.models import AuditEvent, Document, OutboxMessage, SupervisionRelationship
from storage.states import DocumentState
from tests.factories import put_document


def _relationships(db, supervisee_id):
    return db.scalars(select(SupervisionRelationship).where(SupervisionRelationship.supervisee_id == supervisee_id)
                      .order_by(SupervisionRelationship.id)).all()


def test_a_transfer_passes_the_records_to_the_new_supervisor(app, db, people, login, make_agreement, signing_link):
    today = dt.date.today()
    signed = put_document(people.supervisor, people.supervisee, DocumentState.LOCKED, kind="record")
    draft = put_document(people.supervisor, people.supervisee, DocumentState.DRAFT)
    being_signed = make_agreement(send=True)  # real PDF and real emailed links
    old, new = app.test_client(), app.test_client()
    login(old, people.supervisor)
    login(new, people.other_supervisor)
    assert old.get(f"/documents/{signed}").status_code == 200
    assert new.get(f"/documents/{signed}").status_code == 404

    hr = app.test_client()
    login(hr, people.hr)
    response = hr.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                               "supervisor_id": people.other_supervisor.id,
                                               "starts_on": today.isoformat()})
    assert response.status_code == 302

    ended, started = _relationships(db, people.supervisee.id)
    assert (ended.supervisor_id, ended.ends_on) == (people.supervisor.id, today - dt.timedelta(days=1))
    assert (started.supervisor_id, started.starts_on, started.ends_on) == (people.other_supervisor.id, today, None)
    # Signed records pass to the new supervisor; the old one no longer sees them.
    assert new.get(f"/documents/{signed}").status_code == 200
    assert new.get(f"/documents/{signed}/files/signed-pdf").status_code == 200
    assert old.get(f"/documents/{signed}").status_code == 404
    assert old.get(f"/documents/{signed}/files/signed-pdf").status_code == 404
    # An unsent draft named the old supervisor: voided, with the transfer as its reason.
    voided = db.get(Document, draft)
    assert voided.state is DocumentState.VOIDED and "transferred to Pat Green" in voided.closed_reason
    # What is being signed stays with its signers: both links still work and the old supervisor still sees it.
    assert db.get(Document, being_signed).state is DocumentState.OUT_FOR_SIGNATURE
    assert old.get(signing_link(people.supervisor)).status_code == 200
    assert old.get(f"/documents/{being_signed}").status_code == 200
    # A new agreement is prompted, on the home page and by email, until one exists.
    assert "Write a supervision agreement for Jo O&#39;Brien &amp; &lt;Sons&gt;" in new.get("/").get_data(as_text=True)
    prompt = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == people.other_supervisor.email)).one()
    assert prompt.subject == "Write a supervision agreement for Jo O'Brien & <Sons>"
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == people.supervisor.email,
                                                  OutboxMessage.subject.contains("has moved to"))).one()
    assert f"AGR-{being_signed:06d}" in told.body_text and f"AGR-{draft:06d}" in told.body_text
    # Everything is in the audit log.
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "transferred")).one()
    assert event.actor_email == people.hr.email
    assert event.detail["voided_document_ids"] == [draft] and event.detail["kept_with_signers_ids"] == [being_signed]
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "kept_with_signers")).one().document_id == being_signed

    new_agreement = put_document(people.other_supervisor, people.supervisee, DocumentState.DRAFT)
    home = new.get("/").get_data(as_text=True)
    assert db.get(Document, new_agreement) and "Write a supervision agreement for Jo" not in home


def test_a_transfer_from_a_later_date_keeps_the_old_supervisor_until_then(app, db, people, login):
    from workflows.teams import is_current_supervisor

    starts = dt.date.today() + dt.timedelta(days=10)
    client = app.test_client()
    login(client, people.admin)
    assert client.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                               "supervisor_id": people.other_supervisor.id,
                                               "starts_on": starts.isoformat()}).status_code == 302
    assert is_current_supervisor(people.supervisor.id, people.supervisee.id, starts - dt.timedelta(days=1))
    assert not is_current_supervisor(people.supervisor.id, people.supervisee.id, starts)
    assert is_current_supervisor(people.other_supervisor.id, people.supervisee.id, starts)
    assert not is_current_supervisor(people.other_supervisor.id, people.supervisee.id, starts - dt.timedelta(days=1))


def test_a_transfer_with_mistakes_says_what_to_do_and_changes_nothing(app, db, people, login):
    client = app.test_client()
    login(client, people.hr)
    response = client.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                                   "supervisor_id": people.supervisor.id, "starts_on": "2026-13-40"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    same = client.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                               "supervisor_id": people.supervisor.id,
                                               "starts_on": dt.date.today().isoformat()})
    assert same.status_code == 400 and "already supervises" in same.get_data(as_text=True)
    not_a_supervisor = client.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                                           "supervisor_id": people.hr.id, "starts_on": "2026-12-01"})
    assert "does not have it" in not_a_supervisor.get_data(as_text=True)
    assert [r.ends_on for r in _relationships(db, people.supervisee.id)] == [None]
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "transferred")).all() == []


def test_supervisors_and_supervisees_cannot_transfer(app, db, people, login):
    for who in (people.supervisor, people.supervisee):
        client = app.test_client()
        login(client, who)
        response = client.post("/transfers/new", data={"supervisee_id": people.supervisee.id,
                                                       "supervisor_id": people.other_supervisor.id,
                                                       "starts_on": dt.date.today().isoformat()})
        assert response.status_code == 404
    assert len(_relationships(db, people.supervisee.id)) == 1
