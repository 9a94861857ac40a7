"""A person's own account: the second step of signing in, passwords by emailed link, changing one's own password,
and signing in with the organisation's own accounts (single sign-on)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from wtforms.validators import DataRequired

from web import throttle
from web.auth import actor, login_lifetime, login_required, remember_device, safe_next
from web.forms import NOT_DONE, Form, Password, Text, show, submit
from workflows import links, passwords, second_factor, single_sign_on
from workflows import sign_in as sessions
from workflows.errors import LinkRefused

bp = Blueprint("account", __name__)


@bp.after_request
def _private(response):
    # Password links carry their token in the address, and these pages show secrets: never cached or referred.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(LinkRefused)
def _refused(refusal: LinkRefused):
    return render_template("account/link_refused.html", refusal=refusal), 410 if refusal.reason == "expired" else 403


class CodeForm(Form):
    code = Text("Code", validators=[DataRequired("Enter the code")],
                description="The 6-digit code your authenticator app shows for Countersign, or one of your recovery "
                            "codes.")


@bp.route("/sign-in/code", methods=["GET", "POST"])
@throttle.sign_in
def second_factor_page():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if sessions.waiting_login(session.get("login")) is None:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    done = submit(form, lambda: second_factor.check_code(session.get("login"), form.code.data, actor(),
                                                        login_lifetime()))
    if done is NOT_DONE:
        return show("account/code.html", form)
    return redirect(safe_next(request.args.get("next")))


class SetUpForm(Form):
    code = Text("Code from the app", validators=[DataRequired("Enter the 6-digit code the app shows")])


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
def set_up_second_factor():
    """HR and admins set up an authenticator app before their first sign-in completes."""
    if sessions.waiting_login(session.get("login")) is None:
        return redirect(url_for("auth.login"))
    form = SetUpForm()
    codes = submit(form, lambda: second_factor.confirm_set_up(session.get("login"), form.code.data, actor(),
                                                             login_lifetime()))
    if codes is NOT_DONE:
        key, address = second_factor.set_up_key(session.get("login"))
        return show("account/set_up_code.html", form, key=key, address=address)
    return render_template("account/recovery_codes.html", codes=codes, next=safe_next(request.args.get("next")))


class EmailForm(Form):
    email = Text("Email address", validators=[DataRequired("Enter the email address of your Countersign account")])


@bp.route("/password/forgotten", methods=["GET", "POST"])
@throttle.password_reset
def forgotten_password():
    """Ask for a link to set a new password."""
    form = EmailForm()
    if submit(form, lambda: passwords.request_reset(form.email.data, actor())) is NOT_DONE:
        return show("account/forgotten.html", form)
    return render_template("account/check_email.html", email=form.email.data.strip())


class NewPasswordForm(Form):
    password = Password("New password", description=f"At least {passwords.MIN_LENGTH} characters. A few unrelated "
                                                    "words together make a good one.")
    confirm = Password("Type the new password again")


@bp.route("/password/<token>", methods=["GET", "POST"])
@throttle.password_reset
def password_from_link(token: str):
    """Set a password from an emailed link."""
    person = passwords.link_holder(token)
    form = NewPasswordForm()
    staff = submit(form, lambda: passwords.set_password_with_link(token, form.password.data, form.confirm.data,
                                                                  actor()))
    if staff is NOT_DONE:
        return show("account/new_password.html", form, person=person)
    session.clear()
    flash("Your password has been set. Sign in with it now.", "success")
    response = redirect(url_for("auth.login"))
    # They have just shown they read their email: wrong passwords typed elsewhere will not pause this browser.
    remember_device(response, sessions.device_mark(staff.id))
    return response


class ChangePasswordForm(NewPasswordForm):
    current = Password("Current password")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change my own password; my other browsers are signed out."""
    form = ChangePasswordForm()
    done = submit(form, lambda: passwords.change_own_password(g.user.id, form.current.data, form.password.data,
                                                              form.confirm.data, actor(), session.get("login")))
    if done is NOT_DONE:
        return show("account/change_password.html", form)
    flash("Your password has been changed. Any other browser you were signed in on has been signed out.", "success")
    return redirect(url_for("documents.home"))


@bp.get("/sign-in/sso/<int:organisation_id>")
def single_sign_on_start(organisation_id: int):
    """Go to the organisation's own sign-in service."""
    try:
        started = single_sign_on.start(organisation_id, links.single_sign_on_callback_url())
    except single_sign_on.SingleSignOnRefused as refusal:
        return render_template("account/sso_refused.html", reason=str(refusal)), 502
    session["single_sign_on"] = {**started.pending, "next": safe_next(request.args.get("next"))}
    return redirect(started.url)


@bp.get("/sign-in/sso/callback")
def single_sign_on_callback():
    """Back from the organisation's sign-in service: check its answer and sign in."""
    pending = session.pop("single_sign_on", None)
    try:
        opened = single_sign_on.finish(pending, request.args.to_dict(), links.single_sign_on_callback_url(),
                                       actor(), login_lifetime())
    except single_sign_on.SingleSignOnRefused as refusal:
        return render_template("account/sso_refused.html", reason=str(refusal)), 403
    session.clear()
    session["login"] = opened.token
    return redirect(safe_next(pending.get("next")))
