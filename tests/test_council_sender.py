"""Each council's email comes from its own sender address."""

from __future__ import annotations

from storage.mail import build_message
from storage.models import AuditEvent, Organisation
from storage.outbox import queue_email
from tests.support.links import mails_to

HAVERING_FROM = "Havering Supervision <supervision@havering.gov.uk>"


def _set_sender(app, name, mail_from):
    return app.test_cli_runner().invoke(args=["configure-mail", "--name", name, "--mail-from", mail_from])


def test_a_councils_email_comes_from_its_own_address_and_anothers_from_the_default(app, db, people):
    result = _set_sender(app, people.org.name, HAVERING_FROM)
    assert result.exit_code == 0, result.output
    assert f"email now comes from {HAVERING_FROM}" in result.output
    assert db.query(AuditEvent).filter_by(event="sender_changed").one().detail["mail_from"] == HAVERING_FROM

    ours = queue_email(db, to=people.supervisee.email, subject="s", body="b", organisation_id=people.org.id)
    theirs = queue_email(db, to=people.outsider.email, subject="s", body="b",
                         organisation_id=people.outsider.organisation_id)
    db.commit()
    assert ours.sender == HAVERING_FROM and theirs.sender is None
    assert build_message(ours, app.config["MAIL_FROM"])["From"] == HAVERING_FROM
    assert build_message(theirs, app.config["MAIL_FROM"])["From"] == app.config["MAIL_FROM"]


def test_email_about_a_document_comes_from_its_councils_address(app, db, people, document_in):
    _set_sender(app, people.org.name, HAVERING_FROM)
    message = queue_email(db, to=people.supervisor.email, subject="s", body="b", document_id=document_in())
    assert message.sender == HAVERING_FROM


def test_a_password_reset_is_queued_with_the_councils_sender(app, client, db, people):
    _set_sender(app, people.org.name, HAVERING_FROM)
    client.post("/password/forgotten", data={"email": people.admin.email})
    (message,) = mails_to(db, people.admin, "")
    assert message.sender == HAVERING_FROM


def test_a_sender_that_is_not_an_address_is_refused_with_what_to_give(app, db, people):
    result = _set_sender(app, people.org.name, "Havering Supervision")
    assert result.exit_code != 0 and "--mail-from: Give an email address" in result.output
    assert db.get(Organisation, people.org.id).mail_from is None


def test_an_empty_sender_goes_back_to_the_installs(app, db, people):
    _set_sender(app, people.org.name, HAVERING_FROM)
    result = _set_sender(app, people.org.name, "")
    assert result.exit_code == 0 and app.config["MAIL_FROM"] in result.output
    db.expire_all()
    assert db.get(Organisation, people.org.id).mail_from is None
