"""Benchmark: the web under load, Countersign's production set-up against a minimal Flask app.

A bounded load run on loopback with locust (headless, a fixed number of users for a fixed time), of people opening
their emailed signing links, reading the page and the PDF, signing (Sign, then Confirm and sign), and supervisors
signed in viewing their home page and their documents' pages.

  ours      — gunicorn with the README's production settings (`--workers 4 --threads 8 --timeout 120
              'app:create_app()'`) and `flask --app app worker` beside it (sealing each document both parties
              signed), on PostgreSQL, in a database this benchmark makes and drops
  minimal   — `bench.minimal_app` under the same gunicorn settings, on the same database server: each request of the
              same journeys makes as many database writes (INSERT/UPDATE/DELETE statements) as ours made for that
              request, counted before the run by sending each request once through the app in this process

Each round loads, in turn and each for `--seconds` with the same users:

  ours            — the web with the worker sealing, beside it, every document both parties sign (the production
                    set-up on one machine: the worker's LibreOffice and seal share the CPUs with the web)
  ours_web_only   — the same, with the worker paused (SIGSTOP) for the phase and resumed after it: the web's own
                    throughput, which is what the minimal app stands for
  minimal         — the minimal app
  minimal_govuk_page — the same minimal app answering, instead of a line, a page in the GOV.UK Design System with a
                    form of six fields drawn by the GOV.UK form macros, as Countersign's pages are made. Not a
                    target: it shows what such a page costs before the app does any work of its own

After each of ours's phases the benchmark waits until the worker has sealed every document locked so far, so no
phase is measured beside another's leftover work. On SQLite (`--sqlite`) the worker is a thread of `flask serve`,
so there is no web-only phase.

After the run: every signature the load users saw confirmed ("You have signed", "Signed by both") is looked for in
the database, and every document both signed is checked to be locked and sealed.

Target: ours at least 0.8× the minimal app's requests per second, no errors, no 5xx.

Run from the repo root:
  python -m bench.bench_load [--postgres URL] [--users N] [--seconds N] [--rounds N] [--documents N] [--json]
  python -m bench.bench_load --sqlite   (the same on SQLite with `flask serve` (waitress), one process)
Always exits 0. Needs locust (in requirements.txt).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import sqlalchemy as sa

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "load-bench-password-1"
FORM = {"frequency_weeks": "4", "minimum_length_minutes": "90", "absence_cover": "Morgan Lee, Team Manager",
        "professional_supervision": "", "start_date": "2026-12-01"}
ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
TARGET_RATIO = 0.8
COSTS: dict[str, dict] = {}  # per request, sent once in this process: SQL statements and CPU time (ms)
LINK = re.compile(r"/sign/(\d+)/([A-Za-z0-9_.\-]+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _admin(server: str, *statements: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def _url(server: str, name: str) -> str:
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _wait_http(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


class Council:
    """The people and documents of the run, made through the app's own workflows where it matters."""

    def __init__(self, app, supervisors: int, per_supervisor: int):
        from werkzeug.security import generate_password_hash

        from storage.db import session
        from storage.models import Organisation, Role, Staff, SupervisionRelationship

        hashed = generate_password_hash(PASSWORD)
        with app.app_context():
            org = Organisation(name="Bench Council", template_pack="havering")
            session.add(org)
            self.supervisors, self.supervisees = [], {}
            for s in range(supervisors):
                boss = Staff(organisation=org, name=f"Supervisor {s} Bench", email=f"supervisor{s}@bench.example",
                             start_date=dt.date(2020, 1, 1), password_hash=hashed)
                boss.grant(Role.SUPERVISOR)
                session.add(boss)
                people = []
                for p in range(per_supervisor):
                    person = Staff(organisation=org, name=f"Person {s}-{p} Bench", email=f"p{s}-{p}@bench.example",
                                   start_date=dt.date(2020, 1, 1))
                    person.grant(Role.SUPERVISEE)
                    session.add_all([person, SupervisionRelationship(supervisor=boss, supervisee=person,
                                                                     starts_on=dt.date(2026, 1, 5))])
                    people.append(person)
                self.supervisors.append(boss)
                self.supervisees[boss] = people
            session.commit()
            self.supervisor_ids = [b.id for b in self.supervisors]
            self.people = {b.id: [p.id for p in people] for b, people in self.supervisees.items()}
            self.names = {p.id: p.name for people in self.supervisees.values() for p in people}
            self.names.update({b.id: b.name for b in self.supervisors})
            self.emails = {b.id: b.email for b in self.supervisors}
            session.remove()


