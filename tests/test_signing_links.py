"""Signing links: only the right person, for the right document, once, before it expires."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from itsdangerous import URLSafeTimedSerializer

from storage.models import AuditEvent, Document, Party, Signature, SigningLink
from storage.states import DocumentState
from tests.support.data import actor_for


def _sha_on_page(page: str) -> str:
    return page.split('name="reviewed_sha256" value="')[1].split('"')[0]


def _sign(client, path, name, sha=None):
    if sha is None:
        sha = _sha_on_page(client.get(path).get_data(as_text=True))
    return client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name, "reviewed_sha256": sha})


def _refused(response, words):
    page = response.get_data(as_text=True)
    assert response.status_code in (403, 410), page
    assert "This link cannot be used" in page and words in page
    return page


def test_the_link_opens_the_document_and_records_the_view(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    response = client.get(signing_link(people.supervisee))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "I agree to sign electronically" in page and "O&#39;Brien &amp; &lt;Sons&gt;" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    viewed = db.query(AuditEvent).filter_by(document_id=document_id, event="viewed").one()
    assert viewed.detail["party"] == "supervisee" and viewed.actor_email == people.supervisee.email
    pdf = client.get(signing_link(people.supervisee) + "/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.data).hexdigest() == db.get(Document, document_id).pdf_sha256 == _sha_on_page(page)


def test_tampered_token_is_refused(client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    head, token = path.rsplit("/", 1)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    _refused(client.get(f"{head}/{flipped}"), "not valid")
    _refused(_sign(client, f"{head}/{flipped}", people.supervisee.name, sha="0" * 64), "not valid")


@pytest.mark.parametrize("extra", ["A", "x", "==", "%3D", "0000"])
def test_token_with_characters_appended_is_refused(client, people, make_agreement, signing_link, extra):
    make_agreement()
    path = signing_link(people.supervisee)
    _refused(client.get(path + extra), "not valid")
    _refused(_sign(client, path + extra, people.supervisee.name, sha="0" * 64), "not valid")
    assert client.get(path).status_code == 200  # the real link is unharmed


def test_expired_link_is_refused_and_a_new_one_can_be_sent(app, client, people, make_agreement, signing_link, db, login):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    link = db.query(SigningLink).filter_by(document_id=document_id, party=Party.SUPERVISEE).one()
    link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    page = _refused(client.get(path), "expired")
    assert "Ask the supervisor who sent it to send you a new link" in page
    login(client, people.supervisor)
    # Signed in, nobody is told to ask for a link: they sign from the document's page.
    own = signing_link(people.supervisor)
    own_link = db.query(SigningLink).filter_by(document_id=document_id, party=Party.SUPERVISOR).one()
    own_link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    signed_in = client.get(own).get_data(as_text=True)
    assert "You are signed in, so you do not need a link" in signed_in and "Ask the supervisor" not in signed_in
    assert client.post(f"/documents/{document_id}/resend/supervisee").status_code == 302
    client.post("/sign-out")
    assert signing_link(people.supervisee) != path
    assert _sign(client, signing_link(people.supervisee), people.supervisee.name).status_code == 200


def test_token_older_than_the_lifetime_is_refused_even_if_the_row_says_otherwise(app, client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    app.config["LINK_LIFETIME"] = dt.timedelta(seconds=-1)
    _refused(client.get(path), "expired")


def test_resent_link_revokes_the_old_one(client, people, make_agreement, signing_link, login):
    document_id = make_agreement()
    old = signing_link(people.supervisee)
    login(client, people.supervisor)
    client.post(f"/documents/{document_id}/resend/supervisee")
    client.post("/sign-out")
    _refused(client.get(old), "replaced or withdrawn")
    assert client.get(signing_link(people.supervisee)).status_code == 200


def test_used_link_is_refused(client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    assert _sign(client, path, people.supervisee.name).status_code == 200
    _refused(client.get(path), "already been used")
    _refused(_sign(client, path, people.supervisee.name, sha="0" * 64), "already been used")


def test_supervisee_link_never_signs_as_the_supervisor(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    response = _sign(client, path, people.supervisor.name)
    assert response.status_code == 400
    assert "Type your full name exactly as it appears here" in response.get_data(as_text=True)
    assert _sign(client, path, people.supervisee.name.upper()).status_code == 200
    signatures = db.query(Signature).filter_by(document_id=document_id).all()
    assert [(s.party, s.staff_id) for s in signatures] == [(Party.SUPERVISEE, people.supervisee.id)]
    assert db.get(Document, document_id).state is DocumentState.SIGNED_BY_ONE


def test_link_never_opens_another_document(client, people, make_agreement, signing_link):
    first = make_agreement()
    path_first = signing_link(people.supervisee)
    second = make_agreement()
    assert first != second
    token = path_first.rsplit("/", 1)[1]
    _refused(client.get(f"/sign/{second}/{token}"), "different document")
    _refused(_sign(client, f"/sign/{second}/{token}", people.supervisee.name, sha="0" * 64), "different document")


def test_link_for_another_purpose_is_refused(app, client, people, make_agreement, signing_link):
    document_id = make_agreement()
    token = signing_link(people.supervisee).rsplit("/", 1)[1]
    payload = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="countersign.link.sign",
                                     signer_kwargs={"digest_method": hashlib.sha256}).loads(token)
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="countersign.link.mediate",
                                   signer_kwargs={"digest_method": hashlib.sha256}).dumps(payload)
    _refused(client.get(f"/sign/{document_id}/{other}"), "not valid")


def test_link_signed_with_another_key_is_refused(client, people, make_agreement, signing_link):
    document_id = make_agreement()
    token = signing_link(people.supervisee).rsplit("/", 1)[1]
    forged = URLSafeTimedSerializer("not-our-key", salt="countersign.link.sign",
                                    signer_kwargs={"digest_method": hashlib.sha256}).dumps({"l": 1, "d": document_id,
                                                                                           "v": 1, "p": "supervisor", "n": "x"})
    assert forged != token
    _refused(client.get(f"/sign/{document_id}/{forged}"), "not valid")


def test_voiding_kills_every_link(app, client, people, make_agreement, signing_link, db):
    from workflows import agreements

    document_id = make_agreement()
    paths = [signing_link(people.supervisee), signing_link(people.supervisor)]
    with app.test_request_context():
        agreements.void_document(document_id, "sent to the wrong person", actor_for(people.supervisor))
    for path in paths:
        _refused(client.get(path), "replaced or withdrawn")
    document = db.get(Document, document_id)
    assert document.state is DocumentState.VOIDED and document.closed_reason == "sent to the wrong person"


def test_links_are_built_from_the_configured_base_url_not_the_host_header(client, people, login, db, run_jobs, agreement_form):
    from storage.models import OutboxMessage

    evil = "http://evil.example"
    client.post("/sign-in", data={"email": people.supervisor.email, "password": people.password}, base_url=evil)
    response = client.post("/agreements/new", data={**agreement_form, "supervisee": people.supervisee.id}, base_url=evil)
    assert response.status_code == 302, response.get_data(as_text=True)
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_jobs()
    sent = client.post(f"/documents/{document_id}/send", base_url=evil, headers={"X-Forwarded-Host": "evil.example"})
    assert sent.status_code == 302
    bodies = [m.body_text for m in db.query(OutboxMessage).all()]
    assert len(bodies) == 2
    for body in bodies:
        assert "https://countersign.test/sign/" in body
        assert "evil.example" not in body


def test_the_email_says_who_is_asking_what_and_when_the_link_expires(people, make_agreement, db):
    from storage.models import OutboxMessage

    make_agreement()
    message = db.query(OutboxMessage).filter_by(to_address=people.supervisee.email).one()
    assert message.subject.startswith("Please sign: Supervision agreement for Jo O'Brien & <Sons>")
    assert "Sam Taylor (sam.taylor@havering.example) has asked you to read and sign" in message.body_text
    assert "It expires on" in message.body_text and "(UTC+" in message.body_text
