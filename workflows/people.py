"""The admin's use cases for people: add staff, set a password, supervision relationships, import a CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage import audit
from storage.db import session as db
from storage.ids import as_id
from storage.models import Organisation, RecoveryCode, Role, Staff, StaffRole, SupervisionRelationship, utcnow
from storage.outbox import queue_email
from storage.times import parse_date, uk_date
from workflows import account_messages, frequency, passwords, transfers
from workflows.errors import InvalidInput, NotAllowed
from workflows.sign_in import end_logins

CSV_COLUMNS = ("name", "email", "roles", "profession", "staff_category", "start_date",
               "line_manager_email", "supervisor_email", "qualified_on", "part_time", "appointed_from_overseas")
CSV_REQUIRED_COLUMNS = ("name", "email", "roles")
# Supervision frequency depends on category and professional supervision on profession (H Appendix 3).
_SUPERVISED_ROLES = {Role.SUPERVISOR, Role.SUPERVISEE}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class CsvRejected(InvalidInput):
    """The file has mistakes and nothing was saved; `problems` lists each, with its row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        # Each problem is about the file as a whole, not about one field of the form it was uploaded with.
        super().__init__({**{f"problem {n}": problem for n, problem in enumerate(problems, start=1)},
                          "file": "Nothing has been saved. Correct the problems listed, then upload the file again"})


@dataclasses.dataclass(frozen=True)
class StaffList:
    """Everyone in an organisation, whom each supervises today, and the relationships that have not ended."""

    everyone: list[Staff]
    supervisees: dict[int, list[Staff]]
    relationships: list[SupervisionRelationship]
    total: int = 0
    page: int = 1
    per_page: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


STAFF_PER_PAGE = 25
LINE_MAX_TYPED = 100
STAFF_STATUSES = {"current": "Working here", "left": "Left", "all": "Everyone"}


@dataclasses.dataclass(frozen=True)
class StaffSearch:
    """Which staff the admin's list shows: part of a name or email, a role, whether they have left, the page."""

    typed: str = ""
    role: Role | None = None
    status: str = "current"
    page: int = 1


@dataclasses.dataclass(frozen=True)
class ImportReport:
    """What a CSV import added."""

    added: int
    relationships: int


# --- finding people ------------------------------------------------------------------------------


def staff_of(organisation_id: int) -> list[Staff]:
    """Everyone in an organisation, by name."""
    return list(db.scalars(select(Staff).where(Staff.organisation_id == organisation_id).order_by(Staff.name)))


def staff_search(typed: str | None = None, role: str | None = None, status: str | None = None,
                 page: str | None = None) -> StaffSearch:
    """The admin's filters as given: anything not offered is no filter, a page that is not a number the first."""
    roles = {r.value: r for r in Role}
    text = str(page or "")
    return StaffSearch(typed=" ".join(str(typed or "").split())[:LINE_MAX_TYPED], role=roles.get(role or ""),
                       status=status if status in STAFF_STATUSES else "current",
                       page=int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 and int(text) else 1)



def _matching(organisation_id: int, search: StaffSearch, today: dt.date):
    statement = select(Staff).where(Staff.organisation_id == organisation_id)
    if search.typed:
        escaped = search.typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Staff.name.ilike(f"%{escaped}%", escape="\\")
                                    | Staff.email.ilike(f"%{escaped}%", escape="\\"))
    if search.role is not None:
        statement = statement.where(Staff.role_rows.any(StaffRole.role == search.role))
    if search.status == "current":
        statement = statement.where(Staff.leaver_date.is_(None) | (Staff.leaver_date >= today))
    elif search.status == "left":
        statement = statement.where(Staff.leaver_date < today)
    return statement


