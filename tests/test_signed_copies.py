"""Keeping a copy: "signed by both" brings each party their sealed copy, attached or by a one-time link; each party
is told when the other has signed; a template's signing order sends the second link after the first signature."""

from __future__ import annotations

import re

from storage.mail import build_message
from storage.models import AuditEvent, CopyLink, Document, Party
from tests.support.links import mails_to, sign


def test_each_party_gets_their_signed_copy_attached(app, people, locked_agreement, db):
    document = db.get(Document, locked_agreement)
    for person in (people.supervisor, people.supervisee):
        [mail] = mails_to(db, person, "Signed by both")
        assert mail.attachment_sha256 == document.final_pdf_sha256
        assert "Your signed copy is attached" in mail.body_text and "Sign in" not in mail.body_text
        with app.app_context():
            message = build_message(mail, "Countersign <no-reply@countersign.test>")
        [attached] = list(message.iter_attachments())
        assert attached.get_filename() == f"{document.reference}-signed.pdf"
        assert attached.get_content() == app.extensions["countersign.blobs"].get(document.final_pdf_sha256)
    sent = db.query(AuditEvent).filter_by(document_id=document.id, event="copy_sent").all()
    assert sorted(e.detail["party"] for e in sent) == ["supervisee", "supervisor"]


def test_a_big_copy_comes_as_a_one_time_link_that_needs_no_password(app, client, people, make_agreement,
                                                                    signing_link, run_jobs, db):
    app.config["COPY_ATTACHMENT_MAX_BYTES"] = 0
    document_id = make_agreement()
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    sign(client, signing_link(people.supervisor), people.supervisor.name)
    run_jobs()
    document = db.get(Document, document_id)
    [mail] = mails_to(db, people.supervisee, "Signed by both")
    assert mail.attachment_sha256 is None and "It works once" in mail.body_text
    path = re.search(r"https://countersign\.test(/copy/\d+/\S+)", mail.body_text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Download your signed copy" in page.get_data(as_text=True)
    db.expire_all()
    assert db.query(CopyLink).filter_by(staff_id=people.supervisee.id).one().used_at is None  # opening uses nothing
    download = client.post(path)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == app.extensions["countersign.blobs"].get(document.final_pdf_sha256)
    again = client.post(path)
    assert again.status_code == 403 and "already been used" in again.get_data(as_text=True)
    event = db.query(AuditEvent).filter_by(document_id=document_id, event="downloaded").one()
    assert event.actor_id == people.supervisee.id and event.detail["via"] == "one-time copy link"


def test_each_party_is_told_when_the_other_has_signed(client, people, make_agreement, signing_link, db):
    make_agreement()
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    [mail] = mails_to(db, people.supervisor, f"{people.supervisee.name} has signed")
    assert "waiting for your signature" in mail.body_text
    assert mails_to(db, people.supervisee, f"{people.supervisor.name} has signed") == []


def test_supervisee_first_sends_the_supervisors_link_after_the_supervisee_signs(app, client, people, login,
                                                                               make_agreement, signing_link, db,
                                                                               monkeypatch):
    from workflows import agreements, signing_order

    monkeypatch.setattr(signing_order, "order_of", lambda document: (Party.SUPERVISEE, Party.SUPERVISOR))
    document_id = make_agreement()
    assert mails_to(db, people.supervisee, "Please sign") and not mails_to(db, people.supervisor, "Please sign")
    login(client, people.supervisor)
    assert "Sign this document" not in client.get(f"/documents/{document_id}").get_data(as_text=True)
    with app.test_request_context():
        from tests.support.data import actor_for
        from workflows.errors import NotReady
        try:
            agreements.resend_link(document_id, Party.SUPERVISOR, actor_for(people.supervisor))
            raise AssertionError("the supervisor's link went out before the supervisee signed")
        except NotReady as refusal:
            assert "signs after the supervisee" in str(refusal)
    client.get("/logout")
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    [turn] = mails_to(db, people.supervisor, "Please sign")
    assert f"{people.supervisee.name} has signed" in turn.body_text and "your turn" in turn.body_text
    sign(client, signing_link(people.supervisor), people.supervisor.name)
    assert db.get(Document, document_id).state.value == "locked"


def test_barking_and_dagenhams_record_is_signed_supervisee_first():
    from doc_templates import get_schema

    assert get_schema("barking-dagenham/supervision-record").signing_order == ("supervisee", "supervisor")
    assert get_schema("havering/supervision-record").signing_order == ()


def test_in_a_signing_order_the_home_page_lists_the_document_only_for_whose_turn_it_is(client, people, login,
                                                                                      make_agreement, signing_link,
                                                                                      monkeypatch):
    from workflows import signing_order

    monkeypatch.setattr(signing_order, "order_of", lambda document: (Party.SUPERVISEE, Party.SUPERVISOR))
    make_agreement()
    login(client, people.supervisor)
    assert "Waiting for your signature" not in client.get("/").get_data(as_text=True)
    client.get("/logout")
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    login(client, people.supervisor)
    assert "Waiting for your signature" in client.get("/").get_data(as_text=True)
