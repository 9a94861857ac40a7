"""The whole agreement round through the web: write, send, both sign, locked, both download."""

from __future__ import annotations

import hashlib
import io
import subprocess
import threading
import zipfile

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from storage.blobs import blobs
from storage.models import AuditEvent, Document, OutboxMessage, Party, Signature, SigningLink
from storage.states import DocumentState
from tests.support.data import actor_for
from tests.support.links import post_signature, reviewed_sha256, sign


@pytest.mark.libreoffice
def test_supervisor_writes_sends_both_sign_and_both_download(client, people, login, run_jobs, signing_link, db, agreement_form):
    login(client, people.supervisor)
    form = client.get(f"/agreements/new?supervisee={people.supervisee.id}").get_data(as_text=True)
    assert "We will meet for supervision every" in form or "How often" in form
    response = client.post("/agreements/new", data={**agreement_form, "supervisee": people.supervisee.id,
                                                     "absence_cover": "Morgan O'Brien & <Sons>"})
    assert response.status_code == 302
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "The PDF is being prepared" in page and "disabled" in page

    run_jobs()
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Send for signature" in page and "Preview" in page
    word = client.get(f"/documents/{document_id}/files/word")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    assert client.post(f"/documents/{document_id}/send").status_code == 302
    client.post("/sign-out")

    assert post_signature(client, signing_link(people.supervisee), people.supervisee.name,
                 **{"User-Agent": "Supervisee Browser/1.0"}).status_code == 200
    assert db.get(Document, document_id).state is DocumentState.SIGNED_BY_ONE
    db.rollback()
    done = post_signature(client, signing_link(people.supervisor), people.supervisor.name)
    assert "Signed by both" in done.get_data(as_text=True)

    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_docx_sha256
    db.rollback()
    run_jobs()
    for person in (people.supervisor, people.supervisee):
        login(client, person)
        page = client.get(f"/documents/{document_id}").get_data(as_text=True)
        assert "Signed by both" in page and "Download the signed PDF" in page
        signed = client.get(f"/documents/{document_id}/files/signed-pdf")
        assert f"SHA-256 {hashlib.sha256(signed.data).hexdigest()}" in page  # the README's check by hand
        assert signed.status_code == 200 and signed.data.startswith(b"%PDF-")
        text = subprocess.run(["pdftotext", "-", "-"], input=signed.data, capture_output=True, check=True).stdout.decode()
        text = " ".join(text.split())  # table cells wrap lines
        assert "Signed electronically by Jo O'Brien & <Sons>" in text
        assert "Signed electronically by Sam Taylor" in text
        assert "Morgan O'Brien & <Sons>" in text
        client.post("/sign-out")

    # Both were told it is locked, and every step is in the audit log.
    locked_mail = db.scalars(select(OutboxMessage).where(OutboxMessage.subject.startswith("Signed by both"))).all()
    assert sorted(m.to_address for m in locked_mail) == sorted([people.supervisor.email, people.supervisee.email])
    events = [e.event for e in db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id))]
    for expected in ("created", "rendered", "sent", "viewed", "signed", "locked", "downloaded"):
        assert expected in events, expected
    assert events.count("locked") == 1


