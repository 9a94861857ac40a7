"""The admin's pages: the staff list, adding people and passwords, supervision relationships, CSV import."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from storage.db import session as db
from storage.models import Role, Staff, SupervisionRelationship
from web.auth import actor, role_required
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


@bp.route("/staff/<int:staff_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def set_password(staff_id: int):
    """Set a person's password, so they can sign in."""
    person = _my_person(staff_id)
    errors = {}
    if request.method == "POST":
        try:
            people.set_password(person.id, request.form.get("password", ""), actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash(f"{person.name}'s password has been set. Tell them it in person or by phone, not by email.", "success")
            return redirect(url_for("admin.staff"))
    return render_template("admin/password_form.html", person=person, errors=errors), 400 if errors else 200


@bp.route("/relationships/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_relationship():
    """Record who supervises whom, from when."""
    form = {"supervisor_id": request.args.get("supervisor_id", ""), "supervisee_id": request.args.get("supervisee_id", ""),
            "starts_on": dt.date.today().isoformat()}
    errors = {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            people.add_relationship(_id(form.get("supervisor_id")), _id(form.get("supervisee_id")),
                                    form.get("starts_on", ""), form.get("ends_on") or None, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("The supervision relationship has been added.", "success")
            return redirect(url_for("admin.staff"))
    everyone = _my_staff()
    supervisors = [(person.id, person.name) for person in everyone if person.has_role(Role.SUPERVISOR)]
    return render_template("admin/relationship_form.html", form=form, errors=errors, supervisors=supervisors,
                           supervisees=[(person.id, person.name) for person in everyone]), 400 if errors else 200


@bp.route("/relationships/<int:relationship_id>/end", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def end_relationship(relationship_id: int):
    """Record the last day one person supervises another."""
    relationship = db.get(SupervisionRelationship, relationship_id)
    if relationship is None or relationship.supervisor.organisation_id != g.user.organisation_id:
        abort(404)
    ends_on = request.form.get("ends_on", dt.date.today().isoformat())
    errors = {}
    if request.method == "POST":
        try:
            people.end_relationship(relationship.id, ends_on, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash(f"{relationship.supervisor.name} supervises {relationship.supervisee.name} "
                  f"until {relationship.ends_on:%d/%m/%Y}.", "success")
            return redirect(url_for("admin.staff"))
    return render_template("admin/end_relationship.html", relationship=relationship, ends_on=ends_on,
                           errors=errors), 400 if errors else 200


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
