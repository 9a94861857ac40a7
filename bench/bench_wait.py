"""Benchmark: from "save as draft" to the preview PDF, against one warm conversion of the same Word file.

An app on a fresh SQLite database with its background worker running in a thread (as `flask serve` runs it) and
the warm LibreOffice pool. Each iteration, interleaved:

  save-to-preview  — `agreements.start_agreement(...)` (what "Save as draft and preview" runs: validate, render the
                     Word file, queue the PDF, commit) until the document's review PDF is attached (the row read
                     every 10 ms by a plain SQLite reader)
  one conversion   — `docx_to_pdf(word_file)` of that document's Word file on the same pool

Target: save-to-preview at most 1.3 times one warm conversion, median against median.

Run from the repo root:  python -m bench.bench_wait [--iterations N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import platform
import sqlite3
import statistics
import tempfile
import time

TARGET_RATIO = 1.3
FORM = {"frequency_weeks": "4", "minimum_length_minutes": "90", "absence_cover": "Morgan Lee, Team Manager",
        "professional_supervision": "", "start_date": "2026-12-01"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from doc_templates.pdf import docx_to_pdf
    from storage import audit
    from storage import db as database
    from storage.blobs import blobs
    from storage.db import session
    from storage.models import Organisation, Role, Staff, SupervisionRelationship
    from workflows import agreements
    from workflows.background import start_in_thread

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="bench-wait-"))
    url = f"sqlite:///{scratch / 'wait.db'}"
    database.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BLOB_DIR": str(scratch / "blobs"),
                      "OUTBOX_DIR": str(scratch / "outbox"), "SEND_DAILY_REMINDERS": False,
                      "DISPOSITION_SWEEP": False})
    with app.app_context():
        org = Organisation(name="Bench Council", template_pack="havering")
        supervisor = Staff(organisation=org, name="Sam Taylor", email="sam@bench.example", start_date=dt.date(2020, 1, 1))
        supervisee = Staff(organisation=org, name="Jo O'Brien", email="jo@bench.example", start_date=dt.date(2020, 1, 1))
        supervisor.grant(Role.SUPERVISOR)
        supervisee.grant(Role.SUPERVISEE)
        session.add_all([org, supervisor, supervisee, SupervisionRelationship(
            supervisor=supervisor, supervisee=supervisee, starts_on=dt.date(2026, 1, 5))])
        session.commit()
        actor = audit.Actor(supervisor.id, supervisor.email, "127.0.0.1", "bench")
        supervisor_id, supervisee_id = supervisor.id, supervisee.id
        stop = start_in_thread(app)
        reader = sqlite3.connect(scratch / "wait.db", isolation_level=None)
        requests: list[float] = []  # the request's own part: validate, render the Word file, queue, commit

        def save_to_preview(i: int) -> tuple[float, str]:
            started = time.perf_counter()
            document = agreements.start_agreement(supervisor_id, supervisee_id,
                                                  {**FORM, "absence_cover": f"Morgan Lee ({i})"}, actor)
            document_id = document.id
            requests.append(time.perf_counter() - started)
            session.remove()
            while True:
                # A plain reader (WAL): the app's sessions begin IMMEDIATE, and this must not take the write lock.
                pdf, word, error = reader.execute("SELECT pdf_sha256, docx_sha256, pdf_error FROM documents "
                                                  "WHERE id = ?", (document_id,)).fetchone()
                if pdf:
                    return time.perf_counter() - started, word
                if time.perf_counter() - started > 120:
                    raise SystemExit(f"no preview after 120 s: {error}")
                time.sleep(0.01)

        try:
            _, word = save_to_preview(0)  # warm: the pool starts, templates load
            docx_to_pdf(blobs().get(word))
            saves, conversions = [], []
            requests.clear()
            for i in range(1, args.iterations + 1):
                elapsed, word = save_to_preview(i)
                saves.append(elapsed)
                started = time.perf_counter()
                docx_to_pdf(blobs().get(word))
                conversions.append(time.perf_counter() - started)
        finally:
            stop.set()
    result = {"python": platform.python_version(), "iterations": args.iterations,
              "save_to_preview_median_s": round(statistics.median(saves), 3),
              "one_conversion_median_s": round(statistics.median(conversions), 3),
              "request_median_s": round(statistics.median(requests), 3),
              "save_to_preview_s": [round(s, 3) for s in saves], "one_conversion_s": [round(c, 3) for c in conversions]}
    result["ratio"] = round(result["save_to_preview_median_s"] / result["one_conversion_median_s"], 2)
    result["within_target"] = result["ratio"] <= TARGET_RATIO
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
