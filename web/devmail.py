"""A development view of the outbox folder, shown only when no mail server is configured."""

from __future__ import annotations

import email
import email.policy
import pathlib
import re

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
_URL = re.compile(r"(https?://[^\s<>\"]+)")


def _folder() -> pathlib.Path:
    if current_app.config.get("SMTP_HOST"):
        abort(404)  # real mail is going out: there is no local outbox to show
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
    return render_template("devmail/index.html", messages=[_read(p) for p in files], folder=folder)


@bp.get("/<name>")
def message(name: str):
    """One message, with its links clickable."""
    folder = _folder()
    path = folder / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        abort(404)
    return render_template("devmail/message.html", message=_read(path), url_pattern=_URL)
