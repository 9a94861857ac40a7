"""Need-to-know access: every document route, for every kind of person, answers 404 unless the rule allows it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, utcnow
from storage.states import DocumentState
from tests.factories import put_document

# Every document route and method, and the access rule it answers to. A route added to the app without an
# entry here fails test_every_document_route_is_in_the_matrix, so none escapes the matrix.
ROUTE_RULES = {
    ("documents.show", "GET"): "view",
    ("documents.pdf_status", "GET"): "view",
    ("documents.file", "GET"): "download",
    ("documents.edit", "GET"): "manage",
    ("documents.edit", "POST"): "manage",
    ("documents.send", "POST"): "manage",
    ("documents.resend", "POST"): "manage",
    ("documents.void", "GET"): "manage",
    ("documents.void", "POST"): "manage",
    ("documents.delete", "GET"): "manage",
    ("documents.delete", "POST"): "manage",
    ("documents.amend", "POST"): "manage",
    ("records.change", "GET"): "manage",
    ("retention.hold_document", "GET"): "hold",
    ("retention.hold_document", "POST"): "hold",
    ("disagreements.new", "GET"): "disagree",
    ("disagreements.new", "POST"): "disagree",
    ("documents.sign", "POST"): "sign",
}
# Tokenised links are their own access (the token is the permission): signing and mediating are tested in
# test_signing_links and test_mediation_links, a signed copy's one-time link in test_signed_copies.
OWN_ACCESS_BLUEPRINTS = ("signing.", "mediation.", "copies.")

# Who may, per action, for the document between `supervisor` and `supervisee` ("ours") and the one between
# `other_supervisor` and `other_supervisee` ("theirs").
READERS = {"ours": {"supervisor", "supervisee", "hr"}, "theirs": {"other_supervisor", "other_supervisee", "hr"}}
MANAGERS = {"ours": {"supervisor"}, "theirs": {"other_supervisor"}}
PARTIES = {"ours": {"supervisor", "supervisee"}, "theirs": {"other_supervisor", "other_supervisee"}}
# Mediator: what was escalated to them. The test escalates a disagreement on "ours" to the manager.
MEDIATOR_ESCALATED: set[str] = {"ours"}
PEOPLE = ["supervisor", "other_supervisor", "supervisee", "other_supervisee", "mediator", "hr", "admin", "outsider"]


def expected(person: str, action: str, which: str) -> bool:
    if person == "mediator":
        return action in ("view", "download", "history") and which in MEDIATOR_ESCALATED
    if action == "hold":
        return person == "hr"
    if action == "sign":
        # Only a party with a live emailed link of their own, whose turn it is; these documents have no links
        # (test_signer_identity signs with one).
        return False
    if action == "disagree":
        return person in PARTIES[which]
    allowed = READERS if action in ("view", "download", "history") else MANAGERS
    return person in allowed[which]


def escalate_to(db, document_id: int, raised_by, mediator) -> None:
    """A disagreement on the document, escalated to `mediator`, written straight to the database."""
    from storage.models import Disagreement, DisagreementState, Party

    db.add(Disagreement(document_id=document_id, content_version=1, raised_by_id=raised_by.id, party=Party.SUPERVISEE,
                        section_key="other", section_label="Something else", text="I disagree",
                        state=DisagreementState.ESCALATED, mediator_id=mediator.id, escalated_at=utcnow()))
    db.commit()


def person(people, name: str):
    return people.manager if name == "mediator" else getattr(people, name)


def document_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if "document_id" in rule.arguments and not rule.endpoint.startswith(OWN_ACCESS_BLUEPRINTS)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def url(app, endpoint: str, document_id: int) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, document_id=document_id, which="pdf", party="supervisee")


def test_every_document_route_is_in_the_matrix(app):
    assert document_routes(app) == set(ROUTE_RULES)


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_reaches_only_the_documents_they_need_to_know(app, db, people, login, who):
    documents = {
        "ours": put_document(people.supervisor, people.supervisee, DocumentState.OUT_FOR_SIGNATURE),
        "theirs": put_document(people.other_supervisor, people.other_supervisee, DocumentState.LOCKED),
    }
    escalate_to(db, documents["ours"], people.supervisee, people.manager)
    client = app.test_client()
    login(client, person(people, who))
    missing = client.get("/documents/987654").get_data(as_text=True)
    wrong = []
    # Refusals first: an allowed POST (void, amend) may change the document the later requests see.
    cases = sorted(((e, m, w) for (e, m) in ROUTE_RULES for w in documents),
                   key=lambda c: expected(who, ROUTE_RULES[c[:2]], c[2]))
    for endpoint, method, which in cases:
        action = ROUTE_RULES[(endpoint, method)]
        response = client.open(url(app, endpoint, documents[which]), method=method, data={"reason": "matrix"})
        should = expected(who, action, which)
        if should and response.status_code in (404, 500):
            wrong.append(f"{who} {method} {endpoint} on {which}: {response.status_code}, expected access")
        if not should:
            if response.status_code != 404:
                wrong.append(f"{who} {method} {endpoint} on {which}: {response.status_code}, expected 404")
            elif response.get_data(as_text=True) != missing:
                wrong.append(f"{who} {method} {endpoint} on {which}: the 404 page differs from a missing id's")
    assert wrong == []
    me = person(people, who)
    seen = {(e.document_id, e.event) for e in db.scalars(select(AuditEvent).where(AuditEvent.actor_id == me.id))}
    for which, document_id in documents.items():
        if expected(who, "view", which):
            assert {(document_id, "viewed"), (document_id, "downloaded")} <= seen, which
        else:
            assert not {e for e in seen if e[0] == document_id}, f"{who} left a trace on {which}"


@pytest.mark.parametrize("who", PEOPLE)
def test_only_hr_reaches_the_archive_and_exports(app, db, people, login, who):
    client = app.test_client()
    login(client, person(people, who))
    # The outsider is HR in another organisation: their own archive, never this one's people.
    assert client.get("/archive").status_code == (200 if who in ("hr", "outsider") else 404)
    for subject, exporter in ((people.supervisee, "hr"), (people.outsider, "outsider")):
        with client.post(f"/archive/people/{subject.id}/export") as exported:
            assert exported.status_code == (200 if who == exporter else 404)
    transfer_page = client.get("/transfers/new").status_code
    assert transfer_page == (200 if who in ("hr", "admin", "outsider") else 404)


def test_admin_sees_people_not_document_content_unless_also_hr(app, db, people, login):
    from storage.models import Role, Staff

    document_id = put_document(people.supervisor, people.supervisee, DocumentState.LOCKED)
    client = app.test_client()
    login(client, people.admin)
    assert client.get("/admin/staff").status_code == 200
    assert client.get(f"/documents/{document_id}").status_code == 404
    db.get(Staff, people.admin.id).grant(Role.HR)
    db.commit()
    assert client.get(f"/documents/{document_id}").status_code == 200


def test_a_supervisor_loses_access_when_the_relationship_ends(app, db, people, login):
    from storage.models import SupervisionRelationship

    document_id = put_document(people.supervisor, people.supervisee, DocumentState.LOCKED)
    client = app.test_client()
    login(client, people.supervisor)
    assert client.get(f"/documents/{document_id}").status_code == 200
    relationship = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisor_id == people.supervisor.id,
        SupervisionRelationship.supervisee_id == people.supervisee.id)).one()
    relationship.ends_on = dt.date.today() - dt.timedelta(days=1)
    db.commit()
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert client.get(f"/documents/{document_id}/files/signed-pdf").status_code == 404
