"""A joint agenda: before the session the supervisee adds what they want to discuss, and those items open the
record's agenda when the supervisor starts it (H 4.4, H 6.1, B 2.2–2.3, both Appendix 1s)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage import audit
from storage.db import session as db
from storage.models import AgendaItem, RecordDraft, Staff, SupervisionRelationship, utcnow
from storage.times import uk_date
from workflows.errors import InvalidInput, NotAllowed

MAX_OPEN = 20


def open_items(supervisee_id: int) -> list[AgendaItem]:
    """What the supervisee has asked to discuss that no record has taken up yet, oldest first."""
    return list(db.scalars(select(AgendaItem).where(AgendaItem.supervisee_id == supervisee_id,
                                                    AgendaItem.taken_at.is_(None)).order_by(AgendaItem.id)))


def add_item(supervisee_id: int, text: str | None, actor: audit.Actor) -> AgendaItem:
    """Add an item to the supervisee's next supervision agenda (the supervisee's own, while they are supervised)."""
    supervisee = db.get(Staff, supervisee_id)
    if supervisee is None or actor.staff_id != supervisee.id:
        raise NotAllowed()
    words = " ".join(str(text or "").split())
    if not _is_supervised(supervisee.id):
        raise InvalidInput({"text": "You have no supervisor on record yet: ask your administrator to add them"})
    if not words:
        raise InvalidInput({"text": "Enter what you would like to discuss"})
    if len(words) > AgendaItem.MAX_TEXT:
        raise InvalidInput({"text": f"Enter {AgendaItem.MAX_TEXT} characters or fewer"})
    if len(open_items(supervisee.id)) >= MAX_OPEN:
        raise InvalidInput({"text": f"Your next agenda already has {MAX_OPEN} items: remove one, or raise the rest "
                                    "at the session"})
    item = AgendaItem(organisation_id=supervisee.organisation_id, supervisee_id=supervisee.id,
                      added_by_id=supervisee.id, text=words)
    db.add(item)
    db.flush()
    audit.record(db, "agenda_item_added", actor, agenda_item_id=item.id, supervisee_id=supervisee.id)
    db.commit()
    return item


def remove_item(item_id: int, actor: audit.Actor) -> None:
    """Take back an item one added, before a record has taken it up."""
    item = db.get(AgendaItem, item_id)
    if item is None or item.added_by_id != actor.staff_id:
        raise NotAllowed()
    if item.taken_at is not None:
        raise InvalidInput({"item": "That item is already on the record of your supervision, so it stays"})
    audit.record(db, "agenda_item_removed", actor, agenda_item_id=item.id, supervisee_id=item.supervisee_id)
    db.delete(item)
    db.commit()


def take_into(draft: RecordDraft, form: dict[str, str]) -> int:
    """Open the new record's agenda with the supervisee's items and mark them taken (the caller commits)."""
    items = open_items(draft.supervisee_id)
    if not items:
        return 0
    lines = [f"• {item.text} (added by {item.added_by.name}, {uk_date(item.added_at.date())})" for item in items]
    form["agenda"] = "\n".join(lines + ([form["agenda"]] if form.get("agenda") else []))
    now = utcnow()
    for item in items:
        item.record_draft_id, item.taken_at = draft.id, now
    return len(items)


def release(draft_id: int) -> None:
    """An unfinished record was deleted: its agenda items are open again for the next one (the caller commits)."""
    for item in db.scalars(select(AgendaItem).where(AgendaItem.record_draft_id == draft_id)):
        item.record_draft_id, item.taken_at = None, None


def _is_supervised(supervisee_id: int) -> bool:
    relationships = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == supervisee_id))
    return any(r.is_current(dt.date.today()) for r in relationships)
