"""The supervision session itself: its length and type questioned against the policy, sessions cancelled and
missed, and records not sent for signature in time (H 7.2 c, B 6.2 c)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable

import holidays
from flask import current_app
from sqlalchemy import func, select

from doc_templates.schema import format_minutes
from storage import audit
from storage.db import session as db
from storage.models import CancelledSession, Document, DocumentState, RecordDraft, Staff
from storage.times import parse_date
from workflows.errors import InvalidInput
from workflows.frequency import policy_for
from workflows.teams import session_parties

MAX_REASON = 500
MISSED_OVER_MONTHS = 12  # the due pages count the sessions missed in the last year


# --- the session on the record form ------------------------------------------------------------


def question_session(template_pack: str, values: dict) -> dict[str, str]:
    """What the record form must ask again about the session: its length and type, and a length outside the policy
    given without a reason. Empty when the session is as the policy says, or the reason is given."""
    errors: dict[str, str] = {}
    if "session_length" in values and values.get("session_length") in (None, ""):
        errors["session_length"] = "Enter how long the session lasted, in minutes, for example 60 for one hour"
    if "session_type" in values and not values.get("session_type"):
        errors["session_type"] = "Choose the type of session: individual, group, professional or observation"
    if errors or "session_length" not in values:
        return errors
    outside = length_outside_policy(template_pack, int(values["session_length"]))
    if outside and not str(values.get("length_reason") or "").strip():
        errors["length_reason"] = f"{outside} Say why, or correct the length"
    return errors


def length_outside_policy(template_pack: str, minutes: int) -> str | None:
    """The question to ask when a session's length is outside the organisation's policy; None when it is within."""
    policy = policy_for(template_pack)
    least, most = policy.session_minutes
    if minutes < least:
        return (f"The session lasted {format_minutes(minutes)}, less than the {format_minutes(least)} the policy asks "
                f"for ({policy.session_rule}).")
    if most is not None and minutes > most:
        return (f"The session lasted {format_minutes(minutes)}, more than the {format_minutes(most)} the policy allows "
                f"({policy.session_rule}).")
    return None


# --- working days and records sent in time -----------------------------------------------------


@functools.cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days after `day`."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def send_within_working_days() -> int:
    return max(1, int(current_app.config["RECORD_SEND_WORKING_DAYS"]))


def send_by(session_date: dt.date) -> dt.date:
    """The last day a record of a session held that day may be sent for signature on time."""
    return add_working_days(session_date, send_within_working_days())


def sent_late(document: Document) -> bool | None:
    """Whether a record was sent for signature after its deadline; None when it is not a sent record of a session."""
    session_date = _date(document.data.get("supervision_date")) if document.kind == "record" else None
    if session_date is None or document.sent_at is None:
        return None
    return document.sent_at.date() > send_by(session_date)


@dataclasses.dataclass
class RecordNotSent:
    """A session held whose record has not been sent for signature by its deadline."""

    supervisor: Staff
    supervisee: Staff
    session_date: dt.date
    send_by: dt.date
    document: Document | None  # a draft record made from the form, or None while the form is still being written
    today: dt.date

    @property
    def working_days_late(self) -> int:
        return working_days_between(self.send_by, self.today)


def records_not_sent(supervisor_ids: Iterable[int] | None, today: dt.date | None = None) -> list[RecordNotSent]:
    """Records of sessions held, written or still being written, not sent for signature by their deadline."""
    today = today or dt.date.today()
    documents = select(Document).where(Document.kind == "record", Document.state == DocumentState.DRAFT)
    drafts = select(RecordDraft).where(RecordDraft.document_id.is_(None))
    if supervisor_ids is not None:
        ids = list(supervisor_ids)
        if not ids:
            return []
        documents = documents.where(Document.supervisor_id.in_(ids))
        drafts = drafts.where(RecordDraft.supervisor_id.in_(ids))
    late = []
    for document in db.scalars(documents):
        day = _date(document.data.get("supervision_date"))
        if day is not None and send_by(day) < today:
            late.append(RecordNotSent(document.supervisor, document.supervisee, day, send_by(day), document, today))
    for draft in db.scalars(drafts):
        day = _date((draft.form or {}).get("supervision_date"))
        if day is not None and send_by(day) < today:
            late.append(RecordNotSent(draft.supervisor, draft.supervisee, day, send_by(day), None, today))
    return sorted(late, key=lambda row: (row.send_by, row.supervisee.name))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


# --- sessions cancelled ------------------------------------------------------------------------


def record_cancellation(supervisor_id: int, supervisee_id: int | None, form: dict, actor: audit.Actor
                        ) -> CancelledSession:
    """Note that a booked session was cancelled and not held, who called it off and why; it counts as missed."""
    errors: dict[str, str] = {}
    supervisor, supervisee = session_parties(supervisor_id, supervisee_id, errors)
    booked_for, error = parse_date(form.get("booked_for"), "date the session was booked for")
    if error:
        errors["booked_for"] = error
    elif booked_for > dt.date.today() + dt.timedelta(days=366):
        errors["booked_for"] = "Enter a date within the next year – the date the cancelled session was booked for"
    cancelled_by = str(form.get("cancelled_by") or "")
    if cancelled_by not in CancelledSession.BY:
        errors["cancelled_by"] = "Choose who cancelled the session: the supervisor, the supervisee, or neither"
    reason = " ".join(str(form.get("reason") or "").split())
    if not reason:
        errors["reason"] = "Enter why the session was cancelled"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Enter a reason of {MAX_REASON} characters or fewer"
    if errors:
        raise InvalidInput(errors)
    cancelled = CancelledSession(organisation_id=supervisor.organisation_id, supervisor=supervisor,
                                 supervisee=supervisee, booked_for=booked_for, cancelled_by=cancelled_by,
                                 reason=reason, recorded_by_id=actor.staff_id or supervisor.id)
    db.add(cancelled)
    db.flush()
    audit.record(db, "session_cancelled", actor, cancelled_id=cancelled.id, supervisee_id=supervisee.id,
                 booked_for=booked_for.isoformat(), cancelled_by=cancelled_by, reason=reason)
    db.commit()
    return cancelled


def missed_counts(supervisee_ids: Iterable[int], today: dt.date | None = None,
                  months: int = MISSED_OVER_MONTHS) -> dict[int, int]:
    """How many booked sessions each supervisee missed (cancelled, not held) in the last `months` months."""
    ids = sorted(set(supervisee_ids))
    if not ids:
        return {}
    today = today or dt.date.today()
    since = today - dt.timedelta(days=round(30.44 * months))
    rows = db.execute(select(CancelledSession.supervisee_id, func.count()).where(
        CancelledSession.supervisee_id.in_(ids), CancelledSession.booked_for > since,
        CancelledSession.booked_for <= today).group_by(CancelledSession.supervisee_id))
    return {supervisee_id: count for supervisee_id, count in rows}


def cancelled_sessions(supervisor_ids: Iterable[int], today: dt.date | None = None,
                       months: int = MISSED_OVER_MONTHS) -> list[CancelledSession]:
    """The sessions these supervisors' supervisees missed in the last `months` months, newest first."""
    ids = list(supervisor_ids)
    if not ids:
        return []
    today = today or dt.date.today()
    since = today - dt.timedelta(days=round(30.44 * months))
    return list(db.scalars(select(CancelledSession).where(
        CancelledSession.supervisor_id.in_(ids), CancelledSession.booked_for > since)
        .order_by(CancelledSession.booked_for.desc(), CancelledSession.id.desc())))


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
