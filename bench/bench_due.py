"""Benchmark: what is due, at council size, on SQLite or PostgreSQL, with yesterday's code as the baseline.

The database is made by the real Alembic migrations, then filled by bulk insert (no rendering, no files) with
a council of `--staff` people in two organisations (Havering and Barking and Dagenham rules): per organisation,
1% managers, 10% supervisors (each line-managed by a manager and supervised by one), the rest supervisees, each
supervised by one supervisor; 3% with an earlier relationship that has ended, 2% who have left, 5% whose
supervision began this autumn and who have no document yet. Every supervised person has monthly records and
a yearly agreement going back up to seven years (`--documents` in all), each record's form data holding its
session date, the next date booked and some text, as the form stores it; a few latest records are still being
signed or are drafts, a few documents voided, a few agreements being renewed.

Measured:
  daily run        — `schedule.due_everywhere(today)`, what `reminders.send_reminders` reads first: the median of
                     three runs (one for the baseline), wall and CPU time (the CPU time is the same on a busy
                     machine; wall time is what a person waits)
  supervisor page  — what the due page computes for one supervisor: `due_for_supervisor`, `postponed_outstanding`
                     and `unsigned_documents` (p50 and p95 over `--pages` supervisors)
  manager page     — what the team page computes for one manager: `team_due` and the same two lists for the team

With `--baseline`, the same three are also run with the computation as it was before the due columns (every
document of the supervisees loaded with its form data and scanned once per relationship; kept below as
`baseline_due_rows`), in the same run, and every row of both is checked to be the same.

Run from the repo root:
  python -m bench.bench_due [--staff N] [--documents N] [--baseline] [--postgres URL] [--pages N] [--json]
The SQLite file is cached under bench/.data (not committed); PostgreSQL gets a database of its own
(bench_due_<staff>), made again when it does not hold the data asked for. Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import platform
import random
import statistics
import tempfile
import time

import sqlalchemy as sa

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
TODAY = dt.date(2026, 11, 23)
YEARS = 7
PACKS = ("havering", "barking-dagenham")
CATEGORIES = {"havering": ["all_staff"] * 6 + ["day_opportunities", "newly_qualified_social_worker", "apprentice",
                                               "student_social_worker", "non_case_holding"],
              "barking-dagenham": ["all_staff"] * 6 + ["newly_qualified_social_worker", "student_social_worker"]}
TEXT = ("Discussed caseload, wellbeing, training and the actions from last time; agreed the next steps and who "
        "does what by when. ") * 2


# --- the data --------------------------------------------------------------------------------


def build(url: str, staff: int, documents: int, seed: int = 16) -> None:
    """A migrated database holding a council of `staff` people and about `documents` documents."""
    from storage import db as database
    from storage.models import Document, Organisation, Role, Staff, StaffRole, SupervisionRelationship
    from storage.models.documents import due_facts
    from storage.states import DocumentState, RetentionState

    database.upgrade(url)
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    people, roles, relationships = [], [], []
    supervised: list[tuple[int, int, int, dt.date]] = []  # supervisee, supervisor, organisation, from
    per_org = staff // len(PACKS)
    next_id = 1
    for org, pack in enumerate(PACKS, start=1):
        ids = list(range(next_id, next_id + per_org))
        next_id += per_org
        managers = ids[:max(1, per_org // 100)]
        supervisors = ids[len(managers):len(managers) + max(1, per_org // 10)]
        supervisees = ids[len(managers) + len(supervisors):]
        for person in ids:
            manager = managers[person % len(managers)] if person in supervisors else None
            supervisor = (manager if person in supervisors else
                          supervisors[person % len(supervisors)] if person in supervisees else None)
            started = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(14 * 365))
            new = rng.random() < 0.05
            if new:
                started = TODAY - dt.timedelta(days=rng.randrange(20, 80))
            people.append({
                "id": person, "organisation_id": org, "name": f"Person {person:06d}",
                "email": f"person{person}@council{org}.example", "profession": "",
                "staff_category": rng.choice(CATEGORIES[pack]) if rng.random() < 0.9 else "",
                "start_date": started, "qualified_on": started if rng.random() < 0.1 else None,
                "part_time": rng.random() < 0.1, "appointed_from_overseas": rng.random() < 0.05,
                "line_manager_id": manager, "created_at": now,
                "leaver_date": TODAY - dt.timedelta(days=rng.randrange(1, 300)) if rng.random() < 0.02 else None})
            roles.append({"staff_id": person, "role": Role.SUPERVISEE})
            if person not in supervisees:
                roles.append({"staff_id": person, "role": Role.SUPERVISOR})
            if supervisor is None:
                continue
            begins = max(started, TODAY - dt.timedelta(days=YEARS * 365))
            if rng.random() < 0.03 and not new:
                moved = begins + (TODAY - begins) / 2
                earlier = supervisors[(person + 1) % len(supervisors)]
                relationships.append({"supervisor_id": earlier, "supervisee_id": person, "starts_on": begins,
                                      "ends_on": moved - dt.timedelta(days=1)})
                begins = moved
            relationships.append({"supervisor_id": supervisor, "supervisee_id": person, "starts_on": begins,
                                  "ends_on": None})
            supervised.append((person, supervisor, org, TODAY if new else begins))
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.execute(sa.insert(Organisation.__table__), [
            {"id": org, "name": f"Council {org}", "template_pack": pack, "created_at": now}
            for org, pack in enumerate(PACKS, start=1)])
        connection.execute(sa.insert(Staff.__table__), people)
        connection.execute(sa.insert(StaffRole.__table__), roles)
        connection.execute(sa.insert(SupervisionRelationship.__table__), relationships)

        writing = [row for row in supervised if row[3] < TODAY - dt.timedelta(days=30)]
        per_person = max(YEARS + 1, documents // len(writing))
        table, batch, doc_id = Document.__table__, [], 0

        def add(kind: str, supervisee: int, supervisor: int, org: int, state: DocumentState, data: dict,
                made: dt.date) -> None:
            nonlocal doc_id
            doc_id += 1
            created = dt.datetime.combine(made, dt.time(10), dt.UTC)
            batch.append({
                "id": doc_id, "organisation_id": org, "kind": kind, "template_key": f"{PACKS[org - 1]}/{kind}",
                "template_version": 1, "supervisor_id": supervisor, "supervisee_id": supervisee,
                "created_by_id": supervisor, "data": data, "state": state, "content_version": 1,
                "created_at": created, "sent_at": created if state is not DocumentState.DRAFT else None,
                "locked_at": created + dt.timedelta(days=2) if state is DocumentState.LOCKED else None,
                "retention_status": RetentionState.KEPT, **due_facts(data)})

        for supervisee, supervisor, org, since in writing:  # supervision that began recently has nothing yet
            agreements = min(YEARS, 1 + (TODAY - since).days // 365, per_person - 1)
            records = per_person - agreements  # those from before this supervision were with someone else
            for year in range(agreements):
                start = since + dt.timedelta(days=365 * year)
                latest = year == agreements - 1
                state = (rng.choice([DocumentState.DRAFT, DocumentState.OUT_FOR_SIGNATURE])
                         if latest and agreements > 1 and rng.random() < 0.05 else DocumentState.LOCKED)
                add("agreement", supervisee, supervisor, org, state,
                    {"start_date": start.isoformat(), "frequency_weeks": rng.choice([None, 2, 4, 4, 6]),
                     "text": TEXT}, start)
            last = TODAY - dt.timedelta(days=rng.randrange(0, 45))
            for n in range(records):
                held = last - dt.timedelta(days=30 * (records - 1 - n))
                state = DocumentState.LOCKED
                if n == records - 1 and rng.random() < 0.15:
                    state = rng.choice([DocumentState.DRAFT, DocumentState.OUT_FOR_SIGNATURE,
                                        DocumentState.SIGNED_BY_ONE])
                elif rng.random() < 0.02:
                    state = DocumentState.VOIDED
                add("record", supervisee, supervisor, org, state,
                    {"supervision_date": held.isoformat(),
                     "next_supervision_date": (held + dt.timedelta(days=rng.choice([21, 28, 35]))).isoformat(),
                     "text": TEXT}, held)
            if len(batch) >= 20_000:
                connection.execute(sa.insert(table), batch)
                batch.clear()
        if batch:
            connection.execute(sa.insert(table), batch)
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def _ready(url: str, staff: int) -> bool:
    """Whether the database holds this many staff and was made by the migrations the code has now."""
    from storage import db as database

    engine = sa.create_engine(url)
    try:
        current, head = database.migration_status(engine)
        with engine.connect() as connection:
            return current == head and connection.exec_driver_sql("SELECT count(*) FROM staff").scalar_one() == staff
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def database_for(staff: int, documents: int, postgres: str | None) -> str:
    """The benchmark's database URL, built if it does not hold this many staff at the newest schema."""
    if postgres:
        name = f"bench_due_{staff}_{documents}"
        url = sa.engine.make_url(postgres).set(database=name).render_as_string(hide_password=False)
        if _ready(url, staff):
            return url
        admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    else:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"due-{staff}-{documents}.db"
        url = f"sqlite:///{path}"
        if path.exists() and _ready(url, staff):
            return url
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    build(url, staff, documents)
    print(f"built {staff} staff, {documents} documents in {time.perf_counter() - started:.0f} s")
    return url


