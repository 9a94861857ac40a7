"""A supervisee's own reflections: private to them, and in their portfolio's PDF and ZIP only when they include them
(H 8.7, B 8.4; Social Work England's renewal asks for CPD entries)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile

import pikepdf
import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Reflection
from tests.support.links import csrf_token

TODAY = dt.date.today()


def write(client, **fields):
    page = client.get("/reflections").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "written_on": TODAY.isoformat(), "title": "Learning from a review",
            "text": "What went well & what I'd do <differently>.", **fields}
    return client.post("/reflections", data={k: v for k, v in data.items() if v is not None})


def pdf_text(data: bytes) -> str:
    return " ".join(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                                   check=True).stdout.decode().split())


def test_reflections_are_private_until_included_and_the_portfolio_then_carries_them(client, people, login, db,
                                                                                     locked_agreement):
    signed = locked_agreement
    login(client, people.supervisee)
    assert write(client, title="Private thoughts").status_code == 302
    assert write(client, title="Mental Capacity Act course", in_portfolio="y").status_code == 302
    page = client.get("/reflections").get_data(as_text=True)
    assert "Private thoughts" in page and "Mental Capacity Act course" in page and "In your portfolio" in page
    assert "What went well" not in str(db.scalars(select(AuditEvent.detail)).all())  # the words stay out of the log

    combined = client.get("/portfolio.pdf").data
    text = pdf_text(combined)
    assert "Mental Capacity Act course" in text and "What went well & what I'd do <differently>." in text
    assert "Private thoughts" not in text
    assert f"AGR-{signed:06d}" in text and "Your reflections (1)" in text
    with pikepdf.open(io.BytesIO(combined)) as opened:
        assert len(opened.pages) >= 3  # contents, the signed record, the reflections
    archive = zipfile.ZipFile(io.BytesIO(client.get("/portfolio.zip").data))
    assert archive.namelist() == [f"AGR-{signed:06d}-agreement.pdf", "reflections.pdf"]
    assert "Private thoughts" not in pdf_text(archive.read("reflections.pdf"))

    private = db.scalars(select(Reflection).where(Reflection.title == "Private thoughts")).one().id
    for person in (people.supervisor, people.hr, people.other_supervisee):
        login(client, person)
        assert client.get(f"/reflections/{private}").status_code == 404, person.name


def test_a_reflection_can_be_included_later(client, people, login, db):
    login(client, people.supervisee)
    write(client, title="Supervision on 1 October")
    reflection = db.scalars(select(Reflection)).one()
    assert not reflection.in_portfolio
    path = f"/reflections/{reflection.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Supervision on 1 October" in page
    response = client.post(path, data={"csrf_token": csrf_token(page), "written_on": reflection.written_on.isoformat(),
                                       "title": "Supervision on 1 October", "text": "Changed", "in_portfolio": "y"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Reflection, reflection.id).in_portfolio and db.get(Reflection, reflection.id).text == "Changed"
    assert "Supervision on 1 October" in pdf_text(client.get("/portfolio.pdf").data)


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "Enter a title"),
    ({"text": " "}, "Enter your reflection"),
    ({"written_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "Enter today&#39;s date or an earlier one"),
    ({"title": "x" * 201}, "200 characters or fewer"),
])
def test_a_reflection_with_a_mistake_is_refused_with_what_to_do(client, people, login, db, fields, message):
    login(client, people.supervisee)
    response = write(client, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.scalars(select(Reflection)).first() is None
