"""The demo organisations: a small Havering team and a small Barking and Dagenham team, added once per install."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pathlib
import secrets

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from storage import audit
from storage.db import session as db
from storage.models import Organisation, RetentionPolicy, Role, Staff, SupervisionRelationship
from workflows import demo_supervision as supervision_examples

ORGANISATION = "London Borough of Havering (demo)"
PASSWORD_FILE = "demo-password.txt"
STARTS_ON = dt.date(2026, 1, 5)


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    name: str
    email: str
    roles: tuple[str, ...]
    password: str


@dataclasses.dataclass(frozen=True)
class _Person:
    name: str
    email: str
    roles: tuple[Role, ...]
    profession: str = ""
    staff_category: str = ""
    line_manager: str | None = None


TEAM = (
    _Person("Ade Adebayo", "ade.adebayo@havering.example", (Role.ADMIN,)),
    _Person("Hana Patel", "hana.patel@havering.example", (Role.HR,)),
    _Person("Morgan Lee", "morgan.lee@havering.example", (Role.SUPERVISOR,), "Social worker", "all_staff"),
    _Person("Sam Taylor", "sam.taylor@havering.example", (Role.SUPERVISOR, Role.SUPERVISEE), "Social worker",
            "all_staff", line_manager="morgan.lee@havering.example"),
    _Person("Jo O'Brien", "jo.obrien@havering.example", (Role.SUPERVISEE,), "Social worker",
            "all_staff", line_manager="sam.taylor@havering.example"),
    _Person("Ravi Shah", "ravi.shah@havering.example", (Role.SUPERVISEE,), "Occupational therapist",
            "all_staff", line_manager="sam.taylor@havering.example"),
    # Ravi's professional supervisor: Ravi is an occupational therapist, his line manager Sam a social worker (H 5.4).
    _Person("Olivia Thomas", "olivia.thomas@havering.example", (Role.SUPERVISOR,),
            "Occupational therapist", "all_staff", line_manager="morgan.lee@havering.example"),
)
SUPERVISION = (
    ("morgan.lee@havering.example", "sam.taylor@havering.example"),
    ("sam.taylor@havering.example", "jo.obrien@havering.example"),
    ("sam.taylor@havering.example", "ravi.shah@havering.example"),
)


BD_ORGANISATION = "London Borough of Barking and Dagenham (demo)"
BD_TEAM = (
    _Person("Nia Okoro", "nia.okoro@lbbd.example", (Role.ADMIN, Role.HR)),
    _Person("Tom Reilly", "tom.reilly@lbbd.example", (Role.SUPERVISOR,), "Social worker", "Service manager"),
    _Person("Priya Nair", "priya.nair@lbbd.example", (Role.SUPERVISOR, Role.SUPERVISEE), "Social worker",
            "Practice supervisor", line_manager="tom.reilly@lbbd.example"),
    _Person("Dan Mensah", "dan.mensah@lbbd.example", (Role.SUPERVISEE,), "Social worker",
            "Qualified social worker", line_manager="priya.nair@lbbd.example"),
    _Person("Ella Wood", "ella.wood@lbbd.example", (Role.SUPERVISEE,), "Occupational therapist",
            "Occupational therapist", line_manager="priya.nair@lbbd.example"),
    # Ella's professional supervisor: Ella is an occupational therapist, her line manager Priya a social worker (B 4.2).
    _Person("Grace Mills", "grace.mills@lbbd.example", (Role.SUPERVISOR,), "Occupational therapist",
            "Occupational therapist", line_manager="tom.reilly@lbbd.example"),
)
BD_SUPERVISION = (
    ("tom.reilly@lbbd.example", "priya.nair@lbbd.example"),
    ("priya.nair@lbbd.example", "dan.mensah@lbbd.example"),
    ("priya.nair@lbbd.example", "ella.wood@lbbd.example"),
)
# Each demo organisation: its name, template pack, people and supervision relationships.
ORGANISATIONS = (
    (ORGANISATION, "havering", TEAM, SUPERVISION),
    (BD_ORGANISATION, "barking-dagenham", BD_TEAM, BD_SUPERVISION),
)


def seed_demo(instance_path: str | os.PathLike) -> list[DemoAccount]:
    """Add the demo organisations and their accounts if missing; the accounts and their shared password either way."""
    password, new_password = _install_password(pathlib.Path(instance_path) / PASSWORD_FILE)
    accounts = []
    for name, pack, team, supervision in ORGANISATIONS:
        _seed_organisation(name, pack, team, supervision, password, new_password)
        accounts += [DemoAccount(p.name, p.email, tuple(r.value for r in p.roles), password) for p in team]
    # Always end the transaction: on SQLite even a read holds the write lock until it ends.
    db.commit()
    supervision_examples.add_examples(ORGANISATION, BD_ORGANISATION)
    return accounts


def _seed_organisation(name: str, pack: str, team: tuple[_Person, ...], supervision: tuple[tuple[str, str], ...],
                       password: str, new_password: bool) -> None:
    organisation = db.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()
    changed = organisation is None or new_password
    if organisation is None:
        organisation = Organisation(name=name, template_pack=pack)
        db.add(organisation)
    people = {}
    for person in team:
        staff, added = _ensure_person(organisation, person)
        # A lost password file means a new password: the accounts follow it so the printed one always works.
        if added or new_password:
            staff.password_hash = generate_password_hash(password)
        people[person.email] = staff
        changed |= added
    for person in team:
        if person.line_manager and people[person.email].line_manager is None:
            people[person.email].line_manager = people[person.line_manager]
            changed = True
    db.flush()
    for supervisor, supervisee in supervision:
        changed |= _ensure_supervision(people[supervisor], people[supervisee])
    changed |= _ensure_retention_policy(organisation)
    if changed:
        audit.record(db, "demo_seeded", audit.SYSTEM, organisation_id=organisation.id, organisation=name)


def _install_password(path: pathlib.Path) -> tuple[str, bool]:
    """This install's demo password, made once and kept where start-up can print it again; True if just made."""
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start, so the clear text is never readable by other users even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password, True


def _ensure_person(organisation: Organisation, person: _Person) -> tuple[Staff, bool]:
    staff = db.scalars(select(Staff).where(func.lower(Staff.email) == person.email)).one_or_none()
    if staff is not None:
        if staff.organisation is not organisation:
            db.rollback()
            raise RuntimeError(f"{person.email} already belongs to {staff.organisation.name}, not the demo organisation")
        return staff, False
    staff = Staff(organisation=organisation, name=person.name, email=person.email, profession=person.profession,
                  staff_category=person.staff_category, start_date=STARTS_ON)
    for role in person.roles:
        staff.grant(role)
    db.add(staff)
    return staff, True


def _ensure_supervision(supervisor: Staff, supervisee: Staff) -> bool:
    exists = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisor_id == supervisor.id,
        SupervisionRelationship.supervisee_id == supervisee.id,
    )).first()
    if exists is not None:
        return False
    db.add(SupervisionRelationship(supervisor=supervisor, supervisee=supervisee, starts_on=STARTS_ON))
    return True


def _ensure_retention_policy(organisation: Organisation) -> bool:
    """Havering keeps a leaver's records seven years (H 9.4): the period HR sees and can change."""
    exists = db.scalars(select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation.id,
                                                      RetentionPolicy.staff_category == "")).first()
    if exists is not None:
        return False
    db.add(RetentionPolicy(organisation=organisation, staff_category="", years=7, basis="Havering policy 9.4"))
    return True
