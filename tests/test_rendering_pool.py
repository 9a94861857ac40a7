"""The warm LibreOffice pool: PDF/A-2b output, parallel conversions, restarts, waiting and shutting down."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import subprocess
import threading
import time

import docx
import pytest

from doc_templates import ConversionError, docx_to_pdf, get_schema, pool, render_docx
from doc_templates.libreoffice import cold_docx_to_pdf
from storage.blobs import blobs
from storage.models import AuditEvent, Document, Job
from storage.states import DocumentState
from tests.support.data import AGREEMENT_FORM, actor_for
from tests.support.links import post_signature

# Real LibreOffice: what is tested here is the converted document itself.
pytestmark = pytest.mark.libreoffice

TIMEOUT = 120


def _agreement_docx() -> bytes:
    schema = get_schema("havering/supervision-agreement")
    form = {"frequency_weeks": "4", "minimum_length_minutes": "90", "absence_cover": "Sam Patel, Team Manager",
            "professional_supervision": "", "start_date": "2026-03-05"}
    system = {"supervisor_name": "Jane Smith", "supervisee_name": "Ali Khan", "review_date": "5 March 2027",
              "document_reference": "AGR-000123", "supervisor_signature": "", "supervisee_signature": "",
              "supervisor_signed_on": "", "supervisee_signed_on": "",
              "recorded_disagreements": "None recorded."}
    values, errors = schema.validate(form)
    assert errors == {}
    return render_docx(schema.docx_path, schema.context(values, system))


def _long_docx(pages: int = 60) -> bytes:
    """A document long enough that LibreOffice is still busy with it a second after it starts."""
    document = docx.Document()
    for page in range(pages):
        document.add_heading(f"Page {page + 1}", level=1)
        for _ in range(6):
            document.add_paragraph("Supervision is a partnership with shared responsibility for its quality. " * 8)
        document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _last_heading(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    numbers = [int(n) for n in re.findall(r"Page (\d+)", text)]
    return f"Page {max(numbers)}"


def assert_pdfa_2b_with_embedded_fonts(pdf: bytes) -> None:
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows, f"pdffonts listed no fonts:\n{fonts}"
    for row in rows:
        # name type encoding emb sub uni object ID: emb is the fourth column from the right.
        assert row.split()[-5] == "yes", f"a font is not embedded:\n{fonts}"
    xmp = subprocess.run(["pdfinfo", "-meta", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    part = re.search(r"pdfaid:part(?:>|=\")\s*(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")\s*([A-Za-z])", xmp)
    assert part and part.group(1) == "2", xmp
    assert conformance and conformance.group(1).upper() == "B", xmp


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has already stopped
    except FileNotFoundError:
        return False


def _group_pids(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_the_warm_pool_can_run_on_this_machine():
    assert pool.unavailable_reason(2, pool.DEFAULT_PYTHON) is None


def test_a_generated_agreement_pdf_is_pdfa_2b_with_every_font_embedded(make_agreement, db):
    document = db.get(Document, make_agreement(send=False))
    pdf = blobs().get(document.pdf_sha256)
    assert_pdfa_2b_with_embedded_fonts(pdf)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    # Calibri/Cambria/Arial documents come out in their metric-compatible stand-ins, not a fallback font.
    assert re.search(r"Liberation|Carlito|Caladea", fonts), fonts


def test_the_cold_fallback_makes_pdfa_2b_too():
    assert_pdfa_2b_with_embedded_fonts(cold_docx_to_pdf(_agreement_docx(), timeout=TIMEOUT))


def test_where_the_pool_cannot_run_conversion_falls_back_to_cold_soffice_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(pool, "_pool", None)
    monkeypatch.setattr(pool, "_unavailable", None)
    monkeypatch.setattr(pool, "_settings", {**pool._settings, "python": "/nonexistent/python3"})
    with caplog.at_level(logging.WARNING, logger="doc_templates.pool"):
        pdf = docx_to_pdf(_agreement_docx(), timeout=TIMEOUT)
    assert_pdfa_2b_with_embedded_fonts(pdf)
    assert pool._pool is None
    assert "cannot run" in caplog.text and "cold soffice" in caplog.text and "python3-uno" in caplog.text


def test_conversions_run_in_parallel_up_to_the_pool_size():
    warm = pool.Pool(2, soffice=pool._soffice())
    try:
        warm.start()
        document = _long_docx(20)
        spans: list = [None, None]
        barrier = threading.Barrier(2)

        def convert(i):
            barrier.wait()
            started = time.monotonic()
            pdf = warm.convert(document, TIMEOUT)
            spans[i] = (started, time.monotonic(), pdf)

        threads = [threading.Thread(target=convert, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        (start_a, end_a, pdf_a), (start_b, end_b, pdf_b) = spans
        assert start_b < end_a and start_a < end_b, "the two conversions did not overlap"
        assert _last_heading(pdf_a) == _last_heading(pdf_b) == "Page 20"
        assert [i.conversions for i in warm.instances] == [1, 1]
    finally:
        warm.shutdown()


def test_libreoffice_killed_mid_conversion_is_restarted_and_the_conversion_completes():
    warm = pool.get()
    warm.start()
    document = _long_docx()
    killed = {}

    def kill_when_busy():
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            busy = [i for i in warm.instances if i.state == "converting" and i.running]
            if busy:
                time.sleep(0.2)  # into the work: sixty pages take LibreOffice longer than this
                killed.update(pid=busy[0].process.pid, state=busy[0].state, restarts=busy[0].restarts,
                              instance=busy[0])
                os.killpg(busy[0].process.pid, signal.SIGKILL)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    pdf = docx_to_pdf(document, timeout=TIMEOUT)
    killer.join()
    assert killed["state"] == "converting", "the instance was not killed in the middle of a conversion"
    instance = killed["instance"]
    assert instance.restarts == killed["restarts"] + 1
    assert instance.running and instance.process.pid != killed["pid"]
    assert not _group_pids(killed["pid"]), "the killed instance left processes behind"
    assert _last_heading(pdf) == "Page 60"
    assert_pdfa_2b_with_embedded_fonts(pdf)


def test_a_hung_conversion_hits_the_time_limit_and_the_instance_is_restarted():
    warm = pool.get()
    warm.start()
    instance = warm.instances[0]
    hung_pid = instance.process.pid
    restarts = instance.restarts
    os.killpg(hung_pid, signal.SIGSTOP)  # LibreOffice stops answering without dying
    try:
        # Both instances are tried in turn, so the stopped one is certainly handed out once.
        with pytest.raises(ConversionError, match="longer than 2 seconds"):
            for _ in warm.instances:
                warm.convert(_agreement_docx(), 2)
    finally:
        try:
            os.killpg(hung_pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert instance.restarts == restarts + 1 and not _group_pids(hung_pid)
    assert_pdfa_2b_with_embedded_fonts(docx_to_pdf(_agreement_docx(), timeout=TIMEOUT))


def test_the_document_locks_when_libreoffice_dies_during_its_final_pdf(app, client, people, make_agreement,
                                                                       signing_link, run_jobs, db, monkeypatch):
    document_id = make_agreement()
    post_signature(client, signing_link(people.supervisee), people.supervisee.name)
    db.rollback()
    post_signature(client, signing_link(people.supervisor), people.supervisor.name)
    assert db.get(Document, document_id).state is DocumentState.LOCKED
    db.rollback()

    original = pool.Instance.convert
    killed: list[int] = []

    def die_mid_conversion(self, document, timeout):
        if not killed:
            # Frozen first, so the request is certainly in flight when the instance dies.
            killed.append(self.process.pid)
            os.killpg(self.process.pid, signal.SIGSTOP)
            threading.Timer(0.5, os.killpg, (self.process.pid, signal.SIGKILL)).start()
        return original(self, document, timeout)

    monkeypatch.setattr(pool.Instance, "convert", die_mid_conversion)
    restarts = sum(i.restarts for i in pool.get().instances)
    run_jobs()
    assert killed and not _group_pids(killed[0])
    assert sum(i.restarts for i in pool.get().instances) == restarts + 1
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256 and document.pdf_error is None
    final = blobs().get(document.final_pdf_sha256)
    assert_pdfa_2b_with_embedded_fonts(final)
    text = subprocess.run(["pdftotext", "-", "-"], input=final, capture_output=True, check=True).stdout.decode()
    assert f"Signed electronically by {people.supervisor.name}" in " ".join(text.split())
    events = db.query(AuditEvent).filter_by(document_id=document_id, event="rendered").all()
    assert [e.detail["sha256"] for e in events if e.detail.get("file") == "final PDF"] == [document.final_pdf_sha256]
    assert db.query(Job).filter_by(document_id=document_id, status="queued").count() == 0


def test_when_no_libreoffice_can_start_the_document_waits_visibly_and_is_made_later(
        app, client, people, login, make_agreement, run_jobs, db, monkeypatch):
    broken = pool.Pool(1, python="/bin/false", soffice=pool._soffice(), status_dir=None)
    monkeypatch.setattr(pool, "_pool", broken)
    try:
        document_id = make_agreement(send=False)
        document = db.get(Document, document_id)
        assert document.pdf_sha256 is None and "could start" in document.pdf_error
        job = db.query(Job).filter_by(document_id=document_id).one()
        assert job.status == "queued" and job.attempts == 1 and "python3-uno" in job.last_error
        reference = document.reference
        db.rollback()

        login(client, people.supervisor)
        page = client.get(f"/documents/{document_id}").get_data(as_text=True)
        assert "Rendering" in page and "No LibreOffice instance could start" in page and "keep trying" in page

        result = app.test_cli_runner().invoke(args=["render-status"])
        assert result.exit_code == 0, result.output
        assert reference in result.output and "1 failed attempt" in result.output
        assert "No LibreOffice instance could start" in result.output and "retry-renders" in result.output
    finally:
        broken.shutdown()
    monkeypatch.undo()  # LibreOffice mended: the real pool again
    assert "1 PDF conversions" in app.test_cli_runner().invoke(args=["retry-renders"]).output
    run_jobs()
    document = db.get(Document, document_id)
    assert document.pdf_sha256 and document.pdf_error is None
    assert_pdfa_2b_with_embedded_fonts(blobs().get(document.pdf_sha256))


def test_render_status_shows_the_running_pool(app):
    warm = pool.get()
    warm.start()
    warm.publish()
    result = app.test_cli_runner().invoke(args=["render-status"])
    assert result.exit_code == 0, result.output
    assert f"Warm pool in process {os.getpid()}: {warm.size} LibreOffice instance(s)" in result.output
    assert f"pid {warm.instances[0].process.pid}" in result.output
    assert "No PDF conversions are waiting." in result.output


def test_shutting_the_pool_down_leaves_no_libreoffice_running():
    warm = pool.Pool(1, soffice=pool._soffice())
    warm.start()
    group = warm.instances[0].process.pid
    assert len(_group_pids(group)) >= 2  # unoserver and soffice.bin
    workdir = warm.workdir
    warm.shutdown()
    assert not _group_pids(group)
    assert not workdir.exists()
    with pytest.raises(ConversionError, match="shut down"):
        warm.convert(_agreement_docx(), TIMEOUT)


def test_the_test_run_itself_uses_the_warm_pool(make_agreement):
    make_agreement(send=False)
    warm = pool.current()
    assert warm is not None and sum(i.conversions for i in warm.instances) >= 1


def test_each_instance_has_its_own_free_ports_and_profile():
    warm = pool.get()
    warm.start()
    ports = [port for i in warm.instances for port in (i.port, i.uno_port)]
    assert len(set(ports)) == len(ports)
    assert len({i.workdir for i in warm.instances}) == len(warm.instances)


def test_the_worker_converts_waiting_documents_side_by_side(app, people, run_jobs, db, monkeypatch):
    from workflows import agreements

    with app.test_request_context():
        first = agreements.start_agreement(people.supervisor.id, people.supervisee.id,
                                           dict(AGREEMENT_FORM), actor_for(people.supervisor)).id
        second = agreements.start_agreement(people.other_supervisor.id, people.other_supervisee.id,
                                            dict(AGREEMENT_FORM), actor_for(people.other_supervisor)).id
    pool.get().start()
    original = pool.Instance.convert
    spans: list[tuple[float, float]] = []

    def timed_convert(self, document, timeout):
        started = time.monotonic()
        try:
            return original(self, document, timeout)
        finally:
            spans.append((started, time.monotonic()))

    monkeypatch.setattr(pool.Instance, "convert", timed_convert)
    run_jobs()
    assert len(spans) == 2
    (start_a, end_a), (start_b, end_b) = spans
    assert start_b < end_a and start_a < end_b, "the two documents were converted one after the other"
    for document_id in (first, second):
        document = db.get(Document, document_id)
        assert document.pdf_sha256 and document.pdf_error is None
        assert_pdfa_2b_with_embedded_fonts(blobs().get(document.pdf_sha256))
