"""Moving a supervisee to a new supervisor from a date."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from storage.times import uk_date
from web.auth import actor, login_required
from web.forms import NOT_DONE, DateInput, Form, PersonChoice, show, submit
from workflows import transfers

bp = Blueprint("transfers", __name__)


class TransferForm(Form):
    supervisee_id = PersonChoice("Supervisee")
    supervisor_id = PersonChoice("New supervisor", description="Only people with the supervisor role are listed.")
    starts_on = DateInput("New supervisor takes over on",
                          description="For example, 1 4 2026. The current supervision ends the day before.")


@bp.route("/transfers/new", methods=["GET", "POST"])
@login_required
def transfer():
    """Move a supervisee to a new supervisor from a date."""
    if not transfers.can_transfer(g.user):
        abort(404)
    form = TransferForm(data={"supervisee_id": request.args.get("supervisee_id"), "starts_on": dt.date.today()})
    offered = transfers.choices(g.user.organisation_id)
    form.supervisee_id.offer(offered.supervisees)
    form.supervisor_id.offer(offered.supervisors)
    outcome = submit(form, lambda: transfers.transfer(form.supervisee_id.data, form.supervisor_id.data,
                                                      form.starts_on.data, actor()))
    if outcome is NOT_DONE:
        return show("transfers/transfer.html", form)
    flash(_moved(outcome), "success")
    return redirect(url_for("documents.home"))


def _moved(outcome: transfers.TransferOutcome) -> str:
    """What the transfer did, for the banner on the next page."""
    relationship = outcome.relationship
    note = []
    if outcome.kept_with_signers:
        note.append(f"{len(outcome.kept_with_signers)} document(s) still out for signature stay with their signers")
    if outcome.voided:
        note.append(f"{len(outcome.voided)} unsent or declined document(s) were voided")
    return (f"{relationship.supervisee.name} moves to {relationship.supervisor.name} from "
            f"{uk_date(relationship.starts_on)}. "
            f"{relationship.supervisor.name} has been asked to write a supervision agreement."
            + (" " + "; ".join(note).capitalize() + "." if note else ""))
