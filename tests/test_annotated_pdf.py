"""Annotations on a locked document go into its PDF as sealed, visible revisions that never break the seal."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signing.seal import load_signer, trust_roots
from storage.blobs import blobs
from storage.models import AnnotatedCopy, Annotation, AuditEvent, Disagreement, Document, Job
from tests.support.data import actor_for
from tests.support.links import mediation_link
from workflows import annotated_pdf

OUTCOME = "Agreed at mediation: a qualified social worker covers any absence over a month. 100% settled."
LATER = "Since signing I think the review date should be six months, not a year."


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


def _tool(tool: str, pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, *args, str(path)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def _files(db, document_id):
    db.expire_all()
    document = db.get(Document, document_id)
    original = blobs().get(document.final_pdf_sha256)
    current = blobs().get(annotated_pdf.current_sha256(document))
    db.rollback()
    return original, current


@pytest.fixture
def two_annotations(client, people, login, locked_with_disagreement, run_jobs, db):
    """After lock: the supervisee records a disagreement, the supervisor escalates it, the manager mediates it."""
    document_id, _ = locked_with_disagreement
    login(client, people.supervisee)
    assert client.post(f"/documents/{document_id}/disagreements/new",
                       data={"section": "other", "disagreement": LATER}).status_code == 302
    client.post("/sign-out")
    db.expire_all()
    later = db.query(Disagreement).filter_by(document_id=document_id, raised_after_lock=True).one()
    login(client, people.supervisor)
    client.post(f"/disagreements/{later.id}/escalate")
    client.post("/sign-out")
    assert client.post(mediation_link(db, people.manager), data={"outcome": OUTCOME}).status_code == 200
    db.expire_all()
    assert db.query(Job).filter_by(document_id=document_id, kind="annotate_pdf", status="queued").count() == 2
    run_jobs()
    return document_id


def test_two_annotations_keep_every_seal_valid_for_pdfsig_and_pyhanko(two_annotations, db, tmp_path, dev_seal):
    original, current = _files(db, two_annotations)
    # The file as locked is, byte for byte, the first part of the annotated copy.
    assert len(current) > len(original) and current.startswith(original)

    # pdfsig, trusting the dev CA through an NSS database, finds three valid signatures over the revisions.
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "dev-ca", "-t", "C,C,C", "-i", str(dev_seal.ca_path)],
                   check=True)
    pdfsig = _tool("pdfsig", current, tmp_path, "-nssdir", f"sql:{nss}")
    # Each seal is PAdES B-LTA: followed by the document timestamp that closes its revision, which covers the
    # whole file when it is the last (Debian's pdfsig cannot check document timestamps, and says so).
    blocks = re.split(r"^Signature #\d+:$", pdfsig, flags=re.M)[1:]
    assert len(blocks) == 6, pdfsig
    assert [b.count("Signature Validation: Signature is Valid.") for b in blocks[::2]] == [1, 1, 1], pdfsig
    assert all("Timestamp" in b for b in blocks[1::2]) and "Total document signed" in blocks[-1], pdfsig
    # (Trust in the certificate is pyHanko's finding below: this poppler's NSS check trusts the first
    # signature's certificate and answers "Unknown issue" for the same certificate in later signatures.)
    assert "Certificate Validation: Certificate is Trusted." in pdfsig, pdfsig

    # pyHanko: intact, valid, trusted, and its difference analysis finds nothing a seal forbids.
    signatures = PdfFileReader(io.BytesIO(current), strict=False).embedded_regular_signatures
    assert [s.field_name for s in signatures][0] == "CountersignSeal" and len(signatures) == 3
    roots = trust_roots(annotated_config(db))
    for signature in signatures:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots, allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.docmdp_ok is not False and status.modification_level is not ModificationLevel.OTHER
        assert status.bottom_line, status.pretty_print_details()

    # Every font in the annotated copy is embedded (PDF/A): the stamps use an embedded Liberation Sans.
    fonts = _tool("pdffonts", current, tmp_path).splitlines()[2:]
    assert fonts and all(re.search(r"\byes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line) for line in fonts), fonts
    assert any("LiberationSans" in line for line in fonts), fonts


def annotated_config(_db):
    from signing.seal import current_config

    load_signer(current_config())
    return current_config()


def test_each_stamp_says_who_what_and_when_on_the_reserved_page(two_annotations, db):
    original, current = _files(db, two_annotations)
    text = _text(current)
    assert "Annotations added after sealing" in _text(original)
    for words in (LATER, OUTCOME, "Disagreement on AGR-", "(supervisee)", "Mediation outcome on AGR-",
                  "Morgan Lee (mediator)", "GMT (UTC+00:00)"):
        assert words in text, (words, text[-1500:])
    copies = db.query(AnnotatedCopy).filter_by(document_id=two_annotations).order_by(AnnotatedCopy.sequence).all()
    kinds = [c.annotation.kind.value for c in copies]
    assert kinds == ["disagreement", "mediation_outcome"] and all(c.stamped for c in copies)
    assert copies[0].previous_sha256 == db.get(Document, two_annotations).final_pdf_sha256
    assert copies[1].previous_sha256 == copies[0].pdf_sha256
    # The sealed reasons carry the full text.
    reasons = [str(s.sig_object["/Reason"]) for s in PdfFileReader(io.BytesIO(current)).embedded_regular_signatures]
    assert LATER in reasons[1] and OUTCOME in reasons[2]


def test_the_original_and_the_current_copy_download_separately_and_are_audited(
        client, people, login, two_annotations, db):
    original, current = _files(db, two_annotations)
    login(client, people.supervisee)
    page = client.get(f"/documents/{two_annotations}").get_data(as_text=True)
    assert "Download the signed PDF with its annotations" in page and "Download the original sealed document" in page
    assert "Areas of disagreement / mediation" in page and "Sealed into the PDF as revision 3" in page
    assert "Printed in the signed document" in page
    got_current = client.get(f"/documents/{two_annotations}/files/current-pdf")
    got_original = client.get(f"/documents/{two_annotations}/files/signed-pdf")
    assert got_current.data == current and got_original.data == original
    assert "signed-with-2-annotations.pdf" in got_current.headers["Content-Disposition"]
    events = db.query(AuditEvent).filter_by(event="downloaded", document_id=two_annotations).all()
    assert {e.detail["file"] for e in events} == {"current-pdf", "signed-pdf"}
    client.post("/sign-out")
    login(client, people.other_supervisor)  # no business with this document
    assert client.get(f"/documents/{two_annotations}/files/current-pdf").status_code == 404


def test_verify_lists_the_annotation_revisions_and_calls_the_copy_unaltered(app, client, two_annotations, db):
    from workflows.verification import check_pdf

    _, current = _files(db, two_annotations)
    result = check_pdf(current)
    assert result.ok and not result.check.suspicious_modification, result.lines()
    lines = "\n".join(result.lines())
    assert "Annotation seal 2" in lines and "Annotation seal 3" in lines and OUTCOME in lines
    assert lines.count("Changes after this seal: a later seal or signature, with its box (allowed)") == 2, lines


def test_a_comment_added_after_the_seal_is_reported_as_a_suspicious_modification(two_annotations, db):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from signing.seal import verify_pdf

    _, current = _files(db, two_annotations)
    writer = IncrementalPdfFileWriter(io.BytesIO(current), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    note = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (50, 50, 80, 80)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Not what we agreed"),
    }))
    page[generic.NameObject("/Annots")] = generic.ArrayObject([*page.get("/Annots", []), note])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    from workflows.annotated_pdf import seal_pdf

    resealed = seal_pdf(tampered, field_name="Later", reason="sealed over a comment")
    check = verify_pdf(resealed)
    assert all(s.intact and s.valid for s in check.signatures)
    assert check.suspicious_modification and not check.unaltered and not check.ok


def test_annotations_added_together_go_in_one_at_a_time_in_order(
        app, people, locked_with_disagreement, run_jobs, db):
    from workflows import disagreements

    document_id, disagreement_id = locked_with_disagreement
    with app.test_request_context():
        for number in range(3):
            disagreements.add_note(disagreement_id, text=f"Note {number}", actor=actor_for(people.supervisee))
    run_jobs()
    db.expire_all()
    copies = db.query(AnnotatedCopy).filter_by(document_id=document_id).order_by(AnnotatedCopy.sequence).all()
    assert [c.annotation.text for c in copies] == ["Note 0", "Note 1", "Note 2"]
    assert [c.sequence for c in copies] == [1, 2, 3]
    original, current = _files(db, document_id)
    signatures = PdfFileReader(io.BytesIO(current)).embedded_regular_signatures
    assert len(signatures) == 4 and current.startswith(blobs().get(copies[1].pdf_sha256))
    assert db.query(Job).filter_by(document_id=document_id, kind="annotate_pdf", status="done").count() == 3


def test_a_disagreement_recorded_before_signing_is_printed_in_the_document_and_certificate(
        locked_with_disagreement, db):
    document_id, _ = locked_with_disagreement
    original, current = _files(db, document_id)
    assert original == current  # nothing added after lock
    text = _text(original)
    assert "Areas of disagreement recorded before signing:" in text
    assert "Disagreement on AGR-" in text and "Cover should be by a qualified social worker" in text
    certificate = text[text.index("Audit certificate"):]
    assert "Disagreements and notes recorded before locking" in certificate
    assert "Cover should be by a qualified social worker" in certificate
    assert db.query(Annotation).filter_by(document_id=document_id, on_locked_document=False).count() == 1


def test_very_long_text_is_shortened_on_the_stamp_but_kept_whole_in_the_seal(
        app, people, locked_with_disagreement, run_jobs, db):
    from workflows import disagreements

    document_id, disagreement_id = locked_with_disagreement
    long_text = " ".join(f"word{n}" for n in range(600)) + " THE-END"  # within a note's 5,000 characters
    with app.test_request_context():
        note = disagreements.add_note(disagreement_id, text=long_text, actor=actor_for(people.supervisor))
        reference = annotated_pdf.reference(note)
    run_jobs()
    _, current = _files(db, document_id)
    text = _text(current)
    assert "word10 " in text and "THE-END" not in text.split("Annotations added after sealing")[-1]
    assert f"is in Countersign under {reference}" in text
    [*_, last] = PdfFileReader(io.BytesIO(current)).embedded_regular_signatures
    assert str(last.sig_object["/Reason"]).endswith("THE-END")
