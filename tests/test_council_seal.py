"""Each council its own seal: a council's documents are sealed with its own certificate, checked against it and named
by it; a council with none uses the deployment's."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy import select, update

from signing import seal
from storage.blobs import blobs
from storage.models import AuditEvent, Document, DocumentEvidence, Organisation, Role, utcnow
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory
from tests.support.links import sign

BARKING = "London Borough of Barking and Dagenham"


@pytest.fixture
def barking(db):
    """A second council, with a supervisor and their supervisee."""
    council = OrganisationFactory(name=BARKING, template_pack="havering")
    supervisor = StaffFactory(organisation=council, name="Priya Nair", email="priya.nair@lbbd.example",
                              roles=(Role.SUPERVISOR,))
    supervisee = StaffFactory(organisation=council, name="Dan Mensah", email="dan.mensah@lbbd.example")
    RelationshipFactory(supervisor=supervisor, supervisee=supervisee)
    return types_of(council, supervisor, supervisee)


def types_of(council, supervisor, supervisee):
    import types

    snap = lambda s: types.SimpleNamespace(id=s.id, name=s.name, email=s.email)  # noqa: E731
    return types.SimpleNamespace(id=council.id, name=council.name, supervisor=snap(supervisor),
                                 supervisee=snap(supervisee))


def _locked(client, make_agreement, signing_link, run_jobs, db, supervisor, supervisee) -> tuple[int, bytes]:
    document_id = make_agreement(supervisor=supervisor, supervisee=supervisee)
    for person in (supervisee, supervisor):
        sign(client, signing_link(person), person.name)
    run_jobs()
    document = db.get(Document, document_id)
    assert document.final_pdf_sha256, document.pdf_error
    pdf = blobs().get(document.final_pdf_sha256)
    db.rollback()
    return document_id, pdf


def _config(db, name):
    organisation = db.scalars(select(Organisation).where(Organisation.name == name)).one()
    config = seal.config_for(organisation)
    db.rollback()
    return config


def test_two_councils_seal_with_their_own_certificates(app, client, db, people, barking, make_agreement, signing_link,
                                                       run_jobs, tmp_path):
    # Each council's own development seal, with its own timestamp authority beside it.
    app.config.update(SEAL_DIR=str(tmp_path / "seal"), TSA_URL="")
    runner = app.test_cli_runner()
    for name in (people.org.name, BARKING):
        made = runner.invoke(args=["seal-dev-ca", "--for-organisation", name])
        assert made.exit_code == 0 and f"{name}'s own development seal" in made.output, made.output
    assert (tmp_path / "seal" / f"organisation-{barking.id}" / "seal.p12").exists()

    havering_id, havering_pdf = _locked(client, make_agreement, signing_link, run_jobs, db, people.supervisor,
                                        people.supervisee)
    barking_id, barking_pdf = _locked(client, make_agreement, signing_link, run_jobs, db, barking.supervisor,
                                      barking.supervisee)
    havering, theirs = _config(db, people.org.name), _config(db, BARKING)
    assert havering.pkcs12_path != theirs.pkcs12_path

    for pdf, own, other, name in ((havering_pdf, havering, theirs, people.org.name),
                                  (barking_pdf, theirs, havering, BARKING)):
        mine = seal.verify_pdf(pdf, own)
        assert mine.ok and mine.sealed_by_organisation
        assert name in mine.signatures[0].signer and "document seal (development)" in mine.signatures[0].signer.lower()
        # The other council's certificate did not seal it.
        assert not seal.verify_pdf(pdf, other, long_term_check=False).sealed_by_organisation
    assert "Barking" not in seal.verify_pdf(havering_pdf, havering).signatures[0].signer

    # /verify and `flask verify` check each file against its own council's seal, and name the council.
    for pdf, name in ((havering_pdf, people.org.name), (barking_pdf, BARKING)):
        page = client.post("/verify", data={"file": (io.BytesIO(pdf), "signed.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
        assert "Sealed by this organisation and unaltered since sealing" in page
        assert "document seal (development)" in page.lower() and f"Organization: {name}" in page
        assert f'<dd class="govuk-summary-list__value">{name}</dd>' in page
        path = tmp_path / "signed.pdf"
        path.write_bytes(pdf)
        checked = runner.invoke(args=["verify", str(path)])
        assert checked.exit_code == 0 and name in checked.output, checked.output
    # The certificate page inside the sealed file names the council too.
    text = subprocess.run(["pdftotext", "-", "-"], input=barking_pdf, capture_output=True, check=True).stdout.decode()
    assert BARKING in " ".join(text.split())

    # Each council's development CA publishes its own revocation list at the address its certificates name.
    crl = client.get(f"/pki/organisations/{barking.id}/dev-ca.crl")
    assert crl.status_code == 200 and crl.mimetype == "application/pkix-crl"
    assert client.get("/pki/organisations/999999/dev-ca.crl").status_code == 404

    # Renewing the evidence keeps each council's file its own.
    from workflows import evidence

    db.execute(update(DocumentEvidence).where(DocumentEvidence.document_id.in_([havering_id, barking_id]))
               .values(renew_by=utcnow()))
    db.commit()
    assert evidence.renew_due_now() == (2, 0)
    renewed = blobs().get(db.get(Document, barking_id).current_files()["current-pdf"])
    db.rollback()
    assert renewed.startswith(barking_pdf) and seal.verify_pdf(renewed, theirs).ok
    assert not seal.verify_pdf(renewed, havering, long_term_check=False).sealed_by_organisation


def test_configure_seal_checks_the_seal_before_using_it(app, db, people, tmp_path, dev_seal):
    runner = app.test_cli_runner()
    name = people.org.name
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("not it\n")
    refused = runner.invoke(args=["configure-seal", "--name", name, "--pkcs12", str(dev_seal.pkcs12_path),
                                  "--passphrase-file", str(wrong)])
    assert refused.exit_code == 1 and "--pkcs12: This seal does not work, so nothing was changed" in refused.output
    missing = runner.invoke(args=["configure-seal", "--name", name, "--pkcs12", str(tmp_path / "none.p12")])
    assert missing.exit_code == 1 and "There is no file at" in missing.output
    relative = runner.invoke(args=["configure-seal", "--name", name, "--pkcs12", "seal.p12"])
    assert relative.exit_code == 1 and "Give the full path of the file" in relative.output
    assert db.get(Organisation, people.org.id).seal_pkcs12 is None
    db.rollback()

    done = runner.invoke(args=["configure-seal", "--name", name, "--pkcs12", str(dev_seal.pkcs12_path)])
    assert done.exit_code == 0 and "sealed from now on with its own seal" in done.output, done.output
    organisation = db.get(Organisation, people.org.id)
    # Only where the files are is kept: never the key or its passphrase.
    assert organisation.seal_pkcs12 == str(dev_seal.pkcs12_path) and organisation.seal_passphrase_file is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "seal_changed")).one()
    assert event.organisation_id == people.org.id and "document seal" in event.detail["holder"]
    db.rollback()
    back = runner.invoke(args=["configure-seal", "--name", name, "--pkcs12", ""])
    assert back.exit_code == 0 and "deployment's seal again" in back.output
    assert db.get(Organisation, people.org.id).seal_pkcs12 is None


def test_a_council_whose_own_seal_fails_cannot_send_but_others_can(app, client, db, people, barking, make_agreement,
                                                                   login, tmp_path):
    app.config.update(SEAL_DIR=str(tmp_path / "seal"))
    assert app.test_cli_runner().invoke(args=["seal-dev-ca", "--for-organisation", BARKING]).exit_code == 0
    (tmp_path / "seal" / f"organisation-{barking.id}" / "passphrase").write_text("lost\n")
    theirs = make_agreement(send=False, supervisor=barking.supervisor, supervisee=barking.supervisee)
    ours = make_agreement(send=False)
    login(client, barking.supervisor)
    page = client.get(f"/documents/{theirs}").get_data(as_text=True)
    assert "Documents cannot be sent for signature" in page
    assert "could not be opened" in client.post(f"/documents/{theirs}/send", follow_redirects=True).get_data(
        as_text=True)
    assert db.get(Document, theirs).sent_at is None
    db.rollback()
    login(client, people.supervisor)
    assert client.post(f"/documents/{ours}/send").status_code == 302


# --- the start-up check runs where documents are sealed, not in set-up commands ------------------------


def _flask(tmp_path, *args):
    env = {**os.environ, "COUNTERSIGN_DEVELOPMENT": "true", "COUNTERSIGN_DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
           "COUNTERSIGN_SEAL_DIR": str(tmp_path / "seal"), "COUNTERSIGN_BLOB_DIR": str(tmp_path / "blobs"),
           "COUNTERSIGN_OUTBOX_DIR": str(tmp_path / "outbox")}
    env.pop("COUNTERSIGN_SEAL_PKCS12", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "app", *args], capture_output=True, text=True, env=env, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_migrate_and_seal_dev_ca_on_a_fresh_install_log_no_error(tmp_path):
    migrated = _flask(tmp_path, "migrate")
    assert migrated.returncode == 0 and "Database is up to date" in migrated.stdout
    assert "ERROR" not in migrated.stdout + migrated.stderr, migrated.stderr
    made = _flask(tmp_path, "seal-dev-ca", "--if-missing")
    assert made.returncode == 0 and "Development seal written" in made.stdout
    assert "ERROR" not in made.stdout + made.stderr, made.stderr


def test_serving_still_checks_the_seal_at_start_up(app, db, people, monkeypatch, caplog, tmp_path):
    from web import cli

    monkeypatch.setattr(cli, "waitress_serve", lambda *args, **kwargs: None)
    app.config["SEAL_PKCS12"] = str(tmp_path / "nowhere.p12")
    db.get(Organisation, people.org.id).seal_pkcs12 = str(tmp_path / "moved-away.p12")
    db.commit()
    with caplog.at_level(logging.ERROR):
        served = app.test_cli_runner().invoke(args=["serve", "--no-worker", "--port", "0"])
    assert served.exit_code == 0, served.output
    assert "Documents cannot be sealed" in caplog.text and "cannot be read" in app.extensions[
        "countersign.seal_problem"]
    # Each council's own seal is checked too, and named.
    assert f"{people.org.name}: Documents cannot be sealed" in caplog.text and "moved-away.p12" in caplog.text
