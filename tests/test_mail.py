"""The outbox sender and mail transports, against a real SMTP server (aiosmtpd) on localhost."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, upgrade
from storage.mail import (
    FolderTransport,
    PermanentMailError,
    SmtpSettings,
    SmtpTransport,
    TransientMailError,
    build_message,
    transport_from_config,
)
from storage.models import OutboxMessage, as_utc, utcnow
from storage.outbox import MAX_ATTEMPTS, backoff, queue_email, retry_failed, send_due

SENDER = "Countersign <no-reply@countersign.local>"
LINK = "https://countersign.example/sign/" + "Ab3-_x" * 30 + "?v=2&party=supervisee"
BODY = f"Dear Zoë,\n\nPlease review and sign your supervision agreement:\n\n{LINK}\n\nThank you.\n"


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker[Session]]:
    url = "sqlite:///" + str(tmp_path / "countersign.db")
    upgrade(url)
    engine = make_engine(url)
    yield sessionmaker(bind=engine)
    engine.dispose()


@pytest.fixture
def db(sessions) -> Iterator[Session]:
    with sessions() as session:
        yield session


class Collector:
    """An aiosmtpd handler that keeps what it accepts and answers as told."""

    def __init__(self, data_reply: str = "250 Message accepted for delivery", rcpt_reply: str | None = None):
        self.data_reply = data_reply
        self.rcpt_reply = rcpt_reply
        self.envelopes: list = []
        self.sessions: list = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            with self.lock:
                self.envelopes.append(envelope)
                self.sessions.append(session)
        return self.data_reply

    def message_ids(self) -> list[str]:
        return [parse(e.content)["Message-ID"] for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(handler: Collector, port: int | None = None, **smtp_kwargs) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **smtp_kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def plain_smtp(port: int, **settings) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=3, **settings))


def parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def queue(db: Session, to: str = "zoe@example.org", subject: str = "Please sign your agreement", body: str = BODY):
    row = queue_email(db, to=to, subject=subject, body=body)
    db.commit()
    return row.id


def fresh(db: Session, row_id: int) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, row_id)


def self_signed_contexts(tmp_path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a new self-signed certificate for 127.0.0.1, and a client context trusting it."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


# --- delivery over SMTP ---------------------------------------------------------------------------


def test_queued_message_is_delivered_once_with_its_headers_and_body(db):
    row_id = queue(db)
    handler = Collector()
    with smtp_server(handler) as server:
        transport = plain_smtp(server.port)
        report = send_due(db, transport, sender=SENDER)
        again = send_due(db, transport, sender=SENDER, now=utcnow() + dt.timedelta(days=2))

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert (again.sent, again.retrying, again.failed) == (0, 0, 0)
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    row = fresh(db, row_id)
    assert envelope.mail_from == "no-reply@countersign.local"
    assert envelope.rcpt_tos == ["zoe@example.org"]
    message = parse(envelope.content)
    assert message["To"] == "zoe@example.org"
    assert message["Subject"] == "Please sign your agreement"
    assert message["Message-ID"] == row.message_id
    assert message["Date"]
    assert message.get_content().replace("\r\n", "\n") == BODY  # SMTP carries CRLF line ends
    assert row.status == "sent" and row.sent_at is not None and row.claimed_until is None
    assert row.attempts == 0 and row.last_error is None


def test_server_down_keeps_the_message_queued_then_delivers_it_once_when_back(db):
    row_id = queue(db)
    port = free_port()
    transport = plain_smtp(port)

    report = send_due(db, transport, sender=SENDER)

    row = fresh(db, row_id)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert row.status == "queued" and row.attempts == 1 and row.claimed_until is None
    assert f"127.0.0.1:{port}" in row.last_error and "refused" in row.last_error.lower()
    retry_at = as_utc(row.next_attempt_at)
    assert retry_at > utcnow()
    assert send_due(db, transport, sender=SENDER).retrying == 0  # not due yet: not even tried

    handler = Collector()
    with smtp_server(handler, port=port):
        report = send_due(db, transport, sender=SENDER, now=retry_at + dt.timedelta(seconds=1))
        again = send_due(db, transport, sender=SENDER, now=retry_at + dt.timedelta(days=1))

    assert report.sent == 1 and again.sent == 0
    assert handler.message_ids() == [fresh(db, row_id).message_id]
    assert fresh(db, row_id).status == "sent"


def test_451_is_retried_later_and_then_delivered(db):
    row_id = queue(db)
    handler = Collector(data_reply="451 Try again later")
    with smtp_server(handler) as server:
        transport = plain_smtp(server.port)
        report = send_due(db, transport, sender=SENDER)
        row = fresh(db, row_id)
        assert report.retrying == 1 and handler.envelopes == []
        assert row.status == "queued" and row.attempts == 1 and "451" in row.last_error

        handler.data_reply = "250 Message accepted for delivery"
        report = send_due(db, transport, sender=SENDER, now=as_utc(row.next_attempt_at))

    assert report.sent == 1 and len(handler.envelopes) == 1
    assert fresh(db, row_id).status == "sent"


def test_550_recipient_refused_fails_at_once_and_is_kept(db):
    row_id = queue(db, to="nobody@example.org")
    handler = Collector(rcpt_reply="550 No such user here")
    with smtp_server(handler) as server:
        transport = plain_smtp(server.port)
        report = send_due(db, transport, sender=SENDER)
        later = send_due(db, transport, sender=SENDER, now=utcnow() + dt.timedelta(days=1))

    row = fresh(db, row_id)
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
    assert later.failed == 0 and handler.envelopes == []
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error


def test_starttls_delivers_over_an_encrypted_connection(db, tmp_path):
    server_context, client_context = self_signed_contexts(tmp_path)
    queue(db)
    handler = Collector()
    with smtp_server(handler, tls_context=server_context, require_starttls=True) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls", timeout=3)
        report = send_due(db, SmtpTransport(settings, ssl_context=client_context), sender=SENDER)

    assert report.sent == 1 and len(handler.envelopes) == 1
    assert handler.sessions[0].ssl is not None


def test_implicit_tls_delivers(db, tmp_path):
    server_context, client_context = self_signed_contexts(tmp_path)
    queue(db)
    handler = Collector()
    with smtp_server(handler, ssl_context=server_context) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="ssl", timeout=3)
        report = send_due(db, SmtpTransport(settings, ssl_context=client_context), sender=SENDER)

    # The port speaks only TLS from the first byte, so any delivery at all went through it.
    assert report.sent == 1 and len(handler.envelopes) == 1


def test_starttls_never_falls_back_to_plain_text(tmp_path):
    _, client_context = self_signed_contexts(tmp_path)
    handler = Collector()
    with smtp_server(handler) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls", timeout=3)
        with pytest.raises(TransientMailError, match="(?i)starttls"):
            SmtpTransport(settings, ssl_context=client_context).send(_message())
    assert handler.envelopes == []


def test_untrusted_certificate_is_refused_and_retried(db, tmp_path):
    server_context, _ = self_signed_contexts(tmp_path)
    row_id = queue(db)
    handler = Collector()
    with smtp_server(handler, tls_context=server_context, require_starttls=True) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls", timeout=3)
        report = send_due(db, SmtpTransport(settings), sender=SENDER)

    assert report.retrying == 1 and handler.envelopes == []
    assert "certificate" in fresh(db, row_id).last_error.lower()


def _authenticator(seen: list):
    def authenticate(server, session, envelope, mechanism, auth_data):
        seen.append(auth_data)
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"carer", b"s3cret")
        # handled=False: aiosmtpd itself then answers a refusal with 535.
        return AuthResult(success=good, handled=good)

    return authenticate


def test_auth_credentials_get_through(db):
    queue(db)
    seen: list = []
    handler = Collector()
    with smtp_server(handler, authenticator=_authenticator(seen), auth_require_tls=False) as server:
        transport = plain_smtp(server.port, username="carer", password="s3cret")
        report = send_due(db, transport, sender=SENDER)

    assert report.sent == 1
    assert [(d.login, d.password) for d in seen] == [(b"carer", b"s3cret")]
    assert handler.sessions[0].authenticated


def test_wrong_password_keeps_the_message_queued_for_when_config_is_fixed(db):
    row_id = queue(db)
    handler = Collector()
    with smtp_server(handler, authenticator=_authenticator([]), auth_require_tls=False) as server:
        wrong = plain_smtp(server.port, username="carer", password="guess")
        with pytest.raises(TransientMailError, match="535"):
            wrong.send(_message())
        report = send_due(db, wrong, sender=SENDER)
        row = fresh(db, row_id)
        assert report.retrying == 1 and row.status == "queued" and "535" in row.last_error

        right = plain_smtp(server.port, username="carer", password="s3cret")
        assert send_due(db, right, sender=SENDER, now=as_utc(row.next_attempt_at)).sent == 1

    assert len(handler.envelopes) == 1


def test_two_senders_at_once_deliver_each_message_exactly_once(db, sessions):
    ids = [queue(db, to=f"person{n}@example.org", subject=f"Message {n}") for n in range(20)]
    db.rollback()  # hold no SQLite lock while the senders run
    handler = Collector()
    reports, errors = [], []

    with smtp_server(handler) as server:
        start = threading.Barrier(2)

        def run() -> None:
            try:
                with sessions() as own:
                    start.wait()
                    reports.append(send_due(own, plain_smtp(server.port), sender=SENDER))
            except BaseException as error:  # surfaced below; a thread's exception is otherwise lost
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert errors == []
    assert sum(r.sent for r in reports) == 20 and sum(r.retrying + r.failed for r in reports) == 0
    received = handler.message_ids()
    expected = db.scalars(select(OutboxMessage.message_id).where(OutboxMessage.id.in_(ids))).all()
    assert sorted(received) == sorted(expected)
    assert len(set(received)) == 20
    assert set(db.scalars(select(OutboxMessage.status)).all()) == {"sent"}


def test_max_attempts_fails_the_message_and_retry_failed_sends_it(db):
    row_id = queue(db)
    other_id = queue(db, to="other@example.org")
    port = free_port()
    transport = plain_smtp(port)
    now = utcnow()
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        report = send_due(db, transport, sender=SENDER, now=now)
        outcomes.append((report.retrying, report.failed))
        now += dt.timedelta(hours=2)

    assert outcomes == [(2, 0)] * (MAX_ATTEMPTS - 1) + [(0, 2)]
    row = fresh(db, row_id)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS and row.last_error
    assert send_due(db, transport, sender=SENDER, now=now + dt.timedelta(days=30)).failed == 0

    assert retry_failed(db, [row_id]) == 1
    row = fresh(db, row_id)
    assert row.status == "queued" and row.attempts == 0
    assert fresh(db, other_id).status == "failed"

    handler = Collector()
    with smtp_server(handler, port=port):
        report = send_due(db, transport, sender=SENDER)
    assert report.sent == 1 and handler.message_ids() == [row.message_id]
    assert fresh(db, row_id).status == "sent"
    assert retry_failed(db) == 1 and fresh(db, other_id).status == "queued"


def test_unexpected_transport_error_counts_as_transient(db):
    row_id = queue(db)

    class Broken:
        def send(self, message: EmailMessage) -> None:
            raise RuntimeError("disk on fire")

    report = send_due(db, Broken(), sender=SENDER)
    row = fresh(db, row_id)
    assert report.retrying == 1 and row.status == "queued" and row.last_error == "disk on fire"


def test_undeliverable_address_fails_without_contacting_anyone(db, tmp_path):
    row_id = queue(db, to="not-an-address")
    transport = FolderTransport(tmp_path / "outbox")
    report = send_due(db, transport, sender=SENDER)
    assert report.failed == 1 and fresh(db, row_id).status == "failed"
    assert not (tmp_path / "outbox").exists()


# --- the folder transport -------------------------------------------------------------------------


def test_folder_transport_writes_one_readable_eml_per_message(db, tmp_path):
    ascii_body = f"Please sign:\n\n{LINK}\n"
    first, second = queue(db, body=ascii_body), queue(db, to="sam@example.org")
    transport = FolderTransport(tmp_path / "outbox")

    assert send_due(db, transport, sender=SENDER).sent == 2

    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    by_id = {parse(f.read_bytes())["Message-ID"]: f for f in files}
    assert set(by_id) == {fresh(db, first).message_id, fresh(db, second).message_id}
    plain = by_id[fresh(db, first).message_id].read_bytes()
    assert LINK.encode() in plain  # the link is clickable in the raw file too
    assert parse(plain).get_content() == ascii_body
    assert parse(by_id[fresh(db, second).message_id].read_bytes()).get_content() == BODY


def test_folder_transport_writes_the_same_message_once(tmp_path):
    transport = FolderTransport(tmp_path / "outbox")
    message = _message()
    transport.send(message)
    transport.send(message)
    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1
    assert files[0].name.endswith("-abc123@countersign.local.eml")
    assert files[0].name[:8].isdigit()


# --- pieces ---------------------------------------------------------------------------------------


def test_backoff_doubles_from_30_seconds_to_an_hour_with_small_jitter():
    for attempts, seconds in [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (20, 3600), (500, 3600)]:
        for _ in range(20):
            assert seconds * 0.9 <= backoff(attempts).total_seconds() <= seconds


def test_transport_from_config():
    folder = transport_from_config({"SMTP_HOST": "", "OUTBOX_DIR": "/tmp/outbox"})
    assert isinstance(folder, FolderTransport) and str(folder.folder) == "/tmp/outbox"
    assert isinstance(transport_from_config({"SMTP_HOST": None, "OUTBOX_DIR": "x"}), FolderTransport)

    smtp = transport_from_config(
        {"SMTP_HOST": "mail.example.org", "SMTP_SECURITY": "SSL", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "hunter2",
         "SMTP_TIMEOUT": "7.5", "MAIL_FROM": "Care <care@example.org>"}
    )  # fmt: skip
    assert isinstance(smtp, SmtpTransport)
    assert smtp.settings == SmtpSettings(
        host="mail.example.org", port=465, security="ssl", username="u", password="hunter2", timeout=7.5,
        sender="Care <care@example.org>",
    )  # fmt: skip
    assert "hunter2" not in repr(smtp.settings)  # settings end up in logs and tracebacks
    assert transport_from_config({"SMTP_HOST": "h", "SMTP_PORT": "2525"}).settings.port == 2525
    assert transport_from_config({"SMTP_HOST": "h"}).settings.port == 587
    with pytest.raises(ValueError):
        transport_from_config({"SMTP_HOST": "h", "SMTP_SECURITY": "tls-please"})


def test_build_message_refuses_bad_addresses():
    row = OutboxMessage(message_id="<a@b>", to_address="x y@", subject="s", body_text="b")
    with pytest.raises(PermanentMailError):
        build_message(row, SENDER)
    row.to_address, row.subject = "ok@example.org", "two\nlines"
    with pytest.raises(PermanentMailError):
        build_message(row, SENDER)


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "zoe@example.org"
    message["Subject"] = "Hello"
    message["Message-ID"] = "<abc123@countersign.local>"
    message.set_content("Hello\n")
    return message
