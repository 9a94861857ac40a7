"""Template versions: an admin uploads a new one, it is checked first, and each document keeps its own version."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from sqlalchemy import select

from doc_templates import get_schema
from storage.blobs import blobs
from storage.models import AuditEvent, Document, TemplateVersion
from tests.support.browser import pdf_text
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import templates
from workflows.renditions import render_word

KEY = "havering/supervision-agreement"


def _rewritten(replace: dict[str, str], extra: dict[str, bytes] | None = None, content_types: str | None = None) -> bytes:
    """The shipped agreement template with its document.xml edited and members added."""
    source = get_schema(KEY).docx_path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                for before, after in replace.items():
                    assert before in text, before
                    text = text.replace(before, after)
                data = text.encode()
            if item.filename == "[Content_Types].xml" and content_types:
                data = data.decode().replace("document.main+xml", content_types).encode()
            new.writestr(item, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return out.getvalue()


def _upload(client, filename, data):
    return client.post(f"/admin/templates/{KEY}/upload", data={"template": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _publish(client):
    """Publish the upload waiting for its preview: the answer to pressing "Publish this version"."""
    page = client.get(f"/admin/templates/{KEY}/preview")
    assert page.status_code == 200, page.status_code
    return client.post(f"/admin/templates/{KEY}/preview", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_a_macro_enabled_file_is_refused(client, people, login, db):
    login(client, people.admin)
    docm = _rewritten({}, {"word/vbaProject.bin": b"\x00VBA"},
                      content_types="document.macroEnabled.main+xml")
    response = _upload(client, "agreement.docm", docm)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This template cannot be used" in page
    assert "macro-enabled Word file (.docm)" in page and "contains macros (VBA)" in page
    assert db.scalars(select(TemplateVersion)).first() is None


def test_a_docx_with_macros_inside_is_refused_whatever_its_name(app, people):
    problems = templates.check_upload(get_schema(KEY), "innocent.docx", _rewritten({}, {"word/vbaProject.bin": b"x"}))
    assert problems == ["The file contains macros (VBA), which Countersign never accepts. Save it in Word as "
                        "“Word Document (.docx)”, which removes them, and upload that."]


def test_a_zip_bomb_is_refused_without_being_unpacked(client, people, login, db):
    bomb = _rewritten({}, {"word/media/huge.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # small on the wire, 60 MB unpacked
    login(client, people.admin)
    page = _upload(client, "agreement.docx", bomb).get_data(as_text=True)
    assert "unpacks to" in page and "more than the 50 MB a template may hold" in page and "ZIP bomb" in page
    assert db.scalars(select(TemplateVersion)).first() is None


def test_a_file_too_big_is_refused(app, people):
    app.config["TEMPLATE_MAX_BYTES"] = 1000
    data = get_schema(KEY).docx_path.read_bytes()
    problems = templates.check_upload(get_schema(KEY), "agreement.docx", data)
    assert problems == [f"The file is {round(len(data) / 1024)} KB; a template must be 1 KB or smaller. "
                        "Remove large pictures from it."]


def test_unknown_and_missing_variables_are_listed(client, people, login, db):
    wrong = _rewritten({"{{ absence_cover }}": "{{ absence_cover }}{{ favourite_colour }}{{ salary }}",
                        "{{ start_date }}": "the agreed date"})
    login(client, people.admin)
    response = _upload(client, "agreement.docx", wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "placeholders this template’s fields do not have: {{ favourite_colour }}, {{ salary }}" in page
    assert "leaves out placeholders it must print: {{ start_date }}" in page


@pytest.mark.parametrize("filename,data,says", [
    ("agreement.docx", b"not a zip at all", "could not be opened as one"),
    ("agreement.pdf", b"%PDF-1.7", "must end in .docx"),
    ("agreement.docx", b"", "The file is empty"),
])
def test_files_that_are_not_word_documents_are_refused(app, people, filename, data, says):
    problems = templates.check_upload(get_schema(KEY), filename, data)
    assert any(says in p for p in problems), problems


def test_a_zip_without_a_word_document_is_refused(app, people):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert templates.check_upload(get_schema(KEY), "a.docx", out.getvalue()) == [
        "The file is not a Word document: it has no word/document.xml. Save it from Word as “Word Document (.docx)”."]


def test_a_good_upload_becomes_the_next_version_and_old_documents_keep_theirs(
        app, client, people, login, db, make_agreement):
    old_id = make_agreement(send=False)
    login(client, people.admin)
    revised = _rewritten({">Supervision Agreement<": ">Supervision Agreement (revised 2027)<"})
    response = _upload(client, "agreement-2027.docx", revised)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/admin/templates/{KEY}/preview")
    assert db.scalars(select(TemplateVersion)).all() == []  # checked, not yet in use
    assert _publish(client).status_code == 302
    row = db.scalars(select(TemplateVersion)).one()
    assert (row.template_key, row.version, row.filename, row.uploaded_by_id) == (KEY, 2, "agreement-2027.docx",
                                                                                 people.admin.id)
    assert blobs().get(row.sha256) == revised
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "template_uploaded")).one()
    assert event.detail["version"] == 2 and event.detail["sha256"] == row.sha256 and event.actor_id == people.admin.id
    listing = client.get("/admin/templates/").get_data(as_text=True)
    assert "agreement-2027.docx" in listing and "Ade Adebayo" in listing
    db.rollback()

    new_id = make_agreement(send=False)
    old, new = db.get(Document, old_id), db.get(Document, new_id)
    assert (old.template_version, new.template_version) == (1, 2)

    def title(document):
        return docx.Document(io.BytesIO(blobs().get(render_word(document)))).paragraphs[2].text

    assert title(new) == "Supervision Agreement (revised 2027)"
    assert title(old) == "Supervision Agreement"  # rendered again, still from version 1


def test_only_an_admin_of_the_organisation_may_upload(client, people, login, db):
    login(client, people.supervisor)
    assert _upload(client, "a.docx", get_schema(KEY).docx_path.read_bytes()).status_code == 404
    with pytest.raises(Exception) as refused:
        templates.upload_version(KEY, "a.docx", b"x", actor_for(people.outsider))
    assert type(refused.value).__name__ == "NotAllowed"
    assert db.scalars(select(TemplateVersion)).first() is None


def test_an_admin_sees_only_their_own_packs_templates(client, people, login):
    login(client, people.admin)
    page = client.get("/admin/templates/").get_data(as_text=True)
    assert "Supervision record" in page and "Supervision agreement" in page
    assert client.get("/admin/templates/barking-dagenham/supervision-record/upload").status_code == 404


def test_a_template_that_breaks_when_filled_in_is_refused(app, people):
    broken = _rewritten({"{{ absence_cover }}": "{{ absence_cover.no_such_thing }}"})
    problems = templates.check_upload(get_schema(KEY), "agreement.docx", broken)
    assert len(problems) == 1 and problems[0].startswith("The template could not be filled in with sample values")


def test_the_shipped_templates_pass_the_upload_checks(app, people):
    for schema in templates.pack_schemas("havering") + templates.pack_schemas("barking-dagenham"):
        assert templates.check_upload(schema, schema.docx_path.name, schema.docx_path.read_bytes()) == [], schema.key


def test_an_earlier_version_is_used_again_as_the_next_version_and_the_history_keeps_both(client, people, login, db):
    login(client, people.admin)
    revised = _rewritten({">Supervision Agreement<": ">Supervision Agreement (revised 2027)<"})
    assert _upload(client, "agreement-2027.docx", revised).status_code == 302
    assert _publish(client).status_code == 302
    listing = client.get("/admin/templates/").get_data(as_text=True)
    assert "Use this version again<span class=\"govuk-visually-hidden\">: version 1 of the supervision agreement" in listing
    token = csrf_token(listing)
    restored = client.post(f"/admin/templates/{KEY}/versions/1/restore", data={"csrf_token": token})
    assert restored.status_code == 302
    db.expire_all()
    assert templates.current_version(KEY) == 3
    row = db.scalars(select(TemplateVersion).where(TemplateVersion.version == 3)).one()
    assert blobs().get(row.sha256) == get_schema(KEY).docx_path.read_bytes()
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "template_restored")).one()
    assert event.detail["restored_version"] == 1 and event.detail["version"] == 3
    page = client.get("/admin/templates/").get_data(as_text=True)
    assert "is in use again, as version 3" in page
    # The one in use already cannot be "restored"; a version that does not exist is not found.
    again = client.post(f"/admin/templates/{KEY}/versions/3/restore", data={"csrf_token": token})
    assert again.status_code == 302
    assert "Version 3 is already the one in use" in client.get("/admin/templates/").get_data(as_text=True)
    assert client.post(f"/admin/templates/{KEY}/versions/9/restore", data={"csrf_token": token}).status_code == 404


def test_only_an_admin_may_use_an_earlier_version_again(client, people, login):
    login(client, people.hr)
    assert client.post(f"/admin/templates/{KEY}/versions/1/restore").status_code == 404


def test_an_upload_is_previewed_with_sample_values_before_it_is_published_or_left_unpublished(client, people, login,
                                                                                              db):
    login(client, people.admin)
    revised = _rewritten({">Supervision Agreement<": ">Supervision Agreement (revised 2027)<"})
    assert _upload(client, "agreement-2027.docx", revised).status_code == 302
    page = client.get(f"/admin/templates/{KEY}/preview").get_data(as_text=True)
    assert "Check the new version of the supervision agreement" in page and "It is not in use yet" in page
    pdf = client.get(f"/admin/templates/{KEY}/preview.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "Supervision Agreement (revised 2027)" in pdf_text(pdf.data)
    assert templates.current_version(KEY) == 1
    not_published = client.post(f"/admin/templates/{KEY}/preview/cancel", data={"csrf_token": csrf_token(page)})
    assert not_published.status_code == 302
    assert db.scalars(select(TemplateVersion)).all() == []
    # Nothing waiting: the preview leads back to the upload page.
    assert client.get(f"/admin/templates/{KEY}/preview").location.endswith(f"/admin/templates/{KEY}/upload")
