"""Benchmark: the HR archive search and the disposition sweep over 1,000,000 documents on PostgreSQL.

The same data as `bench.bench_archive` and `bench.bench_disposition` make on SQLite (their `rows` functions, same
seeds), loaded into databases of their own made by the real migrations, with COPY, then ANALYZE:

  archive      — `workflows.archive.search` through the app (page of 25 plus the capped count), for the same
                 person / supervisor + 90 days / status searches as on SQLite; median and p95 (target p95 < 50 ms)
  disposition  — `workflows.retention.due_for_review(today)` (median of `--repeat`), and the whole sweep
                 (`retention.sweep(today)`: a review row, a status change and an audit event for every due
                 document, committed) once, on a copy of the database (target < 10 s)

The databases (bench_archive_<n>, bench_disposition_<n>) are kept between runs and made again when they do not hold
the data asked for or were made by older migrations.

Run from the repo root:
  python -m bench.bench_postgres [--postgres URL] [--documents N] [--iterations N] [--repeat N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import psycopg
import sqlalchemy as sa

from bench import bench_archive, bench_disposition

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _url(server: str, name: str) -> str:
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(server: str, *statements: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def _holds(url: str, documents: int) -> bool:
    """Whether the database exists with this many documents; one made by older migrations is brought up to date
    (as a council's database would be by `flask migrate`) rather than loaded again."""
    from storage import db as database

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT count(*) FROM documents").scalar_one()
        if count != documents:
            return False
        current, head = database.migration_status(engine)
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    if current != head:
        started = time.perf_counter()
        database.upgrade(url)
        print(f"migrated {url.rsplit('/', 1)[-1]} from {current} to {head} in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    return True


def _copy(connection: psycopg.Connection, table: str, columns: str, rows) -> None:
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _fresh(server: str, name: str) -> str:
    from storage import db as database

    _admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = _url(server, name)
    database.upgrade(url)
    return url


def archive_database(server: str, documents: int) -> str:
    name = f"bench_archive_{documents}"
    url = _url(server, name)
    if _holds(url, documents):
        return url
    started = time.perf_counter()
    url = _fresh(server, name)
    organisations, staff, rows = bench_archive.rows(documents)
    with psycopg.connect(_libpq(url)) as connection:
        _copy(connection, "organisations", bench_archive.ORGANISATION_COLUMNS, organisations)
        _copy(connection, "staff", bench_archive.STAFF_COLUMNS, staff)
        _copy(connection, "documents", bench_archive.DOCUMENT_COLUMNS, rows)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    print(f"loaded the archive's {documents:,} documents in {time.perf_counter() - started:.0f} s")
    return url


def disposition_database(server: str, documents: int) -> str:
    name = f"bench_disposition_{documents}"
    url = _url(server, name)
    if _holds(url, documents):
        return url
    started = time.perf_counter()
    url = _fresh(server, name)
    council = bench_disposition.rows(documents)
    with psycopg.connect(_libpq(url)) as connection:
        connection.execute(bench_disposition.ORGANISATION)
        connection.execute(bench_disposition.POLICY)
        _copy(connection, "staff", bench_disposition.STAFF_COLUMNS, council["staff"])
        _copy(connection, "legal_holds", bench_disposition.HOLD_COLUMNS,
              ((1, staff_id, "Bench hold", at) for staff_id, at in council["holds"]))
        _copy(connection, "documents", bench_disposition.DOCUMENT_COLUMNS, council["documents"])
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    print(f"loaded the disposition sweep's {documents:,} documents in {time.perf_counter() - started:.0f} s")
    return url


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def archive(url: str, iterations: int) -> dict:
    """The archive's searches through the app on PostgreSQL, with each kind's query plan."""
    from sqlalchemy import event

    from app import create_app
    from storage.db import session
    from workflows import archive as archive_search

    scratch = tempfile.mkdtemp(prefix="bench-postgres-")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BLOB_DIR": scratch, "OUTBOX_DIR": scratch})
    results: dict = {}
    with app.app_context():
        engine = app.extensions["countersign.engine"]

        def search(params: dict) -> None:
            try:
                archive_search.search(archive_search.Search(**params))
            finally:
                session.remove()

        in_sql = {"s": 0.0}

        def before(_c, _cur, _statement, _parameters, context, _many):
            context._bench_started = time.perf_counter()

        def after(_c, _cur, _statement, _parameters, context, _many):
            in_sql["s"] += time.perf_counter() - context._bench_started

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        for kind, params_list in bench_archive.make_queries(iterations).items():
            search(params_list[0])  # warm the cache
            times, sql_times = [], []
            for params in params_list:
                in_sql["s"] = 0.0
                started = time.perf_counter()
                search(params)
                times.append((time.perf_counter() - started) * 1000)
                sql_times.append(in_sql["s"] * 1000)
            seen: list[tuple[str, object]] = []

            def listener(_c, _cur, statement, parameters, _ctx, _many, seen=seen):
                seen.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", listener)
            search(params_list[0])
            event.remove(engine, "before_cursor_execute", listener)
            plans = []
            with engine.connect() as connection:
                for statement, parameters in seen:
                    if statement.lstrip().upper().startswith("SELECT"):
                        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                          parameters).scalars().all()
                        plans.append([line.rstrip() for line in plan])
            results[kind] = {"n": len(times), "median_ms": round(statistics.median(times), 2),
                             "p95_ms": round(_percentile(times, 0.95), 2),
                             "sql_median_ms": round(statistics.median(sql_times), 2),
                             "sql_p95_ms": round(_percentile(sql_times, 0.95), 2),
                             "load_average": [round(x, 2) for x in os.getloadavg()], "plans": plans}
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    engine.dispose()
    return results


def disposition(server: str, url: str, documents: int, repeat: int, explain: bool = False) -> dict:
    """The sweep's query, then the whole sweep committed on a copy of the database."""
    from sqlalchemy import event, text

    from storage import db as database
    from workflows.retention import due_for_review, sweep

    today = bench_disposition.TODAY

    def bound(to: str):
        engine = database.make_engine(to)
        database.session.remove()
        database.session.configure(bind=engine)
        return engine

    engine = bound(url)
    due = len(due_for_review(today))
    database.session.rollback()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        due_for_review(today)
        times.append(time.perf_counter() - started)
        database.session.rollback()
    database.session.remove()
    engine.dispose()

    explained = _explain_sweep(server, documents, today) if explain else None
    copy = f"bench_disposition_{documents}_sweep"
    _admin(server, f'DROP DATABASE IF EXISTS "{copy}"',
           f'CREATE DATABASE "{copy}" TEMPLATE "bench_disposition_{documents}"')
    engine = bound(_url(server, copy))
    statements: list[list] = []

    def before(_c, _cur, _statement, _parameters, context, _many):
        context._bench_started = time.perf_counter()

    def after(_c, _cur, statement, _parameters, context, _many):
        statements.append([" ".join(statement.split())[:70], round(time.perf_counter() - context._bench_started, 3)])

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    load = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    swept = sweep(today)
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    reviews = database.session.execute(text("SELECT COUNT(*) FROM disposition_reviews")).scalar_one()
    database.session.remove()
    engine.dispose()
    _admin(server, f'DROP DATABASE IF EXISTS "{copy}"')
    result = {"due": due, "query_median_s": round(statistics.median(times), 3), "whole_sweep_s": round(elapsed, 2),
              "swept": swept, "reviews_written": reviews, "load_average_at_sweep": load,
              "statements_s": [s for s in statements if s[1] >= 0.01]}
    if explain:
        result["explain"] = explained
    return result


def _explain_sweep(server: str, documents: int, today) -> list[list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the sweep's UPDATE and INSERT, on a copy of its own, rolled back."""
    from sqlalchemy import event

    from storage import audit
    from storage import db as database
    from workflows import retention

    copy = f"bench_disposition_{documents}_explain"
    _admin(server, f'DROP DATABASE IF EXISTS "{copy}"',
           f'CREATE DATABASE "{copy}" TEMPLATE "bench_disposition_{documents}"')
    engine = database.make_engine(_url(server, copy))
    database.session.remove()
    database.session.configure(bind=engine)
    captured: list[tuple[str, object]] = []

    def listener(_c, _cur, statement, parameters, _ctx, _many):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    retention._open_reviews(today, audit.SYSTEM)  # the sweep's statements, not committed
    event.remove(engine, "before_cursor_execute", listener)
    database.session.rollback()
    database.session.remove()
    plans = []
    with engine.connect() as connection:
        transaction = connection.begin()
        for statement, parameters in captured:
            if statement.lstrip().upper().startswith(("UPDATE DOCUMENTS", "INSERT INTO DISPOSITION")):
                plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans.append([line for (line,) in plan])
        transaction.rollback()
    engine.dispose()
    _admin(server, f'DROP DATABASE IF EXISTS "{copy}"')
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=SERVER, help=f"the server (default {SERVER})")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=200, help="archive searches of each kind")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the sweep's query")
    parser.add_argument("--explain", action="store_true",
                        help="also EXPLAIN (ANALYZE, BUFFERS) the sweep's statements first (on its copy, rolled back)")
    parser.add_argument("--skip", choices=["archive", "disposition"], help="leave one part out")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server_version = sa.create_engine(args.postgres)
    with server_version.connect() as connection:
        version = connection.exec_driver_sql("SHOW server_version").scalar_one()
    server_version.dispose()
    results = {"postgresql": version, "python": platform.python_version(), "documents": args.documents,
               "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if args.skip != "archive":
        results["archive"] = archive(archive_database(args.postgres, args.documents), args.iterations)
    if args.skip != "disposition":
        url = disposition_database(args.postgres, args.documents)
        results["disposition"] = disposition(args.postgres, url, args.documents, args.repeat, args.explain)
    print(json.dumps(results, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
