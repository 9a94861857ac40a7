"""Signing out a browser left idle: a login also ends after COUNTERSIGN_IDLE_MINUTES without a request."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, flash, g, session

from web.auth import actor
from workflows import sign_in

# How often the last-seen time in the cookie is brought up to date: not on every request, to spare the cookie.
REFRESH_SECONDS = 30


def init_app(app: Flask) -> None:
    app.before_request(end_idle_login)  # after web.auth's, which finds who is signed in
    app.after_request(stamp_new_login)


def stamp_new_login(response: Response) -> Response:
    """A login just opened (by whichever way of signing in) counts as seen now."""
    if session.get("login") and "seen" not in session:
        session["seen"] = time.time()
    return response


def end_idle_login() -> None:
    """End the login of a browser idle for longer than the setting allows; otherwise note that it was seen now."""
    if g.get("user") is None:
        return
    now = time.time()
    seen = session.get("seen")
    idle_minutes = float(current_app.config["IDLE_MINUTES"])
    # A login never stamped as seen is as good as idle: every login is stamped the moment it opens.
    if not isinstance(seen, int | float) or now - seen > idle_minutes * 60:
        sign_in.sign_out(session.get("login"), actor())
        session.clear()
        g.user = None
        flash(f"You were signed out because Countersign was not used for {idle_minutes:g} minutes. "
              "Sign in again to carry on.")
        return
    if now - seen > REFRESH_SECONDS:
        session["seen"] = now
