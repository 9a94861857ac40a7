"""Evidence that outlives its certificates, against a real test PKI on loopback (OCSP, CRL, timestamp authorities)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.ades import simulate_future_ades_lta_validation

from signing import long_term, seal
from storage.blobs import blobs
from storage.models import Document
from tests.support import pki as test_pki_support


@pytest.fixture
def test_pki(tmp_path_factory):
    """The test PKI, running: a fresh CA per test, since tests revoke its certificates."""
    pki, stop = test_pki_support.start(tmp_path_factory.mktemp("pki"))
    yield pki
    stop()


@pytest.fixture
def seal_config(test_pki):
    """Every app in this module seals with the test PKI's certificate and timestamp authority."""
    return test_pki.app_settings()


def _config(test_pki, **settings) -> seal.SealConfig:
    return seal.config_from(test_pki.app_settings(**settings))


def _blank_pdf() -> bytes:
    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    return buffer.getvalue()


def _years(n: float) -> dt.timedelta:
    return dt.timedelta(days=round(365.25 * n))


def test_the_locked_document_is_b_lta_with_crls_and_ocsp_from_the_services(app, locked_agreement, db, test_pki):
    document = db.get(Document, locked_agreement)
    pdf = blobs().get(document.final_pdf_sha256)
    db.rollback()

    reader = PdfFileReader(io.BytesIO(pdf))
    seal_signature, = reader.embedded_regular_signatures
    document_timestamp, = reader.embedded_timestamp_signatures
    assert document_timestamp.field_name == "CountersignSealTimestamp"
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls and dss.ocsps, "the CRL and the OCSP response of the seal are embedded"
    embedded = {cert.subject.native["common_name"] for cert in dss.load_certs()}
    assert {"Test Council document seal", "Test timestamp authority", "Test Council Root CA"} <= embedded

    # pyHanko's AdES long-term validation, independently: valid now, and as of ten years past the seal's expiry.
    roots = [test_pki.cert("root")]
    assert long_term.long_term_check(seal_signature, roots, fetch=True).passed
    seal_expires = test_pki.cert("seal")["tbs_certificate"]["validity"]["not_after"].native
    future = seal_expires + _years(10)
    spec = long_term._spec(roots, fresh_crls=[], fetch=False)
    import asyncio
    result = asyncio.run(simulate_future_ades_lta_validation(seal_signature, spec, future))
    assert result.ades_subindic.name == "OK", result


def test_revoked_after_sealing_and_renewed_it_is_valid_as_of_its_timestamp_ten_years_past_expiry(test_pki):
    config = _config(test_pki)
    sealed = seal.seal_pdf(_blank_pdf(), field_name="CountersignSeal", reason="Locked", config=config)
    sealed_at = long_term.evidence_of(sealed).newest.at

    test_pki.revoke("seal")
    # The timestamp authority's own certificate was renewed meanwhile: renewals use the new one.
    renewed = seal.renew_evidence(sealed, _config(test_pki, tsa="tsa-long"))
    assert renewed.startswith(sealed)
    evidence = long_term.evidence_of(renewed)
    assert [t.field_name for t in evidence.timestamps] == ["CountersignSealTimestamp", "CountersignEvidenceRenewal2"]

    ten_years_past_expiry = test_pki.cert("seal")["tbs_certificate"]["validity"]["not_after"].native + _years(10)
    report = seal.verify_pdf(renewed, config, at=ten_years_past_expiry)
    assert report.ok, (report.evidence_problem, report.signatures)
    first = report.signatures[0]
    assert first.long_term.passed and first.long_term.signed_at <= sealed_at
    # The same file, not renewed, no longer proves itself once the timestamp's certificate has expired.
    not_renewed = seal.verify_pdf(sealed, config, at=ten_years_past_expiry)
    assert not not_renewed.ok and not not_renewed.valid_long_term
    assert "expired" in not_renewed.evidence_problem and "before the evidence was renewed" in \
        not_renewed.evidence_problem


def test_a_revoked_certificate_cannot_seal_and_a_file_it_sealed_is_reported_revoked(test_pki):
    revoked = _config(test_pki, seal="seal-revoked")
    with pytest.raises(seal.SealError, match="(?i)revoked|revocation"):
        seal.seal_pdf(_blank_pdf(), field_name="CountersignSeal", reason="Locked", config=revoked)

    # Sealed anyway, without a timestamp authority (PAdES B-B): the check finds the revocation from the CRL.
    plain = seal.seal_pdf(_blank_pdf(), field_name="CountersignSeal", reason="Locked",
                          config=dataclasses.replace(revoked, tsa_url=""))
    report = seal.verify_pdf(plain, revoked)
    assert report.unaltered and not report.ok
    assert "revoked" in report.evidence_problem


