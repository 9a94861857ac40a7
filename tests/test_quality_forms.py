"""Each council's quality assurance forms are documents: written for a picked activity, signed by the writer and the
practitioner from their emailed links, locked and sealed; the activity is then done and the assurance report counts
it."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Document, DocumentState, Organisation, QualityActivity
from tests.support.links import csrf_token, sign
from workflows import assurance

TODAY = dt.date.today()
OBSERVATION = {"observed_on": TODAY.isoformat(), "setting": "telephone", "description": "A call with LAS-123456 J.B.",
               "strengths": "Warm & <clear> questions", "development": "Summarise the plan at the end",
               "strengths_based": "Built on what J.B. can do", "reflection_practice": "Reflected on the risk",
               "rating": "good"}
AUDIT = {"audited_on": TODAY.isoformat(), "case_reference": "LAS-123456 J.B.", "recording_standards": "partly",
         "recording_comments": "Case notes up to date", "decision_making": "Rationale clear",
         "strengths": "Timely", "development": "Record the person's own words", "rating": "requires_improvement"}
TITLES = {("havering", "observation"): "Direct observation", ("havering", "dip_sample_audit"): "Dip sample case audit",
          ("barking-dagenham", "observation"): "Supervision Practice Evaluation",
          ("barking-dagenham", "dip_sample_audit"): "Case file inspection"}


def use_pack(db, people, pack):
    db.get(Organisation, people.org.id).template_pack = pack
    db.commit()


def activity(db, people, kind, year=TODAY.year) -> int:
    row = QualityActivity(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                          supervisee_id=people.supervisee.id, year=year, kind=kind, slot=1,
                          planned_by_id=people.manager.id)
    db.add(row)
    db.commit()
    return row.id


def write_form(client, activity_id, data):
    path = f"/quality/{activity_id}/form"
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


@pytest.mark.parametrize("pack", ["havering", "barking-dagenham"])
@pytest.mark.parametrize("kind", ["observation", "dip_sample_audit"])
def test_a_signed_form_marks_its_activity_done_and_the_assurance_report_counts_it(
        client, db, people, login, run_jobs, signing_link, pack, kind):
    use_pack(db, people, pack)
    activity_id = activity(db, people, kind)
    login(client, people.supervisor)
    response = write_form(client, activity_id, OBSERVATION if kind == "observation" else AUDIT)
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.scalars(select(Document).where(Document.kind == kind)).one()
    assert document.template_key.startswith(pack) and document.supervisee_id == people.supervisee.id
    document_id, reference = document.id, document.reference
    db.rollback()
    run_jobs()
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    word = docx.Document(io.BytesIO(client.get(f"/documents/{document_id}/files/word").get_data()))
    text = "\n".join(p.text for p in word.paragraphs)
    assert TITLES[(pack, kind)] in text and "Sam Taylor" in text and "Jo O'Brien & <Sons>" in text
    assert client.post(f"/documents/{document_id}/send", data={"csrf_token": csrf_token(page)}).status_code == 302
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    sign(client, signing_link(people.supervisor), people.supervisor.name)
    run_jobs()
    db.expire_all()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256
    done = db.get(QualityActivity, activity_id)
    assert done.done_on == TODAY and done.done_by_id == people.supervisor.id and reference in done.note
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "quality_recorded")).one().document_id == document_id
    with client.application.test_request_context():
        (team,) = [t for t in assurance.report(people.org.id) if t.team == "Sam Taylor"]
    assert (team.observations_done, team.dip_samples_done) == ((1, 0) if kind == "observation" else (0, 1))
    # The quality page leads to the form, and offers no second one.
    quality = client.get("/quality").get_data(as_text=True)
    assert reference in quality
    assert client.get(f"/quality/{activity_id}/form").status_code == 302


@pytest.mark.parametrize("pack", ["havering", "barking-dagenham"])
def test_an_audit_naming_the_person_or_dated_in_another_year_is_refused_with_what_to_do(client, db, people, login,
                                                                                        pack):
    use_pack(db, people, pack)
    activity_id = activity(db, people, "dip_sample_audit")
    login(client, people.supervisor)
    response = write_form(client, activity_id, {**AUDIT, "case_reference": "LAS-123456 John Brown",
                                                "audited_on": f"{TODAY.year - 1}-06-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "looks like it contains a name" in page and f"Enter a date in {TODAY.year}" in page
    assert db.scalars(select(Document)).first() is None
    # Missing what the council's form asks for is named.
    response = write_form(client, activity_id, {"audited_on": TODAY.isoformat()})
    missing = "Enter the case audited" if pack == "havering" else "Enter the case inspected"
    assert response.status_code == 400 and missing in response.get_data(as_text=True)


def test_only_the_supervisor_or_their_manager_writes_the_form_and_the_practitioner_sees_it_once_sent(
        client, db, people, login, run_jobs):
    activity_id = activity(db, people, "observation")
    login(client, people.other_supervisor)
    assert client.get(f"/quality/{activity_id}/form").status_code == 404
    login(client, people.manager)  # Sam's line manager may write it too
    assert write_form(client, activity_id, OBSERVATION).status_code == 302
    document_id = db.scalars(select(Document.id)).one()
    run_jobs()
    login(client, people.supervisee)
    assert client.get(f"/documents/{document_id}").status_code == 404  # a draft is the writer's alone
    login(client, people.manager)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    client.post(f"/documents/{document_id}/send", data={"csrf_token": csrf_token(page)})
    login(client, people.supervisee)
    assert client.get(f"/documents/{document_id}").status_code == 200
    login(client, people.other_supervisor)
    assert client.get(f"/documents/{document_id}").status_code == 404
    login(client, people.hr)
    assert client.get(f"/documents/{document_id}").status_code == 200


def test_a_draft_form_changed_to_name_the_person_is_refused_and_keeps_its_activity(client, db, people, login,
                                                                                  run_jobs):
    activity_id = activity(db, people, "dip_sample_audit")
    login(client, people.supervisor)
    write_form(client, activity_id, AUDIT)
    document_id = db.scalars(select(Document.id)).one()
    run_jobs()
    path = f"/documents/{document_id}/edit"
    page = client.get(path)
    assert page.status_code == 200 and "Change the case file audit" in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       **{**AUDIT, "case_reference": "Mary Jones"}})
    assert response.status_code == 400 and "looks like it contains a name" in response.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       **{**AUDIT, "strengths": "Changed"}})
    assert response.status_code == 302
    db.expire_all()
    document = db.get(Document, document_id)
    assert document.data["strengths"] == "Changed" and document.data["quality_activity_id"] == activity_id


def test_a_voided_form_frees_its_activity_for_a_new_one_and_a_declined_one_is_amended_instead(
        app, client, db, people, login, run_jobs):
    from tests.support.data import actor_for
    from workflows import agreements, quality_forms

    activity_id = activity(db, people, "observation")
    login(client, people.supervisor)
    write_form(client, activity_id, OBSERVATION)
    first = db.scalars(select(Document.id)).one()
    run_jobs()
    with app.test_request_context():
        agreements.void_document(first, "Wrong practitioner", actor_for(people.supervisor))
    assert write_form(client, activity_id, OBSERVATION).status_code == 302  # the activity is free again
    second = db.scalars(select(Document.id).where(Document.id != first)).one()
    assert db.get(QualityActivity, activity_id).document_id == second
    db.get(Document, second).state = DocumentState.DECLINED
    db.commit()
    with app.test_request_context():
        assert quality_forms.form_of(db.get(QualityActivity, activity_id)).id == second
    assert client.get(f"/quality/{activity_id}/form").status_code == 302  # to the declined form, to amend it
