"""Benchmark: the disposition sweep over 1,000,000 documents, against two baselines run side by side.

The database is a SQLite file made with the real migrations (`storage.db.upgrade`), then filled with
synthetic metadata by bulk insert: one organisation, 20,000 staff of whom 15% have left (leaver dates
spread over 2017–2026, so their records' retention dates fall 2024–2033), a few legal holds, and
1,000,000 documents spread over the staff, each with `retain_until` and `retention_status` set as the app sets
them (kept, or archived for a few long-reviewed ones).

- **Ours (query)** — `workflows.retention.due_for_review(today)`: the indexed range on
  `documents.retain_until`, minus held and already-reviewed documents.
- **Ours (whole sweep)** — `workflows.retention.sweep(today)`: the query, plus a review row, a status
  change and the audit event for every due document, committed (run on a fresh copy of the file).
- **Ours (SQL)** — the exact SQL of that query, run with plain sqlite3 (no ORM), to compare with A.
- **Baseline A (no index)** — the same SQL with `documents NOT INDEXED`, forcing a full scan.
- **Baseline B (naive)** — what a sweep without a stored retention date does: read every document
  with its supervisee's leaver date and the policy, and work out in Python which are due.

Run from the repo root:  python -m bench.bench_disposition [--documents N] [--repeat N] [--sweeps N] [--reuse] [--json]
The generated database goes to bench/out/ (not committed); --reuse makes it again if older migrations made it.
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
import time

from storage.states import DocumentState, RetentionState
from storage.times import add_years

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TODAY = dt.date(2026, 11, 23)
STAFF = 20_000
LEAVER_SHARE = 0.15
HOLDS = 40
# As the columns store them: a document's state by the enum's name, its retention status by the value.
LOCKED, VOIDED, DECLINED = DocumentState.LOCKED.name, DocumentState.VOIDED.name, DocumentState.DECLINED.name
KEPT, ARCHIVED = RetentionState.KEPT.value, RetentionState.ARCHIVED.value


def rows(documents: int, seed: int = 5) -> dict:
    """The synthetic council as rows for the INSERTs below: staff (15% leavers), holds, and the documents (lazily)."""
    rng = random.Random(seed)
    leavers: dict[int, dt.date] = {}
    staff_rows = []
    for staff_id in range(1, STAFF + 1):
        left = None
        if rng.random() < LEAVER_SHARE:
            left = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(0, 3600))
            leavers[staff_id] = left
        staff_rows.append((staff_id, 1, f"Person {staff_id}", f"p{staff_id}@bench.example", "Social worker",
                           "Qualified social worker", NOW, left.isoformat() if left else None))
    held_staff = rng.sample(sorted(leavers), HOLDS)
    until = {s: add_years(d, 7).isoformat() for s, d in leavers.items()}
    states = (LOCKED,) * 8 + (VOIDED, DECLINED)

    def documents_rows():
        for doc_id in range(1, documents + 1):
            supervisee = rng.randrange(2, STAFF + 1)
            supervisor = supervisee - 1
            retain = until.get(supervisee)
            # A few of the long-gone leavers' records were reviewed in earlier sweeps.
            status = ARCHIVED if retain and retain < "2025-01-01" and doc_id % 7 == 0 else KEPT
            yield (doc_id, 1, "agreement" if doc_id % 3 else "record", "havering/supervision-agreement", 1,
                   supervisor, supervisee, supervisor, "{}", states[doc_id % 10], 1, NOW, retain, status)

    return {"staff": staff_rows, "holds": [(s, NOW) for s in held_staff], "leavers": len(leavers),
            "documents": documents_rows()}


NOW = "2026-11-23 09:00:00.000000"
ORGANISATION = "INSERT INTO organisations (id, name, template_pack, created_at) VALUES (1, 'Bench Council', 'havering', '" \
    + NOW + "')"
POLICY = ("INSERT INTO retention_policies (organisation_id, staff_category, years, basis, updated_at) "
          "VALUES (1, '', 7, 'Havering policy 9.4', '" + NOW + "')")
STAFF_COLUMNS = "id, organisation_id, name, email, profession, staff_category, created_at, leaver_date"
HOLD_COLUMNS = "organisation_id, staff_id, reason, placed_at"
DOCUMENT_COLUMNS = ("id, organisation_id, kind, template_key, template_version, supervisor_id, supervisee_id, "
                    "created_by_id, data, state, content_version, created_at, retain_until, retention_status")


def build(path: pathlib.Path, documents: int, seed: int = 5) -> dict:
    """A migrated SQLite file holding `documents` synthetic documents; what was made."""
    from storage import db as database

    if path.exists():
        path.unlink()
    database.upgrade(f"sqlite:///{path}")
    council = rows(documents, seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(ORGANISATION)
    con.execute(POLICY)
    con.executemany(f"INSERT INTO staff ({STAFF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", council["staff"])
    con.executemany(f"INSERT INTO legal_holds ({HOLD_COLUMNS}) VALUES (1, ?, 'Bench hold', ?)", council["holds"])
    started = time.perf_counter()
    con.executemany(f"INSERT INTO documents ({DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    council["documents"])
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return {"documents": documents, "staff": STAFF, "leavers": council["leavers"], "holds": HOLDS,
            "insert_seconds": round(time.perf_counter() - started, 1)}


def at_head(path: pathlib.Path) -> bool:
    """Whether an earlier run's database was made by the migrations the code has now."""
    from alembic.script import ScriptDirectory

    from storage import db as database

    head = ScriptDirectory.from_config(database.alembic_config(f"sqlite:///{path}")).get_current_head()
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def bind(path: pathlib.Path):
    """Point the app's session at `path` (no Flask app is needed for the sweep)."""
    from storage import db as database

    engine = database.make_engine(f"sqlite:///{path}")
    database.session.remove()
    database.session.configure(bind=engine)
    return engine


