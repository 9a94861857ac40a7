"""Renewing a kept record's evidence: a fresh document timestamp before the newest one's certificate expires."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select, update

from signing import long_term
from signing.seal import verify_pdf
from storage.blobs import blobs
from storage.models import AuditEvent, Document, DocumentEvidence, FileKind, Job, as_utc, utcnow
from tests.support import pki as test_pki_support
from workflows import evidence


@pytest.fixture
def test_pki(tmp_path_factory):
    pki, stop = test_pki_support.start(tmp_path_factory.mktemp("pki"))
    yield pki
    stop()


@pytest.fixture
def seal_config(test_pki):
    return test_pki.app_settings()


def _make_due(db, document_id: int) -> None:
    """Time passes: the newest timestamp's certificate is now close to expiring."""
    db.execute(update(DocumentEvidence).where(DocumentEvidence.document_id == document_id)
               .values(renew_by=utcnow() - dt.timedelta(days=1)))
    db.commit()


def _current(db, document_id: int) -> bytes:
    db.expire_all()
    pdf = blobs().get(db.get(Document, document_id).current_files()["current-pdf"])
    db.rollback()
    return pdf


def test_lock_notes_when_the_evidence_needs_renewing(locked_agreement, db, test_pki):
    row = db.get(DocumentEvidence, locked_agreement)
    tsa_expires = test_pki.cert("tsa")["tbs_certificate"]["validity"]["not_after"].native
    assert row.pdf_sha256 == db.get(Document, locked_agreement).final_pdf_sha256
    assert as_utc(row.valid_until) == tsa_expires and "Test timestamp authority" in row.timestamped_by
    # Ninety days before the timestamp authority's certificate expires (sooner than RSA-2048's end in 2030).
    assert as_utc(row.renew_by) == tsa_expires - dt.timedelta(days=90)
    assert row.renewed_at is None and row.renewals == 0
    assert evidence.due() == []


def test_a_due_document_is_renewed_once_however_many_workers_and_runs(app, locked_agreement, db, run_jobs):
    sealed = _current(db, locked_agreement)
    _make_due(db, locked_agreement)
    day = dt.date(2031, 1, 2)
    # Two workers look on the same day: the day's row lets one queue the work.
    assert evidence.run_daily(day) == 1
    assert evidence.run_daily(day) is None
    assert evidence.queue_due() == 0  # already waiting: not queued twice
    db.commit()
    run_jobs()

    renewed = _current(db, locked_agreement)
    assert renewed.startswith(sealed) and len(renewed) > len(sealed)
    stamps = PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures
    assert [s.field_name for s in stamps] == ["CountersignSealTimestamp", "CountersignEvidenceRenewal2"]
    row = db.get(DocumentEvidence, locked_agreement)
    assert row.renewals == 1 and row.renewed_at is not None and as_utc(row.renew_by) > utcnow()
    assert verify_pdf(renewed).ok

    # A second job for the same document (another worker, a rerun) finds nothing due and changes nothing.
    db.add(Job(kind=evidence.RENEW_EVIDENCE, document_id=locked_agreement))
    db.commit()
    run_jobs()
    files = [f for f in db.get(Document, locked_agreement).files if f.kind is FileKind.RENEWED_PDF]
    assert len(files) == 1
    events = db.scalars(select(AuditEvent).where(AuditEvent.event == "evidence_renewed")).all()
    assert len(events) == 1 and events[0].detail["previous_sha256"] == row_sha(sealed)


def row_sha(pdf: bytes) -> str:
    import hashlib

    return hashlib.sha256(pdf).hexdigest()


def test_a_failed_renewal_is_retried_and_says_why(app, locked_agreement, db, test_pki, run_jobs):
    _make_due(db, locked_agreement)
    app.config["TSA_URL"] = test_pki.url + "/nowhere/tsa/none"
    assert evidence.renew_due_now() == (0, 1)
    row = db.get(DocumentEvidence, locked_agreement)
    assert row.last_error and row.renewals == 0
    job = db.scalars(select(Job).where(Job.kind == evidence.RENEW_EVIDENCE)).one()
    assert job.status == "queued" and job.attempts == 1
    app.config["TSA_URL"] = test_pki.tsa_url()
    db.execute(update(Job).where(Job.id == job.id).values(next_attempt_at=utcnow()))
    db.commit()
    run_jobs()
    db.expire_all()
    assert db.get(DocumentEvidence, locked_agreement).renewals == 1
    assert db.get(DocumentEvidence, locked_agreement).last_error is None


