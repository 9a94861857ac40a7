"""The migration to a chain per council keeps every row written before it verifiable, unchanged, and starts each
council's own chain after it."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from storage import audit
from storage import db as database
from tests.conftest import POSTGRES_URL

BEFORE = "professional_documents"


@pytest.fixture
def empty_database(tmp_path):
    """An empty database on the server the suite runs on: a SQLite file, or a new PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"countersign_migration_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _single_chain_hash(prev: str, row: dict) -> str:
    """How every row was hashed while there was one chain for everyone (written out here, as it was)."""
    payload = {"prev": prev, "id": row["id"], "at": row["at"], "event": row["event"], "document_id": row["document_id"],
               "actor_id": row["actor_id"], "actor_email": row["actor_email"], "ip": None, "ua": None,
               "detail": row["detail"]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def _old_log(connection) -> None:
    """Two councils, a document each, and one chain of events of both, of neither, by document and by person."""
    run = lambda sql, params=None: connection.execute(sa.text(sql), params or {})  # noqa: E731
    run("INSERT INTO organisations (id, name, template_pack, created_at, signing_code_required, oidc_email_domains, "
        "password_sign_in) VALUES (1, 'Havering', 'havering', '2026-01-01', false, '', true), "
        "(2, 'Barking', 'barking-dagenham', '2026-01-01', false, '', true)")
    run("INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, part_time, "
        "appointed_from_overseas, created_at) VALUES (1, 1, 'S', 's@h.example', '', '', false, false, '2026-01-01'), "
        "(2, 1, 'J', 'j@h.example', '', '', false, false, '2026-01-01'), "
        "(3, 2, 'P', 'p@b.example', '', '', false, false, '2026-01-01'), "
        "(4, 2, 'D', 'd@b.example', '', '', false, false, '2026-01-01')")
    for document, organisation, supervisor, supervisee in ((1, 1, 1, 2), (2, 2, 3, 4)):
        run("INSERT INTO documents (id, organisation_id, kind, template_key, template_version, supervisor_id, "
            "supervisee_id, created_by_id, data, state, content_version, created_at, retention_status) "
            "VALUES (:d, :o, 'agreement', 'havering/supervision-agreement', 1, :s, :e, :s, '{}', 'DRAFT', 1, "
            "'2026-01-01', 'kept')", {"d": document, "o": organisation, "s": supervisor, "e": supervisee})
    events = [("created", 1, 1), ("created", 2, 3), ("signed_in", None, 2), ("viewed", 2, 4), ("demo_seeded", None, None),
              ("signed_in", None, 3), ("edited", 1, 1)]
    prev = audit.GENESIS
    for number, (event, document, actor) in enumerate(events, start=1):
        row = {"id": number, "at": f"2026-01-02T09:00:0{number}.000000+00:00", "event": event, "document_id": document,
               "actor_id": actor, "actor_email": f"{actor}@example.org" if actor else "system", "detail": {"n": number}}
        digest = _single_chain_hash(prev, row)
        run("INSERT INTO audit_events (id, at, event, document_id, actor_id, actor_email, detail, prev_hash, hash) "
            "VALUES (:id, :at, :event, :document_id, :actor_id, :actor_email, :detail, :prev, :hash)",
            {**row, "detail": json.dumps(row["detail"]), "prev": prev, "hash": digest})
        prev = digest
    run("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :n, :hash)", {"n": len(events), "hash": prev})


def test_rows_of_the_single_chain_still_verify_and_each_council_chains_on_its_own(empty_database):
    config = database.alembic_config(empty_database)
    command.upgrade(config, BEFORE)
    engine = database.make_engine(empty_database)
    with engine.begin() as connection:
        _old_log(connection)
    with engine.connect() as connection:
        hashes_before = dict(connection.execute(sa.text("SELECT id, hash FROM audit_events")).all())
    command.upgrade(config, "head")

    with Session(engine) as db:
        rows = db.execute(sa.text("SELECT id, chain, seq, organisation_id, hash FROM audit_events ORDER BY id")).all()
        # Nothing was re-hashed: the old rows keep their hashes, in the chain they were written in, each now marked
        # with its council (from its document, else its person; none for an event of no council).
        assert {r.id: r.hash for r in rows} == hashes_before
        assert [(r.chain, r.seq, r.organisation_id) for r in rows] == [
            ("legacy", 1, 1), ("legacy", 2, 2), ("legacy", 3, 1), ("legacy", 4, 2), ("legacy", 5, None),
            ("legacy", 6, 2), ("legacy", 7, 1)]
        report = audit.verify_chain(db)
        assert report.ok and [(c.chain, c.rows) for c in report.chains] == [
            ("legacy", 7), ("organisation:1", 0), ("organisation:2", 0)]

        # New events go into each council's own chain, from its start; ids go on after the old ones.
        for document, actor in ((1, 2), (2, 4), (1, 1), (None, 3)):
            audit.record(db, "viewed", audit.Actor(actor, f"{actor}@example.org"), document)
            db.commit()
        audit.record(db, "disposition_sweep", audit.SYSTEM, documents=0)
        db.commit()
        new = db.execute(sa.text("SELECT id, chain, seq, prev_hash FROM audit_events WHERE chain <> 'legacy' "
                                 "ORDER BY id")).all()
        assert [(r.id, r.chain, r.seq) for r in new] == [
            (8, "organisation:1", 1), (9, "organisation:2", 1), (10, "organisation:1", 2), (11, "organisation:2", 2),
            (12, "deployment", 1)]
        assert new[0].prev_hash == audit.GENESIS
        report = audit.verify_chain(db)
        assert report.ok
        assert {c.chain: c.rows for c in report.chains} == {"legacy": 7, "organisation:1": 2, "organisation:2": 2,
                                                             "deployment": 1}

        # An old row altered breaks the old chain, and only it.
        _drop_guard(db)
        db.execute(sa.text("UPDATE audit_events SET actor_email = 'x@example.org' WHERE id = 4"))
        db.commit()
        report = audit.verify_chain(db)
        assert report.of("legacy").first_broken_id == 4 and "altered" in report.of("legacy").problem
        assert [c.chain for c in report.broken] == ["legacy"]
    engine.dispose()


def _drop_guard(db):
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.execute(sa.text("DROP TRIGGER audit_events_no_update"))