def staff_list(organisation_id: int, today: dt.date, search: StaffSearch | None = None) -> StaffList:
    """The admin's list of staff: one page of those the search finds, whom each supervises, and every relationship
    not yet ended."""
    search = search or StaffSearch(status="all", page=1)
    matching = _matching(organisation_id, search, today)
    total = db.scalar(select(func.count()).select_from(matching.subquery()))
    page = min(search.page, max(1, -(-total // STAFF_PER_PAGE)))
    everyone = list(db.scalars(matching.order_by(Staff.name, Staff.id)
                               .limit(STAFF_PER_PAGE).offset((page - 1) * STAFF_PER_PAGE)))
    relationships = list(db.scalars(
        select(SupervisionRelationship).join(SupervisionRelationship.supervisor)
        .where(Staff.organisation_id == organisation_id)
        .order_by(SupervisionRelationship.starts_on)
    ))
    supervisees = {person.id: [r.supervisee for r in relationships if r.supervisor_id == person.id
                               and r.is_current(today)] for person in everyone}
    not_ended = [r for r in relationships if r.ends_on is None or r.ends_on >= today]
    return StaffList(everyone, supervisees, not_ended, total, page, STAFF_PER_PAGE)


def person_in(organisation_id: int, staff_id: int) -> Staff:
    """A person of this organisation; NotAllowed for anyone else, as for someone who does not exist."""
    person = db.get(Staff, staff_id)
    if person is None or person.organisation_id != organisation_id:
        raise NotAllowed()
    return person


def relationship_in(organisation_id: int, relationship_id: int) -> SupervisionRelationship:
    """A supervision relationship in this organisation; NotAllowed otherwise."""
    relationship = db.get(SupervisionRelationship, relationship_id)
    if relationship is None or relationship.supervisor.organisation_id != organisation_id:
        raise NotAllowed()
    return relationship


# --- adding people -------------------------------------------------------------------------------


def add_staff(organisation_id: int, form: Mapping[str, object], actor: audit.Actor) -> Staff:
    """Add a person to the organisation, with their roles and, if given, a password.

    `form` holds the fields by name, as the page's form gives them (a date, a tick, an id) or as text.
    """
    _check_admin(actor, organisation_id)
    values, errors = _check_person(form, _emails_on_record(organisation_id), _pack(organisation_id))
    line_manager = _chosen(form, "line_manager_id", organisation_id, errors,
                           "Choose a line manager from your organisation")
    supervisor = _chosen(form, "supervisor_id", organisation_id, errors, "Choose a supervisor from your organisation")
    if supervisor is not None and not supervisor.has_role(Role.SUPERVISOR):
        errors["supervisor_id"] = f"Choose someone with the supervisor role – {supervisor.name} does not have it"
    password = str(form.get("password") or "")
    if password and (problem := passwords.password_problem(password)):
        errors["password"] = f"{problem}, or leave it blank"
    if errors:
        raise InvalidInput(errors)
    staff = _new_staff(organisation_id, values, line_manager)
    if password:
        staff.password_hash = passwords.hash_password(password)
    db.add(staff)
    if supervisor is not None:
        db.add(SupervisionRelationship(supervisor=supervisor, supervisee=staff,
                                       starts_on=staff.start_date or dt.date.today()))
    db.flush()
    invited = _yes(form.get("send_link")) and staff.organisation.password_sign_in and not password
    if invited:
        passwords.email_password_link(staff, "welcome")
    audit.record(db, "staff_added", actor, staff_id=staff.id, email=staff.email,
                 roles=sorted(r.value for r in staff.roles), password_set=bool(password),
                 supervisor_id=supervisor.id if supervisor else None, emailed_link=bool(invited))
    try:
        db.commit()
    except IntegrityError:
        # Someone else added the same email between our check and this commit.
        db.rollback()
        raise InvalidInput({"email": _email_taken(values["email"])}) from None
    return staff


def set_password(staff_id: int, password: str, actor: audit.Actor) -> Staff:
    """Give a person a new password; any browser they were signed in on is signed out."""
    staff = db.get(Staff, staff_id)
    if staff is None:
        raise NotAllowed()
    admin = _check_admin(actor, staff.organisation_id)
    problem = passwords.password_problem(password, staff)
    if problem:
        raise InvalidInput({"password": problem})
    staff.password_hash = passwords.hash_password(password)
    staff.failed_sign_ins, staff.sign_in_paused_until = 0, None
    # Whoever knew the old password may be signed in with it.
    end_logins(staff)
    audit.record(db, "password_set", actor, staff_id=staff.id, email=staff.email,
                 privileged=_privileged(staff.roles))
    if _privileged(staff.roles) and admin is not None:
        # Someone who sees HR records or manages staff always hears of a change to their account.
        subject, body = account_messages.account_changed(staff, admin, "a new password has been set")
        queue_email(db, to=staff.email, organisation_id=staff.organisation_id, subject=subject, body=body)
    db.commit()
    return staff


def signing_settings(organisation_id: int) -> Organisation:
    """The organisation, for its signing settings page."""
    return db.get(Organisation, organisation_id)


def set_signing_code(organisation_id: int, required: bool, actor: audit.Actor) -> Organisation:
    """Turn on or off the emailed one-time code that signers from an emailed link type before signing."""
    _check_admin(actor, organisation_id)
    organisation = db.get(Organisation, organisation_id)
    organisation.signing_code_required = bool(required)
    audit.record(db, "signing_settings_changed", actor, organisation_id=organisation.id,
                 signing_code_required=organisation.signing_code_required)
    db.commit()
    return organisation


def reset_second_factor(staff_id: int, actor: audit.Actor) -> Staff:
    """Turn off a person's second factor (a lost phone and lost codes): they set it up again at their next sign-in."""
    staff = db.get(Staff, staff_id)
    if staff is None:
        raise NotAllowed()
    admin = _check_admin(actor, staff.organisation_id)
    if admin is not None and admin.id == staff.id:
        raise InvalidInput({"staff": "Ask another admin to do this – you cannot turn off your own second factor"})
    staff.totp_secret, staff.totp_enabled_at, staff.totp_last_step = None, None, None
    for code in db.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff.id,
                                                      RecoveryCode.used_at.is_(None))):
        code.used_at = utcnow()
    end_logins(staff)
    audit.record(db, "second_factor_reset", actor, staff_id=staff.id, email=staff.email)
    if admin is not None:
        subject, body = account_messages.account_changed(
            staff, admin, "your second factor has been turned off; set up your authenticator app again when you "
                          "next sign in")
        queue_email(db, to=staff.email, organisation_id=staff.organisation_id, subject=subject, body=body)
    db.commit()
    return staff


def edit_staff(staff_id: int, form: Mapping[str, object], actor: audit.Actor) -> Staff:
    """Change any of a person's details: name, email, roles, profession, category, dates, line manager, supervisor.

    A new supervisor takes over today, as a transfer does (the old one's unsent drafts are voided)."""
    staff = db.get(Staff, staff_id)
    if staff is None:
        raise NotAllowed()
    admin = _check_admin(actor, staff.organisation_id)
    organisation_id = staff.organisation_id
    values, errors = _check_person(form, _emails_on_record(organisation_id) - {staff.email.lower()}, _pack(organisation_id))
    line_manager = _chosen(form, "line_manager_id", organisation_id, errors,
                           "Choose a line manager from your organisation")
    if line_manager is not None and line_manager.id == staff.id:
        errors["line_manager_id"] = "Choose someone else – a person cannot be their own line manager"
    supervisor = _chosen(form, "supervisor_id", organisation_id, errors, "Choose a supervisor from your organisation")
    today = dt.date.today()
    current = [r for r in db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == staff.id)) if r.is_current(today)]
    if supervisor is not None and not supervisor.has_role(Role.SUPERVISOR):
        errors["supervisor_id"] = f"Choose someone with the supervisor role – {supervisor.name} does not have it"
    elif supervisor is not None and supervisor.id == staff.id:
        errors["supervisor_id"] = "Choose someone else – a person cannot supervise themselves"
    elif supervisor is None and current:
        errors["supervisor_id"] = (f"Choose {staff.name}'s supervisor – to end their supervision, choose End beside "
                                   "it on the staff page")
    if admin is not None and admin.id == staff.id and Role.ADMIN not in values.get("roles", set()):
        errors["roles"] = "Keep the admin role on your own account – another admin can remove it"
    if errors:
        raise InvalidInput(errors)
    before = {"roles": sorted(r.value for r in staff.roles), "email": staff.email}
    changed = _apply(staff, values, line_manager)
    if supervisor is not None and supervisor.id not in [r.supervisor_id for r in current]:
        try:
            transfers.move_supervisee(staff, supervisor, today, actor)
        except InvalidInput:
            db.rollback()  # nothing of the edit is kept
            raise
        changed.append("supervisor")
    after_roles = sorted(r.value for r in staff.roles)
    audit.record(db, "staff_changed", actor, staff_id=staff.id, email=staff.email, changed=changed,
                 roles_before=before["roles"], roles=after_roles, email_before=before["email"])
    if "roles" in changed and (_privileged(before["roles"]) or _privileged(after_roles)):
        # A change to who can see HR records or manage staff: audited as such, told to the person, and they sign in
        # again (with the second factor their new roles may need).
        audit.record(db, "privileged_roles_changed", actor, staff_id=staff.id, roles_before=before["roles"],
                     roles=after_roles)
        end_logins(staff)
        if admin is not None:
            what = f"your roles are now {', '.join(Role(r).label for r in after_roles)}"
            subject, body = account_messages.account_changed(staff, admin, what)
            for address in {before["email"], staff.email}:
                queue_email(db, to=address, subject=subject, body=body, organisation_id=staff.organisation_id)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise InvalidInput({"email": _email_taken(values["email"])}) from None
    return staff


