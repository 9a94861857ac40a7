"""Benchmark: a process's memory while it renders many agreements, ours against bare docxtpl.

Each side runs in a process of its own and renders the Havering agreement again and again with different text,
reading the process's resident memory (RSS, from /proc/self/statm) every `--every` renders:

  ours — what the app does for a document's Word file, minus the database and blob store:
         `schema.validate(form)`, `schema.context(values, system)`, `render_docx(schema.docx_path, context)`
         (which runs a full garbage collection every `doc_templates.render.COLLECT_EVERY` renders)
  bare — `DocxTemplate(path); tpl.render(context, autoescape=True); tpl.save(BytesIO())`, with Python's
         garbage collector on its own schedule

Target: ours stays within 20 MiB of its RSS after the first 500 renders for all of `--renders` (10,000).
Bare runs `--bare-renders` (2,000) to show what happens without the collections.

Run from the repo root:  python -m bench.bench_memory [--renders N] [--bare-renders N] [--every N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

TARGET_MIB = 20
SETTLED_AFTER = 500


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def render_many(side: str, renders: int, every: int) -> dict:
    """In this process: render `renders` agreements one way, sampling RSS."""
    import io

    from docxtpl import DocxTemplate

    from bench.bench_render import TEMPLATE_KEY, form_for, plain_context, system_for
    from doc_templates import get_schema, render_docx

    schema = get_schema(TEMPLATE_KEY)
    samples, started = [(0, round(rss_mib(), 1))], time.perf_counter()
    for i in range(1, renders + 1):
        if side == "ours":
            values, _errors = schema.validate(form_for(i))
            render_docx(schema.docx_path, schema.context(values, system_for(i, values)))
        else:
            template = DocxTemplate(str(schema.docx_path))
            template.render(plain_context(i), autoescape=True)
            template.save(io.BytesIO())
        if i % every == 0:
            samples.append((i, round(rss_mib(), 1)))
            print(f"progress {side} {i} {samples[-1][1]}", file=sys.stderr, flush=True)
    return {"renders": renders, "seconds": round(time.perf_counter() - started, 1), "samples": samples}


def summary(result: dict) -> dict:
    samples = dict(result["samples"])
    settled = samples.get(SETTLED_AFTER)
    after = [mib for n, mib in result["samples"] if n >= SETTLED_AFTER]
    return {"renders": result["renders"], "seconds": result["seconds"],
            "ms_per_render": round(1000 * result["seconds"] / result["renders"], 1),
            "rss_at_start_mib": samples[0], "rss_after_500_mib": settled,
            "rss_max_after_500_mib": max(after) if after else None,
            "rss_at_end_mib": result["samples"][-1][1],
            "growth_after_500_mib": round(max(after) - settled, 1) if after and settled else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=10_000)
    parser.add_argument("--bare-renders", type=int, default=2_000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--side", choices=("ours", "bare"), help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.side:
        print(json.dumps(render_many(args.side, args.renders, args.every)))
        return
    results = {"python": platform.python_version()}
    for side, renders in (("ours", args.renders), ("bare", args.bare_renders)):
        # The child's progress lines go straight to this process's stderr, so a long run can be followed.
        child = subprocess.run([sys.executable, "-m", "bench.bench_memory", "--side", side, "--renders", str(renders),
                                "--every", str(args.every)], stdout=subprocess.PIPE, text=True, check=False)
        if child.returncode:
            results[side] = {"error": f"the {side} process failed (exit {child.returncode}); see above"}
            continue
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results[side] = {**summary(result), "samples": result["samples"]}
    ours = results.get("ours", {})
    if ours.get("growth_after_500_mib") is not None:
        results["within_target"] = ours["growth_after_500_mib"] <= TARGET_MIB
    if args.json:
        print(json.dumps(results))
        return
    for side in ("ours", "bare"):
        shown = {k: v for k, v in results.get(side, {}).items() if k != "samples"}
        print(side, json.dumps(shown))
        print("  RSS MiB by renders:", " ".join(f"{n}:{mib:.0f}" for n, mib in results.get(side, {}).get("samples", [])))
    print("within target:", results.get("within_target"))


if __name__ == "__main__":
    main()