# --- yesterday's computation, the baseline ---------------------------------------------------


def baseline_due_rows(relationships, today: dt.date):
    """What is due as it was computed before the due columns: every document loaded, scanned per relationship."""
    from sqlalchemy import select

    from storage.db import session as db
    from storage.models import Document, DocumentState, as_utc, utcnow
    from storage.times import add_years
    from workflows.frequency import Person, add_months, category_label, frequency_on, policy_for
    from workflows.schedule import SupervisionDue

    supervisee_ids = {r.supervisee_id for r in relationships}
    if not supervisee_ids:
        return []
    # In the order they were written, as SQLite returns them, so that of two sessions on one day the first counts,
    # as in the grouped queries (PostgreSQL returns rows in no set order).
    documents = db.scalars(select(Document).where(
        Document.supervisee_id.in_(sorted(supervisee_ids)),
        Document.state.not_in([DocumentState.VOIDED, DocumentState.DELETED])).order_by(Document.id)).all()
    rows = []
    for relationship in relationships:
        person = relationship.supervisee
        mine = [d for d in documents if d.supervisee_id == person.id and d.organisation_id == person.organisation_id]
        held = [(day, d) for d in mine if d.kind == "record" and (day := _date(d.data.get("supervision_date")))]
        last_held, last_record = max(held, key=lambda pair: pair[0]) if held else (None, None)
        agreements = [d for d in mine if d.kind == "agreement"]
        signed = max((d for d in agreements if d.state is DocumentState.LOCKED),
                     key=lambda d: (_date(d.data.get("start_date")) or dt.date.min, d.id), default=None)
        pending = max((d for d in agreements if d.state.is_open_for_signature or d.state is DocumentState.DRAFT),
                      key=lambda d: d.id, default=None)
        agreed_weeks = _int(signed.data.get("frequency_weeks")) if signed else None
        facts = Person(person.staff_category or None, person.start_date, person.qualified_on, person.part_time,
                       person.appointed_from_overseas, agreed_weeks)
        pack = person.organisation.template_pack
        if last_held is not None:
            base = last_held
        else:
            starts = [relationship.starts_on, person.start_date, _date(signed.data.get("start_date")) if signed else None]
            base = max(day for day in starts if day is not None)
        frequency = frequency_on(pack, facts, base)
        review_due = None
        if signed is not None:
            began = _date(signed.data.get("start_date")) or (as_utc(signed.locked_at) or utcnow()).date()
            review_due = add_years(began, 1)
        within = policy_for(pack).agreement_within_months
        needed_by = add_months(relationship.starts_on, within) if within and signed is None else None
        booked = _date(last_record.data.get("next_supervision_date")) if last_record is not None else None
        rows.append(SupervisionDue(
            supervisee=person, supervisor=relationship.supervisor, relationship=relationship,
            category=category_label(pack, person.staff_category), last_held=last_held,
            booked_for=booked if booked and booked >= today else None, next_due=frequency.due_after(base),
            frequency=frequency, today=today, agreement=signed, agreement_pending=pending, review_due=review_due,
            agreement_needed_by=needed_by,
        ))
    return sorted(rows, key=lambda row: (row.next_due, row.supervisee.name, row.supervisee.id))


