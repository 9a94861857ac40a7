"""Writing a council's own observation or audit form for a picked quality assurance activity."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, request, url_for

from doc_templates import pack_schema
from web.auth import actor, login_required
from web.forms import NOT_DONE, Form, show, submit
from web.template_forms import template_form, typed
from workflows import quality, quality_forms

bp = Blueprint("quality_forms", __name__)


@bp.route("/quality/<int:activity_id>/form", methods=["GET", "POST"])
@login_required
def write(activity_id: int):
    """Write the observation or audit form; you and the practitioner then sign it, and the activity is done."""
    activity = quality.activity_for(activity_id, g.user)
    written = quality_forms.form_of(activity)
    if written is not None or activity.done_on is not None:
        if request.method == "POST":
            flash("This activity already has its form or is recorded as done.")
        return redirect(url_for("documents.show", document_id=written.id) if written is not None
                        else url_for("schedule.quality_page", year=activity.year))
    schema = pack_schema(g.user.organisation.template_pack, activity.kind)
    first_sight = {**{f.name: f.default or "" for f in schema.fields},
                   quality_forms.DONE_ON[activity.kind]: dt.date.today().isoformat()}
    form = template_form(schema, Form, first_sight)
    document = submit(form, lambda: quality_forms.start_form(activity.id, typed(form), actor()))
    if document is NOT_DONE:
        return show("professional/form.html", form, title=f"{schema.title}: {activity.supervisee.name}",
                    intro=f"{activity.kind_label} {activity.slot} of {activity.year} for {activity.supervisor.name}'s "
                          f"team. You and {activity.supervisee.name} sign the form; once both have signed it is "
                          "locked, kept, and the activity counts as done.")
    flash("Saved as a draft. Check the form, then send it for signature.", "success")
    return redirect(url_for("documents.show", document_id=document.id))