def person_form(staff: Staff, today: dt.date) -> dict:
    """A person's details as the edit form shows them."""
    current = [r for r in db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == staff.id)) if r.is_current(today)]
    return {"name": staff.name, "email": staff.email, "roles": [r.value for r in staff.roles],
            "profession": staff.profession, "staff_category": staff.staff_category, "start_date": staff.start_date,
            "qualified_on": staff.qualified_on, "part_time": staff.part_time,
            "appointed_from_overseas": staff.appointed_from_overseas,
            "line_manager_id": staff.line_manager_id, "supervisor_id": current[0].supervisor_id if current else None}


def _apply(staff: Staff, values: dict, line_manager: Staff | None) -> list[str]:
    """Set the checked values on the person; the names of the fields that changed."""
    changed = []
    for field in ("name", "email", "profession", "staff_category", "start_date", "qualified_on", "part_time",
                  "appointed_from_overseas"):
        if getattr(staff, field) != values[field]:
            setattr(staff, field, values[field])
            changed.append(field)
    if staff.line_manager_id != (line_manager.id if line_manager else None):
        staff.line_manager = line_manager
        changed.append("line_manager")
    if staff.roles != values["roles"]:
        staff.role_rows = [row for row in staff.role_rows if row.role in values["roles"]]
        for role in sorted(values["roles"]):
            staff.grant(role)
        changed.append("roles")
    return changed


