"""The admin records a significant change to the supervision policy, so every agreement is reviewed."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, url_for

from storage.models import Role
from storage.times import uk_date
from web.auth import actor, role_required
from web.forms import NOT_DONE, DateInput, Form, LongText, show, submit
from workflows import policy_changes

bp = Blueprint("policy_changes", __name__, url_prefix="/admin")


class PolicyChangeForm(Form):
    changed_on = DateInput("Date the policy changed")
    description = LongText("What changed", max_length=policy_changes.MAX_DESCRIPTION,
                           description="For example, the version and what it changes about supervision.")


@bp.route("/policy-changes", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def record():
    """Record a significant policy change; the changes recorded so far are listed below the form."""
    form = PolicyChangeForm(data={"changed_on": dt.date.today()})
    result = submit(form, lambda: policy_changes.record_policy_change(g.user.id, form.data, actor()))
    if result is NOT_DONE:
        return show("admin/policy_changes.html", form, changes=policy_changes.policy_changes(g.user.organisation_id),
                    review_days=policy_changes.REVIEW_WITHIN_DAYS)
    change, affected = result
    flash(f"Policy change of {uk_date(change.changed_on)} recorded. {affected} signed "
          f"{'agreement is' if affected == 1 else 'agreements are'} now due for review.", "success")
    return redirect(url_for("policy_changes.record"))
