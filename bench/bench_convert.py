"""Benchmark: Word→PDF/A through the warm LibreOffice pool vs a cold `soffice --convert-to pdf` per document.

Both sides convert the SAME document: the Havering supervision agreement rendered from data, as the app
renders it. Both export PDF/A-2b with the same options (doc_templates.libreoffice.PDF_EXPORT_OPTIONS).

1. Per document: cold (`doc_templates.libreoffice.cold_docx_to_pdf`: a fresh soffice with its own profile, as
   the app did before the pool) against warm (`Pool(1).convert`: one running instance), interleaved
   cold, warm, cold, warm … after a warm-up. Target: warm at least 4× faster (medians).
2. Throughput: a batch of 20 conversions through a pool of one and through a pool of two, each pool fed
   by as many threads as it has instances, batches interleaved (1, 2, 1, 2 …). Both pools are started
   before timing. Target: the pool of two at least 1.6× the throughput of the pool of one (on 2 cores).

Run from the repo root:  python -m bench.bench_convert [--iterations N] [--warmup N] [--batch N] [--rounds N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import statistics
import subprocess
import time

from doc_templates import get_schema, render_docx
from doc_templates import pool as pool_module
from doc_templates.libreoffice import cold_docx_to_pdf

PER_DOCUMENT_TARGET = 4.0
THROUGHPUT_TARGET = 1.6
TIMEOUT = 300


def agreement_docx() -> bytes:
    """The Havering agreement rendered from data, as a locked document's Word file."""
    schema = get_schema("havering/supervision-agreement")
    values, errors = schema.validate({
        "frequency_weeks": "4", "minimum_length_minutes": "90",
        "absence_cover": "Priya Shah, Team Manager, Adult Social Care",
        "professional_supervision": "Monthly professional supervision with Sam Okafor, Principal OT.",
        "start_date": "2027-03-05",
    })
    assert not errors, errors
    system = {
        "supervisor_name": "Alex Morgan", "supervisee_name": "Jordan Lee", "document_reference": "HAV-2027-00001",
        "review_date": "5 March 2028", "supervisor_signature": "Signed electronically by Alex Morgan",
        "supervisor_signed_on": "5 March 2027 at 10:30 GMT (UTC+00:00)",
        "supervisee_signature": "Signed electronically by Jordan Lee",
        "supervisee_signed_on": "5 March 2027 at 12:30 GMT (UTC+00:00)",
        "recorded_disagreements": "None recorded.",
    }
    return render_docx(schema.docx_path, schema.context(values, system))


def timed(fn) -> float:
    start = time.perf_counter()
    pdf = fn()
    elapsed = time.perf_counter() - start
    if not pdf.startswith(b"%PDF-"):
        raise SystemExit("a conversion returned something that is not a PDF")
    return elapsed


def batch_seconds(pool: pool_module.Pool, document: bytes, batch: int) -> float:
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=pool.size) as threads:
        pdfs = list(threads.map(lambda _: pool.convert(document, TIMEOUT), range(batch)))
    elapsed = time.perf_counter() - start
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10, help="cold/warm pairs (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="warm conversions before timing (default 3)")
    parser.add_argument("--batch", type=int, default=20, help="documents per throughput batch (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput batches per pool size (default 3)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    document = agreement_docx()
    soffice = pool_module._soffice()
    problem = pool_module.unavailable_reason(2, pool_module.DEFAULT_PYTHON)
    if problem:
        print(f"The warm pool cannot run here: {problem}")
        return
    one = pool_module.Pool(1, soffice=soffice)
    two = pool_module.Pool(2, soffice=soffice)
    try:
        started = time.perf_counter()
        one.start()
        two.start()
        startup = time.perf_counter() - started
        for _ in range(args.warmup):
            one.convert(document, TIMEOUT)
            batch_seconds(two, document, 2)
        cold, warm = [], []
        for _ in range(args.iterations):
            cold.append(timed(lambda: cold_docx_to_pdf(document, timeout=TIMEOUT)))
            warm.append(timed(lambda: one.convert(document, TIMEOUT)))
        batches = {1: [], 2: []}
        for _ in range(args.rounds):
            batches[1].append(batch_seconds(one, document, args.batch))
            batches[2].append(batch_seconds(two, document, args.batch))
    finally:
        one.shutdown()
        two.shutdown()

    cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm) * 1000
    per_document = cold_ms / warm_ms
    through = {size: args.batch / statistics.median(times) for size, times in batches.items()}
    throughput_ratio = through[2] / through[1]
    result = {
        "machine": f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
                   f"Python {platform.python_version()}, {_soffice_version()}",
        "pool_startup_seconds": round(startup, 2),
        "cold_median_ms": round(cold_ms, 1), "cold_p95_ms": round(_p95(cold) * 1000, 1),
        "warm_median_ms": round(warm_ms, 1), "warm_p95_ms": round(_p95(warm) * 1000, 1),
        "per_document_ratio": round(per_document, 2),
        "batch": args.batch,
        "pool1_batch_seconds": [round(t, 2) for t in batches[1]],
        "pool2_batch_seconds": [round(t, 2) for t in batches[2]],
        "pool1_docs_per_second": round(through[1], 2), "pool2_docs_per_second": round(through[2], 2),
        "throughput_ratio": round(throughput_ratio, 2),
        "per_document_pass": per_document >= PER_DOCUMENT_TARGET,
        "throughput_pass": throughput_ratio >= THROUGHPUT_TARGET,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Word→PDF/A, Havering agreement, {result['machine']}")
    print(f"  pool start-up (3 instances in parallel): {startup:.1f} s")
    print(f"  cold soffice per document: median {cold_ms:.0f} ms, p95 {result['cold_p95_ms']:.0f} ms")
    print(f"  warm pool per document:    median {warm_ms:.0f} ms, p95 {result['warm_p95_ms']:.0f} ms")
    print(f"  per document: warm is {per_document:.2f}× faster (target ≥ {PER_DOCUMENT_TARGET}×): "
          f"{'PASS' if result['per_document_pass'] else 'FAIL'}")
    print(f"  batch of {args.batch}: pool of 1 {through[1]:.2f} docs/s {result['pool1_batch_seconds']}, "
          f"pool of 2 {through[2]:.2f} docs/s {result['pool2_batch_seconds']}")
    print(f"  throughput: pool of 2 is {throughput_ratio:.2f}× pool of 1 (target ≥ {THROUGHPUT_TARGET}×): "
          f"{'PASS' if result['throughput_pass'] else 'FAIL'}")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _soffice_version() -> str:
    try:
        return subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout.split("(")[0].strip()
    except (OSError, subprocess.SubprocessError):
        return "LibreOffice (version unknown)"


if __name__ == "__main__":
    main()
