"""The scaled set-up for real, as separate processes: gunicorn with 2 web workers, 2 background workers on the queue
engine (Dramatiq on the machine's Redis), PostgreSQL (a database of the test's own), files in an S3-compatible
bucket (moto's server) and mail to an SMTP server on loopback. 100 agreements are signed by both parties at once over
HTTP; then 100 more with one worker killed (kill -9) half way. Each document locks once, is sealed once, each party
gets one "signed by both" email carrying the sealed PDF, and every file is in the bucket under its right hash."""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests
import sqlalchemy as sa

from storage import audit
from storage import db as database_setup
from storage.blobs import referenced_hashes
from storage.db import session as database
from storage.models import AuditEvent, Document, DocumentState, FileKind, Job, OutboxMessage, Party, Signature
from tests.support.data import AGREEMENT_FORM, actor_for
from tests.support.processes import ROOT, _free_port
from workflows import agreements, queue_engine
from workflows.lock import SEAL_FINAL_PDF

pytestmark = pytest.mark.scaled

# Fewer for a quick look while working on it; `make test` runs 100.
DOCUMENTS = int(os.environ.get("COUNTERSIGN_TEST_SCALED_DOCUMENTS", 100))
# The machine's PostgreSQL, as CI has it, unless the run names another: a server that is missing fails the test.
POSTGRES_URL = os.environ.get("COUNTERSIGN_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SIGNED_BY_BOTH = "Signed by both:"
# Generous: on a 2-core machine shared with other work, sealing 100 documents can take minutes.
SEALING_WAIT = 400
BUSY_RETRIES = 5


@pytest.fixture
def database_url():
    """A PostgreSQL database of this test's own, migrated, dropped after it."""
    name = f"countersign_scaled_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        database_setup.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def app_config(app_config, queue_redis, s3_server, plain_bucket):
    url, prefix = queue_redis
    return {**app_config, "BASE_URL": f"http://127.0.0.1:{_free_port()}", "S3_BUCKET": plain_bucket, "S3_ENDPOINT_URL": s3_server, "S3_REGION": "eu-west-2",
            "QUEUE_URL": url, "QUEUE_PREFIX": prefix, "RATELIMIT_ENABLED": False, "EVIDENCE_RENEWAL": False,
            "DISPOSITION_SWEEP": False}


class ScaledSetUp:
    """The web (gunicorn, 2 workers) and 2 background workers, each a process of its own, configured as the README's
    deployment section says, converting with the quick converter."""

    def __init__(self, app_config: dict, smtp_port: int, folder):
        self.url = app_config["BASE_URL"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.folder = folder
        settings = {**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port,
                    "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 10, "PDF_POOL_SIZE": 0, "WTF_CSRF_ENABLED": False}
        settings.pop("TESTING")
        self.env = {**os.environ, "TMPDIR": str(folder),
                    **{f"COUNTERSIGN_{key}": value if isinstance(value, str) else json.dumps(value)
                       for key, value in settings.items()}}
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _start(self, *command: str, log: str) -> subprocess.Popen:
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen([sys.executable, "-m", "tests.support.quick_launch", *command], cwd=ROOT,
                                    env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def start(self) -> None:
        self.web = self._start("gunicorn", "--workers", "2", "--threads", "8", "--bind", f"127.0.0.1:{self.port}",
                               "--timeout", "120", "--no-control-socket", "--access-logfile", str(self.folder / "access.log"),
                               "--access-logformat", '%(p)s "%(r)s" %(s)s', "app:create_app()", log="web.log")
        self.workers = [self._start("flask", "--app", "app", "worker", log=f"worker-{n}.log") for n in (1, 2)]
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{self.url}/static/countersign.css", timeout=5)
                return
            except requests.RequestException:
                assert self.web.poll() is None and time.monotonic() < deadline, self.log("web.log")
                time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")[-4000:]

    def logs(self) -> str:
        return "\n".join(f"== {name}\n{self.log(name)}" for name in ("web.log", "worker-1.log", "worker-2.log"))

    def web_pids(self) -> set[str]:
        """The gunicorn worker processes that answered requests (from the access log)."""
        return {line.split()[0] for line in (self.folder / "access.log").read_text().splitlines() if line}

    def stop(self) -> None:
        running = [p for p in [self.web, *self.workers] if p is not None and p.poll() is None]
        for process in running:  # all at once, then wait for each: they shut down side by side
            process.terminate()
        for process in running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(condition, seconds: float, why):
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = condition()
        finally:
            database.remove()  # the test holds no transaction while the processes work
        if found or time.monotonic() > deadline:
            assert found, why()
            return found
        time.sleep(0.5)


def _count(statement) -> int:
    return database.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))


def _signing_link(document_id: int, address: str) -> str:
    body = database.scalars(sa.select(OutboxMessage.body_text).where(
        OutboxMessage.document_id == document_id, OutboxMessage.to_address == address,
        OutboxMessage.body_text.contains("/sign/"))).one()
    return re.search(r"http://127\.0\.0\.1:\d+(/sign/\d+/\S+)", body).group(1)


def _sign_over_http(url: str, path: str, name: str, reviewed: str) -> tuple[int, str]:
    """Sign from the link, as its form posts (the review PDF's hash is the one its page shows: read here from the
    database, which saves rendering the page 400 times; opening the page is tested elsewhere)."""
    form = {"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name, "reviewed_sha256": reviewed}
    for _ in range(BUSY_RETRIES):
        answer = requests.post(url + path, data=form, timeout=120)
        if answer.status_code != 503:
            break
        # "Busy, try again in a moment" (nothing was saved): the person does, after the time the page gives.
        time.sleep(float(answer.headers.get("Retry-After", 1)))
    return answer.status_code, answer.text


def _agreements_ready_to_sign(app, people, set_up: ScaledSetUp) -> list[int]:
    """DOCUMENTS agreements sent for signature. The first is written as a supervisor writes it, and the scaled workers
    make its review PDF; the others are copies of it written straight to the database, as the factories do, which
    saves rendering and converting the same form 99 times (each is still locked, sealed and emailed on its own)."""
    with app.test_request_context():
        first = agreements.start_agreement(people.supervisor.id, people.supervisee.id, dict(AGREEMENT_FORM),
                                           actor_for(people.supervisor)).id
    database.remove()
    _wait_for(lambda: database.get(Document, first).pdf_sha256, 120, set_up.logs)
    original = database.get(Document, first)
    copies = []
    for _ in range(DOCUMENTS - 1):
        copy = Document(organisation_id=original.organisation_id, kind=original.kind, template_key=original.template_key,
                        template_version=original.template_version, supervisor_id=original.supervisor_id,
                        supervisee_id=original.supervisee_id, created_by_id=original.created_by_id,
                        data=dict(original.data), state=DocumentState.DRAFT)
        database.add(copy)
        database.flush()
        copy.attach(FileKind.WORD, original.docx_sha256)
        copy.attach(FileKind.PDF, original.pdf_sha256)
        copies.append(copy)
    database.commit()
    ids = [first, *(copy.id for copy in copies)]
    database.remove()
    for document_id in ids:
        with app.test_request_context():
            agreements.send_for_signature(document_id, actor_for(people.supervisor))
        database.remove()
    return ids


def _sign_all_at_once(people, set_up: ScaledSetUp, ids: list[int]) -> None:
    """Both parties of every document sign from their links at the same time, over HTTP."""
    signings = []
    for document_id in ids:
        reviewed = database.get(Document, document_id).pdf_sha256
        signings += [(_signing_link(document_id, people.supervisee.email), people.supervisee.name, reviewed),
                     (_signing_link(document_id, people.supervisor.email), people.supervisor.name, reviewed)]
    database.remove()
    with ThreadPoolExecutor(max_workers=16) as threads:
        answers = list(threads.map(lambda signing: _sign_over_http(set_up.url, *signing), signings))
    refused = [(status, text[:300]) for status, text in answers if status != 200 or "signed" not in text.lower()]
    assert not refused, (refused[:3], set_up.logs())


def _check_each_locked_sealed_and_emailed_once(ids: list[int], people, inbox, *, killed: bool) -> None:
    documents = {d.id: d for d in database.scalars(sa.select(Document).where(Document.id.in_(ids)))}
    assert all(d.state is DocumentState.LOCKED and d.final_pdf_sha256 for d in documents.values())
    for event in ("locked", "sealed"):
        per_document = collections.Counter(database.scalars(sa.select(AuditEvent.document_id).where(
            AuditEvent.event == event, AuditEvent.document_id.in_(ids))))
        assert per_document == dict.fromkeys(ids, 1), (event, per_document.most_common(3))
    signatures = collections.Counter(database.execute(sa.select(Signature.document_id, Signature.party).where(
        Signature.document_id.in_(ids))).all())
    assert signatures == {(d, p): 1 for d in ids for p in Party}
    seals = collections.Counter(database.scalars(sa.select(Job.document_id).where(
        Job.document_id.in_(ids), Job.kind == SEAL_FINAL_PDF, Job.status == "done")))
    assert seals == dict.fromkeys(ids, 1)

    by_reference = {d.reference: d for d in documents.values()}
    with inbox.lock:
        delivered = [m for m in inbox.messages if str(m["Subject"]).strip().startswith(SIGNED_BY_BOTH)]
    distinct: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    deliveries = 0
    for message in delivered:
        reference = re.search(r"\(([^()]+)\)$", str(message["Subject"]).strip()).group(1)
        if reference not in by_reference:
            continue  # the other round's
        deliveries += 1
        distinct[(reference, str(message["To"]))].add(str(message["Message-ID"]))
        (attachment,) = [part for part in message.iter_attachments()]
        assert hashlib.sha256(attachment.get_content()).hexdigest() == by_reference[reference].final_pdf_sha256
    addresses = {people.supervisor.email, people.supervisee.email}
    assert {key: len(ids_) for key, ids_ in distinct.items()} == {(r, a): 1 for r in by_reference for a in addresses}
    # A worker killed between the mail server taking a message and the outbox recording it may have it sent once
    # more when the message is taken up again: with the same Message-ID, so the recipient's mail system keeps one.
    assert deliveries - len(distinct) <= (queue_engine.EMAIL_THREADS if killed else 0)


def _check_every_file_in_the_bucket_with_its_hash(app) -> None:
    client = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"], region_name="eu-west-2")
    bucket = app.config["S3_BUCKET"]
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])]
    for key in keys:
        data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(data).hexdigest() == key.rsplit("/", 1)[1], key
    missing = referenced_hashes(database) - {key.rsplit("/", 1)[1] for key in keys}
    database.remove()
    assert not missing, f"{len(missing)} files the documents refer to are not in the bucket"


