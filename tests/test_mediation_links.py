"""The mediator's link obeys every rule of the signing links: purpose, expiry, single use, its own document."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from itsdangerous import URLSafeTimedSerializer

from storage.models import AuditEvent, Disagreement, MediationLink
from storage.states import DisagreementState
from tests.support.data import actor_for
from tests.support.links import disagree_on_link, mediation_link


def _refused(response, words):
    page = response.get_data(as_text=True)
    assert response.status_code in (403, 410), page
    assert "This link cannot be used" in page and words in page
    return page


def _record(client, path, outcome="Agreed at mediation."):
    return client.post(path, data={"outcome": outcome})


@pytest.fixture
def escalate(app, client, people, make_agreement, signing_link, db):
    """Make an agreement, have the supervisee record a disagreement, and escalate it; returns a function."""
    from workflows import disagreements

    def _escalate():
        document_id = make_agreement()
        assert disagree_on_link(client, signing_link(people.supervisee)).status_code == 200
        disagreement_id = db.query(Disagreement.id).filter_by(document_id=document_id).scalar()
        with app.test_request_context():
            disagreements.escalate(disagreement_id, actor=actor_for(people.supervisor))
        return document_id, disagreement_id, mediation_link(db, people.manager)

    return _escalate


def test_the_link_opens_the_disagreement_and_records_the_view(client, people, escalate, db):
    document_id, disagreement_id, path = escalate()
    response = client.get(path)
    assert response.status_code == 200 and "Mediate a disagreement" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    viewed = db.query(AuditEvent).filter_by(document_id=document_id, event="viewed").order_by(AuditEvent.id.desc()).first()
    assert viewed.detail["role"] == "mediator" and viewed.actor_email == people.manager.email
    assert client.get(path + "/document.pdf").data.startswith(b"%PDF-")


def test_tampered_token_is_refused(client, escalate):
    _, _, path = escalate()
    head, token = path.rsplit("/", 1)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    _refused(client.get(f"{head}/{flipped}"), "not valid")
    _refused(_record(client, f"{head}/{flipped}"), "not valid")
    _refused(client.get(f"{head}/{flipped}/document.pdf"), "not valid")


@pytest.mark.parametrize("extra", ["A", "==", "0000"])
def test_token_with_characters_appended_is_refused(client, escalate, extra):
    _, _, path = escalate()
    _refused(client.get(path + extra), "not valid")
    _refused(_record(client, path + extra), "not valid")
    assert client.get(path).status_code == 200


def test_expired_link_is_refused(client, escalate, db):
    _, disagreement_id, path = escalate()
    link = db.query(MediationLink).filter_by(disagreement_id=disagreement_id).one()
    link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    _refused(client.get(path), "expired")
    _refused(_record(client, path), "expired")
    assert db.get(Disagreement, disagreement_id).state is DisagreementState.ESCALATED


def test_token_older_than_the_lifetime_is_refused(app, client, escalate):
    _, _, path = escalate()
    app.config["LINK_LIFETIME"] = dt.timedelta(seconds=-1)
    _refused(client.get(path), "expired")


def test_the_link_records_one_outcome_only(client, escalate, db):
    _, disagreement_id, path = escalate()
    assert _record(client, path, "First outcome.").status_code == 200
    _refused(client.get(path), "already been used")
    _refused(_record(client, path, "Second outcome."), "already been used")
    texts = [a.text for a in db.get(Disagreement, disagreement_id).annotations]
    assert "First outcome." in texts and "Second outcome." not in texts


def test_the_outcome_needs_words_and_does_not_use_up_the_link(client, escalate, db):
    _, disagreement_id, path = escalate()
    response = _record(client, path, "   ")
    assert response.status_code == 400 and "Record the outcome of the mediation" in response.get_data(as_text=True)
    assert _record(client, path).status_code == 200


def test_link_never_opens_another_document(client, escalate):
    first, _, path = escalate()
    second, _, _ = escalate()
    assert first != second
    token = path.rsplit("/", 1)[1]
    _refused(client.get(f"/mediate/{second}/{token}"), "different document")
    _refused(_record(client, f"/mediate/{second}/{token}"), "different document")


def test_a_signing_link_does_not_mediate_and_a_mediator_link_does_not_sign(client, people, escalate, signing_link):
    document_id, _, path = escalate()
    mediate_token = path.rsplit("/", 1)[1]
    sign_token = signing_link(people.supervisor).rsplit("/", 1)[1]
    _refused(client.get(f"/mediate/{document_id}/{sign_token}"), "not valid")
    _refused(_record(client, f"/mediate/{document_id}/{sign_token}"), "not valid")
    _refused(client.get(f"/sign/{document_id}/{mediate_token}"), "not valid")


def test_a_token_re_signed_for_the_other_purpose_is_refused(app, client, escalate):
    document_id, _, path = escalate()
    token = path.rsplit("/", 1)[1]
    payload = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="countersign.link.mediate",
                                     signer_kwargs={"digest_method": hashlib.sha256}).loads(token)
    as_sign = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="countersign.link.sign",
                                     signer_kwargs={"digest_method": hashlib.sha256}).dumps(payload)
    _refused(client.get(f"/sign/{document_id}/{as_sign}"), "not valid")
    _refused(client.get(f"/mediate/{document_id}/{as_sign}"), "not valid")


def test_link_signed_with_another_key_is_refused(client, escalate):
    document_id, disagreement_id, path = escalate()
    forged = URLSafeTimedSerializer("not-our-key", salt="countersign.link.mediate",
                                    signer_kwargs={"digest_method": hashlib.sha256}).dumps(
        {"l": 1, "d": document_id, "g": disagreement_id, "n": "x"})
    _refused(client.get(f"/mediate/{document_id}/{forged}"), "not valid")


def test_resolving_it_between_them_revokes_the_mediator_link(app, client, people, escalate, db):
    from workflows import disagreements

    _, disagreement_id, path = escalate()
    with app.test_request_context():
        disagreements.resolve(disagreement_id, text="We sorted it out ourselves.", actor=actor_for(people.supervisor))
    _refused(client.get(path), "replaced or withdrawn")
    _refused(_record(client, path), "replaced or withdrawn")
    link = db.query(MediationLink).filter_by(disagreement_id=disagreement_id).one()
    assert "resolved" in link.revoked_reason
    assert db.get(Disagreement, disagreement_id).state is DisagreementState.RESOLVED


def test_naming_another_mediator_revokes_the_first_link(app, client, people, escalate, db):
    from workflows import disagreements

    _, disagreement_id, old = escalate()
    with app.test_request_context():
        disagreements.name_mediator(disagreement_id, people.other_supervisor.id, actor=actor_for(people.admin))
    _refused(client.get(old), "replaced or withdrawn")
    new = mediation_link(db, people.other_supervisor)
    assert client.get(new).status_code == 200


def test_the_mediator_link_is_built_from_the_configured_base_url(people, escalate, db):
    _, _, path = escalate()
    from storage.models import OutboxMessage

    [mail] = [m for m in db.query(OutboxMessage).filter_by(to_address=people.manager.email)]
    assert f"https://countersign.test{path}" in mail.body_text
