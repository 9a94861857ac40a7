"""Cover during a supervisor's absence: arranging it, seeing it, ending it early."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, url_for
from wtforms import HiddenField

from storage.times import uk_date
from web.auth import actor, login_required
from web.forms import NOT_DONE, DateInput, Form, LongText, PersonChoice, show, submit
from workflows import cover
from workflows.cover import MAX_REASON

bp = Blueprint("cover", __name__)


class CoverForm(Form):
    supervisor = PersonChoice("Supervisor who will be away")
    cover = PersonChoice("Who will cover", description="They write and sign the records of the absent supervisor's "
                                                       "supervisees for these weeks, and see only what that needs.")
    starts_on = DateInput("First day of the cover")
    ends_on = DateInput("Last day of the cover")
    reason = LongText("Why (optional)", max_length=MAX_REASON,
                      description="For example, annual leave or long-term sickness of more than a month.")


class EndForm(Form):
    arrangement = HiddenField()


@bp.route("/cover", methods=["GET", "POST"])
@login_required
def arrange():
    """Cover arrangements I am part of, and naming a cover for myself or a supervisor I line-manage."""
    can_arrange_for = cover.supervisors_to_cover_for(g.user)
    if not can_arrange_for and not cover.arrangements_for(g.user):
        abort(404)
    form = CoverForm(data={"supervisor": g.user.id, "starts_on": dt.date.today()})
    form.supervisor.offer((p.id, p.name) for p in can_arrange_for)
    form.cover.offer((p.id, p.name) for p in cover.possible_covers(g.user))
    arranged = submit(form, lambda: cover.arrange_cover(form.supervisor.data, form.cover.data, form.data, actor()))
    if arranged is NOT_DONE:
        return show("cover/arrange.html", form, arrangements=cover.arrangements_for(g.user),
                    can_arrange=bool(can_arrange_for), end=EndForm(), today=dt.date.today())
    flash(f"{arranged.cover.name} covers for {arranged.supervisor.name} from {uk_date(arranged.starts_on)} to "
          f"{uk_date(arranged.ends_on)}.", "success")
    return redirect(url_for("cover.arrange"))


@bp.post("/cover/<int:arrangement_id>/end")
@login_required
def end(arrangement_id: int):
    """End a cover early, when the supervisor is back."""
    form = EndForm()
    if submit(form, lambda: cover.end_cover(arrangement_id, actor())) is NOT_DONE:
        flash(" ".join(item["text"] for item in form.error_list))
    else:
        flash("The cover ends today.", "success")
    return redirect(url_for("cover.arrange"))
