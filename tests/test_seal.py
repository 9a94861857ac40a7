"""The locked document as evidence: PDF/A with an audit certificate, the organisation's seal, and checking it."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from storage.models import AuditEvent, Document, Party, Signature

# Real LibreOffice: what is tested here is the converted document itself.
pytestmark = pytest.mark.libreoffice


def _sign(client, path, name):
    page = client.get(path).get_data(as_text=True)
    sha = page.split('name="reviewed_sha256" value="')[1].split('"')[0]
    response = client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name,
                                       "reviewed_sha256": sha}, headers={"User-Agent": f"{name.split()[0]}Browser/1.0"})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def locked_pdf(client, people, make_agreement, signing_link, run_jobs, db):
    """Drive a whole signing round; return the document id and the sealed PDF HR would download."""
    from storage import db as database
    from storage.blobs import blobs

    document_id = make_agreement()
    for person in (people.supervisee, people.supervisor):
        _sign(client, signing_link(person), person.name)
    database.session.remove()
    run_jobs()
    document = db.get(Document, document_id)
    assert document.final_pdf_sha256, document.pdf_error
    pdf = blobs().get(document.final_pdf_sha256)
    db.rollback()
    return document_id, pdf


def pdfsig_blocks(output: str) -> list[str]:
    """pdfsig's report, one block per signature, in the file's order."""
    return [block for block in re.split(r"^Signature #\d+:$", output, flags=re.M)[1:]]


def _run(tool, pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path)], capture_output=True, text=True, check=False).stdout


def _text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def _altered(pdf: bytes) -> bytes:
    # One byte inside the first content stream: the file still parses, but its content has changed.
    changed = bytearray(pdf)
    at = changed.index(b"stream", changed.index(b"/Length")) + 40
    changed[at] ^= 0x01
    return bytes(changed)


def test_locked_document_is_a_sealed_pdfa_that_pdfsig_and_pyhanko_accept(locked_pdf, tmp_path, dev_seal,
                                                                         timestamp_authority, db):
    document_id, pdf = locked_pdf
    pdfsig = _run("pdfsig", pdf, tmp_path)
    # PAdES B-LTA: the seal, then the document timestamp that closes the file (Debian's pdfsig cannot check
    # document timestamps, and says so); the timestamp covers the whole file, so nothing was added after it.
    seal_block, stamp_block = pdfsig_blocks(pdfsig)
    assert "Signature is Valid." in seal_block and "CountersignSeal" in seal_block, pdfsig
    assert "CountersignSealTimestamp" in stamp_block and "Total document signed" in stamp_block, pdfsig
    # The README's recipe: with the organisation's CA in an NSS database, pdfsig trusts the seal too.
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "Countersign seal CA", "-t", "C,C,C", "-i",
                    str(dev_seal.ca_path)], check=True)
    assert "Certificate is Trusted." in _run("pdfsig", pdf, tmp_path, "-nssdir", f"sql:{nss}")

    trusted = ValidationContext(trust_roots=[_asn1(dev_seal.ca_cert)], allow_fetching=False, revocation_mode="soft-fail")
    signature, document_timestamp = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, trusted)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    # Only the document timestamp, with the validation data before it in its revision, comes after the seal.
    assert status.coverage.name == "ENTIRE_REVISION" and status.modification_level.name == "LTA_UPDATES"
    assert document_timestamp.sig_object["/Type"] == "/DocTimeStamp"
    # PAdES B-T: the signature carries a timestamp from the configured authority.
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert timestamp_authority.requests
    assert "/ETSI.CAdES.detached" in str(signature.sig_object["/SubFilter"])
    assert "/Perms" not in PdfFileReader(io.BytesIO(pdf)).root  # an approval signature, not a certification

    fonts = _run("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert fonts, "the PDF lists no fonts"
    for line in fonts:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line), f"font not embedded: {line}"
        assert line.split()[-5] == "yes", f"font not embedded: {line}"

    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
        assert "/OutputIntents" in opened.Root
        page_count = len(opened.pages)
    assert page_count >= 3  # the agreement's pages, then the certificate

    events = [e.event for e in db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id))]
    assert events.count("sealed") == 1
    sealed = db.scalars(select(AuditEvent).where(AuditEvent.event == "sealed")).one()
    assert sealed.detail["sha256"] == hashlib.sha256(pdf).hexdigest() == db.get(Document, document_id).final_pdf_sha256
    assert sealed.detail["unsealed_sha256"] != sealed.detail["sha256"]


def _asn1(cert):
    from asn1crypto import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.Certificate.load(cert.public_bytes(Encoding.DER))


def test_signature_block_and_certificate_page_show_who_signed_when_how_and_every_event(locked_pdf, db, people):
    document_id, pdf = locked_pdf
    text = _text(pdf)
    document = db.get(Document, document_id)
    # The signature block: name, UK time with its UTC offset, and how each signed.
    for person in (people.supervisor, people.supervisee):
        assert f"Signed electronically by {person.name}" in text
        assert f"via a link emailed to {person.email}" in text
    assert re.search(r"\d{1,2} \w+ 20\d\d at \d\d:\d\d (GMT|BST) \(UTC\+0[01]:00\)", text)
    assert "consent given" in text

    certificate = text[text.index("Audit certificate"):]
    assert document.reference in certificate and document.title in certificate
    assert f"document id {document.id}" in certificate
    assert "havering/supervision-agreement, version 1" in certificate
    assert document.final_docx_sha256 in certificate
    signatures = db.scalars(select(Signature).where(Signature.document_id == document_id)).all()
    for signature in signatures:
        assert signature.reviewed_sha256 in certificate
        assert signature.email in certificate
        assert signature.user_agent in certificate
    assert "203.0.113.7" in certificate or "127.0.0.1" in certificate
    assert "I agree to sign this document electronically." in certificate
    assert f"Signed electronically via a link emailed to {people.supervisee.email}" in certificate
    flowing = " ".join(certificate.split())
    for label in ("Written", "Sent for signature", "Opened the emailed link to sign", "Signed", "Locked"):
        assert label in flowing, label
    # Every certificate page: the reference and its page number in the whole file.
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        total = len(opened.pages)
    assert f"Reference: {document.reference} · Audit certificate Page {total} of {total}" in flowing
    assert "This page is kept on purpose for disagreements" in flowing
    pages = db.scalars(select(AuditEvent).where(AuditEvent.event == "sealed")).one().detail["pages_sha256"]
    assert pages in certificate
    assert {s.party for s in signatures} == set(Party)


def test_one_changed_byte_is_reported_altered_by_the_page_and_the_cli(app, client, locked_pdf, tmp_path, db):
    document_id, pdf = locked_pdf
    document = db.get(Document, document_id)
    reference = document.reference
    db.rollback()

    good = client.post("/verify", data={"file": (io.BytesIO(pdf), "agreement.pdf")}, content_type="multipart/form-data")
    page = good.get_data(as_text=True)
    assert good.status_code == 200
    assert "Sealed by this organisation and unaltered since sealing" in page
    assert reference in page and "Jo O&#39;Brien &amp; &lt;Sons&gt;" in page and "Sam Taylor" in page
    assert "The signed document" in page and "Annotation 1" not in page

    altered = _altered(pdf)
    bad = client.post("/verify", data={"file": (io.BytesIO(altered), "agreement.pdf")}, content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert "Altered: this PDF has been changed since it was sealed" in page and "No – altered" in page
    assert "Broken" in page and 'class="govuk-error-summary"' in page
    # Altered is the finding: the page does not also claim the seal is someone else's.
    assert "not this organisation" not in page and "Cannot tell – the file was altered after sealing" in page

    runner = app.test_cli_runner()
    (tmp_path / "good.pdf").write_bytes(pdf)
    (tmp_path / "altered.pdf").write_bytes(altered)
    ok = runner.invoke(args=["verify", str(tmp_path / "good.pdf")])
    assert ok.exit_code == 0, ok.output
    assert "Valid: sealed by this organisation and unaltered" in ok.output and reference in ok.output
    broken = runner.invoke(args=["verify", str(tmp_path / "altered.pdf")])
    assert broken.exit_code == 1
    assert "Altered" in broken.output and "Unaltered since sealing: no" in broken.output
    assert "not this organisation" not in broken.output and "does not chain" not in broken.output
    assert "Signature is Valid." not in _run("pdfsig", altered, tmp_path)


def test_a_later_sealed_annotation_keeps_the_seal_valid_and_is_listed(app, client, locked_pdf, tmp_path):
    from signing.seal import seal_pdf, verify_pdf

    document_id, pdf = locked_pdf
    annotated = seal_pdf(pdf, field_name="Annotation1", reason="Annotation by the supervisee: I disagree with item 3")
    assert annotated.startswith(pdf)  # an incremental update: the sealed revision is untouched
    check = verify_pdf(annotated)
    assert check.ok and len(check.annotations) == 1
    assert check.sealed_revision_sha256 == hashlib.sha256(pdf).hexdigest()
    page = client.post("/verify", data={"file": (io.BytesIO(annotated), "a.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Annotation 1" in page and "I disagree with item 3" in page and "AGR-" in page
    pdfsig = _run("pdfsig", annotated, tmp_path)
    assert pdfsig.count("Signature is Valid.") == 2 and "Total document signed" in pdfsig

    # Bytes appended after the last seal are reported, even though each seal still checks out.
    appended = verify_pdf(annotated + b"\n% added later\n")
    assert not appended.unaltered and appended.bytes_after_last_signature


def test_a_pdf_sealed_by_someone_else_is_not_the_organisations(app, tmp_path):
    from signing.seal import SealConfig, create_dev_seal, seal_pdf, verify_pdf

    other = create_dev_seal(tmp_path / "other", "Another Council")
    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    sealed = seal_pdf(buffer.getvalue(), field_name="Seal", reason="Not ours",
                      config=SealConfig(other.pkcs12_path, other.passphrase.encode(), "", None))
    check = verify_pdf(sealed)
    assert check.unaltered and not check.sealed_by_organisation and not check.ok
    result = app.test_cli_runner().invoke(args=["verify", _write(tmp_path / "x.pdf", sealed)])
    assert result.exit_code == 1 and "Not sealed by this organisation" in result.output


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_the_verify_page_needs_no_sign_in_and_explains_a_wrong_file(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post("/verify", data={}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "Choose the PDF" not in refused.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.get("/verify")
    assert page.status_code == 200 and "Check a signed PDF" in page.get_data(as_text=True)
    missing = client.post("/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the PDF file you want to check" in missing.get_data(as_text=True)
    not_pdf = client.post("/verify", data={"file": (io.BytesIO(b"hello"), "notes.txt")}, content_type="multipart/form-data")
    assert not_pdf.status_code == 400 and "The file must be a PDF" in not_pdf.get_data(as_text=True)
    unsealed = pikepdf.new()
    unsealed.add_blank_page()
    buffer = io.BytesIO()
    unsealed.save(buffer)
    plain = client.post("/verify", data={"file": (io.BytesIO(buffer.getvalue()), "plain.pdf")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "Not a sealed document" in plain and "no digital signature" in plain


def test_the_verify_page_says_when_checking_is_unavailable(app, client, monkeypatch):
    from signing.seal import SealError
    from workflows import verification

    def no_certificate(_pdf, **_when):
        raise SealError("The organisation's certificate could not be loaded")

    monkeypatch.setattr(verification, "verify_pdf", no_certificate)
    response = client.post("/verify", data={"file": (io.BytesIO(b"%PDF-1.7\n"), "a.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Checking is not available right now" in page and "certificate could not be loaded" in page


def test_a_seal_key_that_fails_at_start_up_blocks_sending_with_a_clear_message(app_config, tmp_path, people, login,
                                                                              make_agreement, caplog):
    from app import create_app
    from storage import db as database

    document_id = make_agreement(send=False)
    broken = create_app({**app_config, "SEAL_PASSPHRASE": "not the passphrase"})
    assert "Documents cannot be sealed" in caplog.text and "COUNTERSIGN_SEAL_PASSPHRASE" in caplog.text
    client = broken.test_client()
    with broken.app_context():
        login(client, people.supervisor)
        page = client.get(f"/documents/{document_id}").get_data(as_text=True)
        assert "Documents cannot be sent for signature" in page and "COUNTERSIGN_SEAL_PASSPHRASE" in page
        response = client.post(f"/documents/{document_id}/send", follow_redirects=True)
        assert "could not be opened" in response.get_data(as_text=True)
        document = database.session.get(Document, document_id)
        assert document.state.value == "draft" and document.sent_at is None
        database.session.remove()
    broken.extensions["countersign.engine"].dispose()

    missing = create_app({**app_config, "SEAL_PKCS12": str(tmp_path / "nowhere.p12")})
    assert "cannot be read" in missing.extensions["countersign.seal_problem"]
    missing.extensions["countersign.engine"].dispose()


def test_a_seal_that_fails_while_locking_is_retried_and_nothing_is_lost(app, client, people, make_agreement,
                                                                       signing_link, run_jobs, db, tmp_path):
    from storage import db as database

    document_id = make_agreement()
    for person in (people.supervisee, people.supervisor):
        _sign(client, signing_link(person), person.name)
    database.session.remove()
    good = app.config["SEAL_PKCS12"]
    app.config["SEAL_PKCS12"] = str(tmp_path / "gone.p12")
    run_jobs()
    document = db.get(Document, document_id)
    assert document.state.value == "locked" and document.final_pdf_sha256 is None
    assert "could not be made yet" in document.pdf_error and "cannot be read" in document.pdf_error
    db.rollback()
    app.config["SEAL_PKCS12"] = good
    from workflows.background import retry_now

    retry_now()
    run_jobs()
    document = db.get(Document, document_id)
    assert document.final_pdf_sha256 and document.pdf_error is None


def test_seal_dev_ca_makes_a_working_seal_only_when_missing(app, tmp_path):
    runner = app.test_cli_runner()
    app.config.update(SEAL_PKCS12=None, SEAL_PASSPHRASE=None, SEAL_DIR=str(tmp_path / "seal"))
    first = runner.invoke(args=["seal-dev-ca", "--if-missing", "--organisation", "Havering"])
    assert first.exit_code == 0 and "Development seal written" in first.output
    again = runner.invoke(args=["seal-dev-ca", "--if-missing"])
    assert "already set up" in again.output
    from signing.seal import check_seal, config_from

    assert "Havering document seal" in check_seal(config_from(app.config))
    assert (tmp_path / "seal" / "ca.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
