"""The admin's pages: the staff list, adding people and passwords, supervision relationships, CSV import."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, StringField

from storage.models import Role
from storage.times import uk_date
from web.auth import actor, role_required
from web.forms import NOT_DONE, Checkboxes, DateInput, Form, Password, PersonChoice, Text, Upload, YesNo, show, submit
from workflows import frequency, people

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


class StaffFilterForm(Form):
    """The staff list's search and filters, read from the address so a page of results can be bookmarked."""

    typed = Text("Name or email", max_length=people.LINE_MAX_TYPED, name="q",
                 description="Part of a person's name or email address")
    role = SelectField("Role", choices={"": "Any role", **{r.value: r.label for r in Role}}, widget=GovSelect(),
                       validate_choice=False)
    status = SelectField("Working here", choices=people.STAFF_STATUSES, widget=GovSelect(), validate_choice=False)
    page = StringField()

    def link(self, **changes) -> str:
        """This search's address with the page changed."""
        kept = {field.name: field.data for field in self if field.data and field.name != "page"}
        return url_for("admin.staff", **kept, **changes)


@bp.get("/staff")
@role_required(Role.ADMIN)
def staff():
    """Everyone in my organisation, their roles, line manager and supervisees: searched, filtered and paged."""
    form = StaffFilterForm(formdata=request.args, meta={"csrf": False})
    listed = people.staff_list(g.user.organisation_id, dt.date.today(), people.staff_search(**form.data))
    return render_template("admin/staff.html", form=None, filters=form, listed=listed, everyone=listed.everyone,
                           supervisees=listed.supervisees, relationships=listed.relationships)


class SigningSettingsForm(Form):
    signing_code_required = YesNo(
        "Ask whoever signs from an emailed link for a code we email to them",
        description="They ask for a 6-digit code on the signing page and type it before they sign. It shows that the "
                    "person signing is the person the link was sent to. People signed in to Countersign sign from "
                    "the document's page without a code.")


@bp.route("/signing", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def signing_settings():
    """Whether signers confirm who they are with an emailed code."""
    organisation = people.signing_settings(g.user.organisation_id)
    form = SigningSettingsForm(data={"signing_code_required": organisation.signing_code_required})
    if submit(form, lambda: people.set_signing_code(g.user.organisation_id, form.signing_code_required.data,
                                                    actor())) is NOT_DONE:
        return show("admin/signing_settings.html", form)
    flash("Signing settings saved.", "success")
    return redirect(url_for("admin.staff"))


class PersonForm(Form):
    name = Text("Full name")
    email = Text("Work email address", description="Signing links are sent here. It is also how they sign in.")
    # Not checked against the choices here: the use case names a role that is not one, as for the CSV import.
    roles = Checkboxes(
        "Roles", {role.value: role.label for role in Role},
        description="Select all that apply. Anyone who is supervised is a supervisee, including managers.")
    profession = Text("Profession (optional)", description="For example, social worker or occupational therapist. "
                                                           "Needed for supervisors and supervisees.")
    staff_category = SelectField(
        "Staff category", widget=GovSelect(), validate_choice=False,
        description="As your supervision policy names it. It sets how often they are supervised. "
                    "Needed for supervisors and supervisees.")
    start_date = DateInput("Start date (optional)", description="When they started in this role, for example 5 1 2026. "
                                                                "New staff are supervised more often at first.")
    qualified_on = DateInput("Date they qualified (optional)", description="Needed for newly qualified staff "
                             "(non-registered): they are supervised fortnightly for three months after it.")
    part_time = YesNo("Part time")
    appointed_from_overseas = YesNo("Professional appointed from outside the UK")
    line_manager_id = PersonChoice("Line manager (optional)", prompt="No line manager")
    supervisor_id = PersonChoice("Supervisor (optional)", prompt="No supervisor",
                                 description="Who supervises them, from their start date (or today). A new supervisor "
                                             "takes over today, as a transfer does.")
    send_link = YesNo("Email them a link to set their own password",
                      description="Best for anyone who will sign in. The link works once, for a week.")
    password = Password("Or set a password now (optional)",
                        description="At least 12 characters. Leave it blank if they will only sign from the links they "
                                    "are emailed, or set their own from the emailed link.")


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_person():
    """Add a person, with their roles and, if they will sign in, a password."""
    form = _person_form(PersonForm())
    person = submit(form, lambda: people.add_staff(g.user.organisation_id, form.data, actor()))
    if person is NOT_DONE:
        return show("admin/person_form.html", form)
    how = ("They can sign in with the password you set." if person.password_hash else
           "They have been emailed a link to set their password." if form.send_link.data else
           "They can sign documents from the links they are emailed. Set a password if they need to sign in.")
    flash(f"{person.name} has been added. {how}", "success")
    return redirect(url_for("admin.staff"))


def _person_form(form: PersonForm) -> PersonForm:
    form.staff_category.choices = [("", "Choose…"), *frequency.policy_for(g.user.organisation.template_pack).choices()]
    everyone = people.staff_of(g.user.organisation_id)
    form.line_manager_id.offer((person.id, person.name) for person in everyone)
    form.supervisor_id.offer((person.id, person.name) for person in everyone if person.has_role(Role.SUPERVISOR))
    return form


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_person(staff_id: int):
    """Change any of a person's details, roles, line manager or supervisor."""
    person = people.person_in(g.user.organisation_id, staff_id)
    form = _person_form(PersonForm(data=people.person_form(person, dt.date.today())))
    del form.password
    del form.send_link
    if submit(form, lambda: people.edit_staff(person.id, form.data, actor())) is NOT_DONE:
        return show("admin/person_form.html", form, person=person)
    flash(f"{person.name}'s details have been saved.", "success")
    return redirect(url_for("admin.staff"))


class ConfirmForm(Form):
    """A button that changes something, with its CSRF token."""


@bp.route("/staff/<int:staff_id>/second-factor", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reset_second_factor(staff_id: int):
    """Turn off a person's second factor when they have lost their phone and their recovery codes."""
    person = people.person_in(g.user.organisation_id, staff_id)
    form = ConfirmForm()
    if submit(form, lambda: people.reset_second_factor(person.id, actor())) is NOT_DONE:
        return show("admin/second_factor.html", form, person=person)
    flash(f"{person.name}'s second factor is off. They set up their authenticator app again when they next sign in.",
          "success")
    return redirect(url_for("admin.staff"))


class PasswordForm(Form):
    password = Password("New password",
                        description="At least 12 characters, not a common one. Tell them it in person or by phone, "
                                    "not by email – or ask them to use “Forgotten your password?” on the sign-in page.")


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


class ImportForm(Form):
    file = Upload("Upload a CSV file", "Select a CSV file")


@bp.route("/staff/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_csv():
    """Add many people at once from a spreadsheet saved as CSV; all of them or none."""
    form = ImportForm()
    report = submit(form, lambda: people.import_staff_file(g.user.organisation_id, form.file.data.read(), actor()))
    if report is NOT_DONE:
        return show("admin/import.html", form, example=CSV_EXAMPLE,
                    categories=frequency.policy_for(g.user.organisation.template_pack).choices())
    flash(f"{_count(report.added, 'person', 'people')} added, with "
          f"{_count(report.relationships, 'supervision relationship', 'supervision relationships')}. "
          "They can sign from emailed links; set a password for anyone who needs to sign in.", "success")
    return redirect(url_for("admin.staff"))


@bp.get("/staff/import/example.csv")
@role_required(Role.ADMIN)
def csv_example():
    """An example file to start from."""
    return Response(CSV_EXAMPLE, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=countersign-staff-example.csv"})


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
