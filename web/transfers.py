"""Moving a supervisee to a new supervisor from a date."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from storage.db import session as db
from storage.models import Role, Staff, SupervisionRelationship
from web.auth import actor, login_required
from workflows import transfers
from workflows.errors import InvalidInput, NotAllowed

bp = Blueprint("transfers", __name__)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/transfers/new", methods=["GET", "POST"])
@login_required
def transfer():
    """Move a supervisee to a new supervisor from a date."""
    if not transfers.can_transfer(g.user):
        abort(404)
    form = {"supervisee_id": request.args.get("supervisee_id", ""), "supervisor_id": "",
            "starts_on": dt.date.today().isoformat()}
    errors = {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            outcome = transfers.transfer(_int(form.get("supervisee_id")), _int(form.get("supervisor_id")),
                                         form.get("starts_on", ""), actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            relationship = outcome.relationship
            note = []
            if outcome.kept_with_signers:
                note.append(f"{len(outcome.kept_with_signers)} document(s) still out for signature stay with their signers")
            if outcome.voided:
                note.append(f"{len(outcome.voided)} unsent or declined document(s) were voided")
            flash(f"{relationship.supervisee.name} moves to {relationship.supervisor.name} from "
                  f"{relationship.starts_on.day} {relationship.starts_on:%B %Y}. "
                  f"{relationship.supervisor.name} has been asked to write a supervision agreement."
                  + (" " + "; ".join(note).capitalize() + "." if note else ""), "success")
            return redirect(url_for("documents.home"))
    everyone = db.scalars(select(Staff).where(Staff.organisation_id == g.user.organisation_id).order_by(Staff.name)).all()
    today = dt.date.today()
    current: dict[int, list[str]] = {}
    for r in db.scalars(select(SupervisionRelationship).join(SupervisionRelationship.supervisor)
                        .where(Staff.organisation_id == g.user.organisation_id)):
        if r.is_current(today):
            current.setdefault(r.supervisee_id, []).append(r.supervisor.name)
    supervisees = [(p.id, p.name + (f" (now supervised by {', '.join(current[p.id])})" if p.id in current else ""))
                   for p in everyone if p.has_role(Role.SUPERVISEE)]
    supervisors = [(p.id, p.name) for p in everyone if p.has_role(Role.SUPERVISOR)]
    return render_template("archive/transfer.html", form=form, errors=errors, supervisees=supervisees,
                           supervisors=supervisors), 400 if errors else 200
