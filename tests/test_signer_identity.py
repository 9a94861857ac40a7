"""Confirming who is signing: an emailed one-time code where the organisation asks for one, and signing from the
document's page when signed in."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from storage.models import AuditEvent, Document, DocumentState, Organisation, Signature, SigningCode
from tests.support.links import mails_to, reviewed_sha256, sign
from workflows.lock import how_signed


@pytest.fixture
def codes_on(db, people):
    db.get(Organisation, people.org.id).signing_code_required = True
    db.commit()


def _ask_for_code(client, path):
    return client.post(path, data={"decision": "code"})


def _code(db, person) -> str:
    [mail, *_] = reversed(mails_to(db, person, "Your code to sign"))
    return re.search(r"^  (\d{6})$", mail.body_text, re.M).group(1)


def _sign_with(client, path, name, code):
    sha = reviewed_sha256(client.get(path).get_data(as_text=True))
    return client.post(path, data={"decision": "sign", "consent": "yes", "typed_name": name, "code": code,
                                   "reviewed_sha256": sha})


def test_the_signer_asks_for_a_code_types_it_and_signs(client, people, make_agreement, signing_link, db, codes_on):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    page = client.get(path).get_data(as_text=True)
    assert "Email me a code" in page and "j\u2022\u2022\u2022@havering.example" in page
    sent = _ask_for_code(client, path)
    assert sent.status_code == 200 and "We have emailed a code to j\u2022\u2022\u2022@havering.example" in sent.get_data(
        as_text=True)
    code = _code(db, people.supervisee)
    stored = db.query(SigningCode).one()
    assert code not in (stored.code_hash, stored.salt) and stored.sent_to == people.supervisee.email
    confirm = _sign_with(client, path, people.supervisee.name, code)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Check before you sign" in text
    assert "The code emailed to j\u2022\u2022\u2022@havering.example" in text
    done = client.post(path, data={"decision": "sign", "confirmed": "yes", "consent": "yes",
                                   "typed_name": people.supervisee.name,
                                   "reviewed_sha256": db.get(Document, document_id).pdf_sha256})
    assert done.status_code == 200 and "You have signed" in done.get_data(as_text=True)
    db.expire_all()
    signature = db.query(Signature).one()
    assert signature.signed_from == "emailed link"
    assert signature.identity_check.startswith("a one-time code emailed to j\u2022\u2022\u2022@havering.example at ")
    assert "identity confirmed by a one-time code emailed to j\u2022\u2022\u2022@havering.example" in how_signed(signature)
    signed = db.query(AuditEvent).filter_by(document_id=document_id, event="signed").one()
    assert signed.detail["identity"] == signature.identity_check and signed.detail["html_sha256"]
    assert db.query(AuditEvent).filter_by(document_id=document_id, event="signing_code_sent").count() == 1


def test_signing_without_a_code_is_refused_with_what_to_do(client, people, make_agreement, signing_link, db, codes_on):
    make_agreement()
    path = signing_link(people.supervisee)
    response = _sign_with(client, path, people.supervisee.name, "")
    assert response.status_code == 400 and "Ask for a code first" in response.get_data(as_text=True)
    # Straight to "Confirm and sign", skipping the code, is refused too.
    sha = reviewed_sha256(client.get(path).get_data(as_text=True))
    skipped = client.post(path, data={"decision": "sign", "confirmed": "yes", "consent": "yes",
                                      "typed_name": people.supervisee.name, "reviewed_sha256": sha})
    assert skipped.status_code == 400 and "Confirm it is you" in skipped.get_data(as_text=True)
    assert db.query(Signature).count() == 0


def test_wrong_codes_are_counted_and_the_code_stops_after_five(client, people, make_agreement, signing_link, db,
                                                               codes_on):
    make_agreement()
    path = signing_link(people.supervisee)
    _ask_for_code(client, path)
    right = _code(db, people.supervisee)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    first = _sign_with(client, path, people.supervisee.name, wrong).get_data(as_text=True)
    assert "That code is not right" in first and "4 tries left" in first
    for _ in range(4):
        _sign_with(client, path, people.supervisee.name, wrong)
    db.expire_all()
    assert db.query(SigningCode).one().wrong_tries == 5
    after = _sign_with(client, path, people.supervisee.name, right)
    assert after.status_code == 400 and "typed wrongly too many times" in after.get_data(as_text=True)


def test_codes_are_throttled_and_expire(client, people, make_agreement, signing_link, db, codes_on):
    make_agreement()
    path = signing_link(people.supervisee)
    _ask_for_code(client, path)
    again = _ask_for_code(client, path)
    assert again.status_code == 400 and "less than a minute ago" in again.get_data(as_text=True)
    assert len(mails_to(db, people.supervisee, "Your code to sign")) == 1
    code = db.query(SigningCode).one()
    code.expires_at = code.sent_at + dt.timedelta(seconds=1) - dt.timedelta(minutes=20)
    db.commit()
    late = _sign_with(client, path, people.supervisee.name, _code(db, people.supervisee))
    assert late.status_code == 400 and "That code has expired" in late.get_data(as_text=True)


def test_without_the_setting_a_link_signs_as_before(client, people, make_agreement, signing_link, db):
    make_agreement()
    path = signing_link(people.supervisee)
    assert "Email me a code" not in client.get(path).get_data(as_text=True)
    sign(client, path, people.supervisee.name)
    assert db.query(Signature).one().identity_check is None


def test_a_signed_in_party_signs_from_the_document_page(client, people, login, make_agreement, signing_link, db,
                                                       codes_on):
    document_id = make_agreement()
    link = signing_link(people.supervisor)
    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Sign this document" in page
    sha = db.get(Document, document_id).pdf_sha256
    form = {"decision": "sign", "consent": "yes", "typed_name": people.supervisor.name, "reviewed_sha256": sha}
    confirm = client.post(f"/documents/{document_id}/sign", data=form)
    assert confirm.status_code == 200 and "Check before you sign" in confirm.get_data(as_text=True)
    done = client.post(f"/documents/{document_id}/sign", data={**form, "confirmed": "yes"})
    assert done.status_code == 200 and "You have signed" in done.get_data(as_text=True)
    db.expire_all()
    signature = db.query(Signature).one()
    assert signature.signed_from == "document page" and signature.party.value == "supervisor"
    assert signature.identity_check.startswith(f"signed in to Countersign as {people.supervisor.email}")
    assert "from the document's page in Countersign" in how_signed(signature)
    assert db.get(Document, document_id).state is DocumentState.SIGNED_BY_ONE
    # The emailed link is used up, and the page no longer offers to sign.
    assert client.get(link).status_code == 403
    assert "Sign this document" not in client.get(f"/documents/{document_id}").get_data(as_text=True)


def test_signing_from_the_document_page_checks_the_name_and_who_may_sign(client, people, login, make_agreement, db):
    document_id = make_agreement()
    login(client, people.supervisor)
    sha = db.get(Document, document_id).pdf_sha256
    wrong = client.post(f"/documents/{document_id}/sign", data={"decision": "sign", "consent": "yes",
                                                                "typed_name": "Someone Else", "reviewed_sha256": sha})
    assert wrong.status_code == 400 and "Type your full name exactly as it appears here" in wrong.get_data(as_text=True)
    client.get("/logout")
    login(client, people.manager)  # may see the document, but is not a party to it
    refused = client.post(f"/documents/{document_id}/sign", data={"decision": "sign", "consent": "yes",
                                                                  "typed_name": people.manager.name,
                                                                  "reviewed_sha256": sha})
    assert refused.status_code == 404 and db.query(Signature).count() == 0


def test_an_admin_turns_the_emailed_code_on_for_their_organisation(client, people, login, db):
    login(client, people.admin)
    page = client.get("/admin/signing").get_data(as_text=True)
    assert "Ask whoever signs from an emailed link for a code" in page
    response = client.post("/admin/signing", data={"signing_code_required": "y"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Organisation, people.org.id).signing_code_required
    assert db.query(AuditEvent).filter_by(event="signing_settings_changed").count() == 1
    client.get("/logout")
    login(client, people.supervisor)
    assert client.get("/admin/signing").status_code in (403, 404)


def test_no_code_is_sent_where_the_organisation_does_not_ask_for_one(client, people, make_agreement, signing_link, db):
    make_agreement()
    response = _ask_for_code(client, signing_link(people.supervisee))
    assert response.status_code == 400 and "You do not need a code" in response.get_data(as_text=True)
    assert mails_to(db, people.supervisee, "Your code to sign") == [] and db.query(SigningCode).count() == 0
