"""Signing in and out, and the signed-in user for every request."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from wtforms.validators import DataRequired, Email

from storage import audit
from storage.models import Role
from web import throttle
from web.forms import NOT_DONE, Form, Password, Text, submit
from workflows import sign_in as sessions
from workflows import single_sign_on

bp = Blueprint("auth", __name__)
DEVICE_COOKIE = "countersign_device"
DEVICE_COOKIE_DAYS = 365


class LoginForm(Form):
    email = Text("Email address", validators=[
        DataRequired("Enter your email address"),
        Email("Enter an email address in the correct format, like name@example.org"),
    ])
    password = Password("Password", validators=[DataRequired("Enter your password")])


def init_app(app) -> None:
    app.before_request(load_user)


def load_user() -> None:
    """Put the signed-in person on `g.user`, or None if this browser is not signed in."""
    login = sessions.current_login(session.get("login"))
    g.user = login.staff if login else None


def actor() -> audit.Actor:
    """Who is acting in this request, as the audit log records it."""
    user = g.get("user")
    return audit.Actor(
        staff_id=user.id if user else None,
        email=user.email if user else None,
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string[:500],
    )


def login_required(view):
    """Send anyone not signed in to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def role_required(role: Role):
    """Let only people with `role` in; others see 'not found'."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(**kwargs):
            if not g.user.has_role(role):
                abort(404)
            return view(**kwargs)

        return wrapped

    return decorator


def safe_next(target: str | None) -> str:
    # Only same-site paths: a sign-in page must never bounce someone to another site.
    parts = urlsplit(target or "")
    if not target or parts.netloc or parts.scheme or not target.startswith("/") or target.startswith("//"):
        return url_for("documents.home")
    return target


def login_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config["LOGIN_LIFETIME_HOURS"]))


@bp.route("/sign-in", methods=["GET", "POST"])
@throttle.sign_in
def login():
    """Sign in with email and password, or with the organisation's own accounts."""
    form = LoginForm()
    opened = submit(form, lambda: sessions.sign_in(form.email.data, form.password.data, actor(), login_lifetime(),
                                                   known_device=request.cookies.get(DEVICE_COOKIE)))
    if opened is NOT_DONE:
        # 200 even when refused, as this page has always answered: nothing about the request itself was wrong.
        return render_template("auth/login.html", form=form, single_sign_on=single_sign_on.organisations())
    session.clear()
    session["login"] = opened.token
    after = safe_next(request.args.get("next"))
    if opened.waiting_for == sessions.SECOND_FACTOR:
        response = redirect(url_for("account.second_factor_page", next=after))
    elif opened.waiting_for == sessions.SET_UP_SECOND_FACTOR:
        response = redirect(url_for("account.set_up_second_factor", next=after))
    else:
        response = redirect(after)
    remember_device(response, opened.device_mark)
    return response


def remember_device(response, mark: str) -> None:
    """Mark this browser as one the person signs in on: wrong passwords typed elsewhere never pause it."""
    if mark:
        response.set_cookie(DEVICE_COOKIE, mark, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])


@bp.post("/sign-out")
def logout():
    """End this login everywhere it is held."""
    sessions.sign_out(session.get("login"), actor())
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
