"""What is due and quality assurance: a supervisor's and a manager's pages, postponing a session."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from storage.db import session as db
from storage.models import PostponedSession, QualityActivity, Role, Staff
from web.auth import actor, login_required
from workflows import quality, schedule
from workflows.errors import InvalidInput, NotAllowed
from workflows.teams import current_supervisees, is_manager, team_supervisors

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
    return render_template(
        "schedule/due.html", rows=schedule.due_for_supervisor(g.user.id, today), today=today,
        postponed=schedule.postponed_outstanding([g.user.id], today),
        unsigned=schedule.unsigned_documents(today, [g.user.id]), reminder_days=schedule.unsigned_reminder_days(),
        is_manager=is_manager(g.user.id))


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
                           unsigned=schedule.unsigned_documents(today, ids),
                           reminder_days=schedule.unsigned_reminder_days())


@bp.route("/due/postpone", methods=["GET", "POST"])
@login_required
def postpone():
    """Record that a booked supervision was postponed; the page then shows the date it must be held by."""
    if not g.user.has_role(Role.SUPERVISOR):
        abort(404)
    supervisees = current_supervisees(g.user.id, dt.date.today())
    form = {"supervisee": request.args.get("supervisee", ""), "postponed_on": dt.date.today().isoformat()}
    errors = {}
    if request.method == "POST":
        form = request.form.to_dict()
        supervisee_id = int(form["supervisee"]) if form.get("supervisee", "").isdigit() else None
        try:
            session = schedule.record_postponement(g.user.id, supervisee_id, form, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash(f"Postponement recorded. The session with {session.supervisee.name} must be held by "
                  f"{session.hold_by.day} {session.hold_by:%B %Y}.", "success")
            return redirect(url_for("schedule.due"))
    return render_template("schedule/postpone.html", form=form, errors=errors, supervisees=supervisees), (
        400 if errors else 200)


@bp.route("/due/postponed/<int:postponed_id>/held", methods=["GET", "POST"])
@login_required
def held(postponed_id: int):
    """Record the day a postponed session was held, when its record is not kept in Countersign."""
    session = db.get(PostponedSession, postponed_id)
    if session is None or session.supervisor_id != g.user.id:
        abort(404)
    held_on = request.form.get("held_on", dt.date.today().isoformat())
    errors = {}
    if request.method == "POST":
        try:
            schedule.record_held(session.id, held_on, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash(f"Recorded: the session with {session.supervisee.name} was held.", "success")
            return redirect(url_for("schedule.due"))
    return render_template("schedule/held.html", session=session, held_on=held_on, errors=errors), (
        400 if errors else 200)


@bp.get("/quality")
@login_required
def quality_page():
    """Dip-sample audits and observations for a year: mine as a supervisor, and my team's as their manager."""
    year = request.args.get("year", type=int) or dt.date.today().year
    team = team_supervisors(g.user.id)
    if not g.user.has_role(Role.SUPERVISOR) and not team:
        abort(404)
    supervisors = ([g.user] if g.user.has_role(Role.SUPERVISOR) else []) + team
    plans = [(supervisor, quality.activities(supervisor.id, year)) for supervisor in supervisors]
    return render_template("schedule/quality.html", year=year, plans=plans, this_year=dt.date.today().year,
                           per_kind=quality.PER_KIND, kinds=QualityActivity.KINDS)


@bp.post("/quality/pick")
@login_required
def quality_pick():
    """Let the app pick, at random, which supervisees get an audit or an observation this year."""
    supervisor_id = request.form.get("supervisor_id", type=int)
    year = request.form.get("year", type=int) or dt.date.today().year
    supervisor = db.get(Staff, supervisor_id) if supervisor_id else None
    if supervisor is None or supervisor.organisation_id != g.user.organisation_id:
        abort(404)
    try:
        rows = quality.pick_supervisees(supervisor.id, year, actor())
    except NotAllowed:
        abort(404)
    except InvalidInput as invalid:
        flash(" ".join(invalid.errors.values()))
    else:
        people = len({row.supervisee_id for row in rows})
        flash(f"Picked for {year}: {len(rows)} activities across {people} "
              f"{'supervisee' if people == 1 else 'supervisees'} of {supervisor.name}.", "success")
    return redirect(url_for("schedule.quality_page", year=year))


@bp.route("/quality/<int:activity_id>/record", methods=["GET", "POST"])
@login_required
def quality_record(activity_id: int):
    """Record when an audit or observation was done, with a short note."""
    activity = db.get(QualityActivity, activity_id)
    if activity is None or activity.organisation_id != g.user.organisation_id or not quality.may_oversee(
            g.user.id, activity.supervisor):
        abort(404)
    form = {"done_on": (activity.done_on or dt.date.today()).isoformat(), "note": activity.note or ""}
    errors = {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            quality.record_done(activity.id, form, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash(f"{activity.kind_label} with {activity.supervisee.name} recorded as done.", "success")
            return redirect(url_for("schedule.quality_page", year=activity.year))
    return render_template("schedule/quality_record.html", activity=activity, form=form, errors=errors), (
        400 if errors else 200)