def ours_query(today: dt.date) -> int:
    from storage.db import session
    from workflows.retention import due_for_review

    due = due_for_review(today)
    session.rollback()
    return len(due)


def sweep_sql(today: dt.date, indexed: bool) -> str:
    """The SQL our query runs, with literal values, optionally forced off the index."""
    from unittest import mock

    from storage.db import session
    from workflows import retention

    captured = []
    with mock.patch.object(retention.db, "execute", side_effect=lambda stmt: captured.append(stmt) or mock.Mock(all=list)):
        retention.due_for_review(today)
    sql = str(captured[0].compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    return sql if indexed else sql.replace("FROM documents", "FROM documents NOT INDEXED", 1)


def raw_query(path: pathlib.Path, sql: str) -> int:
    con = sqlite3.connect(path)
    try:
        return len(con.execute(sql).fetchall())
    finally:
        con.close()


def baseline_naive(path: pathlib.Path, today: dt.date) -> int:
    """Without a stored retention date: every document, its supervisee's leaver date and the policy, in Python."""
    con = sqlite3.connect(path)
    try:
        years = con.execute("SELECT years FROM retention_policies WHERE staff_category = ''").fetchone()[0]
        held_staff = {r[0] for r in con.execute("SELECT staff_id FROM legal_holds WHERE lifted_at IS NULL "
                                                "AND staff_id IS NOT NULL")}
        held_docs = {r[0] for r in con.execute("SELECT document_id FROM legal_holds WHERE lifted_at IS NULL "
                                               "AND document_id IS NOT NULL")}
        due = 0
        for doc_id, leaver, supervisee, status in con.execute(
                "SELECT d.id, s.leaver_date, d.supervisee_id, d.retention_status FROM documents d "
                "JOIN staff s ON s.id = d.supervisee_id"):
            if leaver is None or status != KEPT or supervisee in held_staff or doc_id in held_docs:
                continue
            if add_years(dt.date.fromisoformat(leaver), years) <= today:
                due += 1
        return due
    finally:
        con.close()


def whole_sweep(path: pathlib.Path, today: dt.date) -> tuple[float, int]:
    """The real sweep, committed, on a fresh copy of the database."""
    from sqlalchemy import text

    from storage.db import session
    from workflows.retention import sweep

    copy = path.with_name("disposition-sweep-copy.db")
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(path, copy)
    engine = bind(copy)
    started = time.perf_counter()
    count = sweep(today)
    elapsed = time.perf_counter() - started
    reviews = session.execute(text("SELECT COUNT(*) FROM disposition_reviews")).scalar_one()
    session.rollback()
    assert reviews == count, (reviews, count)
    session.remove()
    engine.dispose()
    return elapsed, count


def query_plan(path: pathlib.Path, today: dt.date, indexed: bool) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sweep_sql(today, indexed))]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000,
                        help="synthetic documents to generate (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sweeps", type=int, default=3, help="whole sweeps, each on a fresh copy")
    parser.add_argument("--reuse", action="store_true", help="use the database a previous run generated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "disposition.db"
    if args.reuse and path.exists() and at_head(path):
        con = sqlite3.connect(path)
        made = {"documents": con.execute("SELECT COUNT(*) FROM documents").fetchone()[0], "staff": STAFF,
                "leavers": con.execute("SELECT COUNT(*) FROM staff WHERE leaver_date IS NOT NULL").fetchone()[0],
                "holds": HOLDS, "insert_seconds": "earlier run"}
        con.close()
    else:
        made = build(path, args.documents)
    engine = bind(path)

    times: dict[str, list[float]] = {"ours_query": [], "ours_sql": [], "no_index": [], "naive": []}
    counts: dict[str, int] = {}
    indexed_sql, unindexed_sql = sweep_sql(TODAY, indexed=True), sweep_sql(TODAY, indexed=False)
    runs = {"ours_query": lambda: ours_query(TODAY), "ours_sql": lambda: raw_query(path, indexed_sql),
            "no_index": lambda: raw_query(path, unindexed_sql), "naive": lambda: baseline_naive(path, TODAY)}
    for name, run in runs.items():  # warm the page cache once
        counts[name] = run()
    assert len(set(counts.values())) == 1, f"the four ways disagree: {counts}"
    for _ in range(args.repeat):  # interleaved: A B C A B C ...
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    engine.dispose()
    sweeps = [whole_sweep(path, TODAY) for _ in range(args.sweeps)]

    med = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
        "data": made, "due": counts["ours_query"],
        "median_seconds": {k: round(v, 3) for k, v in med.items()},
        "whole_sweep_seconds": [round(s, 2) for s, _ in sweeps],
        "ratio_no_index_over_ours_sql": round(med["no_index"] / med["ours_sql"], 2),
        "ratio_naive_over_ours": round(med["naive"] / med["ours_query"], 2),
        "plan_ours": query_plan(path, TODAY, True), "plan_no_index": query_plan(path, TODAY, False),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{made['documents']:,} documents, {made['leavers']:,} leavers of {made['staff']:,} staff, "
          f"{made['holds']} holds; {result['due']:,} due on {TODAY} (built in {made['insert_seconds']} s)")
    print(f"  ours, the sweep query (median of {args.repeat}):  {med['ours_query']:.3f} s")
    print(f"  ours, the whole sweep, committed:          {', '.join(f'{s:.2f} s' for s, _ in sweeps)}"
          f"  (target < 10 s)")
    print(f"  ours, the same SQL alone (raw sqlite3):    {med['ours_sql']:.3f} s")
    print(f"  baseline A, that SQL without the index:    {med['no_index']:.3f} s  "
          f"({result['ratio_no_index_over_ours_sql']}x ours, SQL to SQL)")
    print(f"  baseline B, naive Python over every row:   {med['naive']:.3f} s  "
          f"({result['ratio_naive_over_ours']}x ours)")
    print("  plan (ours):     " + " | ".join(result["plan_ours"]))
    print("  plan (no index): " + " | ".join(result["plan_no_index"]))


if __name__ == "__main__":
    main()