def _yes(value) -> bool:
    return value is True or str(value or "").strip().lower() in ("y", "yes", "true", "on", "1")


def _privileged(roles) -> bool:
    return bool({Role(r) for r in roles} & {Role.HR, Role.ADMIN})


def _chosen(form: Mapping, field: str, organisation_id: int, errors: dict[str, str], message: str) -> Staff | None:
    """The person chosen in a field (an id), if any; an error if it is not someone in the organisation."""
    raw = str(form.get(field) or "").strip()
    if not raw:
        return None
    person_id = as_id(raw)
    person = db.get(Staff, person_id) if person_id is not None else None
    if person is None or person.organisation_id != organisation_id:
        errors[field] = message
        return None
    return person


# --- supervision relationships -------------------------------------------------------------------


def add_relationship(supervisor_id: int | None, supervisee_id: int | None, starts_on: dt.date | str,
                     ends_on: dt.date | str | None, actor: audit.Actor) -> SupervisionRelationship:
    """Record that one person supervises another from a date, and until a date if it is known."""
    admin = _check_admin(actor, None)
    supervisor = db.get(Staff, supervisor_id) if supervisor_id else None
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    errors: dict[str, str] = {}
    if supervisor is None or (admin and supervisor.organisation_id != admin.organisation_id):
        errors["supervisor_id"] = "Choose the supervisor"
    elif not supervisor.has_role(Role.SUPERVISOR):
        errors["supervisor_id"] = f"Choose someone with the supervisor role – {supervisor.name} does not have it"
    if supervisee is None or (admin and supervisee.organisation_id != admin.organisation_id):
        errors["supervisee_id"] = "Choose the supervisee"
    elif supervisor is not None and supervisee.id == supervisor.id:
        errors["supervisee_id"] = "Choose someone other than the supervisor – a person cannot supervise themselves"
    elif supervisor is not None and supervisee.organisation_id != supervisor.organisation_id:
        errors["supervisee_id"] = "Choose a supervisee from the supervisor's organisation"
    start, start_error = parse_date(starts_on, "start date")
    end, end_error = parse_date(ends_on, "end date") if ends_on else (None, None)
    if start is None:
        errors["starts_on"] = start_error or "Enter the date supervision starts"
    if end_error:
        errors["ends_on"] = end_error
    elif start and end and end < start:
        errors["ends_on"] = "Enter an end date the same as or after the start date"
    if not errors:
        clash = _overlapping(supervisor.id, supervisee.id, start, end)
        if clash is not None:
            errors["starts_on"] = (
                f"{supervisor.name} already supervises {supervisee.name} {_span(clash)} – "
                "end that relationship first, or choose dates that do not overlap"
            )
    if errors:
        raise InvalidInput(errors)
    relationship = SupervisionRelationship(supervisor=supervisor, supervisee=supervisee, starts_on=start, ends_on=end)
    db.add(relationship)
    db.flush()
    audit.record(db, "relationship_added", actor, relationship_id=relationship.id, supervisor_id=supervisor.id,
                 supervisee_id=supervisee.id, starts_on=start.isoformat(), ends_on=end.isoformat() if end else None)
    db.commit()
    return relationship


