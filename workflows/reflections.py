"""A supervisee's own reflections (H 8.7, B 8.4: "the supervisee should keep a record of supervision as part of their
continuous professional development portfolio"): private to them, and in their portfolio only if they include them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from doc_templates.render import clean_text
from storage import audit
from storage.db import session as db
from storage.models import Reflection, Staff
from storage.times import parse_date
from workflows.errors import InvalidInput, NotAllowed


def reflections_of(staff_id: int, *, in_portfolio: bool = False) -> list[Reflection]:
    """A person's reflections, newest first (only those they include in their portfolio, if asked)."""
    query = select(Reflection).where(Reflection.staff_id == staff_id)
    if in_portfolio:
        query = query.where(Reflection.in_portfolio.is_(True))
    return list(db.scalars(query.order_by(Reflection.written_on.desc(), Reflection.id.desc())))


def reflection_for(reflection_id: int, staff_id: int) -> Reflection:
    """One of the person's own reflections; NotAllowed for anyone else's, as for one that does not exist."""
    reflection = db.get(Reflection, reflection_id)
    if reflection is None or reflection.staff_id != staff_id:
        raise NotAllowed()
    return reflection


def _checked(form: dict) -> tuple[dt.date, str, str, bool]:
    errors: dict[str, str] = {}
    written_on, error = parse_date(form.get("written_on"), "date of the reflection")
    if error:
        errors["written_on"] = error
    elif written_on > dt.date.today():
        errors["written_on"] = "Enter today's date or an earlier one"
    title = " ".join(clean_text(str(form.get("title") or "")).split())
    if not title:
        errors["title"] = "Enter a title, for example the learning or the session it is about"
    elif len(title) > Reflection.MAX_TITLE:
        errors["title"] = f"Enter a title of {Reflection.MAX_TITLE} characters or fewer"
    text = clean_text(str(form.get("text") or "")).replace("\r\n", "\n").strip()
    if not text:
        errors["text"] = "Enter your reflection"
    elif len(text) > Reflection.MAX_TEXT:
        errors["text"] = f"Enter a reflection of {Reflection.MAX_TEXT:,} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    return written_on, title, text, bool(form.get("in_portfolio"))


def write_reflection(staff_id: int, form: dict, actor: audit.Actor) -> Reflection:
    """Keep a new reflection of the person's own."""
    written_on, title, text, included = _checked(form)
    person = db.get(Staff, staff_id)
    reflection = Reflection(organisation_id=person.organisation_id, staff_id=person.id, written_on=written_on,
                            title=title, text=text, in_portfolio=included)
    db.add(reflection)
    db.flush()
    # The words stay private: the log says only that a reflection was written.
    audit.record(db, "reflection_written", actor, reflection_id=reflection.id, in_portfolio=included)
    db.commit()
    return reflection


def change_reflection(reflection_id: int, staff_id: int, form: dict, actor: audit.Actor) -> Reflection:
    """Change one of the person's reflections, or whether it is in their portfolio."""
    reflection = reflection_for(reflection_id, staff_id)
    reflection.written_on, reflection.title, reflection.text, reflection.in_portfolio = _checked(form)
    reflection.changed_at = dt.datetime.now(dt.UTC)
    audit.record(db, "reflection_changed", actor, reflection_id=reflection.id, in_portfolio=reflection.in_portfolio)
    db.commit()
    return reflection
