"""A supervisee sees a document only once it is sent; a mediator only while mediating; exports run no formulas."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from storage.models import Document, DocumentState, Staff
from tests.support.data import actor_for
from tests.support.links import mediation_link
from workflows.spreadsheet import FORMULA_STARTS, safe_cell, write_csv


def test_a_supervisee_never_sees_the_supervisors_unsent_draft(client, people, login, document_in):
    draft = document_in(DocumentState.DRAFT)
    login(client, people.supervisee)
    for path in (f"/documents/{draft}", f"/documents/{draft}/files/pdf", f"/documents/{draft}/files/docx",
                 f"/documents/{draft}/disagreements/new"):
        assert client.get(path).status_code == 404, path
    assert f"/documents/{draft}" not in client.get("/").get_data(as_text=True)


def test_a_draft_voided_before_it_was_sent_stays_unseen_by_the_supervisee(client, people, login, document_in, db):
    voided = document_in(DocumentState.VOIDED)
    db.get(Document, voided).sent_at = None  # voided while still a draft
    db.commit()
    login(client, people.supervisee)
    assert client.get(f"/documents/{voided}").status_code == 404
    assert f"/documents/{voided}" not in client.get("/").get_data(as_text=True)


def test_a_supervisee_sees_the_document_once_it_is_sent(client, people, login, document_in):
    sent = document_in(DocumentState.OUT_FOR_SIGNATURE)
    login(client, people.supervisee)
    assert client.get(f"/documents/{sent}").status_code == 200
    assert f"/documents/{sent}" in client.get("/").get_data(as_text=True)


@pytest.fixture
def mediated(app, client, people, locked_with_disagreement, db):
    """A disagreement escalated to the supervisor's line manager, who then records the outcome from their link."""
    from workflows import disagreements

    document_id, disagreement_id = locked_with_disagreement
    with app.test_request_context():
        disagreements.escalate(disagreement_id, actor=actor_for(people.supervisor))
    mediator = app.test_client()
    return document_id, disagreement_id, mediator, mediation_link(db, people.manager)


def test_a_mediator_reads_the_document_only_until_the_disagreement_is_closed(mediated, people, login):
    document_id, disagreement_id, mediator, link = mediated
    login(mediator, people.manager)
    assert mediator.get(f"/documents/{document_id}").status_code == 200
    assert mediator.post(link, data={"outcome": "Cover will be by a qualified social worker"}).status_code == 200
    for path in (f"/documents/{document_id}", f"/documents/{document_id}/files/pdf", link, f"{link}/document.pdf"):
        assert mediator.get(path).status_code in (403, 404, 410), path
    # What was sent to them stays theirs: the disagreement they mediated, without the document or a way to add to it.
    page = mediator.get(f"/disagreements/{disagreement_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cover will be by a qualified social worker" in text
    assert f'href="/documents/{document_id}"' not in text and "Add the note" not in text
    assert mediator.post(f"/disagreements/{disagreement_id}/notes", data={"note": "One more thing"}).status_code == 404


def test_a_mediator_loses_the_document_when_the_parties_resolve_it_themselves(mediated, people, login, client):
    document_id, disagreement_id, mediator, _link = mediated
    login(client, people.supervisor)
    assert client.post(f"/disagreements/{disagreement_id}/resolve",
                       data={"resolution": "We agreed cover by Morgan"}).status_code == 302
    login(mediator, people.manager)
    assert mediator.get(f"/documents/{document_id}").status_code == 404


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_that_would_start_a_formula_is_kept_as_text(start):
    cell = safe_cell(f"{start}HYPERLINK(\"https://evil.example\")")
    assert cell.startswith("'") and not cell.startswith(FORMULA_STARTS)
    assert safe_cell("Sam Taylor") == "Sam Taylor" and safe_cell(7) == 7
    assert write_csv([{"a": f"{start}1+1"}], ("a",)).splitlines()[1].lstrip('"').startswith("'")


def test_an_hr_export_neutralises_formulas_in_names(app, client, people, login, document_in, db):
    document_in(DocumentState.LOCKED)
    db.get(Staff, people.supervisor.id).name = "=cmd|' /C calc'!A0"
    db.commit()
    login(client, people.hr)
    with client.post(f"/archive/people/{people.supervisee.id}/export") as response:
        zf = zipfile.ZipFile(io.BytesIO(response.get_data()))
    rows = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
    assert rows and all(row["supervisor"] == "'=cmd|' /C calc'!A0" for row in rows)