def end_relationship(relationship_id: int, ends_on: dt.date | str, actor: audit.Actor) -> SupervisionRelationship:
    """Record the last day of a supervision relationship."""
    relationship = db.get(SupervisionRelationship, relationship_id)
    if relationship is None:
        raise NotAllowed()
    _check_admin(actor, relationship.supervisor.organisation_id)
    end, error = parse_date(ends_on, "end date")
    if end is None:
        raise InvalidInput({"ends_on": error or "Enter the last day of supervision"})
    if end < relationship.starts_on:
        raise InvalidInput({"ends_on": f"Enter a date on or after {uk_date(relationship.starts_on)}, when it started"})
    if relationship.ends_on is not None and end > relationship.ends_on:
        raise InvalidInput({"ends_on": f"Enter a date on or before {uk_date(relationship.ends_on)}, when it already ends"})
    relationship.ends_on = end
    audit.record(db, "relationship_ended", actor, relationship_id=relationship.id,
                 supervisor_id=relationship.supervisor_id, supervisee_id=relationship.supervisee_id,
                 ends_on=end.isoformat())
    db.commit()
    return relationship


# --- importing a CSV -----------------------------------------------------------------------------


def import_staff_file(organisation_id: int, data: bytes, actor: audit.Actor) -> ImportReport:
    """Add everyone in an uploaded CSV file, or no one; CsvRejected lists every problem in it."""
    if not data:
        raise InvalidInput({"file": "Select a CSV file"})
    return import_staff_csv(organisation_id, decode_csv(data), actor)


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without Excel's BOM), else Excel's Windows encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def import_staff_csv(organisation_id: int, csv_text: str, actor: audit.Actor) -> ImportReport:
    """Add everyone in the file, or no one: every row is checked before anything is saved."""
    _check_admin(actor, organisation_id)
    rows, problems = _read_csv(csv_text)
    if not rows:
        raise CsvRejected(_by_row(problems))

    on_record = {s.email.lower(): s for s in db.scalars(select(Staff))}
    taken = set(on_record)
    pack = _pack(organisation_id)
    in_file: dict[str, tuple[int, dict]] = {}
    checked: list[tuple[int, dict, dict[str, str]]] = []
    for number, cells in rows:
        values, errors = _check_person(cells, taken, pack)
        email = values.get("email")
        if email in in_file and "email" in errors:
            errors["email"] = f"Enter a different email address – {email} is also on row {in_file[email][0]}"
        if email and "email" not in errors:
            in_file[email] = (number, values)
            taken.add(email)
        checked.append((number, values, cells))
        problems += [(number, message) for message in errors.values()]

    for number, values, cells in checked:
        own = values.get("email")
        manager = cells.get("line_manager_email", "").strip().lower()
        if manager:
            problem = _refers_to(manager, own, organisation_id, on_record, in_file, need_role=None)
            if problem:
                problems.append((number, f"Enter the line manager's email address – {problem}"))
        supervisor = cells.get("supervisor_email", "").strip().lower()
        if supervisor:
            problem = _refers_to(supervisor, own, organisation_id, on_record, in_file, need_role=Role.SUPERVISOR)
            if problem:
                problems.append((number, f"Enter the supervisor's email address – {problem}"))
    if problems:
        raise CsvRejected(_by_row(problems))

    created = {email: _new_staff(organisation_id, values, None) for email, (_n, values) in in_file.items()}
    db.add_all(created.values())
    db.flush()
    everyone = {**on_record, **created}
    today = dt.date.today()
    relationships = 0
    for _number, values, cells in checked:
        staff = created[values["email"]]
        manager = cells.get("line_manager_email", "").strip().lower()
        supervisor = cells.get("supervisor_email", "").strip().lower()
        staff.line_manager = everyone[manager] if manager else None
        if supervisor:
            db.add(SupervisionRelationship(supervisor=everyone[supervisor], supervisee=staff,
                                           starts_on=staff.start_date or today))
            relationships += 1
        audit.record(db, "staff_added", actor, staff_id=staff.id, email=staff.email,
                     roles=sorted(r.value for r in staff.roles), password_set=False, via="csv import",
                     line_manager=manager or None, supervisor=supervisor or None)
    audit.record(db, "staff_imported", actor, organisation_id=organisation_id, added=len(created),
                 relationships=relationships)
    db.commit()
    return ImportReport(added=len(created), relationships=relationships)


