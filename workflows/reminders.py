"""The daily reminders: supervision due or overdue, reviews, postponed sessions and unsigned documents, each once a period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signing.tokens import issue_group_link, issue_link
from storage import audit
from storage.db import session as db
from storage.models import Document, Party, ReminderSent, ScheduledRun, Staff
from storage.outbox import queue_email
from storage.times import uk_date, uk_time
from workflows import group_attendance, group_members, schedule
from workflows.links import due_url, signing_url

DAILY_RUN = "reminders"  # its ScheduledRun row for the day is the claim


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One thing to remind one person of; (item, period) is its key in the ledger."""

    item: str
    period: str
    recipient_id: int
    text: str
    recipient_name: str = ""
    document_id: int | None = None
    party: Party | None = None


@dataclasses.dataclass
class ReminderReport:
    emails: int = 0
    reminders: int = 0
    skipped: int = 0  # recipients another worker reached first; their reminders stand in the ledger
    pending: list[Reminder] = dataclasses.field(default_factory=list)


def reminders_due(today: dt.date) -> list[Reminder]:
    """Everything worth reminding someone of today, whether or not it has been sent already."""
    found: list[Reminder] = []
    for row in schedule.due_everywhere(today):
        who, sup = row.supervisee, row.supervisor
        if row.status == "overdue":
            found.append(Reminder(f"supervision:{who.id}:{row.next_due}", _weekly_period(row.next_due, today), sup.id,
                                  f"Supervision with {who.name} is overdue: it was due on {uk_date(row.next_due)} "
                                  f"({row.frequency.interval.label}).", sup.name))
        elif row.status == "due_soon":
            found.append(Reminder(f"supervision:{who.id}:{row.next_due}", "due-soon", sup.id,
                                  f"Supervision with {who.name} is due by {uk_date(row.next_due)} "
                                  f"({row.frequency.interval.label}).", sup.name))
        if row.group_status == "overdue":  # weekly group supervision, where it is a rule of its own (H Appendix 3)
            found.append(Reminder(f"group-supervision:{who.id}:{row.group_next_due}",
                                  _weekly_period(row.group_next_due, today), sup.id,
                                  f"Group supervision with {who.name} is overdue: it was due on "
                                  f"{uk_date(row.group_next_due)} ({row.group_rule.interval.label}).", sup.name))
        if row.review_status in ("overdue", "due_soon"):
            late = row.review_status == "overdue"
            found.append(Reminder(f"agreement-review:{row.agreement.id}:{row.review_due}",
                                  _monthly_period(row.review_due, today) if late else "due-soon", sup.id,
                                  f"The supervision agreement with {who.name} ({row.agreement.reference}) "
                                  f"{'was' if late else 'is'} due its yearly review on {uk_date(row.review_due)}.", sup.name))
        if row.agreement_needed_status in ("overdue", "due_soon"):
            late = row.agreement_needed_status == "overdue"
            found.append(Reminder(f"agreement-needed:{row.relationship.id}",
                                  _monthly_period(row.agreement_needed_by, today) if late else "due-soon", sup.id,
                                  f"A supervision agreement with {who.name} {'was' if late else 'is'} needed by "
                                  f"{uk_date(row.agreement_needed_by)}, within a month of supervision starting.", sup.name))
    for session in schedule.postponed_outstanding(None, today):
        late = today > session.hold_by
        found.append(Reminder(f"postponed:{session.id}", "overdue" if late else "hold-within-7-days",
                              session.supervisor_id,
                              f"The session with {session.supervisee.name} postponed on {uk_date(session.postponed_on)} "
                              f"{'was to be' if late else 'must be'} held by {uk_date(session.hold_by)}.",
                              session.supervisor.name))
    every = schedule.unsigned_reminder_days()
    for document, people, days_waiting in schedule.unsigned_group_records(today, every):
        for person in people:  # each attendee (and the facilitator) who has not signed or said they did not attend
            found.append(Reminder(f"unsigned:{document.id}:v{document.content_version}:staff-{person.id}",
                                  f"after-{days_waiting // every * every}-days", person.id,
                                  f"{document.title} ({document.reference}) has waited {days_waiting} days for you "
                                  "to sign it, or to say you did not attend.", person.name, document.id,
                                  group_attendance.party_for(document, person.id)))
    for unsigned in schedule.unsigned_documents(today, days=every):
        document = unsigned.document
        for party in unsigned.waiting_for:
            found.append(Reminder(f"unsigned:{document.id}:v{document.content_version}:{party.value}",
                                  f"after-{unsigned.days_waiting // every * every}-days", document.signer(party).id,
                                  f"{document.title} ({document.reference}) has waited {unsigned.days_waiting} days "
                                  "for your signature.", document.signer(party).name, document.id, party))
    return found


