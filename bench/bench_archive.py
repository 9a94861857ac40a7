"""Benchmark: HR archive search over 1,000,000 synthetic documents on SQLite, with and without our indexes.

The database is made by the real Alembic migrations, then filled with metadata-only documents by a bulk
insert (no files, no rendering; every document kept under the retention rule). It is cached under bench/.data
(not committed) so later runs skip the generation; `--rebuild` makes it again, and so does a cached file made by
older migrations than the code's.

"Ours" is `workflows.archive.search` on the migrated schema (with the archive's composite indexes, migration 0002).
"Baseline" is the very same function on a copy of that database without those five indexes, i.e. the
single-column indexes of migration 0001 only. Same queries, same parameters, run in turns.

Searches measured (each returns the first page of 25, newest first, plus the capped count):
  person      — one supervisee's documents
  supervisor  — one supervisor's documents created in a 90-day window
  status      — every document in one state (a broad search: hundreds of thousands match)

Run from the repo root:  python -m bench.bench_archive [--documents N] [--iterations N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator

from storage.states import DocumentState, RetentionState

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
OUR_INDEXES = ("ix_documents_archive_supervisee", "ix_documents_archive_supervisor", "ix_documents_archive_state",
               "ix_documents_archive_kind", "ix_documents_archive_created")
ORGANISATIONS = 2
SUPERVISORS = 1_000
SUPERVISEES = 20_000
# Roughly what a live archive holds: most documents signed, a few in each other state.
STATES = [("locked", 70), ("out_for_signature", 9), ("signed_by_one", 5), ("draft", 8), ("declined", 3), ("voided", 5)]
START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
KEPT = RetentionState.KEPT.value  # the retention_status column holds the value: 'kept'
SPAN_DAYS = 7 * 365


def _stamp(moment: dt.datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format, so the real queries compare like with like.
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def rows(documents: int, seed: int = 5) -> tuple[list[tuple], list[tuple], Iterator[tuple]]:
    """The synthetic organisations, staff and documents (metadata only), as rows for the INSERTs below."""
    rng = random.Random(seed)
    now = _stamp(dt.datetime.now(dt.UTC))
    organisations = [(o, f"Council {o}", "havering", now) for o in range(1, ORGANISATIONS + 1)]
    staff = []
    for i in range(1, SUPERVISORS + SUPERVISEES + 1):
        org = 1 + i % ORGANISATIONS
        staff.append((i, org, f"Person {i:06d}", f"person{i}@council{org}.example", "", "", now))
    # Supervisors are ids 1..SUPERVISORS; each supervisee has one, in the same organisation (same id parity).
    supervisor_of = {s: (2 * (s % (SUPERVISORS // 2)) + s % 2) or SUPERVISORS
                     for s in range(SUPERVISORS + 1, SUPERVISORS + SUPERVISEES + 1)}
    # The state column holds the enum's name, as SQLAlchemy writes it; retention_status holds the value.
    states = [s.upper() for s, weight in STATES for _ in range(weight)]
    supervisees = list(supervisor_of)

    def documents_rows() -> Iterator[tuple]:
        for doc_id in range(1, documents + 1):
            supervisee = rng.choice(supervisees)
            supervisor = supervisor_of[supervisee]
            created = START + dt.timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
            state = rng.choice(states)
            yield (doc_id, 1 + supervisee % ORGANISATIONS, "agreement" if rng.random() < 0.2 else "record",
                   "havering/supervision-agreement", 1, supervisor, supervisee, supervisor, "{}", state, 1,
                   _stamp(created), _stamp(created + dt.timedelta(days=3)) if state == "LOCKED" else None, KEPT)

    return organisations, staff, documents_rows()


ORGANISATION_COLUMNS = "id, name, template_pack, created_at"
STAFF_COLUMNS = "id, organisation_id, name, email, profession, staff_category, created_at"
DOCUMENT_COLUMNS = ("id, organisation_id, kind, template_key, template_version, supervisor_id, supervisee_id, "
                    "created_by_id, data, state, content_version, created_at, locked_at, retention_status")


def generate(path: pathlib.Path, documents: int, seed: int = 5) -> None:
    """A migrated SQLite database with `documents` synthetic documents (metadata only)."""
    from storage import db as database

    path.unlink(missing_ok=True)
    database.upgrade(f"sqlite:///{path}")
    organisations, staff, documents_rows = rows(documents, seed)
    connection = sqlite3.connect(path)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;")
    connection.executemany(f"INSERT INTO organisations ({ORGANISATION_COLUMNS}) VALUES (?, ?, ?, ?)", organisations)
    connection.executemany(f"INSERT INTO staff ({STAFF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", staff)
    batch = []
    for row in documents_rows:
        batch.append(row)
        if len(batch) == 50_000:
            _insert(connection, batch)
            batch = []
    _insert(connection, batch)
    connection.commit()
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def _insert(connection: sqlite3.Connection, rows: list[tuple]) -> None:
    connection.executemany(f"INSERT INTO documents ({DOCUMENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def baseline_copy(ours: pathlib.Path, baseline: pathlib.Path) -> None:
    """The same data without the archive's composite indexes (migration 0002)."""
    shutil.copy(ours, baseline)
    connection = sqlite3.connect(baseline)
    for name in OUR_INDEXES:
        connection.execute(f"DROP INDEX IF EXISTS {name}")
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def at_head(path: pathlib.Path) -> bool:
    """Whether a cached database was made by the migrations the code has now."""
    from alembic.script import ScriptDirectory

    from storage import db as database

    head = ScriptDirectory.from_config(database.alembic_config(f"sqlite:///{path}")).get_current_head()
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()


