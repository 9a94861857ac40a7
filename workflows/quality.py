"""Quality assurance: four dip-sample audits and four observations per supervisor per year (H 6.5, H 10.1); in
Barking and Dagenham, case file inspections and Supervision Practice Evaluations (B 10, Appendix 1)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import audit
from storage.db import session as db
from storage.models import QualityActivity, Role, Staff
from storage.times import parse_date
from workflows.errors import InvalidInput, NotAllowed
from workflows.frequency import policy_for
from workflows.teams import current_supervisees, team_supervisors

PER_KIND = 4
KINDS = tuple(QualityActivity.KINDS)  # dip-sample audit, observation
MAX_NOTE = 500


def may_oversee(user_id: int, supervisor: Staff) -> bool:
    """The supervisor themself or their line manager may pick and record a supervisor's QA activities."""
    return user_id in (supervisor.id, supervisor.line_manager_id)


def rule_for(template_pack: str) -> str:
    """What the council's policy says of the audits and observations planned here, in its own words."""
    return policy_for(template_pack).quality_rule.format(per_kind=PER_KIND)


def activities(supervisor_id: int, year: int) -> list[QualityActivity]:
    """A supervisor's QA activities for a year, audits then observations."""
    return list(db.scalars(select(QualityActivity).where(
        QualityActivity.supervisor_id == supervisor_id, QualityActivity.year == year,
    ).order_by(QualityActivity.kind, QualityActivity.slot)))


def plans_for(user: Staff, year: int) -> list[tuple[Staff, list[QualityActivity]]]:
    """Each supervisor whose QA this person oversees (themself, then those they line-manage), with that year's plan."""
    supervisors = ([user] if user.has_role(Role.SUPERVISOR) else []) + team_supervisors(user.id)
    if not supervisors:
        raise NotAllowed()
    return [(supervisor, activities(supervisor.id, year)) for supervisor in supervisors]


def activity_for(activity_id: int, user: Staff) -> QualityActivity:
    """An audit or observation this person may record; NotAllowed otherwise, as for one that does not exist."""
    activity = db.get(QualityActivity, activity_id)
    if activity is None or activity.organisation_id != user.organisation_id or not may_oversee(
            user.id, activity.supervisor):
        raise NotAllowed()
    return activity


def pick_supervisees(supervisor_id: int | None, year: int, actor: audit.Actor,
                     rng: random.Random | None = None) -> list[QualityActivity]:
    """Choose at random which supervisees get an audit or an observation this year, so each gets one form of QA."""
    supervisor = db.get(Staff, supervisor_id) if supervisor_id else None
    if supervisor is None or actor.staff_id is None or not may_oversee(actor.staff_id, supervisor):
        raise NotAllowed()
    rng = rng or random.SystemRandom()
    if activities(supervisor.id, year):
        raise InvalidInput({"year": f"Supervisees for {year} have already been picked for {supervisor.name}"})
    today = dt.date.today()
    on = dt.date(year, 12, 31) if year < today.year else today  # the team as it was, or as it is now
    policy = policy_for(supervisor.organisation.template_pack)
    # Observations and audits are "for front line practitioners only" (H 10.1).
    team = [p for p in current_supervisees(supervisor.id, on) if policy.category(p.staff_category).front_line]
    if not team:
        raise InvalidInput({"year": f"{supervisor.name} has no front-line supervisees to pick from"})
    order = _fair_order(team, supervisor.id, year, rng)
    chosen = _assign(order, rng)
    counters = {kind: 0 for kind in KINDS}
    rows = []
    for person, kind in chosen:
        counters[kind] += 1
        rows.append(QualityActivity(organisation_id=supervisor.organisation_id, supervisor=supervisor,
                                    supervisee=person, year=year, kind=kind, slot=counters[kind],
                                    planned_by_id=actor.staff_id))
    try:
        db.add_all(rows)
        audit.record(db, "quality_picked", actor, supervisor_id=supervisor.id, year=year,
                     picks=[{"supervisee_id": r.supervisee.id, "kind": r.kind} for r in rows])
        db.commit()
    except IntegrityError:
        # Someone else picked for the same supervisor and year at the same moment; theirs stands.
        db.rollback()
        raise InvalidInput({"year": f"Supervisees for {year} have already been picked for {supervisor.name}"}) from None
    return rows


def _fair_order(team: list[Staff], supervisor_id: int, year: int, rng: random.Random) -> list[Staff]:
    """The team at random, those with the fewest QA activities in earlier years first."""
    past = dict(db.execute(select(QualityActivity.supervisee_id, func.count()).where(
        QualityActivity.supervisor_id == supervisor_id, QualityActivity.year < year,
    ).group_by(QualityActivity.supervisee_id)).all())
    shuffled = sorted(team, key=lambda p: p.id)
    rng.shuffle(shuffled)
    return sorted(shuffled, key=lambda p: past.get(p.id, 0))  # stable: the shuffle breaks ties


def _assign(order: list[Staff], rng: random.Random) -> list[tuple[Staff, str]]:
    """Eight activities, four of each kind: one per person while there are people left, kinds alternating."""
    slots = PER_KIND * len(KINDS)
    if len(order) >= slots:
        kinds = list(KINDS) * PER_KIND
        rng.shuffle(kinds)
        return list(zip(order[:slots], kinds, strict=True))
    flip = rng.randrange(2)
    chosen = []
    for i in range(slots):
        round_, index = divmod(i, len(order))
        # Alternating within a round and swapping each round gives four of each kind, and someone
        # picked twice gets one of each whenever the numbers allow.
        chosen.append((order[index], KINDS[(index + round_ + flip) % 2]))
    return chosen


def record_done(activity_id: int, form: dict[str, str], actor: audit.Actor) -> QualityActivity:
    """Record when an audit or observation was done, by whom (the person recording it) and a short note."""
    activity = db.get(QualityActivity, activity_id)
    if activity is None or actor.staff_id is None or not may_oversee(actor.staff_id, activity.supervisor):
        raise NotAllowed()
    errors: dict[str, str] = {}
    done_on, error = parse_date(form.get("done_on"), "date it was done")
    if error:
        errors["done_on"] = error
    elif done_on > dt.date.today():
        errors["done_on"] = "Enter today's date or an earlier one"
    elif done_on.year != activity.year:
        errors["done_on"] = f"Enter a date in {activity.year}, the year this activity counts towards"
    note = " ".join(str(form.get("note") or "").split())
    if not note:
        errors["note"] = "Enter a short note of what was looked at and found"
    elif len(note) > MAX_NOTE:
        errors["note"] = f"Enter a note of {MAX_NOTE} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    activity.done_on, activity.done_by_id, activity.note = done_on, actor.staff_id, note
    activity.recorded_at = dt.datetime.now(dt.UTC)
    audit.record(db, "quality_recorded", actor, activity_id=activity.id, kind=activity.kind,
                 supervisor_id=activity.supervisor_id, supervisee_id=activity.supervisee_id,
                 done_on=done_on.isoformat())
    db.commit()
    return activity