def test_signature_evidence_is_kept(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    post_signature(client, path, "  jo o'brien & <sons> ", **{"User-Agent": "Evidence Browser/2.0"})
    signature = db.scalars(select(Signature).where(Signature.document_id == document_id)).one()
    link = db.get(SigningLink, signature.link_id)
    document = db.get(Document, document_id)
    assert signature.party is Party.SUPERVISEE and signature.staff_id == people.supervisee.id
    assert signature.email == people.supervisee.email == link.email
    assert signature.user_agent == "Evidence Browser/2.0" and signature.ip_address == "127.0.0.1"
    assert signature.reviewed_sha256 == document.pdf_sha256
    assert "sign this document electronically" in signature.consent_text
    assert signature.signed_at.tzinfo is not None or signature.signed_at is not None
    assert signature.typed_name == "jo o'brien & <sons>"
    assert link.used_at is not None


def test_the_document_must_be_the_one_reviewed(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    client.get(path)
    response = client.post(path, data={"decision": "sign", "consent": "yes", "typed_name": people.supervisee.name,
                                       "reviewed_sha256": hashlib.sha256(b"something else").hexdigest()})
    assert response.status_code in (403, 410)
    assert db.scalars(select(Signature).where(Signature.document_id == document_id)).all() == []


def test_consent_and_name_are_required_with_messages(client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    sha = reviewed_sha256(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"decision": "sign", "typed_name": "", "reviewed_sha256": sha})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Confirm that you agree to sign electronically" in page
    assert "Type your full name exactly as it appears here" in page
    assert client.get(path).status_code == 200  # the link still works after a mistake


def test_decline_with_a_reason_goes_back_to_the_supervisor_who_can_amend(app, client, people, make_agreement,
                                                                          signing_link, db, login, run_jobs):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    empty = client.post(path, data={"decision": "decline", "reason": "  "})
    assert empty.status_code == 400 and "Enter why you are declining" in empty.get_data(as_text=True)
    assert client.post(path, data={"decision": "decline", "reason": "We agreed fortnightly"}).status_code == 200
    document = db.get(Document, document_id)
    assert document.state is DocumentState.DECLINED and document.closed_reason == "We agreed fortnightly"
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.subject.startswith("Declined"))).one()
    assert mail.to_address == people.supervisor.email and "We agreed fortnightly" in mail.body_text
    db.rollback()
    supervisor_link = signing_link(people.supervisor)
    assert client.get(supervisor_link).status_code in (403, 410)

    login(client, people.supervisor)
    assert client.post(f"/documents/{document_id}/amend").status_code == 302
    document = db.get(Document, document_id)
    assert document.state is DocumentState.DRAFT and document.content_version == 2
    db.rollback()
    client.post(f"/documents/{document_id}/edit", data={"frequency_weeks": "2", "minimum_length_minutes": "60",
                                                        "absence_cover": "Morgan Lee", "start_date": "2026-12-01",
                                                        "supervisee": people.supervisee.id})
    run_jobs()
    assert client.post(f"/documents/{document_id}/send").status_code == 302
    client.post("/sign-out")
    for person in (people.supervisee, people.supervisor):
        assert post_signature(client, signing_link(person), person.name).status_code == 200
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED
    assert {s.content_version for s in document.current_signatures} == {2}


def test_both_signing_at_the_same_moment_locks_exactly_once(app, people, make_agreement, signing_link, db):
    from storage import db as database
    from workflows import signing_round

    document_id = make_agreement()
    paths = {p.name: signing_link(p) for p in (people.supervisee, people.supervisor)}
    sha = db.get(Document, document_id).pdf_sha256
    database.session.remove()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def sign(name):
        token = paths[name].rsplit("/", 1)[1]
        with app.test_request_context():
            try:
                barrier.wait()
                outcomes.append(signing_round.sign_document(
                    document_id, token, typed_name=name, consented=True, reviewed_sha256=sha,
                    actor=actor_for(people.supervisee)).locked)
            except Exception as error:  # noqa: BLE001 - the test reports any failure below
                errors.append(error)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=sign, args=(name,)) for name in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(outcomes) == [False, True]
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and len(document.current_signatures) == 2
    locked_events = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id,
                                                        AuditEvent.event == "locked")).all()
    assert len(locked_events) == 1


