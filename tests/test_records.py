"""Writing a supervision record: saved as it is typed, checked, signed and locked, its actions reviewed next time."""

from __future__ import annotations

import io
import re

import docx
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from storage.models import AuditEvent, Document, RecordDraft
from storage.states import DocumentState
from tests.support.data import actor_for
from workflows import records

# How long the session lasted and what kind it was: every record says.
SESSION = {"session_length": "60", "session_type": "individual"}
ACTIONS = {
    "team_actions-0-what": "Book safeguarding refresher", "team_actions-0-who": "Jo O'Brien",
    "team_actions-0-by_when": "2027-01-15",
    "learning_actions-0-what": "Share the MCA article", "learning_actions-0-who": "Sam Taylor",
    "learning_actions-0-by_when": "2027-01-08",
}


def _sign(client, path, name):
    page = client.get(path).get_data(as_text=True)
    sha = page.split('name="reviewed_sha256" value="')[1].split('"')[0]
    return client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name,
                                   "reviewed_sha256": sha})


def _start(client, people) -> int:
    response = client.post("/records/new", data={"supervisee": people.supervisee.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _write_and_sign(client, people, login, run_jobs, signing_link, form) -> int:
    login(client, people.supervisor)
    draft_id = _start(client, people)
    response = client.post(f"/records/drafts/{draft_id}", data={"action": "finish", **SESSION, **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_jobs()
    assert client.post(f"/documents/{document_id}/send").status_code == 302
    client.post("/sign-out")
    assert _sign(client, signing_link(people.supervisee), people.supervisee.name).status_code == 200
    assert "Signed by both" in _sign(client, signing_link(people.supervisor), people.supervisor.name).get_data(as_text=True)
    return document_id


def test_home_page_offers_a_new_record(client, people, login):
    login(client, people.supervisor)
    page = client.get("/").get_data(as_text=True)
    assert "New record" in page and f"/records/new?supervisee={people.supervisee.id}" in page


def test_what_is_typed_is_kept_by_autosave_when_the_browser_closes(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    saved = client.post(f"/records/drafts/{draft_id}/autosave",
                        data={"wellbeing": "Tired after the <Ofsted> visit", "team_actions-0-what": "Half an action"})
    assert saved.status_code == 200 and "saved_at" in saved.get_json()
    # A new browser: nothing in it but the login.
    other = client.application.test_client()
    login(other, people.supervisor)
    page = other.get(f"/records/drafts/{draft_id}").get_data(as_text=True)
    assert "Tired after the &lt;Ofsted&gt; visit" in page and 'value="Half an action"' in page
    home = other.get("/").get_data(as_text=True)
    assert f"/records/drafts/{draft_id}" in home and "Carry on with the record" in home


def test_starting_again_carries_on_with_the_unfinished_record(client, people, login):
    login(client, people.supervisor)
    assert _start(client, people) == _start(client, people)


def test_a_record_that_cannot_be_finished_keeps_what_was_typed(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    response = client.post(f"/records/drafts/{draft_id}", data={
        "action": "finish", "supervision_date": "2026-12-01", "wellbeing": "Well",
        "cases_discussed-0-reference": "123456 Mary Jones", "caseload_current": "12.5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "looks like it contains a name (Mary, Jones)" in page and "Havering policy 7.2 e" in page
    assert "Enter current caseload as a whole number from 0 to 9999" in page
    db.rollback()
    assert db.get(RecordDraft, draft_id).form["wellbeing"] == "Well"
    assert db.scalars(select(Document)).first() is None


def test_finishing_makes_a_draft_record_from_the_current_template_version(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    response = client.post(f"/records/drafts/{draft_id}", data={
        "action": "finish", "supervision_date": "2026-12-01", "next_supervision_date": "2027-01-05", **SESSION,
        **ACTIONS})
    assert response.status_code == 302
    document = db.scalars(select(Document)).one()
    assert (document.kind, document.state, document.template_key, document.template_version) == (
        "record", DocumentState.DRAFT, "havering/supervision-record", 1)
    assert document.data["supervision_date"] == "2026-12-01"
    assert document.data["next_supervision_date"] == "2027-01-05"
    assert document.data["team_actions"] == [{"what": "Book safeguarding refresher", "who": "Jo O'Brien",
                                              "by_when": "2027-01-15"}]
    assert db.get(RecordDraft, draft_id) is None
    events = [e.event for e in db.scalars(select(AuditEvent).where(AuditEvent.document_id == document.id))]
    assert events == ["created", "rendered"]


def test_a_draft_record_is_changed_in_its_form_and_keeps_its_values(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    client.post(f"/records/drafts/{draft_id}", data={"action": "finish", "supervision_date": "2026-12-01", **SESSION,
                                                        **ACTIONS})
    document_id = db.scalars(select(Document.id)).one()
    db.rollback()
    response = client.get(f"/documents/{document_id}/edit")
    assert response.status_code == 302
    change = client.get(response.headers["Location"], follow_redirects=True)
    page = change.get_data(as_text=True)
    assert 'value="Book safeguarding refresher"' in page
    form_url = change.request.path
    assert client.post(form_url, data={"action": "finish", "supervision_date": "2026-12-02", **SESSION}).status_code == 302
    db.rollback()
    assert db.get(Document, document_id).data["supervision_date"] == "2026-12-02"


def test_someone_else_cannot_open_or_save_a_supervisors_draft(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    client.post("/sign-out")
    login(client, people.other_supervisor)
    assert client.get(f"/records/drafts/{draft_id}").status_code == 404
    assert client.post(f"/records/drafts/{draft_id}/autosave", data={"wellbeing": "x"}).status_code == 404
    assert client.post("/records/new", data={"supervisee": people.supervisee.id}).status_code == 400


def test_supervisee_cannot_start_a_record(client, people, login):
    login(client, people.supervisee)
    assert client.get("/records/new").status_code == 404


def test_record_is_signed_locked_and_its_actions_come_back_for_review(client, people, login, run_jobs, signing_link,
                                                                      db):
    first = _write_and_sign(client, people, login, run_jobs, signing_link,
                            {"supervision_date": "2026-12-01", "wellbeing": "Well", **ACTIONS})
    assert db.get(Document, first).state is DocumentState.LOCKED
    db.rollback()
    login(client, people.supervisor)
    draft_id = _start(client, people)
    page = client.get(f"/records/drafts/{draft_id}").get_data(as_text=True)
    assert "Review of agreed action points" in page
    assert "Book safeguarding refresher" in page and "Share the MCA article" in page
    # Each action's date reads as people write it, never as the ISO date it is kept as.
    assert ", by 15 January 2027" in page and "2027-01-15</div>" not in page

    # One done, one carried on: the carried one is open again in the next record.
    form = {f"action_review-{i}-{k}": v for i, row in enumerate(records.agreed_actions(db.get(Document, first)))
            for k, v in row.items()}
    db.rollback()
    form.update({"action_review-0-outcome": "done", "action_review-1-outcome": "carried",
                 "supervision_date": "2027-01-05"})
    response = client.post(f"/records/drafts/{draft_id}", data={"action": "finish", **SESSION, **form})
    assert response.status_code == 302, response.get_data(as_text=True)
    second = db.get(Document, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert [r["outcome"] for r in second.data["action_review"]] == ["done", "carried"]
    carried = records.agreed_actions(second)
    assert [a["what"] for a in carried] == [second.data["action_review"][1]["what"]]
    from storage.blobs import blobs
    text = "\n".join(c.text for t in docx.Document(io.BytesIO(blobs().get(second.docx_sha256))).tables
                     for r in t.rows for c in r.cells)
    assert "Carried on" in text and "Done" in text


def test_barking_and_dagenham_supervisor_writes_their_own_record_and_agreement(app, db, login, client):
    from storage.models import Role
    from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory
    from workflows import agreements
    org = OrganisationFactory(name="London Borough of Barking and Dagenham", template_pack="barking-dagenham")
    boss = StaffFactory(organisation=org, name="Tom Reilly", email="tom@lbbd.example", roles=(Role.SUPERVISOR,))
    worker = StaffFactory(organisation=org, name="Dan Mensah", email="dan@lbbd.example", roles=(Role.SUPERVISEE,))
    RelationshipFactory(supervisor=boss, supervisee=worker)
    boss_id, worker_id = boss.id, worker.id
    with app.test_request_context():
        agreement = agreements.start_agreement(boss_id, worker_id, {
            "frequency_weeks": "6", "minimum_length_minutes": "90", "absence_cover": "Priya Nair",
            "start_date": "2026-12-01"}, actor_for(boss))
        assert agreement.template_key == "barking-dagenham/supervision-agreement"
        draft = records.start_record(boss_id, worker_id, actor_for(boss))
        assert draft.template_key == "barking-dagenham/supervision-record"
        document = records.finish_record(draft.id, {"supervision_date": "2026-12-01", "checking_in": "Fine", **SESSION,
                                                    "agreed_actions-0-what": "Renew registration",
                                                    "agreed_actions-0-who": "Dan Mensah",
                                                    "agreed_actions-0-by_when": "2027-02-01"}, actor_for(boss))
        assert document.data["agreed_actions"][0]["who"] == "Dan Mensah"


def test_a_date_typed_into_its_three_boxes_is_saved_whole_and_comes_back_as_typed(client, people, login, db):
    login(client, people.supervisor)
    draft_id = _start(client, people)
    boxes = [("supervision_date", "5"), ("supervision_date", "1"), ("supervision_date", "2027"),
             ("team_actions-0-what", "Book training"), ("team_actions-0-by_when", "31"),
             ("team_actions-0-by_when", "2"), ("team_actions-0-by_when", "2027"),
             ("next_supervision_date", "9"), ("next_supervision_date", ""), ("next_supervision_date", "")]
    assert client.post(f"/records/drafts/{draft_id}/autosave", data=MultiDict(boxes)).status_code == 200
    form = db.get(RecordDraft, draft_id).form
    assert form["supervision_date"] == "2027-01-05" and form["team_actions-0-by_when"] == "2027-02-31"
    db.rollback()
    page = client.get(f"/records/drafts/{draft_id}").get_data(as_text=True)
    for box, typed in [("supervision_date-day", "5"), ("supervision_date-month", "1"),
                       ("supervision_date-year", "2027"), ("team_actions-0-by_when-day", "31"),
                       ("team_actions-0-by_when-month", "2"), ("next_supervision_date-day", "9")]:
        assert re.search(rf'id="{box}" name="[^"]+" type="text" value="{typed}"', page), box


def test_each_row_of_the_record_form_asks_for_the_columns_its_schema_reads():
    from doc_templates.schema import ROW_COLUMNS
    from web.template_forms import ROWS
    assert {kind: tuple(row()._fields) for kind, row in ROWS.items()} == ROW_COLUMNS
