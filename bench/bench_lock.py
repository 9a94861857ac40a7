"""Benchmark: locking a document (audit certificate + seal), excluding Word->PDF conversion.

"Lock" is what the seal_final_pdf job (workflows.lock) does once LibreOffice has produced the document's pages,
minus the conversions, which are done once up front (the target leaves Word->PDF out):

    docx = render_certificate(context)                 # the certificate's Word file, as certificate_docx does
    final = seal_final(reference, pages_pdf, cert_pdf)  # join the certificate after the pages (pikepdf) + seal

`context` has the shape workflows.lock.certificate_context(document, ...) returns for a locked agreement with two
signatures and 14 audit events; the text changes each iteration. The seal is the real pyHanko PAdES
approval signature with a development seal (RSA 2048) made in a temporary directory by seal-dev-ca's code:
once without a timestamp authority (B-B, as before long-term evidence) and twice as PAdES B-LTA (timestamped,
the chains and the development CA's CRL in the DSS, closed by a document timestamp): with the development
timestamp authority in-process, as `make run` seals, and with a local RFC 3161 service on a loopback port.

Side by side (interleaved A B C D ... after a warm-up) runs the baseline: pyHanko signing the same
joined PDF with the same key and nothing else, so the ratios show what the certificate and join add,
and what B-LTA costs over B-B.

Run from the repo root:  python -m bench.bench_lock [--iterations N] [--warmup N] [--json]
Always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.server
import json
import os
import pathlib
import platform
import statistics
import tempfile
import threading
import time

from doc_templates import docx_to_pdf, get_schema, render_docx
from doc_templates.certificate import append_pages, render_certificate
from signing import seal
from signing.evidence import CONSENT_TEXT
from storage.times import uk_time

TARGET_MS = 300.0


def context_for(i: int, pages_sha: str) -> dict:
    """Shaped like workflows.lock.certificate_context for a locked agreement."""
    at = dt.datetime(2026, 12, 1, 14, 5, tzinfo=dt.UTC)
    people = [("Supervisee", "Jordan Lee", "jordan.lee@havering.example"),
              ("Supervisor", "Alex Morgan", "alex.morgan@havering.example")]
    signatures = [{
        "party": party, "name": name, "email": email,
        "signed_at": uk_time(at + dt.timedelta(hours=n), with_offset=True),
        "how": f"Signed electronically via a link emailed to {email}, typed name \u201c{name}\u201d, consent given",
        "ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0",
        "reviewed_sha256": f"{i:08x}" * 8,
    } for n, (party, name, email) in enumerate(people)]
    labels = ["Written", "File made", "Sent for signature", "Signing link emailed", "Signing link emailed",
              "Opened the emailed link to sign", "Signed", "Opened the emailed link to sign", "Signed", "Locked", "Downloaded", "Downloaded",
              "File made", "Opened the emailed link to sign"]
    events = [{"at": uk_time(at + dt.timedelta(minutes=k), with_offset=True),
               "what": f"{label} \u2013 Alex Morgan (alex.morgan@havering.example)\nsha256: {pages_sha}; party: supervisor",
               "source": "IP 203.0.113.7\nMozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0"}
              for k, label in enumerate(labels)]
    return {
        "title": "Supervision agreement for Jordan Lee", "reference": f"AGR-{i:06d}", "document_id": str(i),
        "organisation": "London Borough of Havering", "template": "havering/supervision-agreement",
        "template_version": "1", "content_version": "1",
        "locked_at": uk_time(at + dt.timedelta(hours=1), with_offset=True),
        "final_docx_sha256": "ab" * 32, "final_pages_sha256": pages_sha, "signatures": signatures,
        "consent_text": CONSENT_TEXT, "events": events, "verify_url": "https://countersign.example/verify",
        "first_page": "3", "total_pages": "5",
        "annotations": [],
    }


def local_tsa(dev: seal.DevSeal):
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    cert, key = seal.dev_timestamping_certificate(dev)
    stamper = DummyTimeStamper(tsa_cert=asn1_x509.Certificate.load(cert), tsa_key=keys.PrivateKeyInfo.load(key))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = asyncio.run(stamper.async_request_tsa_response(tsp.TimeStampReq.load(body))).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-lock-") as tmp:
        directory = pathlib.Path(tmp) / "seal"
        dev = seal.create_dev_seal(directory, "London Borough of Havering",
                                   crl_url="http://127.0.0.1:5000/pki/dev-ca.crl")
        server, tsa_url = local_tsa(dev)
        plain = seal.SealConfig(dev.pkcs12_path, dev.passphrase.encode(), "", None)
        lta = seal.SealConfig(dev.pkcs12_path, dev.passphrase.encode(), "", None, dev_dir=directory)
        lta_http = seal.SealConfig(dev.pkcs12_path, dev.passphrase.encode(), tsa_url, None, dev_dir=directory)

        # The conversions the target excludes, done once.
        schema = get_schema("havering/supervision-agreement")
        values, _ = schema.validate({"frequency_weeks": "4", "minimum_length_minutes": "90",
                                     "absence_cover": "Priya Shah, Team Manager", "professional_supervision": "",
                                     "start_date": "2027-03-05"})
        system = {"supervisor_name": "Alex Morgan", "supervisee_name": "Jordan Lee", "document_reference": "AGR-000001",
                  "review_date": "5 March 2028", "supervisor_signature": "Signed electronically by Alex Morgan",
                  "supervisor_signed_on": "1 December 2026 at 14:05 GMT (UTC+00:00)",
                  "supervisee_signature": "Signed electronically by Jordan Lee",
                  "supervisee_signed_on": "1 December 2026 at 13:05 GMT (UTC+00:00)",
                  "recorded_disagreements": "None recorded."}
        pages = docx_to_pdf(render_docx(schema.docx_path, schema.context(values, system)), timeout=180)
        import hashlib

        pages_sha = hashlib.sha256(pages).hexdigest()
        certificate_pdf = docx_to_pdf(render_certificate(context_for(0, pages_sha)), timeout=180)
        joined = append_pages(pages, certificate_pdf)

        def lock(i: int, config: seal.SealConfig) -> None:
            render_certificate(context_for(i, pages_sha))
            seal.seal_pdf(append_pages(pages, certificate_pdf), field_name=seal.SEAL_FIELD,
                          reason=f"Locked: AGR-{i:06d} signed by both parties", config=config)

        def bare(i: int, config: seal.SealConfig) -> None:
            seal.seal_pdf(joined, field_name=seal.SEAL_FIELD, reason=f"Bench {i}", config=config)

        timings: dict[str, list[float]] = {"lock": [], "bare": [], "lock_lta": [], "lock_lta_http": []}
        cpu: dict[str, list[float]] = {name: [] for name in timings}
        for i in range(args.warmup):
            lock(i, plain)
            bare(i, plain)
            lock(i, lta)
            lock(i, lta_http)
        for i in range(args.iterations):
            for name, fn, config in (("lock", lock, plain), ("bare", bare, plain),
                                     ("lock_lta", lock, lta), ("lock_lta_http", lock, lta_http)):
                start, start_cpu = time.perf_counter(), time.process_time()
                fn(i, config)
                timings[name].append((time.perf_counter() - start) * 1000)
                # CPU time of this process: what the lock costs when it is not queuing behind other work.
                cpu[name].append((time.process_time() - start_cpu) * 1000)
        server.shutdown()

    def summary(values):
        ordered = sorted(values)
        return {"median_ms": round(statistics.median(values), 2), "p95_ms": round(ordered[int(0.95 * len(ordered)) - 1], 2)}

    result = {name: summary(v) for name, v in timings.items()}
    for name, values in cpu.items():
        result[name]["cpu_median_ms"] = round(statistics.median(values), 2)
    result["ratio_lock_over_bare"] = round(result["lock"]["median_ms"] / result["bare"]["median_ms"], 2)
    result["ratio_lta_over_bb"] = round(result["lock_lta"]["median_ms"] / result["lock"]["median_ms"], 2)
    result["ratio_lta_http_over_bb"] = round(result["lock_lta_http"]["median_ms"] / result["lock"]["median_ms"], 2)
    result["target_ms"] = TARGET_MS
    result["pass"] = result["lock"]["median_ms"] < TARGET_MS
    result["pass_lta"] = result["lock_lta"]["median_ms"] < TARGET_MS
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "pdf_bytes": len(joined)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Lock (certificate + join + seal), excluding Word->PDF; {args.iterations} iterations each, interleaved")
    for name, label in (("lock", "Lock, PAdES B-B"), ("bare", "Bare pyHanko seal, B-B"),
                        ("lock_lta", "Lock, PAdES B-LTA (dev TSA)"), ("lock_lta_http", "Lock, B-LTA (loopback TSA)")):
        print(f"  {label:<30} median {result[name]['median_ms']:8.2f} ms   p95 {result[name]['p95_ms']:8.2f} ms"
              f"   CPU median {result[name]['cpu_median_ms']:8.2f} ms")
    print(f"  ratio lock/bare (B-B): {result['ratio_lock_over_bare']}x; B-LTA/B-B: {result['ratio_lta_over_bb']}x "
          f"(in-process TSA), {result['ratio_lta_http_over_bb']}x (loopback TSA)")
    print(f"  target: median under {TARGET_MS:.0f} ms (wall clock) -> B-B {'PASS' if result['pass'] else 'FAIL'}, "
          f"B-LTA {'PASS' if result['pass_lta'] else 'FAIL'}"
          f"   (load average {result['load_average']} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