def _read_csv(csv_text: str) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int | None, str]]]:
    """The file's rows by spreadsheet row number (the header is row 1), and what is wrong with its shape."""
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff"), newline=""))
    try:
        records = list(reader)
    except csv.Error as error:
        return [], [(reader.line_num, f"The file could not be read as a CSV ({error})")]
    records = [(number, record) for number, record in enumerate(records, start=1)
               if any(cell.strip() for cell in record)]
    if not records:
        return [], [(None, "The file is empty. Save your spreadsheet as a CSV with a row of column names first")]
    header_row, header_cells = records[0]
    header = [re.sub(r"[\s\-]+", "_", cell.strip().lower()) for cell in header_cells]
    problems = []
    for name in dict.fromkeys(header):
        if name and name not in CSV_COLUMNS:
            problems.append((header_row, f"“{name}” is not a column Countersign knows. "
                                         f"Name the columns {', '.join(CSV_COLUMNS)}"))
        elif name and header.count(name) > 1:
            problems.append((header_row, f"The column “{name}” appears more than once"))
    problems += [(header_row, f"Add a column called “{name}”") for name in CSV_REQUIRED_COLUMNS if name not in header]
    if len(records) == 1:
        problems.append((None, "The file has column names but no people. Add a row for each person"))
    if problems:
        return [], problems
    rows, shape = [], []
    for number, record in records[1:]:
        if any(cell.strip() for cell in record[len(header):]):
            shape.append((number, "There are more cells than columns – check for a stray comma"))
        rows.append((number, {name: cell for name, cell in zip(header, record, strict=False) if name}))
    return rows, shape


