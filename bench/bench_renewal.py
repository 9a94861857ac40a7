"""Benchmark: renewing the long-term evidence of 10,000 kept documents, with its rate, against a bare renewal.

The database is a SQLite file made with the real migrations, filled by bulk insert with N locked documents
whose evidence is due (`document_evidence.renew_by` in the past). Their sealed PDFs are small (one page) and
real: `--distinct` different one-page PDFs sealed PAdES B-LTA by the development seal, timestamp authority and
CRL that `seal-dev-ca` makes, shared round-robin (the blob store keeps each once). Each renewal writes a new file.

- **Ours** — `workflows.evidence.renew_due_now()`, what `flask renew-evidence` runs and the worker does once a
  day: queue a job per due document, then for each: claim it, lock the document row, read the newest copy from
  the blob store, validate its newest timestamp, add the DSS and a fresh document timestamp, store the renewed
  copy, record the evidence, the audit event and the job as done, commit.
- **Bare** — the same renewal of the same PDFs with `signing.seal.renew_evidence` alone: no database, job, blob
  store or audit log. Half of its runs before the batch and half after, so both see the same machine.

Run from the repo root:  python -m bench.bench_renewal [--documents N] [--distinct N] [--baseline N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import pathlib
import platform
import sqlite3
import statistics
import sys
import tempfile
import time

import pikepdf

from signing import seal

NOW = "2026-11-23 09:00:00.000000"


def small_pdf(n: int) -> bytes:
    """A one-page PDF that differs from the others by its text."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf 72 770 Td (Supervision record {n}) Tj ET".encode())
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def fill(path: pathlib.Path, documents: int, sealed: list[str]) -> None:
    """N locked documents, each with a sealed copy and evidence due for renewal."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("INSERT INTO organisations (id, name, template_pack, created_at) VALUES (1, 'Bench Council', "
                "'havering', ?)", (NOW,))
    con.executemany("INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, created_at) "
                    "VALUES (?, 1, ?, ?, 'Social worker', 'Qualified social worker', ?)",
                    [(1, "Alex Morgan", "alex@bench.example", NOW), (2, "Jordan Lee", "jordan@bench.example", NOW)])
    due = "2026-11-01 00:00:00.000000"
    con.executemany(
        "INSERT INTO documents (id, organisation_id, kind, template_key, template_version, supervisor_id, "
        "supervisee_id, created_by_id, data, state, content_version, created_at, locked_at, final_pdf_sha256, "
        "retention_status) VALUES (?, 1, 'record', 'havering/supervision-record', 1, 1, 2, 1, '{}', 'LOCKED', 1, "
        "?, ?, ?, 'kept')",
        [(i, NOW, NOW, sealed[i % len(sealed)]) for i in range(1, documents + 1)])
    con.executemany("INSERT INTO document_files (document_id, kind, sha256, content_version, created_at) "
                    "VALUES (?, 'signed-pdf', ?, 1, ?)",
                    [(i, sealed[i % len(sealed)], NOW) for i in range(1, documents + 1)])
    con.executemany("INSERT INTO document_evidence (document_id, pdf_sha256, renew_by, renewals, updated_at) "
                    "VALUES (?, ?, ?, 0, ?)", [(i, sealed[i % len(sealed)], due, NOW) for i in range(1, documents + 1)])
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from storage import db as database
    from storage.blobs import blobs
    from storage.models import DocumentEvidence
    from workflows import evidence

    with tempfile.TemporaryDirectory(prefix="countersign-bench-renewal-") as tmp:
        root = pathlib.Path(tmp)
        dev = seal.create_dev_seal(root / "seal", "Bench Council", crl_url="http://127.0.0.1:5000/pki/dev-ca.crl")
        url = f"sqlite:///{root / 'bench.db'}"
        database.upgrade(url)
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "BLOB_DIR": str(root / "blobs"),
            "OUTBOX_DIR": str(root / "outbox"), "SEAL_PKCS12": str(dev.pkcs12_path),
            "SEAL_PASSPHRASE": dev.passphrase, "SEAL_DIR": str(root / "seal"), "TSA_URL": "",
            "EVIDENCE_RENEWAL": False, "DISPOSITION_SWEEP": False, "SEND_DAILY_REMINDERS": False,
            "PDF_POOL_SIZE": 0,
        })
        with app.app_context():
            config = seal.current_config()
            pdfs = [seal.seal_pdf(small_pdf(n), field_name=seal.SEAL_FIELD, reason=f"Locked: REC-{n:06d}",
                                  config=config) for n in range(args.distinct)]
            sealed = [blobs().put(pdf) for pdf in pdfs]
            fill(root / "bench.db", args.documents, sealed)

            def bare(count: int) -> list[float]:
                times = []
                for i in range(count):
                    start = time.perf_counter()
                    seal.renew_evidence(pdfs[i % len(pdfs)], config)
                    times.append((time.perf_counter() - start) * 1000)
                return times

            bare(5)  # warm-up
            baseline = bare(args.baseline // 2)
            start, start_cpu = time.perf_counter(), time.process_time()
            def progress(done: int, failed: int) -> None:
                if (done + failed) % 500 == 0:
                    elapsed = time.perf_counter() - start
                    print(f"  ... {done + failed} done in {elapsed:.0f} s ({done / elapsed:.2f} documents/s)",
                          file=sys.stderr, flush=True)

            renewed, failed = evidence.renew_due_now(on_each=progress)
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
            baseline += bare(args.baseline - args.baseline // 2)
            again = evidence.renew_due_now()  # nothing is due any more: a rerun renews nothing
            still_due = database.session.query(DocumentEvidence).filter(
                DocumentEvidence.renew_by <= dt.datetime.now(dt.UTC)).count()
            database.session.remove()

    per_doc = seconds * 1000 / max(renewed, 1)
    ordered = sorted(baseline)
    result = {
        "documents": args.documents, "renewed": renewed, "failed": failed, "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1), "documents_per_second": round(renewed / seconds, 2),
        "ours_ms_per_document": round(per_doc, 2),
        "bare_median_ms": round(statistics.median(baseline), 2),
        "bare_p95_ms": round(ordered[int(0.95 * len(ordered)) - 1], 2),
        "ratio_ours_over_bare": round(per_doc / statistics.median(baseline), 2),
        "rerun_renewed": again[0], "still_due_after": still_due,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Evidence renewal of {args.documents} due documents (one-page PDFs, {args.distinct} distinct)")
    print(f"  ours (renew_due_now): {renewed} renewed, {failed} failed in {result['seconds']} s "
          f"({result['cpu_seconds']} s CPU) -> {result['documents_per_second']} documents/s, "
          f"{result['ours_ms_per_document']} ms per document")
    print(f"  bare renew_evidence:  median {result['bare_median_ms']} ms, p95 {result['bare_p95_ms']} ms "
          f"({len(baseline)} runs)")
    print(f"  ratio ours/bare per document: {result['ratio_ours_over_bare']}x")
    print(f"  rerun straight after: {again[0]} renewed; still due: {still_due}   (load average "
          f"{result['load_average']} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
