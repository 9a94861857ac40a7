"""The second factor: HR and admins must use an authenticator app (TOTP) or a recovery code after their password."""

from __future__ import annotations

import datetime as dt
import html
import re

import pyotp
import segno
from sqlalchemy import select, update

from storage.models import LoginSession, RecoveryCode, Staff, utcnow
from tests.support.data import PASSWORD
from tests.support.identity import code_for
from workflows.sign_in import FREE_ATTEMPTS


def _password(client, person):
    return client.post("/sign-in", data={"email": person.email, "password": PASSWORD})


def _without_second_factor(db, person):
    db.execute(update(Staff).where(Staff.id == person.id).values(totp_secret=None, totp_enabled_at=None))
    db.commit()


def test_hr_must_set_up_an_authenticator_app_before_signing_in(client, people, db):
    _without_second_factor(db, people.hr)
    response = _password(client, people.hr)
    assert response.status_code == 302 and response.location.startswith("/sign-in/set-up-code")
    # Half signed in is not signed in.
    assert client.get("/records/people").status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    key = re.search(r'id="totp-key">([A-Z2-7]+)<', page).group(1)
    assert "otpauth://totp/Countersign:" in page
    _the_qr_code_is_of_the_key(page, key)

    wrong = client.post(response.location, data={"code": "000000"})
    assert wrong.status_code == 400 and "Enter the 6-digit code" in wrong.get_data(as_text=True)
    done = client.post(response.location, data={"code": pyotp.TOTP(key).now()})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/records/people").status_code == 200
    assert db.get(Staff, people.hr.id).totp_enabled_at is not None


def _the_qr_code_is_of_the_key(page, key):
    """The page draws the otpauth address holding this key as a QR code a phone can scan."""
    address = html.unescape(re.search(r'href="(otpauth://[^"]+)"', page).group(1))
    assert f"secret={key}" in address
    drawn = re.search(r'<svg[^>]*class="cs-qr".*?</svg>', page, re.S).group(0)
    modules = re.findall(r' d="(M[^"]+)"', drawn)[-1]
    assert modules == re.findall(r' d="(M[^"]+)"', segno.make(address, error="m").svg_inline(scale=5, border=2))[-1]
    assert "<title>QR code of your Countersign authenticator key</title>" in drawn


def test_a_supervisee_signs_in_with_the_password_alone(client, people):
    response = _password(client, people.supervisee)
    assert response.status_code == 302 and response.location == "/"


def test_an_admin_enters_the_code_and_a_code_works_only_once(app, people, db):
    client = app.test_client()
    response = _password(client, people.admin)
    assert response.location.startswith("/sign-in/code")
    assert client.get("/admin/staff").status_code == 302
    code = code_for(people.admin.email)
    assert client.post(response.location, data={"code": code}).status_code == 302
    assert client.get("/admin/staff").status_code == 200

    # Someone who saw that code (over a shoulder, say) cannot use it again.
    other = app.test_client()
    replay = other.post(_password(other, people.admin).location, data={"code": code})
    assert replay.status_code == 400
    assert other.get("/admin/staff").status_code == 302


def test_a_recovery_code_signs_in_once(app, people, db):
    _without_second_factor(db, people.admin)
    client = app.test_client()
    set_up = _password(client, people.admin).location
    client.get(set_up)
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", client.post(set_up, data={"code": code_for(people.admin.email)})
                       .get_data(as_text=True))

    later = app.test_client()
    assert later.post(_password(later, people.admin).location, data={"code": codes[0].upper()}).status_code == 302
    assert later.get("/admin/staff").status_code == 200
    again = app.test_client()
    assert again.post(_password(again, people.admin).location, data={"code": codes[0]}).status_code == 400
    assert len([c for c in db.scalars(select(RecoveryCode)) if c.used_at is None]) == 9


def test_the_second_step_must_come_soon_after_the_password(client, people, db):
    response = _password(client, people.hr)
    db.execute(update(LoginSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    late = client.post(response.location, data={"code": code_for(people.hr.email)})
    assert late.status_code == 302 and late.location == "/sign-in"
    assert client.get("/records/people").status_code == 302


def test_wrong_codes_pause_the_account_like_wrong_passwords(client, people, db):
    location = _password(client, people.hr).location
    for _ in range(FREE_ATTEMPTS):
        client.post(location, data={"code": "123456"})
    paused = client.post(location, data={"code": code_for(people.hr.email)})
    assert paused.status_code == 400 and "Too many wrong codes" in paused.get_data(as_text=True)


def test_an_admin_turns_off_a_lost_second_factor_and_the_person_sets_it_up_again(app, client, people, login, db):
    login(client, people.admin)
    assert client.post(f"/admin/staff/{people.hr.id}/second-factor").status_code == 302
    hr = db.get(Staff, people.hr.id)
    assert hr.totp_secret is None and hr.totp_enabled_at is None
    signed = _password(app.test_client(), people.hr)
    assert signed.location.startswith("/sign-in/set-up-code")
    own = client.post(f"/admin/staff/{people.admin.id}/second-factor")
    assert own.status_code == 400 and "Ask another admin" in own.get_data(as_text=True)
