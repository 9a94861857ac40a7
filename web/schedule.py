"""What is due and quality assurance: a supervisor's and a manager's pages, postponing a session."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from wtforms import HiddenField

from storage.models import Role
from storage.times import uk_date
from web.auth import actor, login_required
from web.forms import NOT_DONE, DateInput, Form, LongText, PersonChoice, show, submit
from workflows import cover, professional, professional_documents, quality, quality_forms, schedule, sessions
from workflows.teams import current_supervisees, is_manager

bp = Blueprint("schedule", __name__)


@bp.app_context_processor
def _nav():
    # Asked only when the menu is drawn for a signed-in person, so other pages pay nothing for it.
    return {"manages_supervisors": lambda: bool(g.get("user")) and is_manager(g.user.id)}


@bp.get("/due")
@login_required
def due():
    """My supervisees: when each is next due, what is overdue, postponed sessions and unsigned documents."""
    if not g.user.has_role(Role.SUPERVISOR):
        if is_manager(g.user.id):
            return redirect(url_for("schedule.team"))
        abort(404)
    today = dt.date.today()
    rows = schedule.due_for_supervisor(g.user.id, today)
    return render_template(
        "schedule/due.html", rows=rows, today=today,
        postponed=schedule.postponed_outstanding([g.user.id], today),
        unsigned=schedule.unsigned_documents(today, [g.user.id], viewer=g.user), reminder_days=schedule.unsigned_reminder_days(),
        is_manager=is_manager(g.user.id), covering=cover.covered_supervisees(g.user.id, today),
        **_session_parts([g.user.id], rows, today))


@bp.get("/due/team")
@login_required
def team():
    """For a manager: every supervisor they line-manage, and each of their supervisees' positions."""
    today = dt.date.today()
    teams = schedule.team_due(g.user.id, today)
    if not teams:
        abort(404)
    ids = [supervisor.id for supervisor, _rows in teams]
    return render_template("schedule/team.html", teams=teams, today=today,
                           postponed=schedule.postponed_outstanding(ids, today),
                           unsigned=schedule.unsigned_documents(today, ids, viewer=g.user),
                           reminder_days=schedule.unsigned_reminder_days(),
                           **_session_parts(ids, [row for _supervisor, rows in teams for row in rows], today))


def _session_parts(supervisor_ids: list[int], rows: list, today: dt.date) -> dict:
    """What the due pages show besides each supervisee's next supervision: sessions missed, records not sent in
    time, and registered professionals with no professional supervisor."""
    return {"missed": sessions.missed_counts((row.supervisee.id for row in rows), today),
            "no_professional": professional.without_professional_supervisor((row.supervisee for row in rows), today),
            "three_way": professional_documents.three_way_overdue((row.supervisee for row in rows), today),
            "cancelled": sessions.cancelled_sessions(supervisor_ids, today),
            "not_sent": sessions.records_not_sent(supervisor_ids, today),
            "send_working_days": sessions.send_within_working_days()}


class PostponeForm(Form):
    supervisee = PersonChoice("Supervisee")
    booked_for = DateInput("Date the session was booked for")
    postponed_on = DateInput("Date it was postponed",
                             description="The session must then be held within 7 days of this date.")
    reason = LongText("Why it was postponed (optional)",
                      description="For example, unforeseen absence or a major incident.")


@bp.route("/due/postpone", methods=["GET", "POST"])
@login_required
def postpone():
    """Record that a booked supervision was postponed; the page then shows the date it must be held by."""
    if not g.user.has_role(Role.SUPERVISOR):
        abort(404)
    form = PostponeForm(data={"supervisee": request.args.get("supervisee"), "postponed_on": dt.date.today()})
    form.supervisee.offer((p.id, p.name) for p in current_supervisees(g.user.id, dt.date.today()))
    session = submit(form, lambda: schedule.record_postponement(g.user.id, form.supervisee.data, form.data, actor()))
    if session is NOT_DONE:
        return show("schedule/postpone.html", form)
    flash(f"Postponement recorded. The session with {session.supervisee.name} must be held by "
          f"{uk_date(session.hold_by)}.", "success")
    return redirect(url_for("schedule.due"))


class HeldForm(Form):
    held_on = DateInput("Date it was held")


@bp.route("/due/postponed/<int:postponed_id>/held", methods=["GET", "POST"])
@login_required
def held(postponed_id: int):
    """Record the day a postponed session was held, when its record is not kept in Countersign."""
    session = schedule.postponed_session(postponed_id, g.user.id)
    form = HeldForm(data={"held_on": dt.date.today()})
    if submit(form, lambda: schedule.record_held(session.id, form.held_on.data, actor())) is not NOT_DONE:
        flash(f"Recorded: the session with {session.supervisee.name} was held.", "success")
        return redirect(url_for("schedule.due"))
    return show("schedule/held.html", form, session=session)


def _number(value) -> int | None:
    # Written by our own links and buttons: anything else is no choice, never an error page.
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _year(value) -> int | None:
    number = _number(value)
    return number if number and number <= 9999 else None


class YearForm(Form):
    year = HiddenField(filters=[_year])


class PickForm(Form):
    supervisor_id = HiddenField(filters=[_number])
    year = HiddenField(filters=[_year])


@bp.get("/quality")
@login_required
def quality_page():
    """Dip-sample audits and observations for a year: mine as a supervisor, and my team's as their manager."""
    year = YearForm(formdata=request.args, meta={"csrf": False}).year.data or dt.date.today().year
    plans = quality.plans_for(g.user, year)
    return render_template("schedule/quality.html", year=year, plans=plans,
                           quality_rule=quality.rule_for(g.user.organisation.template_pack),
                           this_year=dt.date.today().year, per_kind=quality.PER_KIND, pick=PickForm(),
                           forms={a.id: quality_forms.form_of(a) for _s, rows in plans for a in rows})


@bp.post("/quality/pick")
@login_required
def quality_pick():
    """Let the app pick, at random, which supervisees get an audit or an observation this year."""
    form = PickForm()
    year = form.year.data or dt.date.today().year
    rows = submit(form, lambda: quality.pick_supervisees(form.supervisor_id.data, year, actor()))
    if rows is NOT_DONE:
        flash(" ".join(item["text"] for item in form.error_list))
    else:
        people = len({row.supervisee_id for row in rows})
        flash(f"Picked for {year}: {len(rows)} activities across {people} "
              f"{'supervisee' if people == 1 else 'supervisees'} of {rows[0].supervisor.name}.", "success")
    return redirect(url_for("schedule.quality_page", year=year))


class QualityRecordForm(Form):
    done_on = DateInput("Date it was done")
    note = LongText("Short note", description="What was observed or audited and what was found, in a few lines. "
                                              "Use case-system IDs and initials, never names.")


@bp.route("/quality/<int:activity_id>/record", methods=["GET", "POST"])
@login_required
def quality_record(activity_id: int):
    """Record when an audit or observation was done, with a short note."""
    activity = quality.activity_for(activity_id, g.user)
    form = QualityRecordForm(data={"done_on": activity.done_on or dt.date.today(), "note": activity.note or ""})
    if submit(form, lambda: quality.record_done(activity.id, form.data, actor())) is not NOT_DONE:
        flash(f"{activity.kind_label} with {activity.supervisee.name} recorded as done.", "success")
        return redirect(url_for("schedule.quality_page", year=activity.year))
    return show("schedule/quality_record.html", form, activity=activity)
