"""Benchmark: generating an agreement (validate + context + render + durable save) vs bare docxtpl.

"Ours" is what the app does when it makes a document's Word file. `workflows.renditions.render_word`
needs a Flask app and an ORM `Document`, so this calls the same functions it calls, with the same
kind of inputs:

    schema = get_schema(key)                      # as render_word does
    values, errors = schema.validate(form)         # what the form handler stores as document.data
    context = schema.context(values, system)       # system = what system_fields(document) returns
    FilesystemBlobStore(tmpdir).put(render_docx(schema.docx_path, context))

"Bare" is plain docxtpl on the SAME .docx with the same printed strings, kept in memory:

    tpl = DocxTemplate(path); tpl.render(context, autoescape=True); tpl.save(BytesIO())

The two run interleaved (A B A B ...) after a warm-up. Every iteration uses different text (a
counter in absence_cover), so the content-addressed blob store really writes and fsyncs a new file
each time; the fsync cost is part of "save" and stays in our timing.

Run from the repo root:  python -m bench.bench_render [--iterations N] [--warmup N] [--json]
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
import statistics
import sys
import tempfile
import time

import docxtpl
from docxtpl import DocxTemplate

from doc_templates import get_schema, render_docx
from storage import blobs as blobs_module
from storage.blobs import FilesystemBlobStore
from storage.times import add_years, uk_date, uk_time

ROOT = pathlib.Path(__file__).resolve().parent.parent

TEMPLATE_KEY = "havering/supervision-agreement"
TARGET_RATIO = 1.3


def form_for(i: int) -> dict[str, str]:
    """What the supervisor submits, as strings, with a per-iteration counter so each file differs."""
    return {
        "frequency_weeks": "4",
        "minimum_length_minutes": "90",
        "absence_cover": f"Priya Shah, Team Manager, Adult Social Care (cover {i})",
        "professional_supervision": (
            "Monthly professional supervision with Sam Okafor, Principal Occupational Therapist.\r\n"
            "Group supervision with the OT team every quarter."
        ),
        "start_date": "2027-03-05",
    }


def system_for(i: int, values: dict) -> dict[str, str]:
    """Shaped like workflows.renditions.system_fields(document) for a locked (signed) document."""
    signed_at = dt.datetime(2027, 3, 5, 10, 30, tzinfo=dt.UTC)
    return {
        "supervisor_name": "Alex Morgan",
        "supervisee_name": "Jordan Lee",
        "document_reference": f"HAV-2027-{i:05d}",
        "review_date": uk_date(add_years(values["start_date"], 1)),
        "supervisor_signature": "Signed electronically by Alex Morgan",
        "supervisor_signed_on": uk_time(signed_at, with_offset=True),
        "supervisee_signature": "Signed electronically by Jordan Lee",
        "supervisee_signed_on": uk_time(signed_at + dt.timedelta(hours=2), with_offset=True),
        "recorded_disagreements": "None recorded.",
    }


class FsyncTimer:
    """Wraps os.fsync to add up the time spent in it (only our path calls fsync)."""

    def __init__(self):
        self.real = os.fsync
        self.total = 0.0

    def __call__(self, fd):
        start = time.perf_counter()
        try:
            return self.real(fd)
        finally:
            self.total += time.perf_counter() - start


def ours(i: int, store: FilesystemBlobStore, fsync: FsyncTimer) -> dict[str, float]:
    """One agreement generated the app's way; returns seconds per stage."""
    t0 = time.perf_counter()
    schema = get_schema(TEMPLATE_KEY)
    values, errors = schema.validate(form_for(i))
    if errors:
        raise SystemExit(f"benchmark form did not validate: {errors}")
    context = schema.context(values, system_for(i, values))
    t1 = time.perf_counter()
    data = render_docx(schema.docx_path, context)
    t2 = time.perf_counter()
    fsync_before = fsync.total
    store.put(data)
    t3 = time.perf_counter()
    return {
        "total": t3 - t0,
        "validate_context": t1 - t0,
        "render_docx": t2 - t1,
        "put": t3 - t2,
        "fsync": fsync.total - fsync_before,
    }


def plain_context(i: int) -> dict[str, str]:
    """The same printed strings, prepared outside the timed region for the bare path."""
    schema = get_schema(TEMPLATE_KEY)
    values, _ = schema.validate(form_for(i))
    return schema.context(values, system_for(i, values))


def bare(path: str, context: dict[str, str]) -> float:
    t0 = time.perf_counter()
    tpl = DocxTemplate(path)
    tpl.render(context, autoescape=True)
    tpl.save(io.BytesIO())
    return time.perf_counter() - t0


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1]


