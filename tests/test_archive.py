"""The HR archive: search by person, supervisor, type, status and date, paged and sorted; export one person."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

from sqlalchemy import select

from storage.models import AuditEvent, Document
from storage.states import DocumentState
from tests.factories import put_document
from workflows import archive


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=day)


def _spread(db, people):
    """30 documents: 20 for one supervisee, 10 for the other, on different days and in different states."""
    ids = {}
    for i in range(20):
        state = DocumentState.LOCKED if i % 2 else DocumentState.OUT_FOR_SIGNATURE
        ids[i] = put_document(people.supervisor, people.supervisee, state, created_at=_at(i),
                              kind="record" if i % 3 else "agreement")
    for i in range(20, 30):
        ids[i] = put_document(people.other_supervisor, people.other_supervisee, DocumentState.LOCKED,
                              created_at=_at(i))
    return ids


def test_hr_searches_by_person_supervisor_type_status_and_date(app, db, people):
    ids = _spread(db, people)
    org = people.org.id
    by_person = archive.search(archive.Search(org, supervisee_id=people.supervisee.id, per_page=50))
    assert [d.id for d in by_person.documents] == [ids[i] for i in reversed(range(20))]  # newest first
    ranged = archive.search(archive.Search(org, supervisor_id=people.supervisor.id, created_from=_at(5).date(),
                                           created_to=_at(9).date()))
    assert sorted(d.id for d in ranged.documents) == [ids[i] for i in range(5, 10)]
    locked = archive.search(archive.Search(org, state=DocumentState.LOCKED, per_page=50))
    assert locked.total == 20 and all(d.state is DocumentState.LOCKED for d in locked.documents)
    agreements = archive.search(archive.Search(org, kind="agreement", supervisee_id=people.supervisee.id))
    assert sorted(d.id for d in agreements.documents) == [ids[i] for i in range(0, 20, 3)]
    assert archive.search(archive.Search(people.outsider.organisation_id)).total == 0  # never another council's


def test_results_are_paged_and_sorted(app, db, people):
    ids = _spread(db, people)
    org = people.org.id
    first = archive.search(archive.Search(org, per_page=25))
    second = archive.search(archive.Search(org, per_page=25, page=2))
    assert (first.total, first.pages, first.has_next, second.has_next) == (30, 2, True, False)
    assert len(first.documents) == 25 and len(second.documents) == 5
    assert {d.id for d in first.documents} | {d.id for d in second.documents} == set(ids.values())
    by_name = archive.search(archive.Search(org, sort="supervisee", descending=False, per_page=30))
    assert [d.supervisee.name for d in by_name.documents] == sorted(d.supervisee.name for d in by_name.documents)
    assert by_name.documents[0].supervisee.name.startswith("Jo")
    oldest = archive.search(archive.Search(org, sort="created", descending=False, per_page=1))
    assert oldest.documents[0].id == ids[0]


def test_the_archive_page_has_sortable_headers_paging_and_clear_date_errors(app, db, people, login):
    _spread(db, people)
    client = app.test_client()
    login(client, people.hr)
    page = client.get("/archive?status=locked").get_data(as_text=True)
    assert "Showing 1 to 20 of 20 documents" in page
    assert 'aria-sort="descending"' in page and "sort=supervisee" in page
    paged = client.get(f"/archive?person={people.supervisee.id}&page=1").get_data(as_text=True)
    assert 'rel="next"' not in paged and "Export everything held on" in paged
    everyone = client.get("/archive").get_data(as_text=True)
    assert "Showing 1 to 25 of 30 documents" in everyone and 'rel="next"' in everyone and "page=2" in everyone
    bad = client.get("/archive?from=2026-04-10&to=2026-04-01")
    assert bad.status_code == 400 and "Enter a &#39;to&#39; date the same as or after the &#39;from&#39; date" in bad.get_data(as_text=True)


def test_the_archive_reads_a_date_from_three_boxes_and_its_links_keep_every_filter(app, db, people, login):
    _spread(db, people)
    client = app.test_client()
    login(client, people.hr)
    # 21 March 2026 in the three boxes: the ten agreements made from then on.
    page = client.get("/archive?from=21&from=3&from=2026&type=agreement&status=nonsense").get_data(as_text=True)
    assert "Showing 1 to 10 of 10 documents" in page
    sort_link = page.split('href="/archive?')[1].split('"')[0]
    assert "from=21&amp;from=3&amp;from=2026" in sort_link and "type=agreement" in sort_link
    assert "status=nonsense" in sort_link  # kept as it was typed; it filters nothing


def test_a_document_page_shows_the_signed_pdf_fingerprint_verification_and_history(app, db, people, login):
    document_id = put_document(people.supervisor, people.supervisee, DocumentState.LOCKED)
    client = app.test_client()
    login(client, people.hr)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    document = db.get(Document, document_id)
    assert f"SHA-256 {document.final_pdf_sha256}" in page
    assert 'id="verification"' in page and "matches its recorded SHA-256" in page
    assert "Viewed" in page  # the view itself is in the history


def test_hr_exports_everything_held_on_one_person_as_a_zip(app, db, people, login):
    ids = _spread(db, people)
    # A document Jo supervised is also held on Jo; another person's documents are not.
    client = app.test_client()
    login(client, people.hr)
    with client.post(f"/archive/people/{people.supervisee.id}/export") as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        data = response.get_data()
    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(zf.read("manifest.json"))
    listed = [entry["document_id"] for entry in manifest["documents"]]
    assert listed == [ids[i] for i in range(20)]
    pdfs = 0
    for entry in manifest["documents"]:
        document = db.get(Document, entry["document_id"])
        assert entry["retention"].startswith(f"Kept while {document.supervisee.name} works here, then for seven years")
        for file in entry["files"]:
            content = zf.read(file["file"])
            assert hashlib.sha256(content).hexdigest() == file["sha256"] and len(content) == file["bytes"]
            pdfs += file["file"].endswith(".pdf")
        hashes = {f["file_kind"]: f["sha256"] for f in entry["files"]}
        if document.state is DocumentState.LOCKED:
            assert hashes["signed PDF"] == document.final_pdf_sha256
        else:
            assert hashes["PDF"] == document.pdf_sha256
        trail = json.loads(zf.read(f"documents/{document.reference}/audit-trail.json"))
        assert trail == [] or all(row["hash"] for row in trail)
        assert zf.read(f"documents/{document.reference}/audit-trail.csv").startswith(b"id,at,event")
    assert pdfs == 20 + 10  # every document's PDF, plus the reviewed copy of each locked one
    rows = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
    assert {(r["file"], r["sha256"]) for r in rows} == {(f["file"], f["sha256"]) for e in manifest["documents"]
                                                         for f in e["files"]}
    assert "seven years after they leave" in zf.read("retention.txt").decode()
    exported = db.scalars(select(AuditEvent).where(AuditEvent.event == "person_exported")).one()
    assert exported.actor_email == people.hr.email and exported.detail["documents"] == listed
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.event == "exported")).all()) == 20


def test_an_export_includes_each_documents_audit_trail(app, db, people, login):
    document_id = put_document(people.supervisor, people.supervisee, DocumentState.LOCKED)
    supervisor = app.test_client()
    login(supervisor, people.supervisor)
    supervisor.get(f"/documents/{document_id}")
    client = app.test_client()
    login(client, people.hr)
    with client.post(f"/archive/people/{people.supervisee.id}/export") as response:
        zf = zipfile.ZipFile(io.BytesIO(response.get_data()))
    reference = db.get(Document, document_id).reference
    trail = json.loads(zf.read(f"documents/{reference}/audit-trail.json"))
    assert [(row["event"], row["actor_email"]) for row in trail] == [("viewed", people.supervisor.email)]
    assert "viewed" in zf.read(f"documents/{reference}/audit-trail.csv").decode()
