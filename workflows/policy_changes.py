"""A significant change to the supervision policy: recorded by an admin, after which every agreement made before it
is due for review (H 7.1, B 6.1: "reviewed annually and if and when there are any significant policy changes")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select

from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, PolicyChange, Staff
from storage.times import parse_date
from workflows.errors import InvalidInput
from workflows.teams import current_relationships

REVIEW_WITHIN_DAYS = 30  # an agreement is reviewed within a month of the change, time enough to book it
MAX_DESCRIPTION = 1000


def latest_changes(organisation_ids: Iterable[int]) -> dict[int, dt.date]:
    """Each organisation's most recent significant policy change."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}
    rows = db.execute(select(PolicyChange.organisation_id, func.max(PolicyChange.changed_on))
                      .where(PolicyChange.organisation_id.in_(ids)).group_by(PolicyChange.organisation_id))
    return {organisation_id: day for organisation_id, day in rows}


def review_due(yearly: dt.date, agreement_began: dt.date, changed_on: dt.date | None) -> dt.date:
    """When an agreement is next reviewed: a year after it began, or within a month of a policy change made since."""
    if changed_on is None or changed_on <= agreement_began:
        return yearly
    return min(yearly, changed_on + dt.timedelta(days=REVIEW_WITHIN_DAYS))


def record_policy_change(admin_id: int, form: dict, actor: audit.Actor) -> tuple[PolicyChange, int]:
    """Note a significant policy change; every current agreement in the organisation is then due for review.
    Returns the change and how many signed agreements are now due for review."""
    admin = db.get(Staff, admin_id)
    errors: dict[str, str] = {}
    changed_on, error = parse_date(form.get("changed_on"), "date the policy changed")
    if error:
        errors["changed_on"] = error
    elif changed_on > dt.date.today():
        errors["changed_on"] = "Enter today's date or an earlier one – record a change once it has been made"
    description = " ".join(str(form.get("description") or "").split())
    if not description:
        errors["description"] = "Describe the change, for example “Version 1.3: supervision at least every 4 weeks”"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Describe the change in {MAX_DESCRIPTION} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    change = PolicyChange(organisation_id=admin.organisation_id, changed_on=changed_on, description=description,
                          recorded_by_id=admin.id)
    db.add(change)
    db.flush()
    affected = _agreements_made_before(admin.organisation_id, changed_on)
    audit.record(db, "policy_change_recorded", actor, policy_change_id=change.id, changed_on=changed_on.isoformat(),
                 description=description, agreements_for_review=affected)
    db.commit()
    return change, affected


def policy_changes(organisation_id: int) -> list[PolicyChange]:
    """The organisation's recorded policy changes, newest first."""
    return list(db.scalars(select(PolicyChange).where(PolicyChange.organisation_id == organisation_id)
                           .order_by(PolicyChange.changed_on.desc(), PolicyChange.id.desc())))


def _agreements_made_before(organisation_id: int, changed_on: dt.date) -> int:
    """How many current supervisees' newest signed agreements began before the change (as the due pages count them)."""
    supervisee_ids = {r.supervisee_id for r in current_relationships(None, dt.date.today())
                      if r.supervisee.organisation_id == organisation_id}
    if not supervisee_ids:
        return 0
    signed = db.scalars(select(Document).where(
        Document.organisation_id == organisation_id, Document.kind == "agreement",
        Document.state == DocumentState.LOCKED, Document.supervisee_id.in_(sorted(supervisee_ids)))).all()
    newest: dict[int, tuple[dt.date, int]] = {}
    for document in signed:
        began = _date(document.data.get("start_date")) or document.locked_at.date()
        newest[document.supervisee_id] = max(newest.get(document.supervisee_id, (dt.date.min, 0)), (began, document.id))
    return sum(1 for began, _id in newest.values() if began < changed_on)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