def _another_connection_can_write(url: str, document_id: int) -> bool:
    """Whether another connection can take the document's row lock (PostgreSQL) or the write lock (SQLite) at once."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout = 0")
                connection.connection.driver_connection.isolation_level = None
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.execute(sa.text("SELECT id FROM documents WHERE id = :id FOR UPDATE NOWAIT"),
                                   {"id": document_id})
                connection.exec_driver_sql("SELECT chain FROM audit_head FOR UPDATE NOWAIT")
            connection.exec_driver_sql("ROLLBACK")
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def test_the_signed_word_file_renders_with_no_lock_held(client, people, make_agreement, signing_link, db,
                                                        database_url, monkeypatch):
    from workflows import renditions

    document_id = make_agreement()
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    supervisor_link = signing_link(people.supervisor)
    free_while_rendering = []
    real_render = renditions.render_docx

    def render_and_look(*args, **kwargs):
        free_while_rendering.append(_another_connection_can_write(database_url, document_id))
        return real_render(*args, **kwargs)

    monkeypatch.setattr(renditions, "render_docx", render_and_look)
    done = post_signature(client, supervisor_link, people.supervisor.name)
    assert "Signed by both" in done.get_data(as_text=True)
    assert free_while_rendering == [True]  # rendered once, and nobody had to wait for it
    db.rollback()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED
    signed_word = blobs().get(document.final_docx_sha256)
    assert b"Signed electronically by Sam Taylor" in _document_xml(signed_word)


def test_a_change_while_the_signed_word_file_renders_renders_it_again(client, people, make_agreement, signing_link,
                                                                      db, database_url, monkeypatch):
    """What the file was rendered from is checked again under the lock: out of date, it is rendered again."""
    from workflows import renditions

    document_id = make_agreement()
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    supervisor_link = signing_link(people.supervisor)
    renders = []
    real_render = renditions.render_docx

    def render_while_hr_corrects_a_name(*args, **kwargs):
        if not renders:  # HR corrects the supervisee's name, printed in the document, while the first render runs
            engine = sa.create_engine(database_url)
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE staff SET name = 'Joanne Smith' WHERE id = :id"),
                                   {"id": people.supervisee.id})
            engine.dispose()
        renders.append(args[1]["supervisee_name"])
        return real_render(*args, **kwargs)

    monkeypatch.setattr(renditions, "render_docx", render_while_hr_corrects_a_name)
    done = post_signature(client, supervisor_link, people.supervisor.name)
    assert "Signed by both" in done.get_data(as_text=True)
    assert renders == ["Jo O'Brien & <Sons>", "Joanne Smith"]  # the first render was out of date: rendered again
    db.rollback()
    document = db.get(Document, document_id)
    assert b"Joanne Smith" in _document_xml(blobs().get(document.final_docx_sha256))
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id,
                                                   AuditEvent.event == "locked")).all()) == 1


def _document_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return package.read("word/document.xml")


@pytest.mark.parametrize("route", ["", "/edit", "/void", "/files/word", "/files/pdf"])
def test_another_supervisors_document_is_not_found(client, people, make_agreement, login, route):
    document_id = make_agreement(send=False)
    for outsider in (people.other_supervisor, people.other_supervisee, people.outsider):
        login(client, outsider)
        response = client.get(f"/documents/{document_id}{route}")
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)
        client.post("/sign-out")
    assert client.get(f"/documents/{document_id + 1000}").status_code in (302, 404)


def test_supervisee_cannot_act_as_the_supervisor(client, people, make_agreement, login, db):
    document_id = make_agreement(send=False)
    login(client, people.supervisee)
    for action in ("send", "void", "amend", "resend/supervisee"):
        assert client.post(f"/documents/{document_id}/{action}", data={"reason": "x"}).status_code == 404
    assert db.get(Document, document_id).state is DocumentState.DRAFT


def test_hr_can_view_and_every_download_is_audited(client, people, make_agreement, login, db):
    document_id = make_agreement(send=False)
    login(client, people.hr)
    assert client.get(f"/documents/{document_id}/files/pdf").status_code == 200
    download = db.scalars(select(AuditEvent).where(AuditEvent.event == "downloaded")).one()
    assert download.actor_email == people.hr.email and download.detail["file"] == "pdf"


def test_void_needs_a_reason_and_tells_both_parties(client, people, make_agreement, login, db):
    document_id = make_agreement()
    login(client, people.supervisor)
    response = client.post(f"/documents/{document_id}/void", data={"reason": ""})
    assert response.status_code == 400 and "Enter why you are voiding" in response.get_data(as_text=True)
    assert client.post(f"/documents/{document_id}/void", data={"reason": "Wrong supervisee"}).status_code == 302
    subjects = db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.startswith("Withdrawn"))).all()
    assert sorted(subjects) == sorted([people.supervisor.email, people.supervisee.email])


def test_the_form_shows_messages_next_to_each_field(client, people, login, db):
    login(client, people.supervisor)
    response = client.post("/agreements/new", data={"supervisee": "", "frequency_weeks": "four",
                                                     "minimum_length_minutes": "30", "absence_cover": "",
                                                     "start_date": "2026-02-31"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    for field in ("supervisee", "frequency_weeks", "minimum_length_minutes", "absence_cover", "start_date"):
        assert f'id="{field}-error"' in page, field
    assert db.scalars(select(Document)).all() == []


def test_signing_has_a_confirm_step_that_records_nothing(client, people, make_agreement, signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    sha = reviewed_sha256(client.get(path).get_data(as_text=True))
    details = {"decision": "sign", "consent": "yes", "typed_name": people.supervisee.name, "reviewed_sha256": sha}
    page = client.post(path, data=details)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Check before you sign" in text and "Confirm and sign" in text
    assert db.scalars(select(Signature).where(Signature.document_id == document_id)).all() == []
    assert db.get(Document, document_id).state is DocumentState.OUT_FOR_SIGNATURE
    db.rollback()
    done = client.post(path, data={**details, "confirmed": "yes"})
    assert "You have signed" in done.get_data(as_text=True)
    assert len(db.scalars(select(Signature).where(Signature.document_id == document_id)).all()) == 1
