"""The admin's pages: the staff list, adding people and passwords, supervision relationships, CSV import."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput
from sqlalchemy import select
from wtforms import PasswordField

from storage.db import session as db
from storage.models import Role, Staff, SupervisionRelationship
from storage.times import uk_date
from web.auth import actor, role_required
from web.forms import NOT_DONE, DateInput, Form, PersonChoice, show, submit
from workflows import frequency, people
from workflows.errors import InvalidInput, NotAllowed

bp = Blueprint("admin", __name__, url_prefix="/admin")

CSV_EXAMPLE = (
    "name,email,roles,profession,staff_category,start_date,line_manager_email,supervisor_email,qualified_on,"
    "part_time,appointed_from_overseas\r\n"
    "Alex Morgan,alex.morgan@council.example,supervisee,Social worker,Newly qualified social worker,2026-02-02,"
    "chris.doyle@council.example,chris.doyle@council.example,2025-07-15,no,no\r\n"
    "Bea Okafor,bea.okafor@council.example,supervisee,Occupational therapist,All staff,"
    "2026-02-02,chris.doyle@council.example,chris.doyle@council.example,,yes,yes\r\n"
    "Chris Doyle,chris.doyle@council.example,supervisor;supervisee,Social worker,All staff,2025-06-01,,,,,\r\n"
)


@bp.get("/staff")
@role_required(Role.ADMIN)
def staff():
    """Everyone in my organisation, their roles, line manager and supervisees."""
    everyone = _my_staff()
    relationships = db.scalars(
        select(SupervisionRelationship).join(SupervisionRelationship.supervisor)
        .where(Staff.organisation_id == g.user.organisation_id)
        .order_by(SupervisionRelationship.starts_on)
    ).all()
    today = dt.date.today()
    open_relationships = [r for r in relationships if r.ends_on is None or r.ends_on >= today]
    supervisees = {person.id: [r.supervisee for r in relationships if r.supervisor_id == person.id and r.is_current(today)]
                   for person in everyone}
    return render_template("admin/staff.html", everyone=everyone, supervisees=supervisees,
                           relationships=open_relationships, today=today)


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_person():
    """Add a person, with their roles and, if they will sign in, a password."""
    form = {"roles": []}
    errors = {}
    if request.method == "POST":
        form = {**request.form.to_dict(), "roles": request.form.getlist("roles")}
        try:
            person = people.add_staff(g.user.organisation_id, form, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            how = ("They can sign in with the password you set." if person.password_hash else
                   "They can sign documents from the links they are emailed. Set a password if they need to sign in.")
            flash(f"{person.name} has been added. {how}", "success")
            return redirect(url_for("admin.staff"))
    form.pop("password", None)
    categories = frequency.policy_for(g.user.organisation.template_pack).choices()
    return render_template("admin/person_form.html", form=form, errors=errors, roles=list(Role),
                           managers=_my_staff(), categories=categories), 400 if errors else 200


class PasswordForm(Form):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             description="At least 12 characters. Tell them it in person or by phone, not by email.")


@bp.route("/staff/<int:staff_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def set_password(staff_id: int):
    """Set a person's password, so they can sign in."""
    person = people.person_in(g.user.organisation_id, staff_id)
    form = PasswordForm()
    if submit(form, lambda: people.set_password(person.id, form.password.data, actor())) is not NOT_DONE:
        flash(f"{person.name}'s password has been set. Tell them it in person or by phone, not by email.", "success")
        return redirect(url_for("admin.staff"))
    return show("admin/password_form.html", form, person=person)


class RelationshipForm(Form):
    supervisor_id = PersonChoice("Supervisor", description="Only people with the supervisor role are listed.")
    supervisee_id = PersonChoice("Supervisee")
    starts_on = DateInput("Starts on", description="For example, 5 1 2026.")
    ends_on = DateInput("Ends on (optional)", description="Leave blank if there is no end date yet.")


@bp.route("/relationships/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_relationship():
    """Record who supervises whom, from when."""
    form = RelationshipForm(data={"supervisor_id": request.args.get("supervisor_id"),
                                  "supervisee_id": request.args.get("supervisee_id"), "starts_on": dt.date.today()})
    everyone = people.staff_of(g.user.organisation_id)
    form.supervisor_id.offer((p.id, p.name) for p in everyone if p.has_role(Role.SUPERVISOR))
    form.supervisee_id.offer((p.id, p.name) for p in everyone)
    if submit(form, lambda: people.add_relationship(form.supervisor_id.data, form.supervisee_id.data,
                                                    form.starts_on.data, form.ends_on.data, actor())) is not NOT_DONE:
        flash("The supervision relationship has been added.", "success")
        return redirect(url_for("admin.staff"))
    return show("admin/relationship_form.html", form)


class EndRelationshipForm(Form):
    ends_on = DateInput("Last day of supervision", description="For example, 31 3 2026.")


@bp.route("/relationships/<int:relationship_id>/end", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def end_relationship(relationship_id: int):
    """Record the last day one person supervises another."""
    relationship = people.relationship_in(g.user.organisation_id, relationship_id)
    form = EndRelationshipForm(data={"ends_on": dt.date.today()})
    if submit(form, lambda: people.end_relationship(relationship.id, form.ends_on.data, actor())) is not NOT_DONE:
        flash(f"{relationship.supervisor.name} supervises {relationship.supervisee.name} "
              f"until {uk_date(relationship.ends_on)}.", "success")
        return redirect(url_for("admin.staff"))
    return show("admin/end_relationship.html", form, relationship=relationship)


@bp.route("/staff/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_csv():
    """Add many people at once from a spreadsheet saved as CSV; all of them or none."""
    errors, problems = {}, []
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if not data:
            errors = {"file": "Select a CSV file"}
        else:
            try:
                report = people.import_staff_csv(g.user.organisation_id, people.decode_csv(data), actor())
            except people.CsvRejected as rejected:
                problems = rejected.problems
                errors = {"file": "Nothing has been saved. Correct the problems listed, then upload the file again"}
            except NotAllowed:
                abort(404)
            else:
                flash(f"{_count(report.added, 'person', 'people')} added, with "
                      f"{_count(report.relationships, 'supervision relationship', 'supervision relationships')}. "
                      "They can sign from emailed links; set a password for anyone who needs to sign in.", "success")
                return redirect(url_for("admin.staff"))
    return render_template("admin/import.html", errors=errors, problems=problems, example=CSV_EXAMPLE,
                           columns=people.CSV_COLUMNS,
                           categories=frequency.policy_for(g.user.organisation.template_pack).choices()), (
        400 if errors else 200)


@bp.get("/staff/import/example.csv")
@role_required(Role.ADMIN)
def csv_example():
    """An example file to start from."""
    return Response(CSV_EXAMPLE, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=countersign-staff-example.csv"})


def _my_staff() -> list[Staff]:
    return list(db.scalars(select(Staff).where(Staff.organisation_id == g.user.organisation_id).order_by(Staff.name)))


def _my_person(staff_id: int) -> Staff:
    person = db.get(Staff, staff_id)
    if person is None or person.organisation_id != g.user.organisation_id:
        abort(404)
    return person


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