def test_hr_sees_when_the_evidence_was_renewed_and_when_next(app, client, login, people, locked_agreement, db):
    login(client, people.hr)
    page = client.get(f"/documents/{locked_agreement}").get_data(as_text=True)
    assert "Evidence timestamped on" in page and "next renewal due" in page

    _make_due(db, locked_agreement)
    assert evidence.renew_due_now() == (1, 0)
    row = db.get(DocumentEvidence, locked_agreement)
    page = client.get(f"/documents/{locked_agreement}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    from storage.times import uk_date

    assert f"Evidence renewed on {uk_date(row.renewed_at)}, next renewal due {uk_date(row.renew_by)}" in text
    assert "Download the signed PDF with its renewed evidence" in page
    client.post("/sign-out")
    login(client, people.supervisee)
    assert "next renewal due" not in client.get(f"/documents/{locked_agreement}").get_data(as_text=True)


def test_the_operator_lists_and_renews_from_the_command_line(app, locked_agreement, db):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["evidence-status"])
    assert listed.exit_code == 0 and "AGR-" in listed.output and "0 due for renewal now" in listed.output
    _make_due(db, locked_agreement)
    assert "DUE" in runner.invoke(args=["evidence-status", "--due"]).output
    dry = runner.invoke(args=["renew-evidence", "--dry-run"])
    assert "1 document due for renewal (dry run" in dry.output
    assert db.get(DocumentEvidence, locked_agreement).renewals == 0
    done = runner.invoke(args=["renew-evidence"])
    assert done.exit_code == 0 and "1 document renewed" in done.output, done.output
    assert "renewed" in runner.invoke(args=["evidence-status"]).output


def _tool(tool: str, pdf: bytes, tmp_path, *args) -> subprocess.CompletedProcess:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path)], capture_output=True, text=True, check=False)


@pytest.mark.libreoffice  # the real PDF/A: its fonts and metadata are what is checked
def test_a_renewed_annotated_document_passes_pdfsig_qpdf_and_pdffonts(client, people, login, locked_with_disagreement,
                                                                     run_jobs, db, tmp_path, test_pki):
    document_id, _ = locked_with_disagreement
    login(client, people.supervisee)
    assert client.post(f"/documents/{document_id}/disagreements/new", data={
        "section": "other", "disagreement": "The review date should be six months."}).status_code == 302
    run_jobs()
    annotated = _current(db, document_id)
    _make_due(db, document_id)
    assert evidence.renew_due_now() == (1, 0)
    renewed = _current(db, document_id)
    assert renewed.startswith(annotated)

    pdfsig = _tool("pdfsig", renewed, tmp_path).stdout
    blocks = re.split(r"^Signature #\d+:$", pdfsig, flags=re.M)[1:]
    # The seal and the annotation's seal, each closed by its document timestamp, then the renewal's timestamp.
    assert len(blocks) == 5, pdfsig
    seals = [b for b in blocks if "ETSI.CAdES.detached" in b]
    assert len(seals) == 2 and all("Signature is Valid." in b for b in seals), pdfsig
    assert "CountersignEvidenceRenewal" in blocks[-1] and "Total document signed" in blocks[-1], pdfsig
    qpdf = _tool("qpdf", renewed, tmp_path, "--check")
    assert qpdf.returncode == 0 and "No syntax or stream encoding errors found" in qpdf.stdout, qpdf.stdout + qpdf.stderr
    fonts = _tool("pdffonts", renewed, tmp_path).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts

    # After every revision the document info and the XMP metadata agree, and it still says PDF/A-2b.
    with pikepdf.open(io.BytesIO(renewed)) as opened:
        meta = opened.open_metadata()
        assert str(opened.docinfo["/Producer"]) == meta.get("pdf:Producer"), (opened.docinfo, str(meta))
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"

    # pyHanko: every seal intact, the timestamps' chain valid, and PAdES long-term validation passes.
    report = verify_pdf(renewed)
    assert report.ok and len(report.signatures) == 2 and len(report.renewals) == 1, report
    assert all(s.long_term.passed for s in report.signatures)
    assert long_term.evidence_of(renewed).crls >= 1
    # /verify and flask verify tell the whole story, the renewal included.
    page = client.post("/verify", data={"file": (io.BytesIO(renewed), "renewed.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    for label in ("Sealed on", "Timestamped by", "Validation data embedded", "Renewed on", "Valid until"):
        assert label in page, label
    assert "Annotation 1" in page and "Passes (PAdES long-term validation" in page
