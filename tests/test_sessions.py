"""The session itself: its length and type on the record, cancelled sessions counted as missed, and records not sent
for signature in time."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import select

from storage.blobs import blobs
from storage.models import AuditEvent, CancelledSession, Document, RecordDraft, Role
from storage.states import DocumentState
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory, add_document
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import records, sessions
from workflows.errors import InvalidInput


def _start(client, people) -> int:
    response = client.post("/records/new", data={"supervisee": people.supervisee.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _bd_pair():
    org = OrganisationFactory(name="London Borough of Barking and Dagenham", template_pack="barking-dagenham")
    boss = StaffFactory(organisation=org, name="Priya Nair", email="priya@lbbd.example", roles=(Role.SUPERVISOR,))
    worker = StaffFactory(organisation=org, name="Dan Mensah", email="dan@lbbd.example", roles=(Role.SUPERVISEE,))
    RelationshipFactory(supervisor=boss, supervisee=worker)
    return boss, worker


# --- the session on the record -------------------------------------------------------------------


@pytest.mark.parametrize(("pack", "minutes", "question"), [
    ("havering", 45, "less than the 1 hour the policy asks for (Havering policy Appendix 1"),
    ("havering", 60, None),
    ("havering", 200, None),  # Havering sets no longest session
    ("barking-dagenham", 30, "less than the 1 hour the policy asks for (Barking and Dagenham policy 5.1"),
    ("barking-dagenham", 180, None),
    ("barking-dagenham", 200, "more than the 3 hours the policy allows (Barking and Dagenham policy 5.1"),
])
def test_a_length_outside_each_councils_policy_is_questioned(pack, minutes, question):
    asked = sessions.length_outside_policy(pack, minutes)
    if question is None:
        assert asked is None
    else:
        assert question in asked
        errors = sessions.question_session(pack, {"session_length": minutes, "session_type": "individual",
                                                  "length_reason": ""})
        assert errors["length_reason"].endswith("Say why, or correct the length")
        assert sessions.question_session(pack, {"session_length": minutes, "session_type": "individual",
                                                "length_reason": "Part-time: half an hour, as agreed"}) == {}


def test_the_record_form_asks_for_the_length_and_type_and_questions_a_short_session(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    page = client.get(f"/records/drafts/{draft_id}").get_data(as_text=True)
    assert "Length of the session" in page and 'value="observation"' in page
    assert db.get(RecordDraft, draft_id).form["session_type"] == "individual"  # the usual kind, ready chosen

    missing = client.post(f"/records/drafts/{draft_id}", data={"action": "finish", "supervision_date": "2026-12-01"})
    assert missing.status_code == 400
    text = missing.get_data(as_text=True)
    assert "Enter how long the session lasted, in minutes" in text
    assert "Choose the type of session: individual, group, professional or observation" in text

    short = client.post(f"/records/drafts/{draft_id}", data={
        "action": "finish", "supervision_date": "2026-12-01", "session_length": "40", "session_type": "group"})
    assert short.status_code == 400
    assert "The session lasted 40 minutes, less than the 1 hour the policy asks for" in short.get_data(as_text=True)
    assert db.scalars(select(Document)).first() is None

    given = client.post(f"/records/drafts/{draft_id}", data={
        "action": "finish", "supervision_date": "2026-12-01", "session_length": "40", "session_type": "observation",
        "length_reason": "Fire alarm ended the session early"})
    assert given.status_code == 302, given.get_data(as_text=True)
    db.rollback()
    document = db.scalars(select(Document)).one()
    assert (document.data["session_length"], document.data["session_type"]) == (40, "observation")
    word = docx.Document(io.BytesIO(blobs().get(document.docx_sha256)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Length of the session: 40 minutes" in text and "Type of session: Observation" in text
    assert "Fire alarm ended the session early" in text


def test_a_type_that_is_not_one_of_the_four_is_refused(client, people, login):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    response = client.post(f"/records/drafts/{draft_id}", data={
        "action": "finish", "supervision_date": "2026-12-01", "session_length": "60", "session_type": "coffee"})
    assert response.status_code == 400
    assert "Choose the type of session: individual, group, professional, observation" in response.get_data(
        as_text=True)


def test_barking_and_dagenham_questions_a_four_hour_session(app, db):
    boss, worker = _bd_pair()
    with app.test_request_context():
        draft = records.start_record(boss.id, worker.id, actor_for(boss))
        form = {"supervision_date": "2026-12-01", "session_length": "240", "session_type": "individual"}
        with pytest.raises(InvalidInput) as refused:
            records.finish_record(draft.id, form, actor_for(boss))
        assert "more than the 3 hours the policy allows" in refused.value.errors["length_reason"]
        document = records.finish_record(draft.id, {**form, "length_reason": "Annual appraisal in the same session"},
                                         actor_for(boss))
        assert document.data["session_length"] == 240


def test_a_record_written_before_sessions_were_recorded_still_prints(app, db, people):
    from doc_templates import get_schema
    schema = get_schema("havering/supervision-record")
    values, errors = schema.validate({"supervision_date": "2026-11-01"})
    old = {k: v for k, v in values.items() if k not in ("session_length", "session_type", "length_reason")}
    context = schema.context(old, dict.fromkeys(schema.system_fields, "x"))
    assert context["session_length"] == "Not recorded." and context["session_type"] == "Not recorded."


# --- working days and records sent in time -------------------------------------------------------


def test_working_days_skip_weekends_and_englands_bank_holidays():
    # Christmas Day 2026 is a Friday; Boxing Day's holiday falls on Monday 28 December.
    assert sessions.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert sessions.add_working_days(dt.date(2026, 11, 27), 5) == dt.date(2026, 12, 4)
    assert sessions.working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 31)) == 3


def test_a_record_not_sent_in_time_is_flagged_on_the_due_pages(app, client, people, login, db):
    # Held on Monday 2 November: with 5 working days it is sent by Monday 9 November.
    late = add_document(people.supervisor, people.supervisee, state=DocumentState.DRAFT,
                        supervision_date="2026-11-02")
    add_document(people.supervisor, people.supervisee, state=DocumentState.DRAFT,
                 supervision_date=dt.date.today().isoformat())  # still in time
    db.add(RecordDraft(organisation_id=people.org.id, supervisor_id=people.other_supervisor.id,
                       supervisee_id=people.other_supervisee.id, template_key="havering/supervision-record",
                       form={"supervision_date": "2026-10-01"}))
    db.commit()
    with app.app_context():
        found = sessions.records_not_sent([people.supervisor.id], dt.date(2026, 11, 12))
        assert [(row.document.id, row.send_by, row.working_days_late) for row in found] == [
            (late, dt.date(2026, 11, 9), 3)]
        assert [row.document for row in sessions.records_not_sent([people.other_supervisor.id])] == [None]
        assert sessions.records_not_sent([]) == []

    login(client, people.supervisor)
    page = client.get("/due").get_data(as_text=True)
    assert "Records not sent for signature in time" in page and f"REC-{late:06d}" in page
    login(client, people.manager)
    team = client.get("/due/team").get_data(as_text=True)
    assert f"REC-{late:06d}" in team and "Still being written" in team  # Pat's unfinished record too


@pytest.mark.parametrize(("days", "late"), [(5, True), (20, False)])
def test_a_record_sent_after_its_deadline_is_marked_late(app, db, people, days, late):
    document_id = add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE,
                               sent_days_ago=0, supervision_date=(dt.date.today() - dt.timedelta(days=14)).isoformat())
    with app.test_request_context():
        app.config["RECORD_SEND_WORKING_DAYS"] = days
        assert sessions.sent_late(db.get(Document, document_id)) is late


# --- sessions cancelled --------------------------------------------------------------------------


def test_a_cancelled_session_is_recorded_with_its_reason_and_counted_as_missed(client, people, login, db):
    login(client, people.supervisor)
    page = client.get(f"/due/cancel?supervisee={people.supervisee.id}").get_data(as_text=True)
    booked = dt.date.today() - dt.timedelta(days=3)
    response = client.post("/due/cancel", data={
        "csrf_token": csrf_token(page), "supervisee": people.supervisee.id, "booked_for": booked.isoformat(),
        "cancelled_by": "supervisee",
        "reason": "Sick leave"})
    assert response.status_code == 302, response.get_data(as_text=True)
    cancelled = db.scalars(select(CancelledSession)).one()
    assert (cancelled.supervisee_id, cancelled.booked_for, cancelled.cancelled_by, cancelled.reason) == (
        people.supervisee.id, booked, "supervisee", "Sick leave")
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "session_cancelled")).one()
    assert event.detail["reason"] == "Sick leave"

    due = client.get("/due").get_data(as_text=True)
    assert "1 missed in the last year" in due and "Sick leave" in due
    login(client, people.manager)
    assert "1 missed in the last year" in client.get("/due/team").get_data(as_text=True)


def test_a_cancellation_without_a_reason_or_for_someone_elses_supervisee_is_refused(client, people, login, db):
    login(client, people.supervisor)
    page = client.get("/due/cancel").get_data(as_text=True)
    response = client.post("/due/cancel", data={
        "csrf_token": csrf_token(page), "supervisee": people.other_supervisee.id, "booked_for": "2026-11-01",
        "cancelled_by": "nobody", "reason": " "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose one of your supervisees" in text or "Select" in text
    assert "Choose who cancelled the session" in text and "Enter why the session was cancelled" in text
    assert db.scalars(select(CancelledSession)).first() is None
    login(client, people.hr)
    assert client.get("/due/cancel").status_code == 404


def test_missed_sessions_count_only_the_last_year_and_only_sessions_already_due(app, db, people):
    for booked in ("2025-10-01", "2026-03-02", "2026-11-02", "2026-12-20"):
        db.add(CancelledSession(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                                supervisee_id=people.supervisee.id, booked_for=dt.date.fromisoformat(booked),
                                cancelled_by="supervisor", reason="Leave", recorded_by_id=people.supervisor.id))
    db.commit()
    with app.app_context():
        assert sessions.missed_counts([people.supervisee.id], dt.date(2026, 11, 23)) == {people.supervisee.id: 2}
        assert sessions.missed_counts([], dt.date(2026, 11, 23)) == {}