def test_the_verify_page_and_cli_show_the_timeline_and_the_reason(app, client, locked_agreement, db, test_pki,
                                                                  tmp_path):
    document = db.get(Document, locked_agreement)
    pdf, reference = blobs().get(document.final_pdf_sha256), document.reference
    db.rollback()
    page = client.post("/verify", data={"file": (io.BytesIO(pdf), "agreement.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Valid" in page and reference in page
    for label in ("Sealed on", "Sealed by", "Timestamped by", "Validation data embedded", "Valid until"):
        assert label in page, label
    assert "Test Council document seal" in page and "Test timestamp authority" in page
    assert "Passes (PAdES long-term validation" in page

    (tmp_path / "agreement.pdf").write_bytes(pdf)
    runner = app.test_cli_runner()
    now = runner.invoke(args=["verify", str(tmp_path / "agreement.pdf")])
    assert now.exit_code == 0, now.output
    assert "Timestamped by: Test timestamp authority" in now.output and "revocation lists (CRLs)" in now.output
    # Years after the timestamp authority's certificate expires, without renewal: the reason is given.
    later = runner.invoke(args=["verify", str(tmp_path / "agreement.pdf"), "--as-of", "2060-01-01"])
    assert later.exit_code == 1
    assert "No longer valid as evidence: the newest timestamp's certificate expired" in later.output


def test_a_file_sealed_by_someone_else_says_by_whom(app, client, tmp_path):
    from signing.dev_ca import create_dev_seal

    other = create_dev_seal(tmp_path / "other", "Another Council")
    foreign = seal.seal_pdf(_blank_pdf(), field_name="Seal", reason="Theirs", config=seal.SealConfig(
        pkcs12_path=other.pkcs12_path, passphrase=other.passphrase.encode(), tsa_url="", trust_pem=None))
    page = client.post("/verify", data={"file": (io.BytesIO(foreign), "theirs.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Not sealed by this organisation: sealed by" in page and "Another Council" in page


def test_seal_dev_ca_gives_one_machine_b_lta_with_its_own_timestamp_authority_and_crl(app, client, tmp_path):
    from asn1crypto import crl as asn1_crl

    app.config.update(SEAL_PKCS12=None, SEAL_PASSPHRASE=None, SEAL_TRUST_PEM=None, TSA_URL="",
                      SEAL_DIR=str(tmp_path / "seal"))
    made = app.test_cli_runner().invoke(args=["seal-dev-ca", "--organisation", "Havering"])
    assert made.exit_code == 0 and "PAdES B-LTA" in made.output, made.output

    config = seal.current_config()
    sealed = seal.seal_pdf(_blank_pdf(), field_name="CountersignSeal", reason="Locked", config=config)
    evidence = long_term.evidence_of(sealed)
    assert evidence.long_term and evidence.crls == 1
    assert "Countersign development timestamp authority" in evidence.newest.authority
    report = seal.verify_pdf(sealed, config)
    assert report.ok and report.signatures[0].long_term.passed, report
    renewed = seal.renew_evidence(sealed, config)
    assert seal.verify_pdf(renewed, config).ok and len(long_term.evidence_of(renewed).timestamps) == 2

    # The CRL the certificates name is served by the app itself.
    signer = seal.load_signer(config)
    assert long_term.crl_urls(signer.signing_cert) == ["https://countersign.test/pki/dev-ca.crl"]
    served = client.get("/pki/dev-ca.crl")
    assert served.status_code == 200 and served.mimetype == "application/pkix-crl"
    assert asn1_crl.CertificateList.load(served.data).issuer == signer.signing_cert.issuer


def test_with_a_real_seal_there_is_no_development_crl(client):
    assert client.get("/pki/dev-ca.crl").status_code == 404


def test_an_older_development_seal_is_replaced_by_one_with_a_timestamp_authority(app, tmp_path):
    app.config.update(SEAL_PKCS12=None, SEAL_PASSPHRASE=None, SEAL_TRUST_PEM=None, TSA_URL="",
                      SEAL_DIR=str(tmp_path / "seal"))
    runner = app.test_cli_runner()
    runner.invoke(args=["seal-dev-ca"])
    (tmp_path / "seal" / "tsa.pem").unlink()
    again = runner.invoke(args=["seal-dev-ca", "--if-missing"])
    assert "making a new one" in again.output and (tmp_path / "seal" / "tsa.pem").exists()
    assert "already set up" in runner.invoke(args=["seal-dev-ca", "--if-missing"]).output


def test_a_seal_without_long_term_data_is_reported_expired_once_its_certificate_has(test_pki):
    # Sealed as before long-term evidence: no timestamp authority, so PAdES B-B with no validation data.
    config = dataclasses.replace(_config(test_pki), tsa_url="")
    plain = seal.seal_pdf(_blank_pdf(), field_name="CountersignSeal", reason="Locked", config=config)
    assert seal.verify_pdf(plain, config).ok  # today the certificate is valid
    after_expiry = test_pki.cert("seal")["tbs_certificate"]["validity"]["not_after"].native + _years(1)
    report = seal.verify_pdf(plain, config, at=after_expiry)
    assert report.unaltered and report.sealed_by_organisation and not report.ok
    assert "expired" in report.evidence_problem and "long-term" in report.evidence_problem, report.evidence_problem
