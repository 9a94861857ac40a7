"""The document is read in the page as HTML made from its Word file, with the PDF beside it, never only in a frame."""

from __future__ import annotations

import io
import re
import zipfile

from doc_templates.html import docx_to_html, html_sha256
from storage.models import AuditEvent, Document
from tests.support.data import actor_for
from tests.support.links import mediation_link


def test_the_signing_page_shows_the_documents_text_and_links_the_pdf(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    page = client.get(signing_link(people.supervisee)).get_data(as_text=True)
    assert "<iframe" not in page
    text = page[page.index('id="document-text"'):]
    assert "Morgan Lee, Team Manager" in text  # what the supervisor wrote, in the page itself
    assert re.search(r"<h3>[^<]+</h3>", text) and "<th>" in text
    assert ">Open the PDF</a>" in page
    document = db.get(Document, document_id)
    # The fingerprint is a short code in the sentence; the whole SHA-256 only under "What is this?".
    assert document.pdf_sha256[:4].upper() in page and "What is this?" in page
    viewed = db.query(AuditEvent).filter_by(document_id=document_id, event="viewed").one()
    from storage.blobs import blobs
    assert viewed.detail["html_sha256"] == html_sha256(docx_to_html(blobs().get(document.docx_sha256)))
    assert viewed.detail["sha256"] == document.pdf_sha256


def test_the_same_word_file_always_gives_the_same_html(make_agreement, db):
    document = db.get(Document, make_agreement(send=False))
    from storage.blobs import blobs
    word = blobs().get(document.docx_sha256)
    first = docx_to_html(word)
    assert docx_to_html(bytes(word)) == first


def test_links_that_could_run_script_are_not_kept(make_agreement, db):
    from storage.blobs import blobs
    document = db.get(Document, make_agreement(send=False))
    word = _with_hyperlink(blobs().get(document.docx_sha256), "javascript:alert(1)")
    html = docx_to_html(word)
    assert "javascript" not in html and "Click me" in html
    assert 'href="https://example.org/"' in docx_to_html(_with_hyperlink(word, "https://example.org/"))


def test_the_mediators_page_shows_the_document_in_the_page(app, client, people, locked_with_disagreement, db):
    from workflows import disagreements

    document_id, disagreement_id = locked_with_disagreement
    with app.test_request_context():
        disagreements.escalate(disagreement_id, actor=actor_for(people.supervisor))
    page = client.get(mediation_link(db, people.manager)).get_data(as_text=True)
    assert "<iframe" not in page
    assert "Morgan Lee, Team Manager" in page[page.index('id="document-text"'):]
    assert ">Open the PDF</a>" in page


def test_the_document_page_shows_its_text_not_a_frame(client, people, login, make_agreement):
    document_id = make_agreement(send=False)
    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "<iframe" not in page and "Morgan Lee, Team Manager" in page[page.index('id="document-text"'):]


def _with_hyperlink(docx: bytes, href: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                link = ('<w:p><w:hyperlink r:id="rIdCsLink"><w:r><w:t>Click me</w:t></w:r></w:hyperlink></w:p>')
                data = data.replace(b"<w:body>", b"<w:body>" + link.encode(), 1)
            if item.filename == "word/_rels/document.xml.rels":
                rel = (f'<Relationship Id="rIdCsLink" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/hyperlink" Target="{href}" TargetMode="External"/>')
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            target.writestr(item, data)
    return out.getvalue()


def test_the_page_reloading_itself_writes_nothing_to_the_audit_trail(client, people, login, make_agreement, db):
    document_id = make_agreement(send=False)
    login(client, people.supervisor)
    client.get(f"/documents/{document_id}")
    client.get(f"/documents/{document_id}?refreshed=1")
    client.get(f"/documents/{document_id}?refreshed=1")
    views = db.query(AuditEvent).filter_by(document_id=document_id, event="viewed").all()
    assert len(views) == 1 and views[0].detail == {"page": "document page"}


def test_the_audit_trail_tells_a_page_view_from_opening_a_link_to_sign(client, people, login, make_agreement,
                                                                      signing_link, db):
    from workflows.lock import event_label

    document_id = make_agreement()
    client.get(signing_link(people.supervisee))
    login(client, people.supervisor)
    client.get(f"/documents/{document_id}")
    labels = [event_label(e) for e in db.query(AuditEvent).filter_by(document_id=document_id, event="viewed")
              .order_by(AuditEvent.id)]
    assert labels == ["Opened the emailed link to sign", "Viewed in Countersign (document page)"]


def test_a_word_file_is_read_and_made_into_html_once_however_often_its_page_is_opened(client, people, login,
                                                                                    make_agreement, monkeypatch):
    from storage import blobs as blob_store
    from workflows import renditions

    document_id = make_agreement(send=False)
    login(client, people.supervisor)
    renditions._shown.cache_clear()
    reads = []
    store = blob_store.blobs()
    real_get = type(store).get
    monkeypatch.setattr(type(store), "get", lambda self, sha256: reads.append(sha256) or real_get(self, sha256))
    first = client.get(f"/documents/{document_id}").get_data(as_text=True)
    again = client.get(f"/documents/{document_id}").get_data(as_text=True)
    for page in (first, again):
        assert "Morgan Lee, Team Manager" in page[page.index('id="document-text"'):]
    assert len([sha for sha in reads if sha == _word_sha256(document_id)]) == 1


def _word_sha256(document_id: int) -> str:
    from storage.db import session

    return session.get(Document, document_id).docx_sha256


def test_every_templates_html_is_the_same_as_mammoth_makes_from_the_whole_file(make_agreement, db):
    import pathlib

    from doc_templates import html as word_html
    from storage.blobs import blobs

    files = sorted(pathlib.Path(word_html.__file__).parent.glob("packs/*/*.docx"))
    assert len(files) >= 10
    rendered = blobs().get(db.get(Document, make_agreement(send=False)).docx_sha256)
    for docx in [rendered, _with_hyperlink(rendered, "https://example.org/"), *(f.read_bytes() for f in files)]:
        whole = word_html._convert(io.BytesIO(docx))  # mammoth reading every style in the file
        assert word_html.docx_to_html(docx) == whole
    slim = zipfile.ZipFile(word_html._referenced_styles_only(rendered))
    assert len(slim.read("word/styles.xml")) < len(zipfile.ZipFile(io.BytesIO(rendered)).read("word/styles.xml")) / 5
