"""Professional supervision: a social worker or occupational therapist whose line manager is of another profession
has a professional supervisor of their own (H 4.2, H 5.4, B 2.2, B 3.1, B 4.2: "an OT will be supervised by an OT,
a social worker by a social worker")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from storage import audit
from storage.db import session as db
from storage.models import ProfessionalSupervision, Role, Staff
from storage.times import parse_date
from workflows.errors import InvalidInput

# The registered professions the policies name, and the words a job title uses for each.
PROFESSIONS = {"social work": ("social work",), "occupational therapy": ("occupational therap", "ot")}


def profession_of(text: str | None) -> str | None:
    """The registered profession a job title belongs to ("Senior social worker": social work); None for others."""
    words = " ".join((text or "").lower().split())
    for profession, stems in PROFESSIONS.items():
        if any(stem in words if len(stem) > 2 else stem in words.split() for stem in stems):
            return profession
    return None


def needs_professional_supervisor(person: Staff) -> bool:
    """A registered professional whose line manager is not of their profession (or who has no line manager)."""
    own = profession_of(person.profession)
    if own is None:
        return False
    manager = person.line_manager
    return manager is None or profession_of(manager.profession) != own


def current_professional_supervisors(supervisee_ids: Iterable[int], on: dt.date | None = None) -> dict[int, Staff]:
    """Each supervisee's professional supervisor on that day, where they have one."""
    ids = sorted(set(supervisee_ids))
    if not ids:
        return {}
    on = on or dt.date.today()
    found: dict[int, Staff] = {}
    for row in db.scalars(select(ProfessionalSupervision).where(ProfessionalSupervision.supervisee_id.in_(ids))
                          .order_by(ProfessionalSupervision.starts_on)):
        if row.is_current(on):
            found[row.supervisee_id] = row.professional_supervisor
    return found


def without_professional_supervisor(people: Iterable[Staff], on: dt.date | None = None) -> dict[int, str]:
    """Of these supervisees, those who need a professional supervisor and have none, with why, by id."""
    needing = [p for p in people if needs_professional_supervisor(p)]
    have = current_professional_supervisors((p.id for p in needing), on)
    return {p.id: f"No professional supervisor: a registered {profession_of(p.profession)} professional whose line "
                  f"manager is {'not named' if p.line_manager is None else 'of another profession'}"
            for p in needing if p.id not in have}


def name_professional_supervisor(supervisee_id: int | None, professional_id: int | None, form: dict,
                                 actor: audit.Actor) -> ProfessionalSupervision:
    """An admin names a supervisee's professional supervisor, of the supervisee's own profession, from a day; it
    replaces the one before from that day."""
    admin = db.get(Staff, actor.staff_id)
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    professional = db.get(Staff, professional_id) if professional_id else None
    errors: dict[str, str] = {}
    own = profession_of(supervisee.profession) if supervisee is not None else None
    if supervisee is None or supervisee.organisation_id != admin.organisation_id or own is None:
        errors["supervisee"] = "Choose a social worker or occupational therapist in your organisation"
    if professional is None or professional.organisation_id != admin.organisation_id or not professional.has_role(
            Role.SUPERVISOR) or (supervisee is not None and professional.id == supervisee.id):
        errors["professional_supervisor"] = "Choose a supervisor in your organisation"
    elif own is not None and profession_of(professional.profession) != own:
        errors["professional_supervisor"] = (f"Choose a supervisor of the same profession ({own}): an OT is "
                                             "supervised by an OT, a social worker by a social worker")
    starts_on, error = parse_date(form.get("starts_on"), "date the professional supervision starts")
    if error:
        errors["starts_on"] = error
    if errors:
        raise InvalidInput(errors)
    for earlier in db.scalars(select(ProfessionalSupervision).where(
            ProfessionalSupervision.supervisee_id == supervisee.id, ProfessionalSupervision.ends_on.is_(None))):
        earlier.ends_on = max(earlier.starts_on, starts_on - dt.timedelta(days=1))
    row = ProfessionalSupervision(organisation_id=admin.organisation_id, supervisee=supervisee,
                                  professional_supervisor=professional, starts_on=starts_on, arranged_by_id=admin.id)
    db.add(row)
    db.flush()
    audit.record(db, "professional_supervisor_named", actor, supervisee_id=supervisee.id,
                 professional_supervisor_id=professional.id, starts_on=starts_on.isoformat())
    db.commit()
    return row


def registered_staff(organisation_id: int) -> list[Staff]:
    """The organisation's social workers and occupational therapists still working, by name."""
    return [s for s in db.scalars(select(Staff).where(Staff.organisation_id == organisation_id,
                                                      Staff.leaver_date.is_(None)).order_by(Staff.name))
            if profession_of(s.profession)]


def is_current_professional_supervisor(staff_id: int, supervisee_id: int, on: dt.date | None = None) -> bool:
    """Whether this person is the supervisee's professional supervisor on that day."""
    return getattr(current_professional_supervisors([supervisee_id], on).get(supervisee_id), "id", None) == staff_id


def professional_supervisees(staff_id: int, on: dt.date | None = None) -> list[Staff]:
    """The people this person is professional supervisor of on that day, by name."""
    on = on or dt.date.today()
    rows = db.scalars(select(ProfessionalSupervision).where(
        ProfessionalSupervision.professional_supervisor_id == staff_id))
    ids = {row.supervisee_id for row in rows if row.is_current(on)}
    current = current_professional_supervisors(ids, on)
    return sorted((s for s in (db.get(Staff, i) for i in ids) if current.get(s.id) and current[s.id].id == staff_id
                   and not s.has_left(on)), key=lambda s: s.name)
