"""Passwords where they are used: a reset by email, changing one's own, what a good one is, and a paused account
after repeated wrong passwords."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from storage.models import AuditEvent, LoginSession, OutboxMessage, PasswordLink, Staff, utcnow
from tests.support.data import PASSWORD
from tests.support.links import mails_to
from workflows.passwords import password_problem
from workflows.sign_in import FREE_ATTEMPTS, LONGEST_PAUSE, pause_after

NEW = "tangerine kettle obscure meadow"


def _reset_link(db, person) -> str:
    (message,) = mails_to(db, person, "Reset your Countersign password")[-1:]
    return re.search(r"https://countersign\.test(/password/\S+)", message.body_text).group(1)


def _ask_for_reset(client, person):
    response = client.post("/password/forgotten", data={"email": person.email.upper()})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)


def test_a_reset_link_sets_a_new_password_once_and_signs_out_everywhere(app, client, people, db, login):
    elsewhere = app.test_client()
    login(elsewhere, people.supervisor)
    _ask_for_reset(client, people.supervisor)
    link = _reset_link(db, people.supervisor)
    assert people.supervisor.name in client.get(link).get_data(as_text=True)
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.location == "/sign-in"

    assert elsewhere.get("/").status_code == 302  # the old login has ended
    assert app.test_client().post("/sign-in", data={"email": people.supervisor.email,
                                                    "password": PASSWORD}).status_code == 200
    login(app.test_client(), people.supervisor, password=NEW)
    again = client.post(link, data={"password": NEW + " again", "confirm": NEW + " again"})
    assert again.status_code == 403 and "already been used" in again.get_data(as_text=True)
    assert mails_to(db, people.supervisor, "Your Countersign password has been changed")


def test_a_newer_reset_link_revokes_the_older_one(client, people, db):
    _ask_for_reset(client, people.supervisee)
    first = _reset_link(db, people.supervisee)
    _ask_for_reset(client, people.supervisee)
    second = _reset_link(db, people.supervisee)
    assert first != second
    assert client.get(first).status_code == 403
    assert client.get(second).status_code == 200


def test_a_reset_link_expires(client, people, db):
    _ask_for_reset(client, people.supervisee)
    link = _reset_link(db, people.supervisee)
    db.execute(update(PasswordLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/password/not-a-real-token").status_code == 403


def test_asking_for_a_reset_tells_nobody_whether_an_account_exists(client, people, db):
    before = db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    unknown = client.post("/password/forgotten", data={"email": "nobody@havering.example"})
    known = client.post("/password/forgotten", data={"email": people.supervisee.email})
    assert unknown.status_code == known.status_code == 200
    strip = lambda r: r.get_data(as_text=True).replace("nobody@havering.example", "").replace(  # noqa: E731
        people.supervisee.email, "")
    assert strip(unknown) == strip(known)
    after = db.scalars(select(OutboxMessage).where(OutboxMessage.id > (before or 0))).all()
    assert [m.to_address for m in after] == [people.supervisee.email]


def test_a_leaver_gets_no_reset_link(client, people, db):
    db.execute(update(Staff).where(Staff.id == people.supervisee.id).values(
        leaver_date=dt.date.today() - dt.timedelta(days=1)))
    db.commit()
    _ask_for_reset(client, people.supervisee)
    assert not mails_to(db, people.supervisee, "Reset your Countersign password")


@pytest.mark.parametrize("password, problem", [
    ("short one", "at least 12 characters"),
    ("Password1234!", "less common"),
    ("qwertyuiop123", "less common"),
    ("Welcome2026!!", "less common"),
    ("p@ssw0rd2026", "less common"),
    ("aaaaaaaaaaaaaaaa", "less common"),
    ("x" * 201, "200 characters or fewer"),
])
def test_weak_passwords_are_refused_saying_why(password, problem):
    assert problem in password_problem(password)


def test_a_password_containing_ones_own_name_is_refused(db, people):
    assert "your name" in password_problem("taylor-rules-the-world", db.get(Staff, people.supervisor.id))
    assert password_problem(NEW, db.get(Staff, people.supervisor.id)) is None


def test_a_reset_refuses_a_common_password_and_a_mistyped_confirmation(client, people, db):
    _ask_for_reset(client, people.supervisee)
    link = _reset_link(db, people.supervisee)
    common = client.post(link, data={"password": "password12345", "confirm": "password12345"})
    assert common.status_code == 400 and "less common" in common.get_data(as_text=True)
    mistyped = client.post(link, data={"password": NEW, "confirm": NEW + "x"})
    assert mistyped.status_code == 400 and "same password twice" in mistyped.get_data(as_text=True)
    assert client.get(link).status_code == 200  # refused attempts do not use the link up


def test_changing_my_own_password_keeps_this_login_and_ends_the_others(app, client, people, db, login):
    login(client, people.supervisee)
    other = app.test_client()
    login(other, people.supervisee)
    wrong = client.post("/account/password", data={"current": "not it", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 400 and "Enter your current password" in wrong.get_data(as_text=True)
    done = client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert client.get("/").status_code == 200 and other.get("/").status_code == 302
    staff = db.get(Staff, people.supervisee.id)
    assert staff.password_hash.startswith("scrypt:") and NEW not in staff.password_hash
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "password_changed")).one()


# --- wrong passwords in a row --------------------------------------------------------------------


def test_the_pause_grows_with_each_failure_and_never_passes_a_quarter_of_an_hour():
    assert pause_after(FREE_ATTEMPTS - 1) is None
    pauses = [pause_after(n) for n in range(FREE_ATTEMPTS, FREE_ATTEMPTS + 30)]
    assert pauses[0] == dt.timedelta(seconds=30) and pauses[1] == dt.timedelta(seconds=60)
    assert pauses == sorted(pauses) and max(pauses) == LONGEST_PAUSE


def test_repeated_wrong_passwords_pause_the_account_and_email_its_owner(app, people, db):
    client = app.test_client()
    for _ in range(FREE_ATTEMPTS):
        client.post("/sign-in", data={"email": people.supervisor.email, "password": "guess"})
    # Even the right password is refused while paused, and the page says until when and what to do.
    paused = client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD})
    text = paused.get_data(as_text=True)
    assert "Too many wrong passwords" in text and "reset your password" in text
    assert db.scalars(select(LoginSession)).first() is None
    (warning,) = mails_to(db, people.supervisor, "Wrong passwords entered")
    assert f"{FREE_ATTEMPTS} times" in warning.body_text and "/password/forgotten" in warning.body_text

    # The pause ends by itself: nobody can lock another person out for good.
    db.execute(update(Staff).where(Staff.id == people.supervisor.id).values(
        sign_in_paused_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    assert client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD}).status_code == 302
    assert db.get(Staff, people.supervisor.id).failed_sign_ins == 0


def test_a_reset_link_ends_the_pause(client, people, db):
    for _ in range(FREE_ATTEMPTS + 2):
        client.post("/sign-in", data={"email": people.supervisee.email, "password": "guess"})
    assert db.get(Staff, people.supervisee.id).sign_in_paused_until is not None
    _ask_for_reset(client, people.supervisee)
    client.post(_reset_link(db, people.supervisee), data={"password": NEW, "confirm": NEW})
    db.expire_all()
    assert db.get(Staff, people.supervisee.id).sign_in_paused_until is None
    assert client.post("/sign-in", data={"email": people.supervisee.email, "password": NEW}).status_code == 302


def test_wrong_passwords_for_someone_else_do_not_pause_me(client, people, db):
    for _ in range(FREE_ATTEMPTS + 3):
        client.post("/sign-in", data={"email": people.supervisor.email, "password": "guess"})
    assert client.post("/sign-in", data={"email": people.supervisee.email, "password": PASSWORD}).status_code == 302


def test_someone_guessing_elsewhere_never_pauses_a_browser_i_have_signed_in_on(app, people, db, login):
    mine = app.test_client()
    login(mine, people.supervisor)
    mine.post("/sign-out")
    attacker = app.test_client()
    for _ in range(FREE_ATTEMPTS + 5):
        attacker.post("/sign-in", data={"email": people.supervisor.email, "password": "guess"})
    assert attacker.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD}).status_code == 200
    assert app.test_client().post("/sign-in", data={"email": people.supervisor.email,
                                                    "password": PASSWORD}).status_code == 200
    # A forged mark does not help the attacker.
    attacker.set_cookie("countersign_device", "1.forged-signature", domain="localhost")
    assert attacker.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD}).status_code == 200
    # My own browser carries the signed mark of an earlier sign-in: the pause does not apply to it.
    assert mine.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD}).status_code == 302


def test_a_reset_link_marks_the_browser_it_was_opened_in(client, people, db):
    for _ in range(FREE_ATTEMPTS):
        client.post("/sign-in", data={"email": people.supervisee.email, "password": "guess"})
    _ask_for_reset(client, people.supervisee)
    done = client.post(_reset_link(db, people.supervisee), data={"password": NEW, "confirm": NEW})
    assert "countersign_device=" in done.headers.get("Set-Cookie", "")
