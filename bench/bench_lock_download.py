"""Benchmark: from the second signature to the sealed PDF being downloadable, against the sum of its parts.

An app on a fresh SQLite database with its background worker running in a thread (as `flask serve` runs it) and the
warm LibreOffice pool (2 instances), the development seal and timestamp authority (PAdES B-LTA, as `make run`).
Each iteration, a new agreement is written, converted, sent and signed by the supervisee through the real pages;
then, timed:

  lock-to-download — the supervisor's "Confirm and sign" POST on their emailed link (the request renders the signed
                     Word file and queues the sealed PDF), until the document's sealed PDF is attached (its row read
                     every 10 ms by a plain SQLite reader)

and, straight after, the parts, in the same process on the same pool, each timed alone:

  document         — one warm conversion of that document's signed Word file
  certificate      — one warm conversion of its audit certificate's Word file
  seal             — joining the certificate after the pages and sealing (`lock.seal_final`)

Target: lock-to-download median at most 1.5 times the median of the sum of the parts.

Run from the repo root:  python -m bench.bench_lock_download [--iterations N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import pathlib
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time

TARGET_RATIO = 1.5
FORM = {"frequency_weeks": "4", "minimum_length_minutes": "90", "absence_cover": "Morgan Lee, Team Manager",
        "professional_supervision": "", "start_date": "2026-12-01"}
LINK = re.compile(r"/sign/(\d+)/([A-Za-z0-9_.\-]+)")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REVIEWED = re.compile(r'name="reviewed_sha256"[^>]*value="([^"]*)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import sqlalchemy as sa

    from app import create_app
    from doc_templates.pdf import docx_to_pdf
    from signing.dev_ca import CRL_PATH, create_dev_seal
    from storage import audit
    from storage import db as database
    from storage.blobs import blobs
    from storage.db import session
    from storage.models import Document, Organisation, OutboxMessage, Role, Staff, SupervisionRelationship
    from workflows import agreements, lock
    from workflows.background import start_in_thread

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="bench-lock-download-"))
    url = f"sqlite:///{scratch / 'lock.db'}"
    database.upgrade(url)
    base = "http://127.0.0.1:5000"
    create_dev_seal(scratch / "seal", "Bench Council", crl_url=base + CRL_PATH)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BLOB_DIR": str(scratch / "blobs"),
                      "OUTBOX_DIR": str(scratch / "outbox"), "SEAL_DIR": str(scratch / "seal"), "BASE_URL": base,
                      "PROXY_COUNT": 1, "SEND_DAILY_REMINDERS": False, "DISPOSITION_SWEEP": False, "EVIDENCE_RENEWAL": False})
    reader = sqlite3.connect(scratch / "lock.db", isolation_level=None)

    def row(document_id: int, *columns: str):
        return reader.execute(f"SELECT {', '.join(columns)} FROM documents WHERE id = ?", (document_id,)).fetchone()

    def wait_for(document_id: int, column: str, started: float, limit: float = 180) -> float:
        while True:
            value, error = row(document_id, column, "pdf_error")
            if value:
                return time.perf_counter() - started
            if time.perf_counter() - started > limit:
                raise SystemExit(f"no {column} after {limit} s: {error}")
            time.sleep(0.01)

    with app.app_context():
        org = Organisation(name="Bench Council", template_pack="havering")
        boss = Staff(organisation=org, name="Sam Taylor", email="sam@bench.example", start_date=dt.date(2020, 1, 1))
        person = Staff(organisation=org, name="Jo O'Brien", email="jo@bench.example", start_date=dt.date(2020, 1, 1))
        boss.grant(Role.SUPERVISOR)
        person.grant(Role.SUPERVISEE)
        session.add_all([org, boss, person, SupervisionRelationship(supervisor=boss, supervisee=person,
                                                                     starts_on=dt.date(2026, 1, 5))])
        session.commit()
        actor = audit.Actor(boss.id, boss.email, "127.0.0.1", "bench")
        boss_id, person_id, emails = boss.id, person.id, {boss.email: "Sam Taylor", person.email: "Jo O'Brien"}
        session.remove()
        stop = start_in_thread(app)

        def signed_by_one(i: int) -> tuple[int, str, str]:
            """A sent agreement the supervisee has signed: its id, and the supervisor's link and name."""
            document = agreements.start_agreement(boss_id, person_id, {**FORM, "absence_cover": f"Morgan Lee ({i})"},
                                                  actor)
            document_id = document.id
            session.remove()
            wait_for(document_id, "pdf_sha256", time.perf_counter())
            agreements.send_for_signature(document_id, actor)
            session.remove()
            links = {}
            for message in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.document_id == document_id)):
                found = LINK.search(message.body_text)
                if found:
                    links[message.to_address] = found.group(0)
            session.remove()
            for email, path in links.items():
                if email != "sam@bench.example":
                    sign(path, emails[email])
            return document_id, links["sam@bench.example"], "Sam Taylor"

        addresses = itertools.count()

        def sign(path: str, name: str) -> float:
            # An app context of its own, as each browser's requests would have: the CSRF token is not shared.
            with app.app_context():
                # Each signer from an address of their own (behind one proxy): the throttle per address stays on.
                client = app.test_client()
                n = next(addresses)
                client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.7.{n // 250}.{n % 250 + 1}"
                page = client.get(path).get_data().decode()
                form = {"csrf_token": CSRF.search(page).group(1), "decision": "sign", "consent": "yes",
                        "typed_name": name, "reviewed_sha256": REVIEWED.search(page).group(1)}
                client.post(path, data=form)
                started = time.perf_counter()
                done = client.post(path, data={**form, "confirmed": "yes"}).get_data().decode()
                requests.append(time.perf_counter() - started)
            if "You have signed" not in done and "Signed by both" not in done:
                    raise SystemExit("the signature was not confirmed: " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", done))[:500])
            return started

        def parts(document_id: int) -> dict:
            """The document's parts, each timed alone on the same pool."""
            document = session.get(Document, document_id)
            word, reference = blobs().get(document.final_docx_sha256), document.reference
            session.remove()
            started = time.perf_counter()
            pages = docx_to_pdf(word)
            document_s = time.perf_counter() - started
            certificate_word = lock.certificate_docx(document_id, pages)
            session.remove()
            started = time.perf_counter()
            certificate = docx_to_pdf(certificate_word)
            certificate_s = time.perf_counter() - started
            started = time.perf_counter()
            lock.seal_final(reference, pages, certificate)
            seal_s = time.perf_counter() - started
            return {"document": document_s, "certificate": certificate_s, "seal": seal_s,
                    "sum": document_s + certificate_s + seal_s}

        results = []
        requests: list[float] = []  # the second signature's own request: the signed Word file rendered, committed
        try:
            for i in range(args.iterations + 2):  # the first two warm up the pool, the templates and the seal
                document_id, path, name = signed_by_one(i)
                started = sign(path, name)
                waited = wait_for(document_id, "final_pdf_sha256", started)
                measured = parts(document_id)
                if i >= 2:
                    results.append({"lock_to_download": waited, "request": requests[-1], **measured})
                    print(f"{i - 1}: lock-to-download {waited:.3f} s, parts {measured['sum']:.3f} s "
                          f"(load average {os.getloadavg()[0]:.2f})", file=sys.stderr)
        finally:
            stop.set()

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in results), 3)

    result = {"python": platform.python_version(), "iterations": len(results),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              **{f"{key}_median_s": median(key) for key in ("lock_to_download", "request", "document", "certificate",
                                                            "seal", "sum")},
              "lock_to_download_s": [round(r["lock_to_download"], 3) for r in results],
              "sum_of_parts_s": [round(r["sum"], 3) for r in results]}
    result["ratio"] = round(result["lock_to_download_median_s"] / result["sum_median_s"], 2)
    result["within_target"] = result["ratio"] <= TARGET_RATIO
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
