"""Signing out a browser left idle: a login also ends after COUNTERSIGN_IDLE_MINUTES without a request."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, session

from web.auth import actor
from workflows import sign_in

# How often the last-seen time in the cookie is brought up to date: not on every request, to spare the cookie.
REFRESH_SECONDS = 30


def init_app(app: Flask) -> None:
    app.before_request(end_idle_login)  # after web.auth's, which finds who is signed in


def end_idle_login() -> None:
    """End the login of a browser idle for longer than the setting allows; otherwise note that it was seen now."""
    if g.get("user") is None:
        return
    now = time.time()
    seen = session.get("seen")
    idle_minutes = float(current_app.config["IDLE_MINUTES"])
    if isinstance(seen, int | float) and now - seen > idle_minutes * 60:
        sign_in.sign_out(session.get("login"), actor())
        session.clear()
        g.user = None
        flash(f"You were signed out because Countersign was not used for {idle_minutes:g} minutes. "
              "Sign in again to carry on.")
        return
    if not isinstance(seen, int | float) or now - seen > REFRESH_SECONDS:
        session["seen"] = now