def _by_row(problems: list[tuple[int | None, str]]) -> list[str]:
    ordered = sorted(problems, key=lambda problem: problem[0] or 0)
    return [f"Row {row}: {message}" if row else message for row, message in ordered]


def _refers_to(email: str, own: str | None, organisation_id: int, on_record: dict[str, Staff],
               in_file: dict[str, tuple[int, dict]], need_role: Role | None) -> str | None:
    """What is wrong with a reference to another person by email, if anything."""
    if email == own:
        return "a person cannot be their own line manager or supervisor" if need_role is None else \
            "a person cannot supervise themselves"
    if email in in_file:
        roles = in_file[email][1]["roles"]
        # An empty set means that row's roles were wrong, which is reported against that row already.
        if need_role and roles and need_role not in roles:
            return f"{email} (row {in_file[email][0]}) does not have the {need_role.value} role"
        return None
    person = on_record.get(email)
    if person is None or person.organisation_id != organisation_id:
        return f"no one in this file or on record has the email address {email}"
    if need_role and not person.has_role(need_role):
        return f"{person.name} ({email}) does not have the {need_role.value} role"
    return None


# --- checks shared by the form and the CSV ------------------------------------------------------


def _check_person(form: Mapping[str, object], taken: set[str], pack: str) -> tuple[dict, dict[str, str]]:
    """A person's details from a form or CSV row, cleaned, and a message for each field that is wrong."""
    values: dict = {}
    errors: dict[str, str] = {}
    values["name"] = " ".join(str(form.get("name") or "").split())
    if not values["name"]:
        errors["name"] = "Enter the person's full name"
    elif len(values["name"]) > 200:
        errors["name"] = "Enter a name of 200 characters or fewer"
    email = str(form.get("email") or "").strip().lower()
    values["email"] = email
    if not email:
        errors["email"] = "Enter an email address"
    elif not _EMAIL.match(email) or len(email) > 320:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    elif email in taken:
        errors["email"] = _email_taken(email)
    values["roles"], roles_error = _parse_roles(form.get("roles"))
    if roles_error:
        errors["roles"] = roles_error
    values["profession"] = " ".join(str(form.get("profession") or "").split())
    if len(values["profession"]) > 100:
        errors["profession"] = "Enter a profession of 100 characters or fewer"
    elif not values["profession"] and values["roles"] & _SUPERVISED_ROLES:
        errors["profession"] = "Enter the person's profession, like social worker or occupational therapist"
    values.update(_check_frequency_facts(form, pack, values["roles"], errors))
    start = str(form.get("start_date") or "").strip()
    values["start_date"] = None
    if start:
        values["start_date"], error = parse_date(start, "start date")
        if error:
            errors["start_date"] = error
    return values, errors