def databases(documents: int, rebuild: bool) -> tuple[pathlib.Path, pathlib.Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    ours, baseline = DATA / f"archive-{documents}.db", DATA / f"archive-{documents}-baseline.db"
    if rebuild or not ours.exists() or not at_head(ours):
        started = time.perf_counter()
        generate(ours, documents)
        print(f"generated {documents:,} documents in {time.perf_counter() - started:.1f} s -> {ours}", file=sys.stderr)
        baseline.unlink(missing_ok=True)
    if not baseline.exists():
        baseline_copy(ours, baseline)
    return ours, baseline


def make_queries(iterations: int, seed: int = 11) -> dict[str, list[dict]]:
    """The same random parameters for every database: real people, real supervisors, real states (as `rows` made
    them)."""
    rng = random.Random(seed)
    supervisees = [(i, 1 + i % ORGANISATIONS) for i in range(SUPERVISORS + 1, SUPERVISORS + SUPERVISEES + 1)]
    supervisors = [(i, 1 + i % ORGANISATIONS) for i in range(1, SUPERVISORS + 1)]
    queries: dict[str, list[dict]] = {"person": [], "supervisor": [], "status": []}
    for _ in range(iterations):
        person, org = rng.choice(supervisees)
        queries["person"].append({"organisation_id": org, "supervisee_id": person})
        supervisor, org = rng.choice(supervisors)
        start = (START + dt.timedelta(days=rng.randrange(SPAN_DAYS - 90))).date()
        queries["supervisor"].append({"organisation_id": org, "supervisor_id": supervisor, "created_from": start,
                                      "created_to": start + dt.timedelta(days=90)})
        queries["status"].append({"organisation_id": rng.randint(1, ORGANISATIONS),
                                  "state": DocumentState(rng.choice([s for s, _ in STATES]))})
    return queries


class Runner:
    """The app bound to one database file, calling the real search function."""

    def __init__(self, path: pathlib.Path, scratch: str):
        from app import create_app

        self.app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench", "BLOB_DIR": scratch,
                               "OUTBOX_DIR": scratch})
        self.context = self.app.app_context()
        self.context.push()

    def search(self, params: dict):
        from storage.db import session
        from workflows import archive

        try:
            return archive.search(archive.Search(**params))
        finally:
            session.remove()

    def plans(self, params: dict) -> list[tuple[str, list[str]]]:
        """EXPLAIN QUERY PLAN for each statement one search runs."""
        from sqlalchemy import event

        from storage.db import session

        engine = self.app.extensions["countersign.engine"]
        seen: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            self.search(params)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        out = []
        raw = engine.raw_connection()
        try:
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                out.append((" ".join(statement.split()), [row[-1] for row in rows]))
        finally:
            raw.close()
        session.remove()
        return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1_000_000,
                        help="synthetic documents to generate (default 1,000,000; each size is cached apart)")
    parser.add_argument("--iterations", type=int, default=200, help="searches of each kind on our schema")
    parser.add_argument("--baseline-iterations", type=int, default=20,
                        help="searches of each kind on the baseline (it is slow: seconds per broad search)")
    parser.add_argument("--rebuild", action="store_true", help="generate the data again")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    ours_path, baseline_path = databases(args.documents, args.rebuild)
    queries = make_queries(args.iterations)
    scratch = tempfile.mkdtemp(prefix="bench-archive-")
    results: dict[str, dict] = {}
    plans: dict[str, dict] = {}
    try:
        for label, path, count in (("ours", ours_path, args.iterations), ("baseline", baseline_path, args.baseline_iterations)):
            runner = Runner(path, scratch)
            for kind, params_list in queries.items():
                runner.search(params_list[0])  # warm the page cache and the statement cache
                times = []
                for params in params_list[:count]:
                    started = time.perf_counter()
                    runner.search(params)
                    times.append((time.perf_counter() - started) * 1000)
                results.setdefault(kind, {})[label] = {"n": len(times), "median_ms": statistics.median(times),
                                                       "p95_ms": percentile(times, 0.95)}
                plans.setdefault(kind, {})[label] = runner.plans(params_list[0])
            runner.context.pop()
            runner.app.extensions["countersign.engine"].dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    if args.json:
        print(json.dumps({"documents": args.documents, "results": results, "plans": plans}, indent=2, default=str))
        return
    print(f"HR archive search over {args.documents:,} documents (SQLite), {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print()
    print("| search | ours median ms | ours p95 ms | baseline median ms | baseline p95 ms | ratio (p95) |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, row in results.items():
        ours, base = row["ours"], row["baseline"]
        print(f"| {kind} | {ours['median_ms']:.2f} | {ours['p95_ms']:.2f} | {base['median_ms']:.2f} | "
              f"{base['p95_ms']:.2f} | {base['p95_ms'] / ours['p95_ms']:.0f}× |")
    print()
    for kind, by_label in plans.items():
        for label, statements in by_label.items():
            print(f"{kind} / {label}:")
            for statement, plan in statements:
                print(f"  {statement[:110]}{'…' if len(statement) > 110 else ''}")
                for line in plan:
                    print(f"      {line}")
        print()


if __name__ == "__main__":
    main()