def baseline_due_for_supervisor(supervisor_id: int, today: dt.date):
    from workflows.teams import current_relationships

    return baseline_due_rows(current_relationships(supervisor_id, today), today)


def baseline_team_due(manager_id: int, today: dt.date):
    from workflows.teams import team_supervisors

    return [(s, baseline_due_for_supervisor(s.id, today)) for s in team_supervisors(manager_id)]


def _date(value):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def row_key(row) -> tuple:
    """Everything a due row says, as plain values, to check two computations agree."""
    return (row.supervisee.id, row.supervisor.id, row.relationship.id, row.category, row.last_held, row.booked_for,
            row.next_due, row.frequency, row.agreement.id if row.agreement else None,
            row.agreement_pending.id if row.agreement_pending else None, row.review_due, row.agreement_needed_by,
            row.status, row.review_status, row.agreement_needed_status)


# --- measuring -------------------------------------------------------------------------------


def _timed(call, cpu: list[float] | None = None) -> tuple[float, object]:
    """Wall time of one call in a fresh session; its CPU time (this process) is appended to `cpu`."""
    from storage.db import session

    session.remove()
    started, started_cpu = time.perf_counter(), time.process_time()
    result = call()
    elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return elapsed, result


def _supervisor_page(supervisor_id: int, due) -> object:
    from workflows import schedule

    return (due(supervisor_id, TODAY), schedule.postponed_outstanding([supervisor_id], TODAY),
            schedule.unsigned_documents(TODAY, [supervisor_id]))


