"""A development view of the outbox folder: only with COUNTERSIGN_DEV_MAIL on and no mail server, to people signed in."""

from __future__ import annotations

import email
import email.policy
import pathlib
import re

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, url_for

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
_URL = re.compile(r"(https?://[^\s<>\"]+)")


def enabled(app: Flask) -> bool:
    """Whether the page exists: the development setting explicitly on, and no real mail going out."""
    return str(app.config.get("DEV_MAIL")).strip().lower() in ("1", "true", "yes", "on") and not app.config.get(
        "SMTP_HOST")


@bp.before_request
def _signed_in_only():
    # Every live signing link is in these messages: never for someone who has not signed in.
    if not enabled(current_app):
        abort(404)
    if g.get("user") is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _folder() -> pathlib.Path:
    return pathlib.Path(current_app.config["OUTBOX_DIR"])


def _read(path: pathlib.Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    return {"name": path.name, "to": message["To"], "subject": message["Subject"], "date": message["Date"],
            "body": body.get_content() if body else ""}


@bp.get("/")
def index():
    """Every message written to the outbox, newest first."""
    folder = _folder()
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []
    return render_template("devmail/index.html", messages=[_read(p) for p in files])


@bp.get("/<name>")
def message(name: str):
    """One message, with its links clickable."""
    folder = _folder()
    path = folder / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        abort(404)
    return render_template("devmail/message.html", message=_read(path), url_pattern=_URL)
