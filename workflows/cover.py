"""Cover during a supervisor's absence: a named supervisor, for a stated period, writes and signs the records of the
absent supervisor's supervisees, sees only what that needs, and is never counted as their supervisor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from storage import audit
from storage.db import session as db
from storage.models import CoverArrangement, Document, DocumentState, Role, Staff, SupervisionRelationship
from storage.times import parse_date
from workflows.errors import InvalidInput, NotAllowed

MAX_REASON = 500
LONGEST_COVER_DAYS = 366


def is_covering(cover_id: int, supervisee_id: int, on: dt.date | None = None) -> bool:
    """True if this person covers, on that day, for the supervisee's current supervisor."""
    on = on or dt.date.today()
    return any(True for _ in _covered_relationships(cover_id, on, supervisee_id))


def covered_supervisees(cover_id: int, on: dt.date | None = None) -> list[tuple[Staff, CoverArrangement]]:
    """The supervisees this person covers for on that day, each with the arrangement, by name."""
    on = on or dt.date.today()
    return sorted(((r.supervisee, arrangement) for r, arrangement in _covered_relationships(cover_id, on)),
                  key=lambda pair: pair[0].name)


def _covered_relationships(cover_id: int, on: dt.date, supervisee_id: int | None = None):
    arrangements = db.scalars(select(CoverArrangement).where(
        CoverArrangement.cover_id == cover_id, CoverArrangement.starts_on <= on, CoverArrangement.ends_on >= on)).all()
    for arrangement in arrangements:
        query = select(SupervisionRelationship).where(
            SupervisionRelationship.supervisor_id == arrangement.supervisor_id)
        if supervisee_id is not None:
            query = query.where(SupervisionRelationship.supervisee_id == supervisee_id)
        for relationship in db.scalars(query):
            if relationship.is_current(on):
                yield relationship, arrangement


def needed_by_cover(user: Staff, document: Document, on: dt.date) -> bool:
    """What a cover needs of a covered supervisee: the records they wrote themselves, the supervisee's newest signed
    agreement and newest signed record (whose actions they review) – nothing older."""
    if not user.has_role(Role.SUPERVISOR) or not is_covering(user.id, document.supervisee_id, on):
        return False
    if document.supervisor_id == user.id:
        return True
    if document.state is not DocumentState.LOCKED:
        return False
    newest = db.scalar(select(Document.id).where(
        Document.supervisee_id == document.supervisee_id, Document.kind == document.kind,
        Document.state == DocumentState.LOCKED).order_by(Document.locked_at.desc(), Document.id.desc()).limit(1))
    return newest == document.id


def author_while_covering(user: Staff, document: Document, on: dt.date) -> bool:
    """A cover's own record, while the cover lasts (or while it is being signed): they send and sign it."""
    return (user.id == document.supervisor_id and document.kind == "record"
            and (document.state.is_open_for_signature or is_covering(user.id, document.supervisee_id, on)))


def arrange_cover(supervisor_id: int | None, cover_id: int | None, form: dict, actor: audit.Actor
                  ) -> CoverArrangement:
    """Name a supervisor to cover an absent one's supervision for a period: the absent supervisor arranges it, or
    their line manager."""
    arranger = db.get(Staff, actor.staff_id)
    absent = db.get(Staff, supervisor_id) if supervisor_id else None
    cover = db.get(Staff, cover_id) if cover_id else None
    errors: dict[str, str] = {}
    if absent is None or absent.organisation_id != arranger.organisation_id or not (
            absent.id == arranger.id or absent.line_manager_id == arranger.id):
        errors["supervisor"] = "Choose yourself, or a supervisor you line-manage"
    if cover is None or cover.organisation_id != arranger.organisation_id or not cover.has_role(Role.SUPERVISOR):
        errors["cover"] = "Choose a supervisor in your organisation to cover"
    elif absent is not None and cover.id == absent.id:
        errors["cover"] = "Choose someone other than the supervisor who is away"
    starts_on, error = parse_date(form.get("starts_on"), "first day of the cover")
    if error:
        errors["starts_on"] = error
    ends_on, error = parse_date(form.get("ends_on"), "last day of the cover")
    if error:
        errors["ends_on"] = error
    elif starts_on is not None and not starts_on <= ends_on <= starts_on + dt.timedelta(days=LONGEST_COVER_DAYS):
        errors["ends_on"] = "Enter a last day on or after the first day, and within a year of it"
    reason = " ".join(str(form.get("reason") or "").split())
    if len(reason) > MAX_REASON:
        errors["reason"] = f"Enter a reason of {MAX_REASON} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    arrangement = CoverArrangement(organisation_id=arranger.organisation_id, supervisor=absent, cover=cover,
                                   starts_on=starts_on, ends_on=ends_on, reason=reason, arranged_by_id=arranger.id)
    db.add(arrangement)
    db.flush()
    audit.record(db, "cover_arranged", actor, cover_arrangement_id=arrangement.id, supervisor_id=absent.id,
                 cover_id=cover.id, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), reason=reason)
    db.commit()
    return arrangement


def end_cover(arrangement_id: int, actor: audit.Actor) -> CoverArrangement:
    """End a cover early (the supervisor is back): from tomorrow the cover writes and sees nothing more."""
    arrangement = db.get(CoverArrangement, arrangement_id)
    user = db.get(Staff, actor.staff_id)
    if arrangement is None or user is None or arrangement.organisation_id != user.organisation_id or user.id not in (
            arrangement.supervisor_id, arrangement.supervisor.line_manager_id, arrangement.arranged_by_id):
        raise NotAllowed()
    today = dt.date.today()
    if arrangement.ends_on < today:
        raise InvalidInput({"arrangement": "That cover has already ended"})
    # Today is its last day; one not yet begun ends before its first day, so it never covers a day.
    arrangement.ends_on = today if arrangement.starts_on <= today else arrangement.starts_on - dt.timedelta(days=1)
    audit.record(db, "cover_ended", actor, cover_arrangement_id=arrangement.id, ends_on=arrangement.ends_on.isoformat())
    db.commit()
    return arrangement


def arrangements_for(user: Staff) -> list[CoverArrangement]:
    """The cover arrangements a person is part of: away, covering, arranged by them, or for a supervisor they
    line-manage; newest first."""
    team = select(Staff.id).where(Staff.line_manager_id == user.id)
    return list(db.scalars(select(CoverArrangement).where(
        CoverArrangement.organisation_id == user.organisation_id,
        or_(CoverArrangement.supervisor_id == user.id, CoverArrangement.cover_id == user.id,
            CoverArrangement.arranged_by_id == user.id, CoverArrangement.supervisor_id.in_(team)))
        .order_by(CoverArrangement.starts_on.desc(), CoverArrangement.id.desc())))


def supervisors_to_cover_for(user: Staff) -> list[Staff]:
    """Whom this person may arrange cover for: themselves, if a supervisor, and the supervisors they line-manage."""
    team = [s for s in db.scalars(select(Staff).where(Staff.line_manager_id == user.id).order_by(Staff.name))
            if s.has_role(Role.SUPERVISOR)]
    return ([user] if user.has_role(Role.SUPERVISOR) else []) + team


def possible_covers(user: Staff) -> list[Staff]:
    """The supervisors in the organisation who could cover."""
    return [s for s in db.scalars(select(Staff).where(Staff.organisation_id == user.organisation_id,
                                                      Staff.leaver_date.is_(None)).order_by(Staff.name))
            if s.has_role(Role.SUPERVISOR)]