def _manager_page(manager_id: int, team) -> object:
    from workflows import schedule

    teams = team(manager_id, TODAY)
    ids = [s.id for s, _ in teams]
    return teams, schedule.postponed_outstanding(ids, TODAY), schedule.unsigned_documents(TODAY, ids)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(url: str, pages: int, baseline: bool) -> dict:
    from sqlalchemy import select

    from app import create_app
    from storage.db import session
    from storage.models import Role, Staff
    from workflows import schedule

    scratch = tempfile.mkdtemp(prefix="bench-due-")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BLOB_DIR": scratch, "OUTBOX_DIR": scratch})
    results: dict = {}
    with app.app_context():
        everyone = session.scalars(select(Staff)).all()
        supervisors = sorted(s.id for s in everyone if s.has_role(Role.SUPERVISOR) and s.line_manager_id)
        managers = sorted({s.line_manager_id for s in everyone if s.line_manager_id})
        rng = random.Random(1)
        chosen_supervisors = rng.sample(supervisors, min(pages, len(supervisors)))
        chosen_managers = rng.sample(managers, min(max(5, pages // 5), len(managers)))
        session.remove()

        def measure(name, due_everywhere, due_for_supervisor, team_due):
            daily_cpu: list[float] = []
            daily = []
            for _ in range(daily_runs):
                elapsed, rows = _timed(lambda: due_everywhere(TODAY), daily_cpu)
                daily.append(elapsed)
            keys = [row_key(r) for r in rows]
            page_times, page_keys = [], []
            for supervisor_id in chosen_supervisors:
                elapsed, (due, *_rest) = _timed(lambda s=supervisor_id: _supervisor_page(s, due_for_supervisor))
                page_times.append(elapsed)
                page_keys.append([row_key(r) for r in due])
            team_times, team_keys = [], []
            for manager_id in chosen_managers:
                elapsed, (teams, *_rest) = _timed(lambda m=manager_id: _manager_page(m, team_due))
                team_times.append(elapsed)
                team_keys.append([(s.id, [row_key(r) for r in rows]) for s, rows in teams])
            session.remove()
            results[name] = {
                "daily_run_s": round(statistics.median(daily), 3), "daily_run_first_s": round(daily[0], 3),
                "daily_run_cpu_s": round(statistics.median(daily_cpu), 3), "rows": len(rows),
                "supervisor_page_p50_ms": round(statistics.median(page_times) * 1000, 1),
                "supervisor_page_p95_ms": round(_percentile(page_times, 0.95) * 1000, 1),
                "manager_page_p50_ms": round(statistics.median(team_times) * 1000, 1),
                "manager_page_max_ms": round(max(team_times) * 1000, 1),
                "team_rows_mean": round(statistics.mean(sum(len(r) for _s, r in t) for t in team_keys), 1)}
            return keys, page_keys, team_keys

        daily_runs = 3
        ours = measure("ours", schedule.due_everywhere, schedule.due_for_supervisor, schedule.team_due)
        if baseline:
            daily_runs = 1  # it takes minutes
            theirs = measure("baseline", lambda today: baseline_due_rows(
                schedule.current_relationships(None, today), today), baseline_due_for_supervisor, baseline_team_due)
            results["same_rows"] = ours == theirs
            results["ratio_baseline_over_ours"] = {
                key: round(results["baseline"][key] / results["ours"][key], 1)
                for key in ("daily_run_s", "daily_run_cpu_s", "supervisor_page_p95_ms", "manager_page_max_ms")
                if results["ours"][key]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=5_000)
    parser.add_argument("--documents", type=int, default=420_000)
    parser.add_argument("--pages", type=int, default=50, help="supervisors' pages to time (managers: a fifth)")
    parser.add_argument("--baseline", action="store_true", help="also run the old computation and compare")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://…); default SQLite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = database_for(args.staff, args.documents, args.postgres)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM documents").scalar_one()
    engine.dispose()
    results = {"database": sa.engine.make_url(url).get_backend_name(), "staff": args.staff, "documents": count,
               "python": platform.python_version(), **run(url, args.pages, args.baseline)}
    print(json.dumps(results, indent=None if args.json else 2, default=str))


if __name__ == "__main__":
    main()
