"""Group sessions: set one up with its attendees, write its record, send it for everyone to sign, record an absence."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from storage.models import GroupKind, Role
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, Checkboxes, DateInput, Form, LongText, Radios, Text, show, submit
from web.template_forms import template_form, typed
from workflows import group_attendance, groups
from workflows.errors import NotReady

bp = Blueprint("groups", __name__, url_prefix="/groups")


class NewGroupForm(Form):
    kind = Radios("Kind of group", {k.value: k.label for k in GroupKind},
                  description="Group supervision counts toward the supervision of staff whose policy allows it; "
                              "reflective practice groups and action learning sets are recorded beside it.")
    held_on = DateInput("Date of the session", description="For example, 27 3 2026.")
    length_minutes = Text("Length of the session", max_length=4, description="In minutes, for example 90.")
    attendees = Checkboxes("Who attended", {},
                           description="Each person you choose is emailed their own link to sign the record. You "
                                       "sign it too, as facilitator.")

    def offer(self, people) -> None:
        self.attendees.choices = [(str(p.id), p.name) for p in people]


class AbsentForm(Form):
    note = LongText("Note (optional)", max_length=group_attendance.MAX_NOTE,
                    description="For example: on annual leave that day. They are emailed this.")


class SendForm(Form):
    """Sending the record to everyone is a button."""


@bp.get("")
@login_required
def index():
    """The group sessions I facilitated or attended."""
    return render_template("groups/index.html", sessions=groups.sessions_of(g.user),
                           can_facilitate=groups.can_facilitate(g.user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new():
    """Set up a group session: its kind, date, length and the staff who attended."""
    form = NewGroupForm()
    form.offer(groups.staff_to_invite(g.user))
    session = submit(form, lambda: groups.create_session(
        g.user.id, kind=form.kind.data or "", held_on=form.held_on._value(), length_minutes=form.length_minutes.data,
        attendee_ids=form.attendees.data or [], actor=actor()))
    if session is NOT_DONE:
        return show("groups/new.html", form)
    flash("Group session set up. Now write its record.", "success")
    return redirect(url_for("groups.record", session_id=session.id))


@bp.get("/<int:session_id>")
@login_required
def show_session(session_id: int):
    """A group session: its record, who has signed, who did not attend."""
    return render_template("groups/show.html", page=groups.group_page(session_id, actor()), send_form=SendForm())


@bp.route("/<int:session_id>/record", methods=["GET", "POST"])
@login_required
def record(session_id: int):
    """Write (or change) the record of the group's discussion and actions."""
    session, schema, saved = groups.record_form(session_id, actor())
    form = template_form(schema, Form, saved)
    document = submit(form, lambda: groups.write_record(session_id, typed(form), actor()))
    if document is NOT_DONE:
        return show("groups/record.html", form, session=session)
    flash("Record saved. Read it, then send it for everyone to sign.", "success")
    return redirect(url_for("groups.show_session", session_id=session_id))


@bp.post("/<int:session_id>/send")
@login_required
def send(session_id: int):
    """Email each attendee, and the facilitator, their own link to sign the record."""
    form = SendForm()
    if form.validate_on_submit():
        try:
            groups.send_for_signature(session_id, actor())
        except NotReady as wait:
            flash(str(wait))
        else:
            flash("Sent. Everyone who attended has been emailed their own link to sign.", "success")
    return redirect(url_for("groups.show_session", session_id=session_id))


@bp.post("/<int:session_id>/resend/<int:staff_id>")
@login_required
def resend(session_id: int, staff_id: int):
    """Email someone who has not answered a new link to sign (their earlier one stops working)."""
    form = SendForm()
    if form.validate_on_submit():
        person = groups.resend_link(session_id, staff_id, actor())
        flash(f"A new link has been emailed to {person.name}.", "success")
    return redirect(url_for("groups.show_session", session_id=session_id))


@bp.route("/<int:session_id>/absent/<int:staff_id>", methods=["GET", "POST"])
@login_required
def absent(session_id: int, staff_id: int):
    """Record that an attendee did not attend: they are no longer asked to sign, and the record can lock."""
    session, person = groups.attendee_to_mark(session_id, staff_id, actor())
    form = AbsentForm()
    done = submit(form, lambda: groups.record_absence(session_id, staff_id, form.note.data or "", actor()))
    if done is NOT_DONE:
        return show("groups/absent.html", form, session=session, person=person)
    flash("Recorded as not attending.", "success")
    return redirect(url_for("groups.show_session", session_id=session_id))
