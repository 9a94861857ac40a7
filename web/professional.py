"""The admin names professional supervisors for social workers and occupational therapists."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, url_for

from storage.models import Role
from storage.times import uk_date
from web.auth import actor, role_required
from web.forms import NOT_DONE, DateInput, Form, PersonChoice, show, submit
from workflows import professional

bp = Blueprint("professional", __name__, url_prefix="/admin")


class ProfessionalForm(Form):
    supervisee = PersonChoice("Social worker or occupational therapist")
    professional_supervisor = PersonChoice("Professional supervisor",
                                           description="A supervisor of the same profession.")
    starts_on = DateInput("From")


@bp.route("/professional-supervision", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index():
    """Who needs a professional supervisor, who has one, and naming one."""
    staff = professional.registered_staff(g.user.organisation_id)
    form = ProfessionalForm(data={"starts_on": dt.date.today()})
    form.supervisee.offer((p.id, p.name) for p in staff)
    form.professional_supervisor.offer((p.id, f"{p.name} ({p.profession})") for p in staff if p.has_role(Role.SUPERVISOR))
    named = submit(form, lambda: professional.name_professional_supervisor(
        form.supervisee.data, form.professional_supervisor.data, form.data, actor()))
    if named is NOT_DONE:
        return show("admin/professional.html", form, staff=staff,
                    current=professional.current_professional_supervisors(p.id for p in staff),
                    missing=professional.without_professional_supervisor(staff))
    flash(f"{named.professional_supervisor.name} is {named.supervisee.name}'s professional supervisor from "
          f"{uk_date(named.starts_on)}.", "success")
    return redirect(url_for("professional.index"))
