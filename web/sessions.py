"""The session itself: recording a booked session that was cancelled and not held."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from storage.models import CancelledSession, Role
from storage.times import uk_date
from web.auth import actor, login_required
from web.forms import NOT_DONE, DateInput, Form, LongText, PersonChoice, Radios, show, submit
from workflows import sessions
from workflows.teams import current_supervisees

bp = Blueprint("sessions", __name__)


class CancelForm(Form):
    supervisee = PersonChoice("Supervisee")
    booked_for = DateInput("Date the session was booked for")
    cancelled_by = Radios("Who cancelled it", CancelledSession.BY)
    reason = LongText("Why it was cancelled", max_length=sessions.MAX_REASON,
                      description="For example, the supervisee was on sick leave. It counts as a missed session.")


@bp.route("/due/cancel", methods=["GET", "POST"])
@login_required
def cancel():
    """Record that a booked supervision was cancelled and will not be held; the due pages count it as missed."""
    if not g.user.has_role(Role.SUPERVISOR):
        abort(404)
    form = CancelForm(data={"supervisee": request.args.get("supervisee")})
    form.supervisee.offer((p.id, p.name) for p in current_supervisees(g.user.id, dt.date.today()))
    cancelled = submit(form, lambda: sessions.record_cancellation(g.user.id, form.supervisee.data, form.data,
                                                                  actor()))
    if cancelled is NOT_DONE:
        return show("schedule/cancel.html", form)
    flash(f"Recorded: the session with {cancelled.supervisee.name} booked for {uk_date(cancelled.booked_for)} was "
          "cancelled. It counts as a missed session.", "success")
    return redirect(url_for("schedule.due"))
