"""Fixtures: a migrated database per test (SQLite, or PostgreSQL when asked), the app, people, logins, documents in
each state, a locked document, and signing as a party."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import types
import uuid

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app
from storage import db as database
from storage.models import Disagreement, Document, DocumentState, Organisation, Role, Staff, SupervisionRelationship
from tests.factories import DocumentFactory
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, Inbox, free_port
from tests.support.data import AGREEMENT_FORM, PASSWORD, actor_for, password_hash
from tests.support.identity import complete_second_factor, give_second_factor
from tests.support.links import disagree_on_link, sign
from workflows import background

# The OpenID provider on loopback and an organisation signing in through it.
pytest_plugins = ["tests.support.identity_provider", "tests.support.object_store", "tests.support.queue_engine"]

# Set to a PostgreSQL URL (CI does) to run the whole suite there; a server that is missing then fails the run.
POSTGRES_URL = os.environ.get("COUNTERSIGN_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A freshly migrated database: a SQLite file to copy per test, or a PostgreSQL database to empty per test."""
    if POSTGRES_URL:
        name = f"countersign_test_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        database.upgrade(url)
        yield url
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    database.upgrade(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture(scope="session")
def _emptier(database_template):
    """Empties the PostgreSQL test database between tests: one engine and the table list, made once."""
    engine = sa.create_engine(database_template)
    with engine.connect() as connection:
        tables = [t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"]
    yield engine, f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"
    engine.dispose()


@pytest.fixture
def database_url(request, database_template, tmp_path):
    """An empty, migrated database for one test."""
    if POSTGRES_URL:
        engine, truncate = request.getfixturevalue("_emptier")
        with engine.begin() as connection:
            connection.exec_driver_sql(truncate)
            # A test that disabled a guard trigger (test_audit) must not leave it off for the tests after it.
            for (table,) in connection.exec_driver_sql(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgenabled = 'D' AND NOT t.tgisinternal"):
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return database_template
    path = tmp_path / "countersign.db"
    shutil.copy(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path, seal_config):
    return {
        **seal_config,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "BLOB_DIR": str(tmp_path / "blobs"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "BASE_URL": "https://countersign.test",
        "WTF_CSRF_ENABLED": False,  # test_security turns it on to prove every form needs it
        "RATELIMIT_ENABLED": False,  # test_throttle turns it on to prove each limit holds
        "SMTP_HOST": "",
        # A live server's worker would otherwise email the fixture people's overdue supervision reminders.
        "SEND_DAILY_REMINDERS": False,
    }


@pytest.fixture
def app(app_config):
    from app import create_app

    app = create_app(app_config)
    with app.app_context():
        yield app
    database.session.remove()
    app.extensions["countersign.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The app's session, for arranging and checking data in tests."""
    return database.session


def _person(db, org, name, email, *roles, manager=None, profession="Social worker", category="Qualified social worker"):
    staff = Staff(organisation=org, name=name, email=email, password_hash=password_hash(),
                  profession=profession, staff_category=category, start_date=dt.date(2025, 9, 1), line_manager=manager)
    for role in roles:
        staff.grant(role)
    give_second_factor(staff)
    db.add(staff)
    return staff


@pytest.fixture
def people(db):
    """Two supervisors with a supervisee each, their manager, HR and an admin, in one organisation."""
    org = Organisation(name="London Borough of Havering", template_pack="havering")
    other_org = Organisation(name="Another Council", template_pack="havering")
    db.add_all([org, other_org])
    manager = _person(db, org, "Morgan Lee", "morgan.lee@havering.example", Role.SUPERVISOR, Role.SUPERVISEE)
    supervisor = _person(db, org, "Sam Taylor", "sam.taylor@havering.example", Role.SUPERVISOR, Role.SUPERVISEE, manager=manager)
    supervisee = _person(db, org, "Jo O'Brien & <Sons>", "jo.obrien@havering.example", Role.SUPERVISEE, manager=supervisor)
    other_supervisor = _person(db, org, "Pat Green", "pat.green@havering.example", Role.SUPERVISOR, Role.SUPERVISEE, manager=manager)
    other_supervisee = _person(db, org, "Ravi Shah", "ravi.shah@havering.example", Role.SUPERVISEE, manager=other_supervisor,
                               profession="Occupational therapist")
    hr = _person(db, org, "Hana Patel", "hana.patel@havering.example", Role.HR)
    admin = _person(db, org, "Ade Adebayo", "ade.adebayo@havering.example", Role.ADMIN)
    outsider = _person(db, other_org, "Olu Outsider", "olu@another.example", Role.SUPERVISOR, Role.HR)
    start = dt.date(2026, 1, 5)
    db.add_all([
        SupervisionRelationship(supervisor=manager, supervisee=supervisor, starts_on=start),
        SupervisionRelationship(supervisor=manager, supervisee=other_supervisor, starts_on=start),
        SupervisionRelationship(supervisor=supervisor, supervisee=supervisee, starts_on=start),
        SupervisionRelationship(supervisor=other_supervisor, supervisee=other_supervisee, starts_on=start),
    ])
    db.commit()
    # Plain snapshots: requests end the shared session, and a test should never lean on a stale ORM object.
    snap = lambda s: types.SimpleNamespace(id=s.id, name=s.name, email=s.email, organisation_id=s.organisation_id)  # noqa: E731
    manager, supervisor, supervisee, other_supervisor, other_supervisee, hr, admin, outsider = map(
        snap, (manager, supervisor, supervisee, other_supervisor, other_supervisee, hr, admin, outsider))
    org = types.SimpleNamespace(id=org.id, name=org.name)
    return types.SimpleNamespace(org=org, manager=manager, supervisor=supervisor, supervisee=supervisee,
                                 other_supervisor=other_supervisor, other_supervisee=other_supervisee, hr=hr,
                                 admin=admin, outsider=outsider, password=PASSWORD)


@pytest.fixture
def login():
    """Sign a test client in as a person."""

    def _login(client, person, password=PASSWORD):
        response = client.post("/sign-in", data={"email": person.email, "password": password})
        response = complete_second_factor(client, response, person.email)
        set_up = response.status_code == 200 and "Keep your recovery codes safe" in response.get_data(as_text=True)
        assert response.status_code == 302 or set_up, response.get_data(as_text=True)
        return response

    return _login


@pytest.fixture
def agreement_form():
    return dict(AGREEMENT_FORM)


@pytest.fixture
def run_jobs(app):
    """Run the background worker's due work now (real LibreOffice, real outbox)."""
    from workflows.background import run_once

    def _run():
        with app.test_request_context():
            return run_once()

    return _run


@pytest.fixture
def make_agreement(app, people, run_jobs):
    """Write an agreement as the supervisor, let its PDF be made, and optionally send it."""
    from workflows import agreements

    def _make(send=True, form=None, supervisor=None, supervisee=None) -> int:
        supervisor = supervisor or people.supervisor
        supervisee = supervisee or people.supervisee
        with app.test_request_context():
            document_id = agreements.start_agreement(supervisor.id, supervisee.id, dict(form or AGREEMENT_FORM),
                                                     actor_for(supervisor)).id
        run_jobs()
        if send:
            with app.test_request_context():
                agreements.send_for_signature(document_id, actor_for(supervisor))
        database.session.remove()
        return document_id

    return _make


@pytest.fixture
def signing_link():
    """The newest signing link emailed to a person, as a path (/sign/<id>/<token>)."""
    import re

    from storage.models import OutboxMessage

    def _link(person):
        rows = database.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == person.email).order_by(OutboxMessage.id.desc())
        ).all()
        for row in rows:
            found = re.search(r"https://countersign\.test(/sign/\d+/\S+)", row.body_text)
            if found:
                return found.group(1)
        raise AssertionError(f"no signing link was emailed to {person.email}")

    return _link


@pytest.fixture
def document_in(people):
    """A document in any state, written straight to the database (no conversion): its id."""

    def _document(state: DocumentState = DocumentState.DRAFT, *, kind: str = "agreement", supervisor=None,
                  supervisee=None, **fields) -> int:
        return DocumentFactory(state=state, kind=kind, supervisor=supervisor or people.supervisor,
                               supervisee=supervisee or people.supervisee, **fields).id

    return _document


@pytest.fixture
def locked_agreement(client, people, make_agreement, signing_link, run_jobs, db) -> int:
    """An agreement both parties have signed from their emailed links, with its sealed PDF made: its id."""
    document_id = make_agreement()
    sign(client, signing_link(people.supervisee), people.supervisee.name)
    sign(client, signing_link(people.supervisor), people.supervisor.name)
    run_jobs()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256
    db.rollback()
    return document_id


@pytest.fixture
def locked_with_disagreement(client, people, make_agreement, signing_link, run_jobs, db) -> tuple[int, int]:
    """An agreement the supervisee signed with a recorded disagreement, then the supervisor signed: locked."""
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    assert disagree_on_link(client, path).status_code == 200
    sign(client, path, people.supervisee.name)
    sign(client, signing_link(people.supervisor), people.supervisor.name)
    run_jobs()
    db.expire_all()
    disagreement = db.query(Disagreement).filter_by(document_id=document_id).one()
    return document_id, disagreement.id


@pytest.fixture
def sign_as(client, people, signing_link):
    """Sign a document as one of its parties ("supervisor" or "supervisee") from the link they were emailed."""

    def _sign(party: str):
        person = getattr(people, party)
        return sign(client, signing_link(person), person.name)

    return _sign


@pytest.fixture(autouse=True)
def pdf_converter(request):
    """LibreOffice for tests marked `libreoffice`; for every other test, a quick converter of the document's text."""
    from doc_templates.pdf import use_converter
    from tests.support.quick_pdf import quick_pdf

    real = request.node.get_closest_marker("libreoffice") is not None
    use_converter(None if real else quick_pdf)
    yield "libreoffice" if real else "quick"
    use_converter(None)


@pytest.fixture(scope="session", autouse=True)
def libreoffice_pool():
    """One warm LibreOffice pool for the whole run, stopped at the end so no soffice outlives the tests."""
    from doc_templates import pool

    yield pool
    pool.shutdown()


# --- the organisation's seal and a local timestamp authority for every test app ---


@pytest.fixture(scope="session")
def dev_seal(tmp_path_factory):
    """A development CA and sealing certificate, made once per test run."""
    from signing.seal import create_dev_seal

    return create_dev_seal(tmp_path_factory.mktemp("seal"), "London Borough of Havering")


@pytest.fixture(scope="session")
def timestamp_authority(dev_seal):
    """An RFC 3161 timestamp service on a free loopback port, signing with a certificate from the dev CA."""
    import asyncio
    import http.server
    import threading

    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from signing.seal import dev_timestamping_certificate

    cert_der, key_der = dev_timestamping_certificate(dev_seal)
    stamper = DummyTimeStamper(tsa_cert=asn1_x509.Certificate.load(cert_der), tsa_key=keys.PrivateKeyInfo.load(key_der))
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers.get("Content-Type"))
            response = asyncio.run(stamper.async_request_tsa_response(tsp.TimeStampReq.load(body))).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}/", requests=requests)
    server.shutdown()
    server.server_close()


@pytest.fixture
def seal_config(dev_seal, timestamp_authority):
    return {"SEAL_PKCS12": str(dev_seal.pkcs12_path), "SEAL_PASSPHRASE": dev_seal.passphrase,
            "TSA_URL": timestamp_authority.url, "SEAL_DIR": str(dev_seal.pkcs12_path.parent)}


# --- a real browser against the app served over HTTP, with mail through a real SMTP server ---------------


@pytest.fixture
def smtp():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()  # raises, failing the test, if the server cannot start
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def live_url(app_config, people, smtp):
    """The app served over real HTTP on loopback, with its background worker, sending mail to `smtp`."""
    # The conftest app's session in this thread must go before the live app re-binds the shared session.
    database.session.remove()
    holder = {}
    # Bind first (port 0) so that the port is known, race-free, before BASE_URL is set.
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none",
                      "SMTP_TIMEOUT": 5, "BASE_URL": base_url})
    holder["app"] = app
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="live-http", daemon=True)
    serving.start()
    before = set(threading.enumerate())
    stop = background.start_in_thread(app, poll_seconds=0.5)
    (worker,) = [t for t in threading.enumerate() if t not in before and t.name == "countersign-worker"]
    try:
        yield base_url
    finally:
        stop.set()
        background.wake()
        server.shutdown()
        serving.join(10)
        server.server_close()
        worker.join(30)  # it may be finishing a LibreOffice conversion
        database.session.remove()
        app.extensions["countersign.engine"].dispose()
        assert not worker.is_alive(), "the background worker did not stop"


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        # No skip: a Chromium that cannot start fails the test.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
