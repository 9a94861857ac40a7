"""Leavers lose access: sign-in and live logins end the day after the leaver date, supervision ends at either
party's leaver date, and a leaver's document out for signature stops being signable after it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from storage.models import AuditEvent, Document, DocumentState, LoginSession, OutboxMessage, Staff
from tests.support.data import PASSWORD
from tests.support.links import sign
from workflows import access, teams

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)


def _leaves(db, person, on: dt.date) -> None:
    db.execute(update(Staff).where(Staff.id == person.id).values(leaver_date=on))
    db.commit()


def test_a_leaver_signs_in_on_their_last_day_but_not_the_day_after(app, people, db, login):
    _leaves(db, people.supervisee, TODAY)
    login(app.test_client(), people.supervisee)

    _leaves(db, people.supervisee, YESTERDAY)
    refused = app.test_client().post("/sign-in", data={"email": people.supervisee.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "Your Countersign account closed after your last working day" in refused.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "sign_in_refused")).one().detail["reason"] == "left"


def test_a_leavers_live_login_ends_the_day_after_their_leaver_date(client, people, db, login):
    login(client, people.supervisor)
    assert client.get("/").status_code == 200
    _leaves(db, people.supervisor, YESTERDAY)

    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    db.expire_all()
    assert db.scalars(select(LoginSession).where(LoginSession.staff_id == people.supervisor.id)).one().ended_at
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "login_ended")).one().actor_id == people.supervisor.id


def test_supervision_ends_at_the_supervisors_leaver_date_as_at_the_supervisees(app, people, db, document_in):
    document_id = document_in(DocumentState.LOCKED)
    supervisor = db.get(Staff, people.supervisor.id)
    assert teams.is_current_supervisor(people.supervisor.id, people.supervisee.id, TODAY)
    assert access.allowed(supervisor, "view", db.get(Document, document_id))

    _leaves(db, people.supervisor, TODAY)
    assert teams.is_current_supervisor(people.supervisor.id, people.supervisee.id, YESTERDAY)
    assert not teams.is_current_supervisor(people.supervisor.id, people.supervisee.id, TODAY)
    assert people.supervisee.id not in [s.id for s in teams.current_supervisees(people.supervisor.id, TODAY)]
    supervisor = db.get(Staff, people.supervisor.id)
    assert not access.allowed(supervisor, "view", db.get(Document, document_id))
    assert not teams.can_write_for(supervisor, db.get(Staff, people.supervisee.id))


def test_a_leavers_document_stays_signable_through_their_last_day(app, client, people, db, make_agreement,
                                                                  signing_link, login):
    document_id = make_agreement()
    _leaves(db, people.supervisee, TODAY)
    boss = app.test_client()
    login(boss, people.supervisor)
    assert "Waiting for your signature" in boss.get("/").get_data(as_text=True)
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    assert db.get(Document, document_id).state is DocumentState.SIGNED_BY_ONE


def test_after_the_leaver_date_nobody_can_sign_and_the_supervisor_can_void(app, client, people, db, make_agreement,
                                                                           signing_link, login):
    document_id = make_agreement()
    supervisor_link, supervisee_link = signing_link(people.supervisor), signing_link(people.supervisee)
    _leaves(db, people.supervisee, YESTERDAY)

    for link, name in ((supervisee_link, people.supervisee.name), (supervisor_link, people.supervisor.name)):
        page = client.get(link)
        assert page.status_code == 410
        assert "can no longer be signed" in page.get_data(as_text=True)
        assert client.post(link, data={"decision": "sign", "consent": "yes", "typed_name": name}).status_code == 410
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.OUT_FOR_SIGNATURE

    boss = app.test_client()
    login(boss, people.supervisor)
    assert "Waiting for your signature" not in boss.get("/").get_data(as_text=True)
    page = boss.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "This document can no longer be signed" in page and "left on" in page
    assert "Send a new link" not in page and "Void this document" in page
    refused = boss.post(f"/documents/{document_id}/resend/supervisee", follow_redirects=True)
    assert "so this document can no longer be signed" in refused.get_data(as_text=True)
    assert boss.post(f"/documents/{document_id}/void", data={"reason": "Jo has left"}).status_code == 302
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.VOIDED


def test_a_leaver_cannot_sign_with_an_old_link_posted_directly(client, people, db, make_agreement, signing_link):
    make_agreement()
    link = signing_link(people.supervisee)
    page = client.get(link).get_data(as_text=True)
    _leaves(db, people.supervisee, YESTERDAY)
    sha = page.split('name="reviewed_sha256" value="')[1].split('"')[0]
    response = client.post(link, data={"decision": "sign", "consent": "yes", "confirmed": "yes",
                                       "typed_name": people.supervisee.name, "reviewed_sha256": sha})
    assert response.status_code == 410


def test_once_the_writer_has_left_hr_can_void_what_is_still_out_for_signature(app, people, db, make_agreement,
                                                                              login):
    document_id = make_agreement()
    hr = app.test_client()
    login(hr, people.hr)
    # While the supervisor is here, withdrawing it is theirs alone.
    assert "Void this document" not in hr.get(f"/documents/{document_id}").get_data(as_text=True)
    assert hr.post(f"/documents/{document_id}/void", data={"reason": "Sam has left"}).status_code == 404

    _leaves(db, people.supervisor, YESTERDAY)
    page = hr.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Void this document" in page and "Send a new link" not in page
    assert hr.get(f"/documents/{document_id}/void").status_code == 200
    refused = hr.post(f"/documents/{document_id}/void", data={"reason": " "})
    assert refused.status_code == 400 and "Enter why you are voiding this document" in refused.get_data(as_text=True)
    assert hr.post(f"/documents/{document_id}/void", data={"reason": "Sam has left the council"}).status_code == 302

    db.expire_all()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.VOIDED and document.closed_reason == "Sam has left the council"
    voided = db.scalars(select(AuditEvent).where(AuditEvent.event == "voided")).one()
    assert voided.actor_id == people.hr.id and voided.document_id == document_id
    told = db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.startswith("Withdrawn:"))).all()
    assert people.supervisee.email in told
    # HR withdraws; it does not write, send or amend in the writer's place.
    assert hr.post(f"/documents/{document_id}/resend/supervisee").status_code == 404
