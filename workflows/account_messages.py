"""The emails about a person's own account: password links, sign-in trouble, changes an admin made."""

from __future__ import annotations

import datetime as dt

from storage.models import Staff
from storage.times import uk_time


def password_link(person: Staff, link: str, expires_at: dt.datetime, welcome: bool) -> tuple[str, str]:
    if welcome:
        subject = "Your Countersign account"
        opening = (f"An account has been made for you in Countersign, for {person.organisation.name}. "
                   "Set your password with this link:")
    else:
        subject = "Reset your Countersign password"
        opening = "Someone (we hope you) asked to reset your Countersign password. Set a new one with this link:"
    sso = (f"\nYou can also sign in with your {person.organisation.name} account: choose “Sign in with "
           f"{person.organisation.name}” on the sign-in page.\n" if person.organisation.single_sign_on else "")
    body = f"""Dear {person.name},

{opening}

{link}

The link works once, until {uk_time(expires_at)}. A newer link replaces it.
{sso}
If you did not ask for this, you can ignore this email: your password has not changed.

Countersign
"""
    return subject, body


def sign_in_paused(person: Staff, failures: int, until: dt.datetime, reset_link: str) -> tuple[str, str]:
    subject = "Wrong passwords entered for your Countersign account"
    body = f"""Dear {person.name},

A wrong password has been entered {failures} times in a row for your Countersign account. To protect it,
signing in with a password is paused until {uk_time(until)}, and each further wrong password makes the pause
longer (never more than 15 minutes at a time).

If this was you, wait and try again, or set a new password now (this also ends the pause):

{reset_link}

If it was not you, someone may be guessing your password. Tell your Countersign administrator.

Countersign
"""
    return subject, body


def account_changed(person: Staff, by: Staff, what: str) -> tuple[str, str]:
    subject = "Your Countersign account has been changed"
    body = f"""Dear {person.name},

{by.name}, a Countersign administrator, has changed your account: {what}.

If you did not expect this, tell your Countersign administrator or HR straight away.

Countersign
"""
    return subject, body


def password_changed(person: Staff) -> tuple[str, str]:
    subject = "Your Countersign password has been changed"
    body = f"""Dear {person.name},

Your Countersign password has just been changed, and every browser signed in to your account has been signed
out.

If you did not do this, reset your password from the sign-in page and tell your Countersign administrator.

Countersign
"""
    return subject, body
