"""Group sessions: set up with attendees, their record signed by each from their own link (or an absence recorded),
locked into one sealed record, and counted toward each attendee's supervision where their policy allows it."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from storage import db as database
from storage.models import (
    AuditEvent,
    Document,
    DocumentState,
    GroupAnswer,
    GroupSession,
    Organisation,
    OutboxMessage,
    Role,
    Staff,
    SupervisionRelationship,
)
from tests.factories import OrganisationFactory, StaffFactory
from tests.support.data import actor_for
from tests.support.links import mails_to, sign
from workflows import groups, schedule
from workflows.errors import InvalidInput, NotAllowed

RECORD = {"group_discussion": "Lone working on late shifts & the <new> rota; case 123456 J.B.",
          "reflective_discussion": "How the team felt after the review.",
          "agreed_actions-0-what": "Share the rota", "agreed_actions-0-who": "Sam Taylor",
          "agreed_actions-0-by_when": "2026-12-18"}


def _link(person) -> str:
    for row in database.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == person.email)
                                        .order_by(OutboxMessage.id.desc())):
        found = re.search(r"https://countersign\.test(/sign/\d+/\S+)", row.body_text)
        if found:
            return found.group(1)
    raise AssertionError(f"no signing link was emailed to {person.email}")


def _attendees(org_id: int, count: int, category: str = "all_staff") -> list:
    org = database.session.get(Organisation, org_id)
    people = [StaffFactory(organisation=org, name=f"Attendee {n} O'Neil", email=f"attendee{n}.{org_id}@council.example",
                           staff_category=category) for n in range(count)]
    return [Staff(id=p.id, name=p.name, email=p.email) for p in people]


def _set_up(app, facilitator, attendees, *, kind="group_supervision", held_on=None, run_jobs=None) -> int:
    held_on = held_on or dt.date.today() - dt.timedelta(days=1)
    with app.test_request_context():
        session = groups.create_session(facilitator.id, kind=kind, held_on=held_on.isoformat(), length_minutes="90",
                                        attendee_ids=[str(a.id) for a in attendees], actor=actor_for(facilitator))
        session_id = session.id
        groups.write_record(session_id, dict(RECORD), actor_for(facilitator))
    run_jobs()
    with app.test_request_context():
        groups.send_for_signature(session_id, actor_for(facilitator))
    database.session.remove()
    return session_id


def _held(app, client, facilitator, attendees, run_jobs, **kwargs) -> int:
    """A session everyone signed: its id."""
    session_id = _set_up(app, facilitator, attendees, run_jobs=run_jobs, **kwargs)
    for person in [*attendees, facilitator]:
        sign(client, _link(person), person.name)
    return session_id


@pytest.fixture
def three(people):
    return _attendees(people.org.id, 3)


def test_each_attendee_signs_from_their_own_link_and_the_last_answer_locks_it(app, client, db, people, three,
                                                                              run_jobs):
    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    session = db.get(GroupSession, session_id)
    document_id = session.document_id
    document = db.get(Document, document_id)
    assert document.reference.startswith("GRP-") and document.state is DocumentState.OUT_FOR_SIGNATURE
    # Everyone, the facilitator too, is emailed their own link.
    for person in [*three, people.supervisor]:
        (mail,) = mails_to(db, person, "Please sign: Group supervision record")
        assert "confirm you attended" in mail.body_text.replace("\n", " ")
    db.rollback()

    first = sign(client, _link(three[0]), three[0].name).get_data(as_text=True)
    assert "You have signed" in first and "recorded your signature and that you attended" in first
    page = client.get(_link(three[1])).get_data(as_text=True)
    assert "I did not attend this session" in page and "Sign, but record a disagreement" not in page
    said = client.post(_link(three[1]), data={"decision": "absent", "note": "On annual leave <that> day"})
    assert said.status_code == 200 and "Recorded: you did not attend" in said.get_data(as_text=True)
    (told,) = mails_to(db, people.supervisor, f"{three[1].name} did not attend")
    assert "On annual leave <that> day" in told.body_text
    assert db.get(Document, document_id).state is DocumentState.SIGNED_BY_ONE
    db.rollback()

    sign(client, _link(three[2]), three[2].name)
    done = sign(client, _link(people.supervisor), people.supervisor.name).get_data(as_text=True)
    assert "Signed by everyone" in done
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_docx_sha256
    answers = {a.staff_id: a for a in db.scalars(select(GroupAnswer).where(GroupAnswer.document_id == document_id))}
    assert {k: a.attended for k, a in answers.items()} == {
        three[0].id: True, three[1].id: False, three[2].id: True, people.supervisor.id: True}
    assert answers[three[1].id].recorded_by_id == three[1].id and answers[three[1].id].absence_note
    db.rollback()

    run_jobs()  # the sealed PDF, and each signer's copy
    document = db.get(Document, document_id)
    assert document.final_pdf_sha256, document.pdf_error
    copies = {m.to_address for m in db.scalars(select(OutboxMessage)) if m.subject.startswith("Signed by everyone")}
    assert copies == {three[0].email, three[2].email, people.supervisor.email}  # not the person who was absent


def test_a_link_is_for_its_own_person_once_and_an_answered_person_cannot_answer_again(app, client, db, people, three,
                                                                                     run_jobs):
    _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    path = _link(three[0])
    refused = client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes",
                                      "typed_name": three[1].name,
                                      "reviewed_sha256": client.get(path).get_data(as_text=True).split(
                                          'name="reviewed_sha256" value="')[1].split('"')[0]})
    assert refused.status_code == 400
    assert f"exactly as it appears here: {three[0].name}" in html.unescape(refused.get_data(as_text=True))
    sign(client, path, three[0].name)
    assert client.get(path).status_code == 403  # used
    assert client.post(path, data={"decision": "absent", "note": ""}).status_code == 403
    # The facilitator cannot say they did not attend.
    facilitator = client.post(_link(people.supervisor), data={"decision": "absent", "note": ""})
    assert facilitator.status_code == 400 and "You facilitated this session" in facilitator.get_data(as_text=True)


def test_the_facilitator_records_an_absence_the_attendee_is_told_and_their_link_stops(app, client, db, people, three,
                                                                                      run_jobs, login):
    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    stale = _link(three[2])
    login(client, people.supervisor)
    form = client.get(f"/groups/{session_id}/absent/{three[2].id}")
    assert form.status_code == 200
    assert f"Record that {three[2].name} did not attend" in html.unescape(form.get_data(as_text=True))
    response = client.post(f"/groups/{session_id}/absent/{three[2].id}", data={"note": "Off sick"})
    assert response.status_code == 302
    (told,) = mails_to(db, three[2], "Recorded as not attending")
    assert "Off sick" in told.body_text
    client.post("/sign-out")
    assert client.get(stale).status_code == 403
    # Someone not in the group, or already answered, cannot be marked.
    login(client, people.supervisor)
    assert client.get(f"/groups/{session_id}/absent/{people.supervisee.id}").status_code == 404
    assert client.get(f"/groups/{session_id}/absent/{three[2].id}").status_code == 404
    events = [e.event for e in db.scalars(select(AuditEvent).where(AuditEvent.event == "group_absence_recorded"))]
    assert events == ["group_absence_recorded"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"attendee_ids": []}, "attendees", "Choose at least 2 people"),
    ({"kind": "coffee"}, "kind", "Choose the kind of group"),
    ({"held_on": "2099-01-01"}, "held_on", "set up the session once the group has met"),
    ({"held_on": "31/02/2026"}, "held_on", "as a real date"),
    ({"length_minutes": "0"}, "length_minutes", "from 1 to 600"),
    ({"length_minutes": "²"}, "length_minutes", "from 1 to 600"),
])
def test_setting_up_a_session_says_what_to_put_right(app, people, three, change, field, message):
    form = {"kind": "group_supervision", "held_on": "2026-11-02", "length_minutes": "60",
            "attendee_ids": [str(a.id) for a in three], **change}
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        groups.create_session(people.supervisor.id, **form, actor=actor_for(people.supervisor))
    assert message in refused.value.errors[field]


def test_attendees_come_from_the_facilitators_own_organisation_and_only_supervisors_facilitate(app, people, three):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            groups.create_session(people.supervisor.id, kind="group_supervision", held_on="2026-11-02",
                                  length_minutes="60", attendee_ids=[str(three[0].id), str(people.outsider.id)],
                                  actor=actor_for(people.supervisor))
        assert "your organisation's staff" in refused.value.errors["attendees"]
        with pytest.raises(NotAllowed):
            groups.create_session(people.supervisee.id, kind="group_supervision", held_on="2026-11-02",
                                  length_minutes="60", attendee_ids=[str(a.id) for a in three],
                                  actor=actor_for(people.supervisee))


def test_who_sees_the_session_attendees_once_sent_hr_and_the_facilitator(app, client, db, people, three, run_jobs,
                                                                         login, document_in):
    document_in(DocumentState.LOCKED)  # an agreement, which the archive's type filter leaves out
    with app.test_request_context():
        session_id = groups.create_session(people.supervisor.id, kind="reflective_group", held_on="2026-11-02",
                                           length_minutes="60", attendee_ids=[str(a.id) for a in three],
                                           actor=actor_for(people.supervisor)).id
        document_id = groups.write_record(session_id, dict(RECORD), actor_for(people.supervisor)).id
    run_jobs()
    attendee = db.get(Staff, three[0].id)
    attendee.grant(Role.SUPERVISEE)
    db.commit()
    login(client, three[0])
    assert client.get(f"/groups/{session_id}").status_code == 404  # not sent to them yet
    client.post("/sign-out")
    for person, status in ((people.hr, 200), (people.supervisor, 200), (people.other_supervisor, 404),
                           (people.supervisee, 404), (people.outsider, 404)):
        login(client, person)
        assert client.get(f"/groups/{session_id}").status_code == status, person.name
        client.post("/sign-out")
    with app.test_request_context():
        groups.send_for_signature(session_id, actor_for(people.supervisor))
    login(client, three[0])
    page = client.get(f"/groups/{session_id}").get_data(as_text=True)
    assert "Reflective practice group" in page and "Waiting to sign" in page
    home = client.get("/").get_data(as_text=True)
    assert "Group sessions to sign" in home and "Reflective practice group on 2 November 2026" in home
    assert client.get(f"/documents/{document_id}").status_code == 302  # the record's page is its session's
    assert client.get(f"/documents/{document_id}/files/pdf").status_code == 200
    client.post("/sign-out")
    login(client, people.hr)
    found = client.get("/archive?type=group_record").get_data(as_text=True)
    assert f"GRP-{document_id:06d}" in found and "Group supervision record" in found
    assert "Showing 1 to 1 of 1" in found


def test_a_declined_record_is_changed_and_sent_again_to_everyone(app, client, db, people, three, run_jobs):
    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    sign(client, _link(three[0]), three[0].name)
    declined = client.post(_link(three[1]), data={"decision": "decline", "reason": "The actions are wrong"})
    assert declined.status_code == 200
    with app.test_request_context():
        document = groups.write_record(session_id, {**RECORD, "agreed_actions-0-who": "Jo"},
                                       actor_for(people.supervisor))
        assert document.content_version == 2 and document.state is DocumentState.DRAFT
        document_id = document.id
    run_jobs()
    with app.test_request_context():
        groups.send_for_signature(session_id, actor_for(people.supervisor))
    # Everyone answers the new version afresh, the one who signed the first version too.
    for person in [*three, people.supervisor]:
        sign(client, _link(person), person.name)
    assert db.get(Document, document_id).state is DocumentState.LOCKED


# --- frequency: both policies ----------------------------------------------------------------------


def _due_row(supervisor_id: int, supervisee_id: int):
    database.session.expire_all()
    return next(r for r in schedule.due_for_supervisor(supervisor_id, dt.date.today())
                if r.supervisee.id == supervisee_id)


def test_havering_day_opportunities_staff_have_weekly_group_supervision_beside_one_to_one(app, client, db, people,
                                                                                         run_jobs):
    today = dt.date.today()
    attendees = _attendees(people.org.id, 2, category="day_opportunities")
    for person in attendees:
        db.add(SupervisionRelationship(supervisor_id=people.supervisor.id, supervisee_id=person.id,
                                         starts_on=today - dt.timedelta(days=60)))
    db.commit()
    before = _due_row(people.supervisor.id, attendees[0].id)
    assert before.group_rule.interval.label == "weekly" and before.group_last_held is None
    assert before.group_status == "overdue"  # weekly, counted from when supervision started 60 days ago
    assert "weekly group supervision via team meetings" in before.group_rule.source
    from workflows import reminders

    overdue = [r.text for r in reminders.reminders_due(today) if r.item.startswith("group-supervision:")]
    assert f"Group supervision with {attendees[0].name} is overdue" in " ".join(overdue)

    # A reflective group is recorded but does not count; group supervision does, toward the group rule only.
    _held(app, client, people.supervisor, attendees, run_jobs, kind="reflective_group",
          held_on=today - dt.timedelta(days=2))
    assert _due_row(people.supervisor.id, attendees[0].id).group_last_held is None
    _held(app, client, people.supervisor, attendees, run_jobs, held_on=today - dt.timedelta(days=3))
    row = _due_row(people.supervisor.id, attendees[0].id)
    assert row.group_last_held == today - dt.timedelta(days=3)
    assert row.group_next_due == today + dt.timedelta(days=4) and row.group_status == "on_track"
    assert row.last_held is None and row.frequency.interval.label == "every 8 weeks"  # one-to-one is separate
    assert not [r for r in reminders.reminders_due(today) if r.item.startswith("group-supervision:")]

    page = _due_page(client, people)
    assert "Group supervision, weekly" in page and "weekly group supervision via team meetings" in page


def _due_page(client, people):
    from tests.support.identity import complete_second_factor

    response = client.post("/sign-in", data={"email": people.supervisor.email, "password": people.password})
    complete_second_factor(client, response, people.supervisor.email)
    return client.get("/due").get_data(as_text=True)


def test_havering_group_supervision_supplements_but_does_not_replace_monthly_one_to_one(app, client, db, people,
                                                                                      run_jobs):
    today = dt.date.today()
    attendees = _attendees(people.org.id, 2, category="all_staff")
    for person in attendees:
        db.add(SupervisionRelationship(supervisor_id=people.supervisor.id, supervisee_id=person.id,
                                         starts_on=today - dt.timedelta(days=60)))
    db.commit()
    _held(app, client, people.supervisor, attendees, run_jobs, held_on=today - dt.timedelta(days=1))
    row = _due_row(people.supervisor.id, attendees[0].id)
    assert row.group_last_held == today - dt.timedelta(days=1) and row.group_rule is None
    assert row.last_held is None and row.status == "overdue"  # still owed their monthly one-to-one


@pytest.fixture
def barking(db):
    org = OrganisationFactory(name="London Borough of Barking and Dagenham", template_pack="barking-dagenham")
    facilitator = StaffFactory(organisation=org, name="Bola Ade", email="bola.ade@lbbd.example",
                               roles=(Role.SUPERVISOR,))
    return org, Staff(id=facilitator.id, name=facilitator.name, email=facilitator.email)


@pytest.mark.parametrize(("category", "counts"), [("provider_services", True), ("all_staff", False)])
def test_barking_and_dagenham_group_supervision_is_supervision_for_provider_services_only(
        app, client, db, barking, run_jobs, category, counts):
    org, facilitator = barking
    today = dt.date.today()
    attendees = _attendees(org.id, 3, category=category)
    for person in attendees:
        db.add(SupervisionRelationship(supervisor_id=facilitator.id, supervisee_id=person.id,
                                         starts_on=today - dt.timedelta(days=90)))
    db.commit()
    session_id = _held(app, client, facilitator, attendees, run_jobs, held_on=today - dt.timedelta(days=5))
    document = db.get(GroupSession, session_id).document
    assert document.template_key == "barking-dagenham/group-supervision-record"
    assert document.state is DocumentState.LOCKED
    row = _due_row(facilitator.id, attendees[0].id)
    assert row.group_last_held == today - dt.timedelta(days=5)
    if counts:  # B 4.3: supervision for these workers may take place in a group
        assert row.last_held == today - dt.timedelta(days=5) and row.last_held_in_group
        assert row.status == "on_track" and "4.3" in row.group_rule.source
    else:  # every four to eight weeks of one-to-one, whatever groups they attend
        assert row.last_held is None and row.status == "overdue" and row.group_rule is None


def test_an_attendee_who_did_not_attend_is_not_counted(app, client, db, barking, run_jobs):
    org, facilitator = barking
    today = dt.date.today()
    attendees = _attendees(org.id, 2, category="provider_services")
    for person in attendees:
        db.add(SupervisionRelationship(supervisor_id=facilitator.id, supervisee_id=person.id,
                                         starts_on=today - dt.timedelta(days=90)))
    db.commit()
    _set_up(app, facilitator, attendees, run_jobs=run_jobs)
    client.post(_link(attendees[0]), data={"decision": "absent", "note": ""})
    sign(client, _link(attendees[1]), attendees[1].name)
    sign(client, _link(facilitator), facilitator.name)
    assert _due_row(facilitator.id, attendees[0].id).last_held is None
    assert _due_row(facilitator.id, attendees[1].id).last_held == today - dt.timedelta(days=1)


def test_answers_are_kept_by_the_database_itself(app, client, db, people, three, run_jobs):
    import sqlalchemy as sa

    _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    sign(client, _link(three[0]), three[0].name)
    for statement in ("UPDATE group_answers SET typed_name = 'Someone else'", "DELETE FROM group_answers"):
        with pytest.raises(sa.exc.DatabaseError, match="group_answers are kept"):
            db.execute(sa.text(statement))
            db.flush()
        db.rollback()
    assert db.scalars(select(GroupAnswer)).one().typed_name == three[0].name


def test_a_group_record_renders_each_councils_template_with_escaped_text(app, people):
    from doc_templates import pack_schema, render_docx

    for pack in ("havering", "barking-dagenham"):
        schema = pack_schema(pack, "group_record")
        values, errors = schema.validate({"group_kind": "action_learning_set", "supervision_date": "2026-11-02",
                                          "session_length": "90", **RECORD})
        assert errors == {}
        context = schema.context(values, {"supervisor_name": "Sam <Taylor>", "document_reference": "GRP-000001",
                                          "attendance": [{"name": "A & B", "role": "Attendee", "signature": "",
                                                          "signed_on": ""}]})
        xml = zipfile.ZipFile(io.BytesIO(render_docx(schema.docx_path, context))).read("word/document.xml").decode()
        assert "Lone working on late shifts &amp; the &lt;new&gt; rota" in xml and "Sam &lt;Taylor&gt;" in xml
        assert "A &amp; B" in xml and "Action learning set" in xml and "1 hour 30 minutes" in xml


@pytest.mark.libreoffice
def test_the_locked_group_record_is_the_same_evidence_as_any_record(app, client, db, people, three, run_jobs,
                                                                    tmp_path):
    import subprocess

    import pikepdf

    from signing.seal import verify_pdf
    from storage.blobs import blobs

    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    client.post(_link(three[2]), data={"decision": "absent", "note": "On leave"})
    for person in (three[0], three[1], people.supervisor):
        sign(client, _link(person), person.name)
    database.session.remove()
    run_jobs()
    document = db.get(GroupSession, session_id).document
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256, document.pdf_error
    pdf = blobs().get(document.final_pdf_sha256)
    (tmp_path / "record.pdf").write_bytes(pdf)
    pdfsig = subprocess.run(["pdfsig", str(tmp_path / "record.pdf")], capture_output=True, text=True).stdout
    assert "Signature is Valid." in pdfsig and "CountersignSeal" in pdfsig, pdfsig
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
    with app.test_request_context():
        report = verify_pdf(pdf)
    assert report.ok and report.sealed_by_organisation and report.unaltered, report
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())
    assert "Audit certificate" in text
    for person in (three[0], three[1], people.supervisor):
        assert f"Signed electronically by {person.name}" in text
    assert "Attendee (absent)" in text and "Did not attend (recorded themselves: “On leave”)" in text


def test_a_new_link_replaces_the_old_one_and_voiding_tells_everyone(app, client, db, people, three, run_jobs, login):
    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    document_id = db.get(GroupSession, session_id).document_id
    old = _link(three[0])
    login(client, people.supervisor)
    assert client.post(f"/groups/{session_id}/resend/{three[0].id}").status_code == 302
    assert len(mails_to(db, three[0], "Please sign: Group supervision record")) == 2
    assert client.post(f"/groups/{session_id}/resend/{people.supervisee.id}").status_code == 404  # not in the group
    client.post("/sign-out")
    assert client.get(old).status_code == 403
    sign(client, _link(three[0]), three[0].name)
    login(client, people.supervisor)
    assert client.post(f"/groups/{session_id}/resend/{three[0].id}").status_code == 404  # has answered
    assert client.post(f"/documents/{document_id}/void", data={"reason": "Wrong group"}).status_code == 302
    for person in [*three, people.supervisor]:
        assert len(mails_to(db, person, "Withdrawn: Group supervision record")) == 1, person.name
    client.post("/sign-out")
    assert client.get(_link(three[1])).status_code == 403


def test_hrs_export_of_an_attendee_holds_the_group_records_they_were_invited_to(app, client, db, people, three,
                                                                                 run_jobs, login):
    import json

    session_id = _held(app, client, people.supervisor, three, run_jobs)
    reference = db.get(GroupSession, session_id).document.reference
    login(client, people.hr)
    with client.post(f"/archive/people/{three[1].id}/export") as exported:
        assert exported.status_code == 200
        manifest = json.loads(zipfile.ZipFile(io.BytesIO(exported.data)).read("manifest.json"))
    (entry,) = manifest["documents"]
    assert entry["reference"] == reference and entry["person_is"] == "attendee"


def test_reminders_reach_each_person_who_has_not_answered_with_a_link_of_their_own(app, client, db, people, three,
                                                                                   run_jobs):
    from storage.models import utcnow
    from workflows import reminders

    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    sign(client, _link(three[0]), three[0].name)
    client.post(_link(three[1]), data={"decision": "absent", "note": ""})
    document = db.get(GroupSession, session_id).document
    document.sent_at = utcnow() - dt.timedelta(days=6)
    db.commit()
    with app.test_request_context():
        report = reminders.send_reminders(dt.date.today())
    reminded = {m.to_address for m in db.scalars(select(OutboxMessage)) if m.subject.startswith("Countersign reminder")}
    assert {three[2].email, people.supervisor.email} <= reminded
    assert three[0].email not in reminded and three[1].email not in reminded
    assert report.reminders >= 2
    # The reminder's link is the attendee's own and works; the facilitator's earlier link was replaced by theirs.
    assert "or to say you did not attend" in _reminder(db, three[2]).body_text
    sign(client, _link(three[2]), three[2].name)
    sign(client, _link(people.supervisor), people.supervisor.name)
    assert db.get(Document, document.id).state is DocumentState.LOCKED


def _reminder(db, person):
    (mail,) = mails_to(db, person, "Countersign reminder")
    return mail


def test_the_facilitators_own_supervisor_does_not_see_the_group_record(app, client, db, people, three, run_jobs,
                                                                       login):
    session_id = _held(app, client, people.supervisor, three, run_jobs)
    document_id = db.get(GroupSession, session_id).document_id
    login(client, people.manager)  # Sam Taylor's supervisor, not in the group
    assert client.get(f"/groups/{session_id}").status_code == 404
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert client.get(f"/documents/{document_id}/files/signed-word").status_code == 404
    assert "GRP-" not in client.get("/").get_data(as_text=True)


def test_an_attendees_portfolio_holds_the_group_records_they_signed_as_attending_not_those_they_missed(
        app, client, db, people, three, run_jobs, login):
    session_id = _set_up(app, people.supervisor, three, run_jobs=run_jobs)
    client.post(_link(three[1]), data={"decision": "absent", "note": "On a course"})
    for person in (three[0], three[2], people.supervisor):
        sign(client, _link(person), person.name)
    run_jobs()  # the sealed PDF
    document = db.get(GroupSession, session_id).document
    reference, sealed = document.reference, document.final_pdf_sha256
    assert sealed
    for person in three:
        db.get(Staff, person.id).grant(Role.SUPERVISEE)
    db.commit()
    login(client, three[0])
    assert reference in client.get("/portfolio").get_data(as_text=True)
    with client.get("/portfolio.zip") as exported:
        names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert names == [f"{reference}-group_record.pdf"]
    client.post("/sign-out")
    login(client, three[1])  # recorded as not attending
    assert reference not in client.get("/portfolio").get_data(as_text=True)


def test_a_group_record_is_kept_until_the_last_person_named_on_it_has_left_for_seven_years(
        app, client, db, people, three, run_jobs):
    from workflows import retention

    session_id = _held(app, client, people.supervisor, three, run_jobs)
    document_id = db.get(GroupSession, session_id).document_id
    left = {people.supervisor.id: dt.date(2026, 3, 31), three[0].id: dt.date(2026, 6, 30),
            three[1].id: dt.date(2027, 1, 15), three[2].id: dt.date(2026, 9, 1)}
    order = [people.supervisor.id, three[0].id, three[2].id]
    with app.test_request_context():
        for staff_id in order:  # the facilitator first: the record stays while any attendee works here
            retention.record_leaver(staff_id, left[staff_id].isoformat(), "", actor_for(people.hr))
            db.expire_all()
            assert db.get(Document, document_id).retain_until is None
        statement = retention.retention_statement(db.get(Document, document_id))
        assert "Kept while anyone named on it works here (1 of the 4 still do)" in statement
        retention.record_leaver(three[1].id, left[three[1].id].isoformat(), "", actor_for(people.hr))
        db.expire_all()
        document = db.get(Document, document_id)
        assert document.retain_until == dt.date(2034, 1, 15)  # seven years after the last of them left
        assert (f"seven years after {three[1].name}, the last of the 4 people named on it to leave, left on "
                "15 January 2027") in retention.retention_statement(document)
        assert document_id in [due.document_id for due in retention.due_for_review(dt.date(2034, 2, 1))]
        # A legal hold on any one of them holds the record past its date.
        retention.place_hold("Employment tribunal", actor_for(people.hr), staff_id=three[0].id)
        assert [due.document_id for due in retention.due_for_review(dt.date(2034, 2, 1))
                if due.document_id == document_id] == []
        assert "Under legal hold" in retention.retention_statement(db.get(Document, document_id))
