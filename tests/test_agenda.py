"""A joint agenda: the supervisee's items, added before the session, open the record's agenda."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import session as database
from storage.models import AgendaItem, AuditEvent, Organisation, RecordDraft, Role
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import agenda, records
from workflows.errors import InvalidInput, NotAllowed


def _org(people):
    return database.get(Organisation, people.org.id)


def _add(client, text):
    page = client.get("/agenda").get_data(as_text=True)
    return client.post("/agenda", data={"csrf_token": csrf_token(page), "text": text})


def test_the_supervisees_items_open_the_agenda_of_the_record_their_supervisor_starts(client, people, login, db):
    login(client, people.supervisee)
    assert _add(client, "Caseload after the locality move").status_code == 302
    assert _add(client, "ASYE portfolio   deadline").status_code == 302
    page = client.get("/agenda").get_data(as_text=True)
    assert "Caseload after the locality move" in page and "ASYE portfolio deadline" in page

    login(client, people.supervisor)
    response = client.post("/records/new", data={"supervisee": people.supervisee.id})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.rollback()
    opening = db.get(RecordDraft, draft_id).form["agenda"].splitlines()
    assert [line.split(" (added by")[0] for line in opening] == [
        "• Caseload after the locality move", "• ASYE portfolio deadline"]
    assert "Jo O&#39;Brien" in client.get(f"/records/drafts/{draft_id}").get_data(as_text=True)
    started = db.scalars(select(AuditEvent).where(AuditEvent.event == "record_started")).one()
    assert started.detail["agenda_items"] == 2

    login(client, people.supervisee)
    assert "Nothing on the agenda yet" in client.get("/agenda").get_data(as_text=True)  # taken up by the record


def test_a_deleted_unfinished_record_gives_its_agenda_items_back(app, db, people):
    with app.test_request_context():
        agenda.add_item(people.supervisee.id, "Training request", actor_for(people.supervisee))
        draft = records.start_record(people.supervisor.id, people.supervisee.id, actor_for(people.supervisor))
        assert agenda.open_items(people.supervisee.id) == []
        records.discard_draft(draft.id, actor_for(people.supervisor))
        assert [item.text for item in agenda.open_items(people.supervisee.id)] == ["Training request"]
        again = records.start_record(people.supervisor.id, people.supervisee.id, actor_for(people.supervisor))
        assert "Training request" in again.form["agenda"]


def test_barking_and_dagenhams_record_has_an_agenda_opened_the_same_way(app, db):
    org = OrganisationFactory(template_pack="barking-dagenham")
    boss = StaffFactory(organisation=org, roles=(Role.SUPERVISOR,))
    worker = StaffFactory(organisation=org, roles=(Role.SUPERVISEE,))
    RelationshipFactory(supervisor=boss, supervisee=worker)
    with app.test_request_context():
        agenda.add_item(worker.id, "Budget holder training", actor_for(worker))
        draft = records.start_record(boss.id, worker.id, actor_for(boss))
        assert "Budget holder training" in draft.form["agenda"]
        document = records.finish_record(draft.id, {**draft.form, "session_length": "60"}, actor_for(boss))
        assert "Budget holder training" in document.data["agenda"]


def test_an_empty_item_or_one_without_a_supervisor_is_refused(app, client, people, login, db):
    login(client, people.supervisee)
    response = _add(client, "   ")
    assert response.status_code == 400 and "Enter what you would like to discuss" in response.get_data(as_text=True)
    loner = StaffFactory(organisation=_org(people), roles=(Role.SUPERVISEE,))
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        agenda.add_item(loner.id, "Anything", actor_for(loner))
    assert "no supervisor on record" in refused.value.errors["text"]
    assert db.scalars(select(AgendaItem)).first() is None


def test_only_the_person_who_added_an_item_removes_it_and_only_before_the_record_takes_it(app, client, people, login,
                                                                                          db):
    with app.test_request_context():
        item = agenda.add_item(people.supervisee.id, "Parking", actor_for(people.supervisee))
        with pytest.raises(NotAllowed):
            agenda.remove_item(item.id, actor_for(people.supervisor))
        with pytest.raises(NotAllowed):
            agenda.add_item(people.supervisee.id, "Not mine to add", actor_for(people.other_supervisee))
    login(client, people.supervisee)
    page = client.get("/agenda").get_data(as_text=True)
    assert client.post(f"/agenda/{item.id}/remove", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert db.scalars(select(AgendaItem)).first() is None

    with app.test_request_context():
        kept = agenda.add_item(people.supervisee.id, "Kept", actor_for(people.supervisee))
        records.start_record(people.supervisor.id, people.supervisee.id, actor_for(people.supervisor))
        with pytest.raises(InvalidInput):
            agenda.remove_item(kept.id, actor_for(people.supervisee))
    login(client, people.hr)
    assert client.get("/agenda").status_code == 404
