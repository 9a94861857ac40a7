"""The audit log: one row per event, each council's events a hash chain of their own, verified per council."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from storage import audit
from storage import db as database
from storage.models import AuditEvent, AuditHead
from tests.factories import OrganisationFactory, StaffFactory, put_document


@pytest.fixture
def councils(db):
    """Two councils, each with a supervisor, a supervisee and a document."""
    havering, barking = OrganisationFactory(name="London Borough of Havering"), OrganisationFactory(
        name="London Borough of Barking and Dagenham")
    people = {}
    for council in (havering, barking):
        supervisor, supervisee = StaffFactory(organisation=council), StaffFactory(organisation=council)
        people[council.id] = (supervisor.id, supervisee.id, put_document(supervisor, supervisee))
    return havering.id, barking.id, people


def _as(staff_id):
    return audit.Actor(staff_id, f"person{staff_id}@council.example", "192.0.2.1", "ua")


def _interleaved(db, councils, rounds=3):
    """Events of both councils, in turn, some by a document and some by the person only; one of no council."""
    havering, barking, people = councils
    for n in range(rounds):
        for council in (havering, barking):
            supervisor, _, document = people[council]
            audit.record(db, "viewed", _as(supervisor), document, n=n)
            db.commit()
            audit.record(db, "signed_in", _as(supervisor), how="password")
            db.commit()
    audit.record(db, "checked", audit.Actor(None, "operator@example.org"))  # no council, document or person
    db.commit()


def _rows(db, chain):
    return db.scalars(sa.select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)).all()


def test_each_councils_events_form_a_chain_of_their_own(db, app, councils):
    havering, barking, _ = councils
    _interleaved(db, councils)
    for council in (havering, barking):
        rows = _rows(db, audit.chain_of(council))
        assert [r.seq for r in rows] == list(range(1, 7))
        assert {r.organisation_id for r in rows} == {council}  # from the document, or from the person
        assert rows[0].prev_hash == audit.GENESIS
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert later.prev_hash == earlier.hash
    # The rows interleave in the table, but each chain only links its own.
    ids = [r.id for r in db.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert [db.get(AuditEvent, i).organisation_id for i in ids[:4]] == [havering, havering, barking, barking]
    (sweep,) = _rows(db, audit.DEPLOYMENT)
    assert sweep.organisation_id is None and sweep.event == "checked"
    report = audit.verify_chain(db)
    assert report.ok and report.rows == 13
    assert {c.council: c.rows for c in report.chains} == {
        "London Borough of Havering": 6, "London Borough of Barking and Dagenham": 6,
        "no council (the deployment's own events)": 1}
    assert audit.verify_chain(db, barking).ok and audit.verify_chain(db, barking).rows == 6
    heads = {h.chain: (h.organisation_id, h.last_seq) for h in db.scalars(sa.select(AuditHead))}
    assert heads[audit.chain_of(havering)] == (havering, 6) and heads[audit.chain_of(barking)] == (barking, 6)


def test_the_daily_sweep_is_recorded_in_each_councils_own_chain(db, app, councils):
    from storage.models import Document, DocumentState
    from workflows import retention

    havering, barking, people = councils
    for council in (havering, barking):
        document = db.get(Document, people[council][2])
        document.state, document.retain_until = DocumentState.LOCKED, dt.date(2020, 1, 1)
    db.commit()
    assert retention.sweep(dt.date(2026, 6, 1)) == 2
    sweeps = db.scalars(sa.select(AuditEvent).where(AuditEvent.event == "disposition_sweep")
                        .order_by(AuditEvent.organisation_id)).all()
    assert [(e.chain, e.detail["documents"]) for e in sweeps] == [(audit.chain_of(havering), 1),
                                                                   (audit.chain_of(barking), 1)]
    assert audit.verify_chain(db).ok


def test_rows_cannot_be_changed_or_removed(db, app, councils):
    _interleaved(db, councils, 1)
    for statement in ("UPDATE audit_events SET event = 'edited' WHERE id = 1", "DELETE FROM audit_events WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(sa.text(statement))
        db.rollback()


def _drop_guard(db):
    # Simulates someone with raw database access who removes the guard first.
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


def test_an_altered_row_breaks_only_its_own_councils_chain(app, db, councils):
    havering, barking, _ = councils
    _interleaved(db, councils)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0
    assert "Audit log intact for London Borough of Havering: 6 rows" in ok.output
    assert "Audit log intact for London Borough of Barking and Dagenham: 6 rows" in ok.output
    altered = _rows(db, audit.chain_of(barking))[2].id
    _drop_guard(db)
    db.execute(sa.text("UPDATE audit_events SET actor_email = 'someone.else@example.org' WHERE id = :id"),
               {"id": altered})
    db.commit()
    broken = runner.invoke(args=["audit-verify"])
    assert broken.exit_code == 1
    assert f"Audit log BROKEN for London Borough of Barking and Dagenham: row {altered} was altered" in broken.output
    assert "Audit log intact for London Borough of Havering: 6 rows" in broken.output
    report = audit.verify_chain(db)
    assert report.of(audit.chain_of(havering)).ok and report.of(audit.DEPLOYMENT).ok
    assert report.of(audit.chain_of(barking)).first_broken_id == altered
    # Each council can check its own alone.
    mine = runner.invoke(args=["audit-verify", "--organisation", "london borough of havering"])
    assert mine.exit_code == 0 and "Barking" not in mine.output and "intact for London Borough of Havering: 6 rows" in mine.output
    theirs = runner.invoke(args=["audit-verify", "--organisation", "London Borough of Barking and Dagenham"])
    assert theirs.exit_code == 1 and f"row {altered} was altered" in theirs.output
    unknown = runner.invoke(args=["audit-verify", "--organisation", "Nowhere"])
    assert unknown.exit_code == 1 and "--organisation: No organisation is called 'Nowhere'" in unknown.output


def test_a_removed_row_is_reported_in_its_chain(app, db, councils):
    havering, barking, _ = councils
    _interleaved(db, councils)
    second, third = _rows(db, audit.chain_of(havering))[1:3]
    _drop_guard(db)
    db.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": second.id})
    db.commit()
    report = audit.verify_chain(db)
    broken = report.of(audit.chain_of(havering))
    assert not broken.ok and broken.first_broken_id == third.id and "removed" in broken.problem
    assert report.of(audit.chain_of(barking)).ok


def test_the_newest_rows_removed_are_noticed(app, db, councils):
    havering, _, _ = councils
    _interleaved(db, councils)
    newest = _rows(db, audit.chain_of(havering))[-1]
    _drop_guard(db)
    db.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": newest.id})
    db.commit()
    report = audit.verify_chain(db, havering)
    assert not report.ok and "newest rows" in report.chains[0].problem


def test_one_councils_work_does_not_wait_for_anothers_chain(app, db, councils, database_url):
    """With council B's head row locked by another connection, council A's audited work still commits at once; B's
    waits. On SQLite there is one write lock for the whole database, so there every writer waits for every other."""
    havering, barking, people = councils
    _interleaved(db, councils, 1)  # both heads exist
    db.remove()
    other = sa.create_engine(database_url)
    impatient = database.make_engine(database_url, busy_seconds=1)  # gives up on a lock after a second
    try:
        with other.connect() as holder:
            if other.dialect.name == "sqlite":
                holder.connection.driver_connection.isolation_level = None
                holder.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                holder.exec_driver_sql("BEGIN")
                holder.execute(sa.text("SELECT chain FROM audit_head WHERE chain = :chain FOR UPDATE"),
                               {"chain": audit.chain_of(barking)})
            outcome = {}

            def audited(council):
                with Session(impatient) as session:
                    try:
                        supervisor, _, document = people[council]
                        audit.record(session, "viewed", _as(supervisor), document)
                        session.commit()
                        outcome[council] = "committed"
                    except OperationalError:
                        outcome[council] = "waited too long"

            for council in (havering, barking):
                thread = threading.Thread(target=audited, args=(council,))
                thread.start()
                thread.join(30)
            holder.exec_driver_sql("ROLLBACK")
    finally:
        other.dispose()
        impatient.dispose()
    if other.dialect.name == "sqlite":
        assert outcome == {havering: "waited too long", barking: "waited too long"}
    else:
        assert outcome == {havering: "committed", barking: "waited too long"}
    assert audit.verify_chain(db).ok

