"""The daily reminders: once per item per period, a fresh signing link for whoever has not signed, never a flood."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from storage.models import AuditEvent, OutboxMessage, PostponedSession, ReminderSent, ScheduledRun, SigningLink, Staff
from storage.states import DocumentState
from tests.factories import add_document
from workflows import reminders

TODAY = dt.date.today()


def outbox(db, person=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if person is not None:
        query = query.where(OutboxMessage.to_address == person.email)
    return db.scalars(query).all()


def test_running_the_job_twice_sends_one_email_per_person(app, db, people):
    # Nobody has been supervised since January: Sam and Pat are reminded of one supervisee each, and
    # Morgan, who supervises them both, of two – in one email.
    first = reminders.send_reminders(TODAY)
    assert first.emails == 3 and first.reminders == 4
    second = reminders.send_reminders(TODAY)
    assert (second.emails, second.reminders, second.pending) == (0, 0, [])
    sam = outbox(db, people.supervisor)
    assert len(sam) == 1 and len(outbox(db)) == 3
    morgan = outbox(db, people.manager)
    assert len(morgan) == 1 and "2 things need your attention" in morgan[0].subject
    assert "Supervision with Jo O'Brien & <Sons> is overdue" in sam[0].body_text
    assert "https://countersign.test/due" in sam[0].body_text


def test_an_overdue_supervision_is_reminded_again_a_week_later_not_daily(app, db, people):
    # Everyone was due on 5 February 2026 (a month after supervision began); periods are weeks overdue.
    due = dt.date(2026, 2, 5)
    next_week = TODAY + dt.timedelta(days=7 - (TODAY - due).days % 7)
    reminders.send_reminders(TODAY)
    day = TODAY + dt.timedelta(days=1)
    while day < next_week:
        assert reminders.send_reminders(day).emails == 0
        day += dt.timedelta(days=1)
    # The due dates stay put (no record was written), so a new week is a new period: one more each.
    assert reminders.send_reminders(next_week).emails == 3
    assert reminders.send_reminders(next_week + dt.timedelta(days=1)).emails == 0
    assert len(outbox(db, people.supervisor)) == 2


def test_supervision_due_soon_is_reminded_once_before_it_is_due(app, db, people):
    add_document(people.supervisor, people.supervisee, supervision_date=(TODAY - dt.timedelta(days=25)).isoformat())
    sent = [r for r in reminders.pending_reminders(TODAY) if r.recipient_id == people.supervisor.id]
    assert [(r.period, "is due by" in r.text) for r in sent] == [("due-soon", True)]


def test_unsigned_document_reminds_each_party_who_has_not_signed_with_a_fresh_link(app, db, people, client):
    document_id = add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE,
                               sent_days_ago=5, supervision_date=(TODAY - dt.timedelta(days=5)).isoformat())
    with app.test_request_context():
        report = reminders.send_reminders(TODAY)
    assert report.emails == 4  # Jo and Sam (to sign), Pat (Ravi overdue), Morgan (Sam and Pat overdue)
    jo = outbox(db, people.supervisee)[-1]
    assert "has waited 5 days for your signature" in jo.body_text
    assert "/due" not in jo.body_text  # a supervisee has no due page to be sent to
    path = re.search(r"https://countersign\.test(/sign/\d+/\S+)", jo.body_text).group(1)
    assert path.startswith(f"/sign/{document_id}/")
    links = db.scalars(select(SigningLink).where(SigningLink.document_id == document_id)).all()
    assert {link.party.value for link in links} == {"supervisor", "supervisee"}
    events = db.scalars(select(AuditEvent).where(AuditEvent.event == "reminder_sent")).all()
    assert {e.detail["party"] for e in events} == {"supervisor", "supervisee"} and {e.document_id for e in events} == {
        document_id}
    # Nothing more until the next five days have passed.
    assert reminders.send_reminders(TODAY).emails == 0
    assert {r.period for r in reminders.pending_reminders(TODAY + dt.timedelta(days=5))
            if r.item.startswith("unsigned:")} == {"after-10-days"}


def test_a_document_sent_recently_or_signed_by_that_party_is_not_reminded(app, db, people):
    add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE, sent_days_ago=4,
                 supervision_date=TODAY.isoformat())
    assert not [r for r in reminders.pending_reminders(TODAY) if r.item.startswith("unsigned:")]


def test_reminder_days_setting_changes_when_unsigned_reminders_start(app, db, people):
    add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE, sent_days_ago=2,
                 supervision_date=TODAY.isoformat())
    app.config["UNSIGNED_REMINDER_DAYS"] = 2
    assert {r.period for r in reminders.pending_reminders(TODAY) if r.item.startswith("unsigned:")} == {"after-2-days"}


def test_postponed_session_is_reminded_with_its_hold_by_date(app, db, people):
    db.add(PostponedSession(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                            supervisee_id=people.supervisee.id, booked_for=TODAY, postponed_on=TODAY,
                            reason="", recorded_by_id=people.supervisor.id))
    db.commit()
    hold_by = TODAY + dt.timedelta(days=7)
    found = [r for r in reminders.pending_reminders(TODAY) if r.item.startswith("postponed:")]
    assert [(r.period, r.recipient_id) for r in found] == [("hold-within-7-days", people.supervisor.id)]
    assert f"must be held by {hold_by.day} {hold_by:%B %Y}" in found[0].text
    late = [r for r in reminders.pending_reminders(hold_by + dt.timedelta(days=1)) if r.item.startswith("postponed:")]
    assert [r.period for r in late] == ["overdue"]


def test_agreement_review_is_reminded_a_month_ahead(app, db, people):
    add_document(people.supervisor, people.supervisee, kind="agreement",
                 start_date=(TODAY - dt.timedelta(days=350)).isoformat(), frequency_weeks=4)
    found = [r for r in reminders.pending_reminders(TODAY) if r.item.startswith("agreement-review:")]
    assert len(found) == 1 and found[0].period == "due-soon" and "yearly review" in found[0].text


def test_daily_run_is_claimed_once_a_day_however_many_workers(app, db, people):
    assert reminders.run_daily(TODAY).emails == 3
    assert reminders.run_daily(TODAY) is None  # a second worker finds today's claim and does nothing
    assert db.scalar(select(func.count()).select_from(ScheduledRun).where(
        ScheduledRun.name == reminders.DAILY_RUN)) == 1
    assert len(outbox(db)) == 3


def test_background_worker_loop_sends_the_days_reminders_once(app, db, people):
    from workflows.background import run_daily_once

    assert run_daily_once(TODAY) and run_daily_once(TODAY)
    assert len(outbox(db)) == 3


def test_send_reminders_command_dry_run_sends_nothing_then_sends_once(app, db, people):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["send-reminders", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 reminders would be sent. Nothing was sent (dry run)." in dry.output
    assert "Sam Taylor" in dry.output
    assert outbox(db) == []
    real = runner.invoke(args=["send-reminders"])
    assert "3 emails queued for 4 reminders." in real.output
    again = runner.invoke(args=["send-reminders"])
    assert "0 emails queued for 0 reminders." in again.output
    assert len(outbox(db)) == 3


def test_reminder_goes_to_the_current_supervisor_only(app, db, people):
    reminders.send_reminders(TODAY)
    pat = db.get(Staff, people.other_supervisor.id)
    messages = outbox(db, pat)
    assert len(messages) == 1 and "Ravi Shah" in messages[0].body_text and "Jo O'Brien" not in messages[0].body_text


def test_worker_thread_sends_the_days_reminders_once_when_enabled(app, db, people):
    import threading
    import time

    from workflows import background

    app.config["SEND_DAILY_REMINDERS"] = True
    db.remove()
    before = set(threading.enumerate())
    stop = background.start_in_thread(app, poll_seconds=0.2)
    (worker,) = [t for t in threading.enumerate() if t not in before and t.name == "countersign-worker"]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            claimed = db.scalar(select(func.count()).select_from(ScheduledRun).where(
                ScheduledRun.name == reminders.DAILY_RUN))
            sent = db.scalar(select(func.count()).select_from(OutboxMessage))
            db.rollback()  # never hold SQLite's write lock while the worker works
            if claimed and sent == 3:
                break
            time.sleep(0.2)
        time.sleep(1)  # several more polls: none may send again
    finally:
        stop.set()
        background.wake()
        worker.join(30)
    assert not worker.is_alive()
    assert (claimed, len(outbox(db))) == (1, 3)


def test_a_run_that_loses_the_race_for_a_reminder_sends_nothing_and_leaves_no_trace(app, db, people):
    mine = [r for r in reminders.pending_reminders(TODAY) if r.recipient_id == people.supervisor.id]
    db.rollback()
    # Another worker writes the same ledger row between this run's look and its write.
    db.add(ReminderSent(item=mine[0].item, period=mine[0].period, recipient_id=people.supervisor.id, sent_on=TODAY))
    db.commit()
    assert reminders._send_to(people.supervisor.id, mine, TODAY) is False
    assert outbox(db) == []
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "reminders_emailed")).all() == []