def run(iterations: int, warmup: int, blob_parent: str | None) -> dict:
    schema = get_schema(TEMPLATE_KEY)
    path = str(schema.docx_path)
    fsync = FsyncTimer()
    blobs_module.os.fsync = fsync  # same os module object: the wrapper sees storage.blobs' fsyncs
    try:
        with tempfile.TemporaryDirectory(prefix="bench-blobs-", dir=blob_parent) as tmp:
            store = FilesystemBlobStore(tmp)
            contexts = {i: plain_context(i) for i in range(warmup + iterations)}
            for i in range(warmup):
                ours(i, store, fsync)
                bare(path, contexts[i])
            ours_runs, bare_runs = [], []
            for i in range(warmup, warmup + iterations):
                ours_runs.append(ours(i, store, fsync))
                bare_runs.append(bare(path, contexts[i]))
            written = sum(1 for _ in pathlib.Path(tmp).rglob("*") if _.is_file())
    finally:
        blobs_module.os.fsync = fsync.real

    def col(name):
        return [r[name] for r in ours_runs]

    ours_total = col("total")
    med_ours, med_bare = statistics.median(ours_total), statistics.median(bare_runs)
    ratio = med_ours / med_bare
    no_put = [r["total"] - r["put"] for r in ours_runs]
    return {
        "benchmark": "render_agreement_vs_bare_docxtpl",
        "template": str(schema.docx_path.relative_to(ROOT)),
        "iterations": iterations,
        "warmup": warmup,
        "blob_files_written": written,
        "blob_dir_parent": blob_parent or tempfile.gettempdir(),
        "machine": machine(),
        "ms": {
            "ours": {"median": med_ours * 1e3, "p95": p95(ours_total) * 1e3},
            "bare": {"median": med_bare * 1e3, "p95": p95(bare_runs) * 1e3},
            "ours_stages_median": {
                k: statistics.median(col(k)) * 1e3
                for k in ("validate_context", "render_docx", "put", "fsync")
            },
            "ours_without_put": {"median": statistics.median(no_put) * 1e3, "p95": p95(no_put) * 1e3},
        },
        "ratio_median": ratio,
        "ratio_median_without_put": statistics.median(no_put) / med_bare,
        "fsync_share_of_ours": sum(col("fsync")) / sum(ours_total),
        "put_share_of_ours": sum(col("put")) / sum(ours_total),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "docxtpl": getattr(docxtpl, "__version__", "unknown"),
        "platform": platform.platform(),
    }


def verdict(r: dict) -> str:
    word = "PASS" if r["meets_target"] else "FAIL"
    return (
        f"{word}: generating an agreement costs {r['ratio_median']:.2f}x bare docxtpl (median); "
        f"target is at most {TARGET_RATIO}x"
    )


def print_human(r: dict) -> None:
    m, ms = r["machine"], r["ms"]
    print("Generating an agreement (validate + context + render + save) vs bare docxtpl")
    print(f"  template {r['template']}, {r['iterations']} iterations interleaved (warm-up {r['warmup']}), "
          f"{r['blob_files_written']} blobs written under {r['blob_dir_parent']}")
    print(f"  {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, docxtpl {m['docxtpl']}")
    print()
    print(f"  {'':28}{'median ms':>11}{'p95 ms':>10}")
    print(f"  {'ours (app path, fsync)':28}{ms['ours']['median']:>11.2f}{ms['ours']['p95']:>10.2f}")
    print(f"  {'bare docxtpl (BytesIO)':28}{ms['bare']['median']:>11.2f}{ms['bare']['p95']:>10.2f}")
    print(f"  {'ours without put':28}{ms['ours_without_put']['median']:>11.2f}{ms['ours_without_put']['p95']:>10.2f}")
    print()
    st = ms["ours_stages_median"]
    print(f"  ours by stage (median ms): validate+context {st['validate_context']:.2f}, "
          f"render_docx {st['render_docx']:.2f}, put {st['put']:.2f} (of which fsync {st['fsync']:.2f})")
    print(f"  fsync share of our time: {r['fsync_share_of_ours']:.1%}; whole put: {r['put_share_of_ours']:.1%}")
    print(f"  ratio ours/bare (medians): {r['ratio_median']:.2f}x  "
          f"(without put: {r['ratio_median_without_put']:.2f}x)")
    print()
    print(verdict(r))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="timed iterations per side (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed iterations per side first (default 20)")
    parser.add_argument("--blob-dir", default=None,
                        help="parent folder for the temporary blob store (default: system temp dir)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    try:
        if args.iterations < 2:
            raise ValueError("--iterations must be at least 2")
        result = run(args.iterations, max(0, args.warmup), args.blob_dir)
    except Exception as error:  # always exit 0, but say clearly what went wrong
        if args.json:
            print(json.dumps({"benchmark": "render_agreement_vs_bare_docxtpl", "error": repr(error)}))
        else:
            print(f"BENCHMARK ERROR: {error!r}")
        return 0
    if args.json:
        result["verdict"] = verdict(result)
        print(json.dumps(result, indent=2))
    else:
        print_human(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
