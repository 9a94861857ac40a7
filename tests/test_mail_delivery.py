"""Signing emails survive a mail server that is down: queued with the change, delivered once when it is back."""

from __future__ import annotations

import datetime as dt
import socket

from aiosmtpd.controller import Controller
from sqlalchemy import select

from storage.models import OutboxMessage


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mail_server_down_while_sending_then_up_delivers_each_message_once(app, people, make_agreement, run_jobs, db):
    port = _free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    make_agreement()  # queues one email per party in the same transaction as the send

    run_jobs()  # nothing is listening on the port
    rows = db.scalars(select(OutboxMessage)).all()
    assert len(rows) == 2
    assert all(r.status == "queued" and r.attempts == 1 and r.last_error for r in rows)
    db.rollback()

    collector = Collector()
    server = Controller(collector, hostname="127.0.0.1", port=port)
    server.start()
    try:
        db.execute(OutboxMessage.__table__.update().values(next_attempt_at=dt.datetime.now(dt.UTC)))
        db.commit()
        run_jobs()
        run_jobs()
    finally:
        server.stop()
    assert sorted(e.rcpt_tos[0] for e in collector.envelopes) == sorted([people.supervisor.email, people.supervisee.email])
    assert all(r.status == "sent" for r in db.scalars(select(OutboxMessage)).all())
    body = collector.envelopes[0].original_content.decode()
    assert "https://countersign.test/sign/" in body
