"""The professional supervisor's own agreement and records with a supervisee, seen by them, the supervisee and HR
(not the line manager); three-way meeting records; and the due pages flagging a three-way meeting that is overdue
where the policy sets an interval (Havering: twice a year; Barking and Dagenham: "occasional", none)."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from sqlalchemy import select

from storage.models import Document, DocumentState, Organisation, ProfessionalSupervision, Role, Staff
from tests.factories import StaffFactory
from tests.support.data import actor_for
from tests.support.links import csrf_token, sign
from workflows import professional, professional_documents

TODAY = dt.date.today()
RECORD = {"supervision_date": TODAY.isoformat(), "session_length": "60",
          "frameworks": "Pillars of Practice & <RCOT> standards", "registration": "HCPC renewal due in March"}
AGREEMENT = {"frequency_weeks": "6", "minimum_length_minutes": "60", "format": "one_to_one",
             "start_date": TODAY.isoformat()}
MEETING = {"supervision_date": TODAY.isoformat(), "discussion": "How OT input and line supervision fit together"}


@pytest.fixture
def olivia(app, db, people):
    """An occupational therapist supervisor, named Ravi's professional supervisor (Ravi's line manager, Pat, is a
    social worker)."""
    person = StaffFactory(organisation=db.get(Organisation, people.org.id), name="Olivia Thomas",
                          email="olivia.thomas@havering.example", profession="Occupational therapist",
                          roles=(Role.SUPERVISOR, Role.SUPERVISEE))
    with app.test_request_context():
        professional.name_professional_supervisor(people.other_supervisee.id, person.id,
                                                  {"starts_on": (TODAY - dt.timedelta(days=30)).isoformat()},
                                                  actor_for(people.admin))
    return types.SimpleNamespace(id=person.id, name=person.name, email=person.email)


def post_form(client, path, data):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def send(client, document_id):
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert client.post(f"/documents/{document_id}/send", data={"csrf_token": csrf_token(page)}).status_code == 302


@pytest.mark.parametrize("pack", ["havering", "barking-dagenham"])
@pytest.mark.parametrize("kind", ["professional_record", "professional_agreement"])
def test_the_professional_supervisor_writes_and_both_sign_a_professional_document_the_line_manager_never_sees(
        client, db, people, login, run_jobs, signing_link, olivia, pack, kind):
    db.get(Organisation, people.org.id).template_pack = pack
    db.commit()
    login(client, olivia)
    assert "Ravi Shah" in client.get("/professional-supervision").get_data(as_text=True)
    response = post_form(client, f"/professional-supervision/new/{kind}",
                         {"supervisee": people.other_supervisee.id, **(RECORD if kind == "professional_record"
                                                                       else AGREEMENT)})
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.scalars(select(Document)).one()
    assert (document.kind, document.supervisor_id, document.template_key) == (
        kind, olivia.id, f"{pack}/professional-supervision-{kind.split('_')[1]}")
    document_id, reference = document.id, document.reference
    db.rollback()
    run_jobs()
    send(client, document_id)
    sign(client, signing_link(people.other_supervisee), people.other_supervisee.name)
    sign(client, signing_link(olivia), olivia.name)
    run_jobs()
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.LOCKED
    assert db.get(Document, document_id).final_pdf_sha256
    # Need to know: the professional supervisor, the supervisee and HR; never the line manager, nor their manager.
    for person, status in ((olivia, 200), (people.other_supervisee, 200), (people.hr, 200),
                           (people.other_supervisor, 404), (people.manager, 404), (people.supervisor, 404)):
        login(client, person)
        assert client.get(f"/documents/{document_id}").status_code == status, person.name
        assert client.get(f"/documents/{document_id}/files/current-pdf").status_code == status, person.name
    login(client, people.other_supervisor)
    assert reference not in client.get("/").get_data(as_text=True)
    login(client, people.other_supervisee)
    assert reference in client.get("/portfolio").get_data(as_text=True)


def test_only_the_named_professional_supervisor_writes_professional_documents(client, db, people, login, olivia):
    login(client, people.other_supervisor)  # Ravi's line manager
    assert client.get("/professional-supervision/new/professional_record").status_code == 404
    login(client, olivia)
    response = post_form(client, "/professional-supervision/new/professional_record",
                         {"supervisee": people.supervisee.id, **RECORD})  # Jo: not one of Olivia's
    assert response.status_code == 400
    assert "Choose one of the people you are professional supervisor of" in response.get_data(as_text=True)
    assert db.scalars(select(Document)).first() is None


def test_a_three_way_meeting_is_recorded_by_the_line_manager_and_seen_by_the_professional_supervisor_once_sent(
        client, db, people, login, run_jobs, signing_link, olivia):
    login(client, people.other_supervisor)
    response = post_form(client, "/three-way-meetings/new", {"supervisee": people.other_supervisee.id, **MEETING})
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.scalars(select(Document)).one()
    assert document.data["professional_supervisor_name"] == "Olivia Thomas"
    document_id = document.id
    db.rollback()
    run_jobs()
    login(client, olivia)
    assert client.get(f"/documents/{document_id}").status_code == 404  # the line manager's draft
    login(client, people.other_supervisor)
    send(client, document_id)
    login(client, olivia)
    assert client.get(f"/documents/{document_id}").status_code == 200
    assert "Three-way meeting record" in client.get("/professional-supervision").get_data(as_text=True)
    sign(client, signing_link(people.other_supervisee), people.other_supervisee.name)
    sign(client, signing_link(people.other_supervisor), people.other_supervisor.name)
    run_jobs()
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.LOCKED


def test_a_three_way_meeting_needs_a_supervisee_with_a_professional_supervisor(client, db, people, login):
    login(client, people.supervisor)  # Jo has no professional supervisor
    response = post_form(client, "/three-way-meetings/new", {"supervisee": people.supervisee.id, **MEETING})
    assert response.status_code == 400
    assert "who has a professional supervisor" in response.get_data(as_text=True)


@pytest.mark.parametrize(("pack", "flagged"), [("havering", True), ("barking-dagenham", False)])
def test_the_due_pages_flag_a_three_way_meeting_more_than_six_months_ago_in_havering_only(
        app, client, db, people, login, olivia, pack, flagged, document_in):
    db.get(Organisation, people.org.id).template_pack = pack
    db.scalars(select(ProfessionalSupervision)).one().starts_on = TODAY - dt.timedelta(days=400)
    db.commit()
    login(client, people.other_supervisor)
    assert ("Three-way meeting overdue" in client.get("/due").get_data(as_text=True)) is flagged
    login(client, people.manager)
    assert ("Three-way meeting overdue" in client.get("/due/team").get_data(as_text=True)) is flagged
    # A meeting seven months ago is not enough in Havering; one last month is.
    for days, still in ((210, flagged), (30, False)):
        document_in(DocumentState.LOCKED, kind="three_way_meeting", supervisor=_staff(db, people.other_supervisor.id),
                    supervisee=_staff(db, people.other_supervisee.id),
                    data={"supervision_date": (TODAY - dt.timedelta(days=days)).isoformat()})
        with app.test_request_context():
            overdue = professional_documents.three_way_overdue([_staff(db, people.other_supervisee.id)], TODAY)
        assert (people.other_supervisee.id in overdue) is still


def _staff(db, staff_id):
    return db.get(Staff, staff_id)


def test_a_cover_for_the_line_manager_never_sees_professional_documents_and_a_new_professional_supervisor_does(
        app, db, people, olivia):
    from tests.factories import add_document
    from workflows import access, cover

    ravi = db.get(Staff, people.other_supervisee.id)
    record = add_document(db.get(Staff, olivia.id), ravi, kind="professional_record",
                          supervision_date=TODAY.isoformat())
    line_record = add_document(db.get(Staff, people.other_supervisor.id), ravi, supervision_date=TODAY.isoformat())
    with app.test_request_context():  # Sam covers for Pat, Ravi's line manager
        cover.arrange_cover(people.other_supervisor.id, people.supervisor.id,
                            {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=40)).isoformat()},
                            actor_for(people.other_supervisor))
    sam, pat = db.get(Staff, people.supervisor.id), db.get(Staff, people.other_supervisor.id)
    assert access.can_view(sam, db.get(Document, line_record))  # the cover's newest signed record
    assert not access.can_view(sam, db.get(Document, record)) and not access.can_view(pat, db.get(Document, record))
    assert not access.can_manage(pat, db.get(Document, record))
    # Records pass to the next professional supervisor (H 9.3, B 9.3); the one before no longer sees them.
    successor = StaffFactory(organisation=db.get(Organisation, people.org.id), profession="Occupational therapist",
                             roles=(Role.SUPERVISOR,))
    with app.test_request_context():
        professional.name_professional_supervisor(ravi.id, successor.id, {"starts_on": TODAY.isoformat()},
                                                  actor_for(people.admin))
    assert access.can_view(db.get(Staff, successor.id), db.get(Document, record))
    assert not access.can_view(db.get(Staff, olivia.id), db.get(Document, record))


def test_a_professional_document_waiting_for_signature_is_listed_to_its_writer_never_to_their_line_manager(
        client, db, people, login, olivia):
    from storage.models import utcnow
    from tests.factories import DocumentFactory

    db.get(Staff, olivia.id).line_manager_id = people.manager.id  # Morgan line-manages Olivia
    document = DocumentFactory(supervisor=db.get(Staff, olivia.id), supervisee=db.get(Staff, people.other_supervisee.id),
                               kind="professional_record", template_key="havering/professional-supervision-record",
                               state=DocumentState.OUT_FOR_SIGNATURE, data=RECORD)
    document.sent_at = utcnow() - dt.timedelta(days=10)
    db.commit()
    document_id = document.id
    reference, title = document.reference, document.title
    login(client, olivia)
    assert reference in client.get("/due").get_data(as_text=True)
    login(client, people.manager)
    page = client.get("/due/team").get_data(as_text=True)
    assert "Olivia Thomas" in page  # her team is on the page, her professional document is not
    assert reference not in page and title not in page
    assert client.get(f"/documents/{document_id}").status_code == 404


def test_a_new_professional_supervisor_gets_the_sent_professional_records_but_not_the_previous_ones_drafts(
        app, client, db, people, login, olivia):
    from tests.factories import DocumentFactory
    from workflows import access

    ravi = db.get(Staff, people.other_supervisee.id)

    def professional_record(state):
        return DocumentFactory(supervisor=db.get(Staff, olivia.id), supervisee=ravi, kind="professional_record",
                               template_key="havering/professional-supervision-record", state=state, data=RECORD)

    sent, draft = professional_record(DocumentState.LOCKED), professional_record(DocumentState.DRAFT)
    assert sent.sent_at is not None and draft.sent_at is None
    sent_id, draft_id, sent_reference, draft_reference = sent.id, draft.id, sent.reference, draft.reference
    assert access.can_view(db.get(Staff, olivia.id), draft) and access.can_manage(db.get(Staff, olivia.id), draft)
    successor = StaffFactory(organisation=db.get(Organisation, people.org.id), name="Nia Evans",
                             profession="Occupational therapist", roles=(Role.SUPERVISOR,))
    with app.test_request_context():
        professional.name_professional_supervisor(ravi.id, successor.id, {"starts_on": TODAY.isoformat()},
                                                  actor_for(people.admin))
    nia = db.get(Staff, successor.id)
    assert access.can_view(nia, db.get(Document, sent_id))
    assert not access.can_view(nia, db.get(Document, draft_id))
    assert not access.can_manage(nia, db.get(Document, draft_id))
    login(client, types.SimpleNamespace(email=successor.email))
    page = client.get("/professional-supervision").get_data(as_text=True)
    assert sent_reference in page and draft_reference not in page
    assert client.get(f"/documents/{sent_id}").status_code == 200
    assert client.get(f"/documents/{draft_id}").status_code == 404


def test_a_disagreement_on_a_professional_document_is_listed_to_its_parties_never_to_the_writers_line_manager(
        client, db, people, login, olivia):
    from storage.models import utcnow
    from tests.factories import DocumentFactory
    from workflows import disagreements

    db.get(Staff, olivia.id).line_manager_id = people.manager.id  # Morgan line-manages Olivia
    document = DocumentFactory(supervisor=db.get(Staff, olivia.id), supervisee=db.get(Staff, people.other_supervisee.id),
                               kind="professional_record", template_key="havering/professional-supervision-record",
                               state=DocumentState.OUT_FOR_SIGNATURE, data=RECORD)
    document.sent_at = utcnow()
    db.commit()
    document_id = document.id
    section = disagreements.sections(document)[0][0]
    with client.application.test_request_context():
        disagreements.raise_disagreement(document_id, section=section, text="The registration date is wrong",
                                         actor=actor_for(people.other_supervisee))
    reference = db.get(Document, document_id).reference
    for person in (olivia, people.other_supervisee):
        assert [d.document_id for d in disagreements.open_for(db.get(Staff, person.id))] == [document_id]
    login(client, people.manager)
    assert disagreements.open_for(db.get(Staff, people.manager.id)) == []
    assert reference not in client.get("/").get_data(as_text=True)
