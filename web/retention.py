"""HR's records pages: leavers, retention policies, legal holds and the disposition review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from storage.models import Role
from storage.times import add_years
from web.auth import actor, role_required
from web.forms import NOT_DONE, DateInput, Form, LongText, Radios, Text, show, submit
from workflows import retention
from workflows.access import document_for
from workflows.people import person_in, staff_of

bp = Blueprint("retention", __name__, url_prefix="/records")

# What the flash message says was done with a record, by HR's decision.
DECIDED = {"archive": "archived – only HR can open it now",
           "destroy": "destroyed – its files and personal content are gone; the disposal record is kept",
           "extend": "kept until the new date"}


@bp.app_context_processor
def _retention_helpers():
    # The document page shows HR a retention panel too, so these are there for every template.
    return {"retention_statement": retention.retention_statement, "active_holds": retention.active_holds}


@bp.get("/people")
@role_required(Role.HR)
def people():
    """Everyone in my organisation, with leaver dates and holds."""
    return render_template("retention/people.html", everyone=staff_of(g.user.organisation_id),
                           held=retention.people_on_hold(g.user.organisation_id))


@bp.get("/people/<int:staff_id>")
@role_required(Role.HR)
def person(staff_id: int):
    """One person's records: leaver date, how long their documents are kept, and holds."""
    return render_template("retention/person.html", records=retention.records_of(g.user.organisation_id, staff_id))


class LeaverForm(Form):
    leaver_date = DateInput("Last day they worked here")
    reason = LongText("Note (optional)")


@bp.route("/people/<int:staff_id>/leaver", methods=["GET", "POST"])
@role_required(Role.HR)
def leaver(staff_id: int):
    """Record the day a person left, or correct it with a reason."""
    person = person_in(g.user.organisation_id, staff_id)
    form = LeaverForm(data={"leaver_date": person.leaver_date})
    if submit(form, lambda: retention.record_leaver(person.id, form.leaver_date.data, form.reason.data,
                                                    actor())) is not NOT_DONE:
        flash("Leaver date saved. The retention date of each of their records has been set from it.", "success")
        return redirect(url_for("retention.person", staff_id=person.id))
    return show("retention/leaver.html", form, person=person, policy=retention.policy_for(person))


class HoldForm(Form):
    reason = LongText("Reason for the hold",
                      description="For example, the tribunal claim or information request it is for.")


@bp.route("/people/<int:staff_id>/hold", methods=["GET", "POST"])
@role_required(Role.HR)
def hold_person(staff_id: int):
    """Place a legal hold on all of a person's records."""
    person = person_in(g.user.organisation_id, staff_id)
    return _hold_page(person.name, "all of their records", lambda reason: retention.place_hold(
        reason, actor(), staff_id=person.id), url_for("retention.person", staff_id=person.id))


@bp.route("/documents/<int:document_id>/hold", methods=["GET", "POST"])
@role_required(Role.HR)
def hold_document(document_id: int):
    """Place a legal hold on one document."""
    document = document_for(document_id, "hold", g.user)
    return _hold_page(document.reference, "this document", lambda reason: retention.place_hold(
        reason, actor(), document_id=document.id), url_for("documents.show", document_id=document.id))


def _hold_page(subject: str, scope: str, place: Callable[[str], object], back: str):
    """The hold form, for a person's records or for one document: place the hold with the reason given."""
    form = HoldForm()
    if submit(form, lambda: place(form.reason.data)) is not NOT_DONE:
        flash("Legal hold placed. Nothing it covers will be disposed of until it is lifted.", "success")
        return redirect(back)
    return show("retention/hold.html", form, subject=subject, scope=scope, back=back)


class LiftForm(Form):
    reason = LongText("Why is the hold being lifted?")


@bp.route("/holds/<int:hold_id>/lift", methods=["GET", "POST"])
@role_required(Role.HR)
def lift(hold_id: int):
    """Lift a legal hold, saying why."""
    hold = retention.hold_in(g.user.organisation_id, hold_id)
    back = (url_for("retention.person", staff_id=hold.staff_id) if hold.staff_id
            else url_for("documents.show", document_id=hold.document_id))
    form = LiftForm()
    if submit(form, lambda: retention.lift_hold(hold.id, form.reason.data, actor())) is not NOT_DONE:
        flash("Legal hold lifted. The records' retention dates apply again.", "success")
        return redirect(back)
    return show("retention/lift.html", form, hold=hold, back=back)


@bp.get("/disposition")
@role_required(Role.HR)
def disposition():
    """Records past their retention date awaiting HR's decision, and what has been disposed of."""
    return render_template("retention/disposition.html", reviews=retention.waiting_for_decision(g.user.organisation_id),
                           disposals=retention.disposals(g.user.organisation_id), sweep=Form())


@bp.post("/disposition/sweep")
@role_required(Role.HR)
def run_sweep():
    """Look for records past their retention date now rather than at the daily sweep."""
    count = retention.sweep(actor=actor())
    flash(f"{count} record{'' if count == 1 else 's'} went into the disposition review.", "success")
    return redirect(url_for("retention.disposition"))


class DecideForm(Form):
    # Not checked against the choices here: the use case says "Choose archive, destroy or extend" in its own words.
    decision = Radios("What should happen to it?",
                      {"archive": "Archive it", "destroy": "Destroy it", "extend": "Keep it longer"})
    extend_until = DateInput("New retention date (if keeping it longer) (optional)")
    note = LongText("Note (optional)", description="Needed when keeping it longer: say why.")


@bp.route("/disposition/<int:review_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def decide(review_id: int):
    """Archive, destroy or keep a record longer."""
    review = retention.review_in(g.user.organisation_id, review_id)
    form = DecideForm()
    if submit(form, lambda: retention.decide(review.id, form.decision.data, form.note.data, actor(),
                                             form.extend_until.data)) is not NOT_DONE:
        flash(f"{review.document.reference} was {DECIDED[form.decision.data]}.", "success")
        return redirect(url_for("retention.disposition"))
    return show("retention/decide.html", form, review=review, document=review.document,
                a_year_on=add_years(dt.date.today(), 1))


class PolicyForm(Form):
    staff_category = Text("Staff category (optional)")
    years = Text("Years after leaving")
    basis = Text("Basis", description="The policy it comes from, for example Havering policy 9.4.")


@bp.route("/policies", methods=["GET", "POST"])
@role_required(Role.HR)
def policies():
    """How long leavers' records are kept, for the organisation and for particular staff categories."""
    org = g.user.organisation
    form = PolicyForm(data={"staff_category": request.args.get("staff_category", "")})
    if submit(form, lambda: retention.set_policy(org.id, form.staff_category.data, form.years.data, form.basis.data,
                                                 actor())) is not NOT_DONE:
        flash("Retention period saved. Leavers' retention dates have been updated.", "success")
        return redirect(url_for("retention.policies"))
    return show("retention/policies.html", form, periods=retention.periods(org))
