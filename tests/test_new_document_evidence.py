"""Professional supervision documents, three-way meeting records and each council's quality assurance forms pass the
same evidence checks as agreements and records: a sealed PDF/A with its audit certificate that pdfsig, pyHanko and the
verify page accept."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import types

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from storage.blobs import blobs
from storage.models import Document, DocumentState, Organisation, QualityActivity, Role
from tests.factories import StaffFactory
from tests.support.data import actor_for
from tests.support.links import sign
from tests.test_seal import _asn1, _run, pdfsig_blocks
from workflows import agreements, professional, professional_documents, quality_forms

pytestmark = pytest.mark.libreoffice
TODAY = dt.date.today()
FORMS = {
    "observation": {"observed_on": TODAY.isoformat(), "setting": "meeting", "description": "A review meeting",
                    "strengths": "Clear", "development": "Pace", "strengths_based": "Yes", "reflection_practice": "Yes",
                    "rating": "good"},
    "dip_sample_audit": {"audited_on": TODAY.isoformat(), "case_reference": "LAS-123456 J.B.",
                         "recording_standards": "met", "recording_comments": "Up to date", "decision_making": "Clear",
                         "strengths": "Timely", "development": "More of the person's words", "rating": "good"},
    "professional_agreement": {"frequency_weeks": "6", "minimum_length_minutes": "60", "format": "group",
                               "start_date": TODAY.isoformat()},
    "professional_record": {"supervision_date": TODAY.isoformat(), "session_length": "60",
                            "frameworks": "Pillars of Practice"},
    "three_way_meeting": {"supervision_date": TODAY.isoformat(), "discussion": "How the two supervisions fit"},
}


def _write(app, db, people, pack, kind):
    """The document written by whoever writes that kind: its id, its writer and its supervisee."""
    db.get(Organisation, people.org.id).template_pack = pack
    db.commit()
    olivia = StaffFactory(organisation=db.get(Organisation, people.org.id), name="Olivia Thomas",
                          email="olivia.thomas@havering.example", profession="Occupational therapist",
                          roles=(Role.SUPERVISOR,))
    olivia = types.SimpleNamespace(id=olivia.id, name=olivia.name, email=olivia.email)
    with app.test_request_context():
        professional.name_professional_supervisor(people.other_supervisee.id, olivia.id,
                                                  {"starts_on": TODAY.isoformat()}, actor_for(people.admin))
        if kind in ("observation", "dip_sample_audit"):
            activity = QualityActivity(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                                       supervisee_id=people.supervisee.id, year=TODAY.year, kind=kind, slot=1,
                                       planned_by_id=people.supervisor.id)
            db.add(activity)
            db.commit()
            document = quality_forms.start_form(activity.id, FORMS[kind], actor_for(people.supervisor))
            return document.id, people.supervisor, people.supervisee
        if kind == "three_way_meeting":
            document = professional_documents.start_three_way(people.other_supervisor.id, people.other_supervisee.id,
                                                              FORMS[kind], actor_for(people.other_supervisor))
            return document.id, people.other_supervisor, people.other_supervisee
        document = professional_documents.start_professional_document(
            kind, olivia.id, people.other_supervisee.id, FORMS[kind], actor_for(olivia))
        return document.id, olivia, people.other_supervisee


@pytest.mark.parametrize(("pack", "kind", "title"), [
    ("havering", "observation", "Direct observation"),
    ("barking-dagenham", "dip_sample_audit", "Case file inspection"),
    ("havering", "professional_agreement", "Professional supervision agreement"),
    ("barking-dagenham", "professional_record", "Professional supervision record"),
    ("havering", "three_way_meeting", "Three-way meeting record"),
])
def test_the_locked_document_is_a_sealed_pdfa_with_its_certificate_that_verifies(
        app, client, db, people, run_jobs, signing_link, dev_seal, tmp_path, pack, kind, title):
    document_id, writer, supervisee = _write(app, db, people, pack, kind)
    run_jobs()
    with app.test_request_context():
        agreements.send_for_signature(document_id, actor_for(writer))
    sign(client, signing_link(supervisee), supervisee.name)
    sign(client, signing_link(writer), writer.name)
    run_jobs()
    db.expire_all()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256, document.pdf_error
    pdf, reference = blobs().get(document.final_pdf_sha256), document.reference
    db.rollback()

    seal_block, stamp_block = pdfsig_blocks(_run("pdfsig", pdf, tmp_path))
    assert "Signature is Valid." in seal_block and "CountersignSeal" in seal_block
    assert "Total document signed" in stamp_block
    trusted = ValidationContext(trust_roots=[_asn1(dev_seal.ca_cert)], allow_fetching=False,
                                revocation_mode="soft-fail")
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0], trusted)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
    for line in _run("pdffonts", pdf, tmp_path).splitlines()[2:]:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())
    assert title in text and f"Signed electronically by {writer.name}" in text
    assert f"Signed electronically by {supervisee.name}" in text
    certificate = text[text.index("Audit certificate"):]
    assert reference in certificate and re.search(r"Locked", certificate)

    checked = client.post("/verify", data={"file": (io.BytesIO(pdf), "form.pdf")}, content_type="multipart/form-data")
    assert "Sealed by this organisation and unaltered since sealing" in checked.get_data(as_text=True)
    assert reference in checked.get_data(as_text=True)