@pytest.mark.timeout(1800)
def test_a_hundred_agreements_signed_at_once_on_the_scaled_set_up_then_a_hundred_more_with_a_worker_killed(
        app, app_config, people, smtp, tmp_path):
    database.remove()
    set_up = ScaledSetUp(app_config, smtp.port, tmp_path)
    try:
        set_up.start()

        # 1. Everything running.
        first = _agreements_ready_to_sign(app, people, set_up)
        _sign_all_at_once(people, set_up, first)
        _wait_for(lambda: _count(sa.select(Document.id).where(Document.id.in_(first),
                                                              Document.final_pdf_sha256.is_not(None))) == DOCUMENTS,
                  SEALING_WAIT, set_up.logs)
        smtp.wait_for(SIGNED_BY_BOTH, 2 * DOCUMENTS, timeout=120)
        _check_each_locked_sealed_and_emailed_once(first, people, smtp, killed=False)
        assert len(set_up.web_pids()) == 2, "both web processes should have answered"

        # 2. One worker killed (kill -9) half way through sealing: the other does the rest, nothing is lost.
        second = _agreements_ready_to_sign(app, people, set_up)
        failures = []

        def sign_second() -> None:
            try:
                _sign_all_at_once(people, set_up, second)
            except BaseException as error:  # noqa: BLE001 - reported below as the test's failure
                failures.append(error)

        signing = threading.Thread(target=sign_second)
        signing.start()
        _wait_for(lambda: _count(sa.select(Document.id).where(Document.id.in_(second),
                                                              Document.final_pdf_sha256.is_not(None))) >= DOCUMENTS // 2,
                  SEALING_WAIT, set_up.logs)
        os.kill(set_up.workers[0].pid, signal.SIGKILL)
        set_up.workers[0].wait(10)
        signing.join(SEALING_WAIT)
        assert not signing.is_alive() and not failures, failures
        _wait_for(lambda: _count(sa.select(Document.id).where(Document.id.in_(second),
                                                              Document.final_pdf_sha256.is_not(None))) == DOCUMENTS,
                  SEALING_WAIT, set_up.logs)
        _wait_for(lambda: sum(1 for m in list(smtp.messages) if str(m["Subject"]).strip().startswith(SIGNED_BY_BOTH))
                  >= 4 * DOCUMENTS, 120, set_up.logs)
        _check_each_locked_sealed_and_emailed_once(second, people, smtp, killed=True)
        database.remove()

        _check_every_file_in_the_bucket_with_its_hash(app)
        assert audit.verify_chain(database).ok
    finally:
        set_up.stop()
        database.remove()
