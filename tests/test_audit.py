"""The audit log: one row per event, each holding the previous row's hash, verified by a command."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from storage import audit
from storage.models import AuditEvent


def _events(db, count=5):
    for number in range(count):
        audit.record(db, "viewed", audit.Actor(None, f"person{number}@example.org", "192.0.2.1", "ua"), None, n=number)
    db.commit()


def test_each_row_holds_the_hash_of_the_one_before(db, app):
    _events(db)
    rows = db.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].prev_hash == audit.GENESIS
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later.prev_hash == earlier.hash
    assert audit.verify_chain(db).ok


def test_rows_cannot_be_changed_or_removed(db, app):
    _events(db, 2)
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


def test_the_command_reports_the_first_altered_row(app, db):
    _events(db, 5)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0 and "intact: 5 rows" in ok.output
    _drop_guard(db)
    db.execute(sa.text("UPDATE audit_events SET actor_email = 'someone.else@example.org' WHERE id = 3"))
    db.commit()
    broken = runner.invoke(args=["audit-verify"])
    assert broken.exit_code == 1
    assert "row 3 was altered" in broken.output


def test_the_command_reports_a_removed_row(app, db):
    _events(db, 5)
    _drop_guard(db)
    db.execute(sa.text("DELETE FROM audit_events WHERE id = 2"))
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_broken_id == 3 and "removed" in report.problem


def test_the_command_notices_the_newest_rows_removed(app, db):
    _events(db, 4)
    _drop_guard(db)
    db.execute(sa.text("DELETE FROM audit_events WHERE id = 4"))
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok and "newest rows" in report.problem