def _check_frequency_facts(form: Mapping, pack: str, roles: set[Role], errors: dict[str, str]) -> dict:
    """Staff category (from the organisation's list), qualification date and the part-time and overseas flags."""
    values: dict = {}
    typed = " ".join(str(form.get("staff_category") or "").split())
    values["staff_category"] = frequency.category_code(pack, typed) or ""
    labels = "; ".join(label for _code, label in frequency.policy_for(pack).choices())
    if typed and not values["staff_category"]:
        errors["staff_category"] = (f"Choose a staff category from your supervision policy ({labels}) – "
                                    f"“{typed[:100]}” is not one of them")
    elif not typed and roles & _SUPERVISED_ROLES:
        errors["staff_category"] = f"Enter the person's staff category, one of: {labels}"
    values["qualified_on"] = None
    qualified = str(form.get("qualified_on") or "").strip()
    if qualified:
        values["qualified_on"], error = parse_date(qualified, "date they qualified")
        if error:
            errors["qualified_on"] = error
    elif values["staff_category"] == "newly_qualified_non_registered":
        errors["qualified_on"] = ("Enter the date they qualified – newly qualified staff are supervised "
                                  "fortnightly for three months after it")
    for field, label in (("part_time", "part time"), ("appointed_from_overseas", "appointed from outside the UK")):
        flag = str(form.get(field) or "").strip().lower()
        if flag in ("", "no", "n", "false", "0"):
            values[field] = False
        elif flag in ("yes", "y", "true", "1", "on"):
            values[field] = True
        else:
            errors[field] = f"Enter yes or no for {label}, or leave it blank for no"
    return values


def _pack(organisation_id: int) -> str:
    organisation = db.get(Organisation, organisation_id)
    return organisation.template_pack if organisation else ""


def _parse_roles(raw: str | list[str] | None) -> tuple[set[Role], str | None]:
    names = raw if isinstance(raw, list) else re.split(r"[;,]", raw or "")
    names = [name.strip().lower() for name in names if name and name.strip()]
    if not names:
        return set(), "Select at least one role"
    known = {role.value for role in Role}
    unknown = [name for name in names if name not in known]
    if unknown:
        return set(), (f"Enter roles from {', '.join(r.value for r in Role)}, separated by semicolons – "
                       f"“{unknown[0]}” is not a role")
    return {Role(name) for name in names}, None


def _new_staff(organisation_id: int, values: dict, line_manager: Staff | None) -> Staff:
    staff = Staff(organisation_id=organisation_id, name=values["name"], email=values["email"],
                  profession=values["profession"], staff_category=values["staff_category"],
                  start_date=values["start_date"], line_manager=line_manager,
                  qualified_on=values["qualified_on"], part_time=values["part_time"],
                  appointed_from_overseas=values["appointed_from_overseas"])
    for role in sorted(values["roles"]):
        staff.grant(role)
    return staff


def _emails_on_record(organisation_id: int) -> set[str]:
    # Unique within the organisation: agency staff can have an account at each council they work for.
    return set(db.scalars(select(func.lower(Staff.email)).where(Staff.organisation_id == organisation_id)))


def _email_taken(email: str) -> str:
    return f"Enter a different email address – {email} already belongs to someone on record"


def _check_admin(actor: audit.Actor, organisation_id: int | None) -> Staff | None:
    """The signed-in admin acting, who may manage only their own organisation; None for the system itself."""
    if actor.staff_id is None:
        return None
    admin = db.get(Staff, actor.staff_id)
    if admin is None or not admin.has_role(Role.ADMIN):
        raise NotAllowed()
    if organisation_id is not None and admin.organisation_id != organisation_id:
        raise NotAllowed()
    return admin


def _overlapping(supervisor_id: int, supervisee_id: int, start: dt.date,
                 end: dt.date | None) -> SupervisionRelationship | None:
    rows = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisor_id == supervisor_id,
        SupervisionRelationship.supervisee_id == supervisee_id,
    ))
    for row in rows:
        if (end is None or row.starts_on <= end) and (row.ends_on is None or start <= row.ends_on):
            return row
    return None


def _span(relationship: SupervisionRelationship) -> str:
    if relationship.ends_on is None:
        return f"from {uk_date(relationship.starts_on)} with no end date"
    return f"from {uk_date(relationship.starts_on)} to {uk_date(relationship.ends_on)}"