def pending_reminders(today: dt.date) -> list[Reminder]:
    """The reminders due today that have not been sent in their period."""
    due = reminders_due(today)
    sent = {(item, period) for item, period in db.execute(
        select(ReminderSent.item, ReminderSent.period).where(ReminderSent.item.in_(sorted({r.item for r in due}))))}
    return [r for r in due if (r.item, r.period) not in sent]


def send_reminders(today: dt.date | None = None, dry_run: bool = False) -> ReminderReport:
    """Email each person one message listing their new reminders; the ledger makes a second run send nothing."""
    today = today or dt.date.today()
    report = ReminderReport(pending=pending_reminders(today))
    db.rollback()  # end the read before writing, so SQLite's write lock is never held across the loop
    if dry_run:
        return report
    by_person: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in report.pending:
        by_person[reminder.recipient_id].append(reminder)
    for recipient_id, reminders in by_person.items():
        if _send_to(recipient_id, reminders, today):
            report.emails += 1
            report.reminders += len(reminders)
        else:
            report.skipped += 1
    return report


def run_daily(today: dt.date | None = None) -> ReminderReport | None:
    """The background worker's once-a-day run: only the worker that claims today's row sends; None for the others."""
    today = today or dt.date.today()
    db.add(ScheduledRun(name=DAILY_RUN, run_on=today, detail={}))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    return send_reminders(today)


def _send_to(recipient_id: int, reminders: list[Reminder], today: dt.date) -> bool:
    """Write the ledger rows and queue the email in one transaction; False if another run got there first."""
    try:
        _write_reminders(recipient_id, reminders, today)
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    return True


def _write_reminders(recipient_id: int, reminders: list[Reminder], today: dt.date) -> None:
    person = db.get(Staff, recipient_id)
    lines = []
    for reminder in reminders:
        db.add(ReminderSent(item=reminder.item, period=reminder.period, recipient_id=person.id, sent_on=today))
        line = f"- {reminder.text}"
        if reminder.document_id is not None:
            document = db.get(Document, reminder.document_id)
            if group_members.is_group(document):  # a link of their own; the other attendees' links stay good
                link, token = issue_group_link(db, secret_key=current_app.config["SECRET_KEY"], document=document,
                                               person=person, party=reminder.party,
                                               lifetime=current_app.config["LINK_LIFETIME"])
            else:
                link, token = issue_link(db, secret_key=current_app.config["SECRET_KEY"], document=document,
                                         party=reminder.party, purpose="sign",
                                         lifetime=current_app.config["LINK_LIFETIME"])
            line += (f"\n  Read and sign it here (this link replaces earlier ones and expires on "
                     f"{uk_time(link.expires_at, with_offset=True)}):\n  {signing_url(document.id, token)}")
            audit.record(db, "reminder_sent", audit.SYSTEM, document.id, party=reminder.party.value, to=person.email,
                         link_id=link.id, period=reminder.period)
        lines.append(line)
    subject, body = _message(person, lines, show_due=any(r.document_id is None for r in reminders))
    queue_email(db, to=person.email, subject=subject, body=body, organisation_id=person.organisation_id,
                document_id=reminders[0].document_id if len(reminders) == 1 else None)
    audit.record(db, "reminders_emailed", audit.SYSTEM, organisation_id=person.organisation_id, staff_id=person.id,
                 to=person.email, items=[f"{r.item} {r.period}" for r in reminders])


def _message(person: Staff, lines: list[str], show_due: bool) -> tuple[str, str]:
    count = len(lines)
    subject = "Countersign reminder: " + ("1 thing needs your attention" if count == 1 else
                                          f"{count} things need your attention")
    # Only supervisors have the due page; someone reminded only to sign needs just their link.
    see = f"\nSee what is due: {due_url()}\n" if show_due else ""
    body = f"""Dear {person.name},

{chr(10).join(lines)}
{see}
You get one reminder for each of these per period, not every day.

Countersign
"""
    return subject, body


def _weekly_period(since: dt.date, today: dt.date) -> str:
    return f"overdue-week-{(today - since).days // 7}"


def _monthly_period(since: dt.date, today: dt.date) -> str:
    return f"overdue-month-{(today - since).days // 28}"


