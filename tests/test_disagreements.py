"""Disagreements: raised on the signing page or later, resolved, escalated and mediated, all as annotations."""

from __future__ import annotations

import re

import flask
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from storage.models import (
    Annotation,
    AnnotationChangeRefused,
    AnnotationKind,
    AuditEvent,
    Disagreement,
    Document,
    Staff,
)
from storage.states import DisagreementState, DocumentState
from tests.support.data import actor_for
from tests.support.identity import complete_second_factor
from tests.support.links import csrf_token, disagree_on_link, mails_to, mediation_link, sign


def test_supervisee_signs_with_a_recorded_disagreement_and_the_document_still_locks(
        client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    response = disagree_on_link(client, path, text="Cover by <b>anyone</b> is not enough")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your disagreement has been recorded" in page and "Sign with my disagreement recorded" in page
    assert "Cover by &lt;b&gt;anyone&lt;/b&gt; is not enough" in page
    done = sign(client, path, people.supervisee.name).get_data(as_text=True)
    assert "You signed with your disagreement recorded" in done
    sign(client, signing_link(people.supervisor), people.supervisor.name)

    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED
    disagreement = db.query(Disagreement).filter_by(document_id=document_id).one()
    assert (disagreement.party.value, disagreement.section_label, disagreement.content_version) == (
        "supervisee", "Who will supervise if the supervisor is away", 1)
    assert disagreement.state is DisagreementState.OPEN and not disagreement.raised_after_lock
    [annotation] = disagreement.annotations
    assert annotation.kind is AnnotationKind.DISAGREEMENT and annotation.author_id == people.supervisee.id
    assert annotation.author_role == "supervisee" and not annotation.on_locked_document
    signed = db.query(AuditEvent).filter_by(document_id=document_id, event="signed").order_by(AuditEvent.id).all()
    assert signed[0].detail["with_recorded_disagreements"] == [disagreement.id]
    assert "with_recorded_disagreements" not in signed[1].detail
    for person in (people.supervisor, people.supervisee):
        [mail] = mails_to(db, person, "Disagreement recorded")
        assert "Cover by <b>anyone</b> is not enough" in mail.body_text


def test_the_document_page_says_the_signature_came_with_a_disagreement(client, people, login, locked_with_disagreement):
    document_id, disagreement_id = locked_with_disagreement
    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "with a recorded disagreement" in page
    assert f"/disagreements/{disagreement_id}" in page


def test_disagreement_needs_a_section_and_words(client, people, make_agreement, signing_link, db):
    make_agreement()
    path = signing_link(people.supervisee)
    response = disagree_on_link(client, path, text="   ", section="not-a-section")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the part of the document you disagree with" in page
    assert "Say what you disagree with, in your own words" in page
    assert db.query(Disagreement).count() == 0 and db.query(Annotation).count() == 0


def test_disagreement_after_lock_is_added_as_an_annotation_and_the_document_never_changes(
        client, people, login, locked_with_disagreement, db):
    document_id, _ = locked_with_disagreement
    before = {c.key: getattr(db.get(Document, document_id), c.key) for c in sa.inspect(Document).columns}
    login(client, people.supervisor)
    response = client.post(f"/documents/{document_id}/disagreements/new",
                           data={"section": "other", "disagreement": "The review date is wrong."})
    assert response.status_code == 302
    db.expire_all()
    later = db.query(Disagreement).filter_by(document_id=document_id).order_by(Disagreement.id.desc()).first()
    assert later.raised_after_lock and later.party.value == "supervisor"
    assert later.section_label == "Something else in the document"
    [annotation] = later.annotations
    assert annotation.on_locked_document and annotation.kind is AnnotationKind.DISAGREEMENT
    after = {c.key: getattr(db.get(Document, document_id), c.key) for c in sa.inspect(Document).columns}
    assert after == before
    event = db.query(AuditEvent).filter_by(event="disagreement_raised", document_id=document_id) \
        .order_by(AuditEvent.id.desc()).first()
    assert event.detail["after_lock"] is True and event.detail["annotation_id"] == annotation.id


def test_declining_sends_it_back_and_the_disagreement_stays_with_its_version(
        client, people, make_agreement, signing_link, login, run_jobs, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    disagree_on_link(client, path)
    client.post(path, data={"decision": "decline", "reason": "See my disagreement"})
    login(client, people.supervisor)
    assert client.post(f"/documents/{document_id}/amend").status_code == 302
    run_jobs()
    client.post(f"/documents/{document_id}/send")
    client.post("/sign-out")
    db.expire_all()
    document = db.get(Document, document_id)
    assert document.content_version == 2 and document.state is DocumentState.OUT_FOR_SIGNATURE
    disagreement = db.query(Disagreement).filter_by(document_id=document_id).one()
    assert disagreement.content_version == 1 and disagreement.annotations[0].content_version == 1
    page = client.get(signing_link(people.supervisee)).get_data(as_text=True)
    assert "Your recorded disagreements" not in page and re.search(r">\s*Sign\s*</button>", page)
    login(client, people.supervisee)
    shown = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "(earlier version)" in shown


def test_supervisor_records_that_it_was_resolved_and_both_see_it(client, people, login, locked_with_disagreement, db):
    document_id, disagreement_id = locked_with_disagreement
    login(client, people.supervisor)
    assert "Open disagreements" in client.get("/").get_data(as_text=True)
    response = client.post(f"/disagreements/{disagreement_id}/resolve", data={"resolution": "We agreed Pat covers."})
    assert response.status_code == 302
    db.expire_all()
    disagreement = db.get(Disagreement, disagreement_id)
    assert disagreement.state is DisagreementState.RESOLVED and disagreement.closed_at is not None
    assert [a.kind for a in disagreement.annotations] == [AnnotationKind.DISAGREEMENT, AnnotationKind.RESOLUTION]
    assert disagreement.annotations[1].on_locked_document
    for person in (people.supervisor, people.supervisee):
        [mail] = mails_to(db, person, "Disagreement resolved")
        assert "We agreed Pat covers." in mail.body_text
    assert "Open disagreements" not in client.get("/").get_data(as_text=True)
    client.post("/sign-out")
    login(client, people.supervisee)
    assert "We agreed Pat covers." in client.get(f"/disagreements/{disagreement_id}").get_data(as_text=True)


def test_resolution_needs_words(client, people, login, locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    login(client, people.supervisor)
    response = client.post(f"/disagreements/{disagreement_id}/resolve", data={"resolution": ""})
    assert response.status_code == 400 and "Say how you resolved it between you" in response.get_data(as_text=True)
    assert db.get(Disagreement, disagreement_id).state is DisagreementState.OPEN


def test_only_the_supervisor_resolves_or_escalates(client, people, login, locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    for person in (people.supervisee, people.manager, people.other_supervisor):
        login(client, person)
        assert client.post(f"/disagreements/{disagreement_id}/resolve", data={"resolution": "x"}).status_code == 404
        assert client.post(f"/disagreements/{disagreement_id}/escalate").status_code == 404
        client.post("/sign-out")
    assert db.get(Disagreement, disagreement_id).state is DisagreementState.OPEN


def test_illegal_moves_are_refused(client, people, login, locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    login(client, people.supervisor)
    client.post(f"/disagreements/{disagreement_id}/resolve", data={"resolution": "Sorted."})
    again = client.post(f"/disagreements/{disagreement_id}/escalate")
    assert again.status_code == 409
    assert "You cannot escalate this disagreement because it is resolved between you" in again.get_data(as_text=True)
    twice = client.post(f"/disagreements/{disagreement_id}/resolve", data={"resolution": "Sorted again."})
    assert twice.status_code == 409
    assert [a.kind for a in db.get(Disagreement, disagreement_id).annotations].count(AnnotationKind.RESOLUTION) == 1


def test_escalation_to_the_line_manager_who_records_the_outcome_from_the_emailed_link(
        client, people, login, locked_with_disagreement, db):
    document_id, disagreement_id = locked_with_disagreement
    login(client, people.manager)
    home = client.get("/").get_data(as_text=True)
    assert "Open disagreements" in home and "You will see it if it is escalated to you" in home
    assert client.get(f"/documents/{document_id}").status_code == 404  # not escalated to them yet
    client.post("/sign-out")

    login(client, people.supervisor)
    page = client.get(f"/disagreements/{disagreement_id}").get_data(as_text=True)
    assert "Escalate it to your line manager, Morgan Lee" in page
    client.post(f"/disagreements/{disagreement_id}/escalate")
    client.post("/sign-out")
    db.expire_all()
    assert db.get(Disagreement, disagreement_id).state is DisagreementState.ESCALATED
    [invite] = mails_to(db, people.manager, "Please mediate")
    assert "Cover should be by a qualified social worker" in invite.body_text and "It expires on" in invite.body_text
    for person in (people.supervisor, people.supervisee):
        [told] = mails_to(db, person, "Disagreement escalated")
        assert "Morgan Lee, Sam Taylor's line manager, has been asked to mediate" in told.body_text

    path = mediation_link(db, people.manager)
    opened = client.get(path)
    shown = opened.get_data(as_text=True)
    assert opened.status_code == 200 and opened.headers["Referrer-Policy"] == "no-referrer"
    assert "Mediate a disagreement" in shown and "Cover should be by a qualified social worker" in shown
    pdf = client.get(path + "/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    done = client.post(path, data={"outcome": "Agreed: a qualified social worker covers."})
    assert done.status_code == 200 and "Outcome recorded" in done.get_data(as_text=True)

    db.expire_all()
    disagreement = db.get(Disagreement, disagreement_id)
    assert disagreement.state is DisagreementState.MEDIATED
    outcome = disagreement.annotations[-1]
    assert outcome.kind is AnnotationKind.MEDIATION_OUTCOME and outcome.author_id == people.manager.id
    assert outcome.author_role == "mediator" and outcome.on_locked_document
    for person in (people.supervisor, people.supervisee, people.manager):
        [mail] = mails_to(db, person, "Mediation outcome recorded")
        assert "Agreed: a qualified social worker covers." in mail.body_text
    recorded = db.query(AuditEvent).filter_by(event="mediation_recorded").one()
    assert recorded.actor_email == people.manager.email
    for person in (people.supervisee, people.supervisor, people.manager):
        login(client, person)
        assert "Agreed: a qualified social worker covers." in client.get(
            f"/disagreements/{disagreement_id}").get_data(as_text=True)
        assert "Open disagreements" not in client.get("/").get_data(as_text=True)
        client.post("/sign-out")
    login(client, people.manager)
    # The mediator's access ends with the disagreement, except to what was sent to them: the disagreement itself.
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert client.get(f"/disagreements/{disagreement_id}").status_code == 200


def test_without_a_line_manager_an_admin_names_another_senior_manager(
        client, people, login, locked_with_disagreement, db):
    document_id, disagreement_id = locked_with_disagreement
    db.get(Staff, people.supervisor.id).line_manager_id = None
    db.commit()
    login(client, people.supervisor)
    assert "You have no line manager on record" in client.get(f"/disagreements/{disagreement_id}").get_data(as_text=True)
    response = client.post(f"/disagreements/{disagreement_id}/escalate", follow_redirects=True)
    assert "You have no line manager on record, so we cannot send it to them" in response.get_data(as_text=True)
    client.post("/sign-out")
    db.expire_all()
    disagreement = db.get(Disagreement, disagreement_id)
    assert disagreement.needs_mediator
    [ask] = mails_to(db, people.admin, "A disagreement needs a mediator")
    assert f"/admin/disagreements/{disagreement_id}/mediator" in ask.body_text
    assert not mails_to(db, people.manager, "Please mediate")

    login(client, people.supervisor)
    assert client.get(f"/admin/disagreements/{disagreement_id}/mediator").status_code == 404  # admins only
    client.post("/sign-out")
    login(client, people.admin)
    assert "Needs a mediator" in client.get("/admin/disagreements").get_data(as_text=True)
    form = client.get(f"/admin/disagreements/{disagreement_id}/mediator").get_data(as_text=True)
    assert f'<option value="{people.other_supervisor.id}"' in form and "Pat Green" in form
    assert f'<option value="{people.supervisee.id}"' not in form and f'<option value="{people.supervisor.id}"' not in form
    refused = client.post(f"/admin/disagreements/{disagreement_id}/mediator", data={"mediator": str(people.supervisee.id)})
    assert refused.status_code == 400 and "Choose the senior manager who will mediate" in refused.get_data(as_text=True)
    named = client.post(f"/admin/disagreements/{disagreement_id}/mediator", data={"mediator": str(people.other_supervisor.id)})
    assert named.status_code == 302
    client.post("/sign-out")
    for person in (people.supervisor, people.supervisee):
        assert mails_to(db, person, "Mediator named")

    path = mediation_link(db, people.other_supervisor)
    assert client.post(path, data={"outcome": "Settled at mediation."}).status_code == 200
    db.expire_all()
    disagreement = db.get(Disagreement, disagreement_id)
    assert disagreement.state is DisagreementState.MEDIATED and disagreement.mediator_id == people.other_supervisor.id
    assert disagreement.annotations[-1].author_name == "Pat Green"
    assert db.query(AuditEvent).filter_by(event="mediator_named", document_id=document_id).one().detail["mediator"] \
        == people.other_supervisor.email


def test_open_disagreements_show_for_the_supervisor_and_their_manager_but_not_others(
        client, people, login, locked_with_disagreement):
    for person, sees in ((people.supervisor, True), (people.manager, True), (people.supervisee, True),
                         (people.other_supervisor, False), (people.hr, False)):
        login(client, person)
        assert ("Open disagreements" in client.get("/").get_data(as_text=True)) is sees, person.name
        client.post("/sign-out")


# --- Annotations are append-only: refused and audited however it is tried ---

def _annotation(db, disagreement_id):
    return db.query(Annotation).filter_by(disagreement_id=disagreement_id).first()


def test_the_models_refuse_to_change_or_delete_an_annotation(locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    annotation = _annotation(db, disagreement_id)
    annotation.text = "Something milder"
    with pytest.raises(AnnotationChangeRefused, match="cannot be changed or removed"):
        db.commit()
    db.rollback()
    db.delete(_annotation(db, disagreement_id))
    with pytest.raises(AnnotationChangeRefused):
        db.commit()
    db.rollback()
    assert _annotation(db, disagreement_id).text == "Cover should be by a qualified social worker"


def test_what_a_disagreement_says_cannot_be_reworded(locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    db.get(Disagreement, disagreement_id).text = "I never said that"
    with pytest.raises(AnnotationChangeRefused, match="cannot be changed"):
        db.commit()
    db.rollback()


@pytest.mark.parametrize("statement", ["UPDATE annotations SET text = 'rewritten' WHERE id = {id}",
                                       "DELETE FROM annotations WHERE id = {id}"])
def test_the_database_refuses_to_change_or_delete_an_annotation(locked_with_disagreement, db, statement):
    _, disagreement_id = locked_with_disagreement
    annotation_id = _annotation(db, disagreement_id).id
    db.rollback()
    with pytest.raises(DBAPIError, match="annotations is append-only"):
        db.execute(sa.text(statement.format(id=annotation_id)))
    db.rollback()
    assert db.execute(sa.text("SELECT text FROM annotations WHERE id = :id"), {"id": annotation_id}).scalar_one() \
        == "Cover should be by a qualified social worker"


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_editing_or_deleting_an_annotation_on_the_web_is_refused_and_audited(
        client, people, login, locked_with_disagreement, db, action):
    document_id, disagreement_id = locked_with_disagreement
    annotation_id = _annotation(db, disagreement_id).id
    login(client, people.supervisee)
    response = client.post(f"/annotations/{annotation_id}/{action}", data={"text": "milder"})
    assert response.status_code == 409
    assert "Annotations cannot be changed or removed" in response.get_data(as_text=True)
    event = db.query(AuditEvent).filter_by(event="annotation_change_refused").one()
    assert (event.actor_id, event.document_id, event.detail["annotation_id"], event.detail["attempted"]) == (
        people.supervisee.id, document_id, annotation_id, action)
    db.expire_all()
    assert _annotation(db, disagreement_id).text == "Cover should be by a qualified social worker"
    client.post("/sign-out")
    login(client, people.other_supervisor)
    assert client.post(f"/annotations/{annotation_id}/{action}").status_code == 404


def test_a_workflow_call_to_change_an_annotation_is_refused_and_audited(app, people, locked_with_disagreement, db):
    from workflows import disagreements

    _, disagreement_id = locked_with_disagreement
    annotation_id = _annotation(db, disagreement_id).id
    with app.test_request_context(), pytest.raises(AnnotationChangeRefused):
        disagreements.refuse_annotation_change(annotation_id, "edit", actor_for(people.supervisor))
    assert db.query(AuditEvent).filter_by(event="annotation_change_refused").one().actor_id == people.supervisor.id


def test_a_change_the_models_refuse_during_a_request_is_audited(app, people, locked_with_disagreement, db):
    from web import disagreements as views

    _, disagreement_id = locked_with_disagreement
    annotation = _annotation(db, disagreement_id)
    annotation.text = "quietly changed"
    with app.test_request_context():
        with pytest.raises(AnnotationChangeRefused) as refused:
            db.commit()
        body, status = views._annotation_change_refused(refused.value)
    assert status == 409 and "Annotations cannot be changed or removed" in body
    event = db.query(AuditEvent).filter_by(event="annotation_change_refused").one()
    assert event.detail["annotation_id"] == annotation.id
    db.expire_all()
    assert _annotation(db, disagreement_id).text == "Cover should be by a qualified social worker"


def test_a_party_adds_a_note_and_the_others_are_told(client, people, login, locked_with_disagreement, db):
    _, disagreement_id = locked_with_disagreement
    login(client, people.supervisee)
    assert client.post(f"/disagreements/{disagreement_id}/notes", data={"note": "Also the dates."}).status_code == 302
    note = db.query(Annotation).filter_by(disagreement_id=disagreement_id, kind=AnnotationKind.NOTE).one()
    assert note.author_role == "supervisee" and note.text == "Also the dates."
    assert mails_to(db, people.supervisor, "Note added") and not mails_to(db, people.supervisee, "Note added")


def test_every_disagreement_form_needs_its_csrf_token(app, people, make_agreement, signing_link, db):
    from workflows import disagreements

    document_id = make_agreement()
    with app.test_request_context():
        disagreement_id = disagreements.raise_disagreement(
            document_id, section="other", text="Not right.", actor=actor_for(people.supervisee)).id
        disagreements.escalate(disagreement_id, actor=actor_for(people.supervisor))
    annotation_id = _annotation(db, disagreement_id).id
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    path = signing_link(people.supervisee)
    assert disagree_on_link(client, path).status_code == 400
    mediate = mediation_link(db, people.manager)
    assert client.post(mediate, data={"outcome": "Agreed."}).status_code == 400
    for person, posts in (
        (people.supervisee, [(f"/documents/{document_id}/disagreements/new", {"section": "other", "disagreement": "x"}),
                             (f"/disagreements/{disagreement_id}/notes", {"note": "x"}),
                             (f"/annotations/{annotation_id}/delete", {})]),
        (people.supervisor, [(f"/disagreements/{disagreement_id}/resolve", {"resolution": "x"}),
                             (f"/disagreements/{disagreement_id}/escalate", {})]),
        (people.admin, [(f"/admin/disagreements/{disagreement_id}/mediator", {"mediator": people.other_supervisor.id})]),
    ):
        client = app.test_client()
        # The test's app context outlives requests, so Flask-WTF's per-request token cache must be emptied.
        flask.g.pop("csrf_token", None)
        token = csrf_token(client.get("/sign-in").get_data(as_text=True))
        signed_in = client.post("/sign-in", data={"email": person.email, "password": people.password,
                                                  "csrf_token": token})
        signed_in = complete_second_factor(client, signed_in, person.email, csrf=True)
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[-3000:]
        for url, data in posts:
            assert client.post(url, data=data).status_code == 400, url
    db.expire_all()
    disagreement = db.get(Disagreement, disagreement_id)
    assert disagreement.state is DisagreementState.ESCALATED and len(disagreement.annotations) == 1
    assert db.query(AuditEvent).filter_by(event="annotation_change_refused").count() == 0


def test_a_records_sections_are_offered_and_kept_by_their_headings(client, people, login, document_in, db):
    document_id = document_in(DocumentState.OUT_FOR_SIGNATURE, kind="record")
    login(client, people.supervisee)
    form = client.get(f"/documents/{document_id}/disagreements/new").get_data(as_text=True)
    assert "Supervisee\u2019s Well Being</option>" in form and "Section(" not in form
    response = client.post(f"/documents/{document_id}/disagreements/new",
                           data={"section": "wellbeing", "disagreement": "My workload was not discussed."})
    assert response.status_code == 302
    disagreement = db.query(Disagreement).filter_by(document_id=document_id).one()
    assert disagreement.section_label == "Supervisee\u2019s Well Being"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Disagreement about Supervisee\u2019s Well Being" in page
    [mail] = mails_to(db, people.supervisor, "Disagreement recorded")
    assert "Supervisee\u2019s Well Being" in mail.body_text and "Section(" not in mail.body_text
