"""Signing in as HR or an admin in tests: the second factor every such test account has, and its codes."""

from __future__ import annotations

import flask
import pyotp
from sqlalchemy import select, update

from storage import db as database
from storage.models import Role, Staff, utcnow
from tests.support.links import csrf_token

# Every test account with the HR or admin role has this authenticator key set up.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_second_factor(staff: Staff) -> None:
    """Set up the test authenticator key for HR and admins, as their first sign-in would have."""
    if staff.has_role(Role.HR) or staff.has_role(Role.ADMIN):
        staff.totp_secret = TOTP_SECRET
        staff.totp_enabled_at = utcnow()


def code_for(email: str) -> str:
    """The code a person's authenticator app shows now (the last one used is forgotten: a code works once)."""
    database.session.execute(update(Staff).where(Staff.email == email).values(totp_last_step=None))
    database.session.commit()
    secret = database.session.scalars(select(Staff.totp_secret).where(Staff.email == email)).one()
    return pyotp.TOTP(secret).now()


def complete_second_factor(client, response, email: str, csrf: bool = False):
    """If signing in stopped for the second factor, enter the code, setting the app up first if asked to.

    The answer is the code page's redirect, or the recovery codes page (200) after setting up."""
    if response.status_code != 302 or "/sign-in/" not in response.location:
        return response
    # Signing in started a new session, with its own CSRF token; a test's app context would keep the old one.
    flask.g.pop("csrf_token", None)
    page = client.get(response.location)  # setting up: the key is made when the page is shown
    assert page.status_code == 200
    data = {"code": code_for(email)}
    if csrf:
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
    return client.post(response.location, data=data)