def first_agreement(app, council: Council) -> int:
    """One agreement written as a supervisor writes it: its Word file rendered, its PDF queued for the worker."""
    from storage import audit
    from storage.db import session
    from workflows import agreements

    boss = council.supervisor_ids[0]
    with app.app_context():
        actor = audit.Actor(boss, council.emails[boss], "127.0.0.1", "bench")
        document = agreements.start_agreement(boss, council.people[boss][0], FORM, actor)
        document_id = document.id
        session.remove()
    return document_id


def send_many(app, council: Council, model_id: int, documents: int, base_url: str) -> list[dict]:
    """`documents` agreements like the first (its data, Word file and PDF), sent for signature by their supervisor
    through the real workflow; the signing links as emailed."""
    from storage import audit
    from storage.db import session
    from storage.models import Document, DocumentState, FileKind, OutboxMessage
    from workflows import agreements

    links = []
    with app.app_context():
        model = session.get(Document, model_id)
        word, pdf, data, key, version = (model.docx_sha256, model.pdf_sha256, dict(model.data), model.template_key,
                                         model.template_version)
        pairs = [(boss, person) for boss in council.supervisor_ids for person in council.people[boss]]
        made = []
        for i in range(documents):
            boss, person = pairs[i % len(pairs)]
            document = Document(organisation_id=model.organisation_id, kind="agreement", template_key=key,
                                template_version=version, supervisor_id=boss, supervisee_id=person,
                                created_by_id=boss, data=data, state=DocumentState.DRAFT)
            session.add(document)
            session.flush()
            document.attach(FileKind.WORD, word)
            document.attach(FileKind.PDF, pdf)
            made.append((document.id, boss, person))
        session.commit()
        for document_id, boss, _person in made:
            agreements.send_for_signature(document_id, audit.Actor(boss, council.emails[boss], "127.0.0.1", "bench"))
            session.remove()
        by_document = {document_id: (boss, person) for document_id, boss, person in made}
        for message in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.document_id.in_(by_document))):
            found = LINK.search(message.body_text)
            if not found:
                continue
            document_id = int(found.group(1))
            boss, person = by_document[document_id]
            party = "supervisor" if message.to_address == council.emails[boss] else "supervisee"
            signer = boss if party == "supervisor" else person
            links.append({"path": found.group(0), "document_id": document_id, "party": party,
                          "name": council.names[signer], "supervisor_id": boss})
        session.remove()
    assert base_url  # the links in the email are absolute; the load users use the path
    return links


def count_writes(app, council: Council, links: list[dict]) -> dict[str, float]:
    """The database writes (INSERT, UPDATE, DELETE statements) each of the journeys' requests makes in the app:
    each request sent once through the app in this process (two documents: the second signature locks)."""
    from sqlalchemy import event

    engine = app.extensions["countersign.engine"]
    counted = {"n": 0, "all": 0}

    def listener(_conn, cursor, statement, _parameters, _context, _executemany):
        counted["all"] += 1
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            # The rows the statement wrote: a batch of inserts sent as one statement counts each of its rows.
            counted["n"] += max(cursor.rowcount, 1)

    event.listen(engine, "after_cursor_execute", listener)
    seen: dict[str, list[int]] = {}
    statements: dict[str, list[int]] = {}
    cpu: dict[str, list[float]] = {}
    client = app.test_client()
    headers = {"X-Forwarded-For": "10.9.9.9"}

    def send(name: str, method: str, path: str, **kwargs):
        counted["n"] = counted["all"] = 0
        started = time.process_time()
        response = client.open(path, method=method, headers=headers, **kwargs)
        cpu.setdefault(name, []).append((time.process_time() - started) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"calibration: {name} answered {response.status_code}")
        seen.setdefault(name, []).append(counted["n"])
        statements.setdefault(name, []).append(counted["all"])
        return response.get_data().decode(errors="replace")

    csrf_re = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    reviewed_re = re.compile(r'name="reviewed_sha256"[^>]*value="([^"]*)"')
    for link in links:  # both parties of two documents: the second signature of each locks it
        page = send("open link", "GET", link["path"])
        send("the PDF", "GET", link["path"] + "/document.pdf")
        form = {"csrf_token": csrf_re.search(page).group(1), "decision": "sign", "consent": "yes",
                "typed_name": link["name"], "reviewed_sha256": reviewed_re.search(page).group(1)}
        send("sign", "POST", link["path"], data=form)
        done = send("confirm and sign", "POST", link["path"], data={**form, "confirmed": "yes"})
        if "You have signed" not in done and "Signed by both" not in done:
            raise SystemExit("calibration: the signature was not confirmed")
    boss = council.supervisor_ids[0]
    client = app.test_client()
    page = send("sign-in page", "GET", "/sign-in")
    send("sign in", "POST", "/sign-in", data={"csrf_token": csrf_re.search(page).group(1),
                                               "email": council.emails[boss], "password": PASSWORD})
    for _ in range(3):
        send("home page", "GET", "/")
        send("document page", "GET", f"/documents/{links[0]['document_id']}")
    event.remove(engine, "after_cursor_execute", listener)
    COSTS.update({name: {"statements": round(statistics.mean(statements[name]), 1),
                         "cpu_ms": round(statistics.median(cpu[name]), 1)} for name in seen})
    return {name: statistics.mean(counts) for name, counts in seen.items()}


def _locust(side: str, host: str, users: int, seconds: int, data: dict, scratch: pathlib.Path, tag: str) -> dict:
    data_file, out_file = scratch / f"{tag}-data.json", scratch / f"{tag}-out.json"
    data_file.write_text(json.dumps(data))
    env = {**os.environ, "COUNTERSIGN_BENCH_LOAD_SIDE": side, "COUNTERSIGN_BENCH_LOAD_DATA": str(data_file),
           "COUNTERSIGN_BENCH_LOAD_OUT": str(out_file)}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    completed = subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_users.py"), "--headless", "--users", str(users),
         "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", host, "--only-summary",
         "--loglevel", "WARNING", "--stop-timeout", "30"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if not out_file.exists():
        raise SystemExit(f"locust wrote nothing:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    out = json.loads(out_file.read_text())
    records = out["requests"]
    if records:
        first, last = min(r[4] for r in records), max(r[4] for r in records)
    else:
        first = last = 0
    return {"side": side, "records": records, "confirmed": out["confirmed"], "links_left": out["links_left"],
            "span_s": max(last - first, 1e-9), "wall_s": wall, "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def summarise(runs: list[dict]) -> dict:
    records = [r for run in runs for r in run["records"]]
    times = [r[2] for r in records]
    span = sum(run["span_s"] for run in runs)
    errors = [r for r in records if r[3] or r[1] == 0 or r[1] >= 400]
    by_name: dict[str, list[float]] = {}
    for r in records:
        by_name.setdefault(r[0], []).append(r[2])
    return {
        "requests": len(records), "seconds": round(span, 1), "requests_per_s": round(len(records) / span, 1),
        "p50_ms": round(_percentile(times, 0.50), 1), "p95_ms": round(_percentile(times, 0.95), 1),
        "p99_ms": round(_percentile(times, 0.99), 1), "errors": len(errors),
        "status_5xx": sum(1 for r in records if r[1] >= 500),
        "error_examples": sorted({f"{r[0]}: {r[1]} {r[3][:120]}" for r in errors})[:10],
        "confirmed_signatures": sum(len(run["confirmed"]) for run in runs),
        "per_request": {name: {"n": len(v), "p50_ms": round(_percentile(v, 0.5), 1),
                               "p95_ms": round(_percentile(v, 0.95), 1), "p99_ms": round(_percentile(v, 0.99), 1)}
                        for name, v in sorted(by_name.items())},
        "load_average_during": [round(run["load_after"], 2) for run in runs],
    }


def _wait_sealed(app, seconds: float) -> dict:
    """Wait until every locked document has its sealed PDF (the worker's part of ours's load)."""
    from storage.db import session
    from storage.models import Document, DocumentState

    started = time.perf_counter()
    with app.app_context():
        while True:
            locked = session.scalar(sa.select(sa.func.count()).select_from(Document)
                                    .where(Document.state == DocumentState.LOCKED))
            waiting = session.scalar(sa.select(sa.func.count()).select_from(Document)
                                     .where(Document.state == DocumentState.LOCKED,
                                            Document.final_pdf_sha256.is_(None)))
            session.remove()
            if not waiting or time.perf_counter() - started > seconds:
                return {"locked": locked, "not_sealed": waiting, "waited_s": round(time.perf_counter() - started, 1)}
            time.sleep(1)


def stored_check(app, confirmed: list[list]) -> dict:
    """Every signature a load user saw confirmed, looked for in the database; every document both signed, sealed."""
    from storage.db import session
    from storage.models import Document, DocumentState, Signature

    with app.app_context():
        rows = {(d, p.value) for d, p in session.execute(sa.select(Signature.document_id, Signature.party))}
        missing = [c for c in confirmed if (c[0], c[1]) not in rows]
        both = session.scalar(sa.select(sa.func.count()).select_from(
            sa.select(Signature.document_id).group_by(Signature.document_id)
            .having(sa.func.count() == 2).subquery()))
        locked = session.scalar(sa.select(sa.func.count()).select_from(Document)
                                .where(Document.state == DocumentState.LOCKED))
        sealed = session.scalar(sa.select(sa.func.count()).select_from(Document)
                                .where(Document.state == DocumentState.LOCKED,
                                       Document.final_pdf_sha256.is_not(None)))
        session.remove()
    return {"confirmed_seen_by_users": len(confirmed), "signature_rows": len(rows),
            "confirmed_missing_in_database": len(missing), "documents_signed_by_both": both,
            "documents_locked": locked, "documents_sealed": sealed}


def _start(command: list[str], env: dict, log: pathlib.Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(args) -> dict:
    from app import create_app
    from signing.dev_ca import CRL_PATH, create_dev_seal
    from storage import db as database

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="bench-load-"))
    sqlite = args.sqlite
    name = f"bench_load_{os.getpid()}"
    if sqlite:
        url = f"sqlite:///{scratch / 'load.db'}"
        minimal_url = f"sqlite:///{scratch / 'minimal.db'}"
    else:
        _admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        url = minimal_url = _url(args.postgres, name)
    database.upgrade(url)
    ours_port, minimal_port, page_port = _free_port(), _free_port(), _free_port()
    base = f"http://127.0.0.1:{ours_port}"
    create_dev_seal(scratch / "seal", "Bench Council", crl_url=base + CRL_PATH)
    settings = {"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url, "BLOB_DIR": str(scratch / "blobs"),
                "OUTBOX_DIR": str(scratch / "outbox"), "SEAL_DIR": str(scratch / "seal"), "BASE_URL": base,
                "PROXY_COUNT": "1", "SEND_DAILY_REMINDERS": "false", "DISPOSITION_SWEEP": "false",
                "EVIDENCE_RENEWAL": "false", "PDF_POOL_SIZE": str(args.pool)}
    env = {**os.environ, **{f"COUNTERSIGN_{k}": v for k, v in settings.items()},
           "COUNTERSIGN_BENCH_MINIMAL_DATABASE_URL": minimal_url}
    env.pop("COUNTERSIGN_DEVELOPMENT", None)
    app = create_app({k: v for k, v in settings.items()})
    processes: list[subprocess.Popen] = []
    result: dict = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": "SQLite" if sqlite
                    else "PostgreSQL", "python": platform.python_version(), "users": args.users,
                    "seconds_per_round": args.seconds, "rounds": args.rounds, "cpus": os.cpu_count()}
    try:
        started = time.perf_counter()
        council = Council(app, args.supervisors, args.per_supervisor)
        model = first_agreement(app, council)
        flask = [str(BIN / "flask"), "--app", "app"]
        if sqlite:
            web = flask + ["serve", "--host", "127.0.0.1", "--port", str(ours_port)]
            waitress = [str(BIN / "waitress-serve"), "--host", "127.0.0.1",
                        f"--threads={os.environ.get('COUNTERSIGN_WEB_THREADS', '16')}"]
            minimal = waitress + ["--port", str(minimal_port), "bench.minimal_app:app"]
            page = waitress + ["--port", str(page_port), "bench.minimal_app:app"]
            result["server"] = "flask serve (waitress, its worker in the same process) / waitress-serve, 16 threads"
        else:
            gunicorn = [str(BIN / "gunicorn"), "--workers", str(args.workers), "--threads", str(args.threads),
                        "--timeout", "120"]
            web = gunicorn + ["--bind", f"127.0.0.1:{ours_port}", "app:create_app()"]
            minimal = gunicorn + ["--bind", f"127.0.0.1:{minimal_port}", "bench.minimal_app:app"]
            page = gunicorn + ["--bind", f"127.0.0.1:{page_port}", "bench.minimal_app:app"]
            processes.append(_start(flask + ["worker"], env, scratch / "worker.log"))
            result["server"] = (f"gunicorn --workers {args.workers} --threads {args.threads} --timeout 120, "
                                f"and flask worker (pool of {args.pool})")
        processes.append(_start(web, env, scratch / "web.log"))
        processes.append(_start(minimal, env, scratch / "minimal.log"))
        # The same minimal app answering a GOV.UK page with its form instead of a line: what the page alone costs.
        processes.append(_start(page, {**env, "COUNTERSIGN_BENCH_MINIMAL_PAGE": "govuk"}, scratch / "page.log"))
        _wait_sealed_preview(app, model)
        links = send_many(app, council, model, args.documents + 2, base)
        spare = sorted({link["document_id"] for link in links})[:2]  # two documents to count the writes on
        calibration = [link for link in links if link["document_id"] in spare]
        links = [link for link in links if link["document_id"] not in spare]
        writes = count_writes(app, council, calibration)
        result["writes_per_request"] = {k: round(v, 2) for k, v in writes.items()}
        result["statements_and_cpu_per_request_in_process"] = COSTS
        result["seeding_s"] = round(time.perf_counter() - started, 1)
        _wait_http(f"{base}/sign-in")
        _wait_http(f"http://127.0.0.1:{minimal_port}/ready")
        _wait_http(f"http://127.0.0.1:{page_port}/ready")
        staff = [{"email": council.emails[b],
                  "document_ids": sorted({link["document_id"] for link in links if link["supervisor_id"] == b})}
                 for b in council.supervisor_ids]
        staff = [s for s in staff if s["document_ids"]]
        # Each of ours's rounds gets its own links; the two parties of a document are in the same round.
        by_document: dict[int, list[dict]] = {}
        for link in links:
            by_document.setdefault(link["document_id"], []).append(link)
        documents = sorted(by_document)
        worker = processes[0] if not sqlite else None
        sides = [("ours", base), ("ours_web_only", base), ("minimal", f"http://127.0.0.1:{minimal_port}"),
                 ("minimal_govuk_page", f"http://127.0.0.1:{page_port}")]
        minimal_sides = ("minimal", "minimal_govuk_page")
        if worker is None:
            sides.pop(1)
        ours_sides = [side for side, _ in sides if side not in minimal_sides]
        share = len(documents) // (args.rounds * len(ours_sides))
        runs: dict[str, list[dict]] = {side: [] for side, _ in sides}
        sealing = []
        for round_number in range(args.rounds):
            for side, host in sides:
                # Each of ours's phases gets its own links; both parties of a document are next to each other, so
                # they often sign it at the same moment. The minimal app's phase walks the same links.
                slot = round_number * len(ours_sides) + (ours_sides.index(side) if side in ours_sides else 0)
                mine = [link for d in documents[slot * share:(slot + 1) * share] for link in by_document[d]]
                data = {"links": mine, "staff": staff, "password": PASSWORD, "writes": writes}
                if side == "ours_web_only":  # the worker stopped for the phase: the web alone, sealing after it
                    os.killpg(worker.pid, signal.SIGSTOP)
                try:
                    run_ = _locust("minimal" if side in minimal_sides else "ours", host, args.users, args.seconds, data,
                                   scratch, f"{side}-{round_number}")
                finally:
                    if side == "ours_web_only":
                        os.killpg(worker.pid, signal.SIGCONT)
                runs[side].append(run_)
                print(f"round {round_number + 1} {side}: {len(run_['records'])} requests in {run_['span_s']:.1f} s, "
                      f"load average {run_['load_after']:.2f}, links left {run_['links_left']}", file=sys.stderr)
                if side not in minimal_sides:
                    sealing.append({"after": f"{side} {round_number + 1}", **_wait_sealed(app, args.seal_wait)})
        for side in runs:
            result[side] = summarise(runs[side])
        for side in ours_sides:
            result[f"ratio_{side}_to_minimal"] = round(result[side]["requests_per_s"]
                                                       / result["minimal"]["requests_per_s"], 2)
        # Not a target: how far a page in the GOV.UK Design System, with no work of the app's own, already is from it.
        result["ratio_minimal_govuk_page_to_minimal"] = round(result["minimal_govuk_page"]["requests_per_s"]
                                                            / result["minimal"]["requests_per_s"], 2)
        result["within_target"] = all(result[f"ratio_{side}_to_minimal"] >= TARGET_RATIO and result[side]["errors"] == 0
                                      and result[side]["status_5xx"] == 0 for side in ours_sides)
        result["sealing_after_each_round"] = sealing
        result["stored"] = stored_check(app, [c for side in ours_sides for run_ in runs[side]
                                              for c in run_["confirmed"]])
        logs = {p: (scratch / p).read_text(errors="replace") for p in ("web.log", "worker.log")
                if (scratch / p).exists()}
        result["tracebacks_in_logs"] = {p: text.count("Traceback") for p, text in logs.items()}
    finally:
        for process in processes:
            _stop(process)
        app.extensions["countersign.engine"].dispose()
        if not sqlite and not args.keep:
            _admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if args.keep:
            print(f"kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


def _wait_sealed_preview(app, document_id: int) -> None:
    from storage.db import session
    from storage.models import Document

    deadline = time.monotonic() + 300
    with app.app_context():
        while time.monotonic() < deadline:
            document = session.get(Document, document_id)
            ready = document.pdf_sha256
            session.remove()
            if ready:
                return
            time.sleep(0.5)
    raise SystemExit("the first agreement's preview PDF was not made within 300 s (is the worker running?)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=SERVER, help=f"the database server (default {SERVER})")
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite with flask serve instead")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=40, help="length of each side's round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--documents", type=int, default=600, help="documents sent for signature before the run")
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--per-supervisor", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn --workers (the README: about 2 × cores)")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn --threads (the README's 8)")
    parser.add_argument("--pool", type=int, default=1, help="the worker's LibreOffice instances")
    parser.add_argument("--seal-wait", type=float, default=300, help="longest wait for the worker after a round")
    parser.add_argument("--keep", action="store_true", help="keep the database and the scratch folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
