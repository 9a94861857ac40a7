"""The seven-year rule: leavers, retention policies, legal holds, the disposition sweep and disposal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from flask import current_app
from sqlalchemy import exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage import audit
from storage.blobs import BlobInUse, blobs
from storage.db import session as db
from storage.ids import as_whole_number
from storage.models import (
    GROUP_RECORD,
    CopyLink,
    DisposalRecord,
    DispositionReview,
    Document,
    GroupAttendee,
    GroupSession,
    LegalHold,
    Organisation,
    OutboxMessage,
    RetentionPolicy,
    RetentionState,
    Role,
    ScheduledRun,
    SigningCode,
    SigningLink,
    Staff,
    UTCDateTime,
    utcnow,
)
from storage.times import add_years, parse_date, uk_date
from workflows import frequency
from workflows.access import user_of
from workflows.errors import InvalidInput, NotAllowed
from workflows.people import person_in

log = logging.getLogger(__name__)

IN_REVIEW, ARCHIVED, DESTROYED, KEPT = (RetentionState.IN_REVIEW, RetentionState.ARCHIVED, RetentionState.DESTROYED,
                                       RetentionState.KEPT)
DECISIONS = ("archive", "destroy", "extend")
SWEEP_JOB = "disposition-sweep"
REMOVED = "[removed at disposal]"
_BASIS_BY_PACK = {"havering": "Havering policy 9.4", "barking-dagenham": "Barking and Dagenham policy 9.4"}
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
            10: "ten", 11: "eleven", 12: "twelve", 15: "fifteen", 20: "twenty", 25: "twenty-five"}


def years_words(years: int) -> str:
    return f"{_NUMBERS.get(years, str(years))} year{'' if years == 1 else 's'}"


# --- policy --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Policy:
    years: int
    basis: str


def policy_for(person: Staff) -> Policy:
    """The retention period for this person's records: their category's, else their organisation's."""
    category = frequency.category_code(person.organisation.template_pack, person.staff_category) or ""
    rows = {row.staff_category: row for row in db.scalars(
        select(RetentionPolicy).where(RetentionPolicy.organisation_id == person.organisation_id,
                                      RetentionPolicy.staff_category.in_([category, ""])))}
    row = rows.get(category) or rows.get("")
    if row is not None:
        return Policy(row.years, row.basis)
    return default_policy(person.organisation)


def default_policy(organisation: Organisation) -> Policy:
    """What applies when HR has set nothing: COUNTERSIGN_RETENTION_YEARS (seven) under the shipped policy."""
    years = int(current_app.config.get("RETENTION_YEARS", 7))
    return Policy(years, _BASIS_BY_PACK.get(organisation.template_pack, f"{organisation.name} retention policy"))


# --- what a document's retention is, in words ------------------------------------------------------


def active_holds(document: Document) -> list[LegalHold]:
    """The holds that stand over this document, on it or on its supervisee (on anyone named on a group record)."""
    people = [person.id for person in named_on(document)] if document.kind == GROUP_RECORD else [document.supervisee_id]
    return list(db.scalars(select(LegalHold).where(
        LegalHold.lifted_at.is_(None),
        or_(LegalHold.document_id == document.id, LegalHold.staff_id.in_(people)),
    ).order_by(LegalHold.placed_at)))


def retention_statement(document: Document) -> str:
    """How long this document is kept and why, in plain words."""
    person = document.supervisee
    if document.retention_status == DESTROYED:
        return f"Disposed of on {uk_date(document.disposed_at)}: its files and personal content were destroyed."
    holds = active_holds(document)
    if holds:
        hold = holds[0]
        return (f"Under legal hold since {uk_date(hold.placed_at)}: {hold.reason} — it will not be disposed of "
                "while the hold stands.")
    if document.retention_status == ARCHIVED:
        return (f"Archived on {uk_date(document.disposed_at)} after its retention period: kept, and only HR "
                "can open it.")
    if document.kind == GROUP_RECORD:
        return _group_statement(document)
    if person.leaver_date is None:
        policy = policy_for(person)
        return (f"Kept while {person.name} works here, then for {years_words(policy.years)} after they leave "
                f"({policy.basis}).")
    policy = policy_for(person)
    until = document.retain_until or add_years(person.leaver_date, policy.years)
    if until != add_years(person.leaver_date, policy.years):
        why = f"extended by HR beyond {years_words(policy.years)} after {person.name} left on {uk_date(person.leaver_date)}"
    else:
        why = f"{years_words(policy.years)} after {person.name} left on {uk_date(person.leaver_date)} ({policy.basis})"
    status = " It is waiting for HR's disposition review." if document.retention_status == IN_REVIEW else ""
    return f"Kept until {uk_date(until)}: {why}.{status}"


def named_on(document: Document) -> list[Staff]:
    """Everyone a group session's record is about: its facilitator, then each person invited to the session."""
    session = db.scalar(select(GroupSession).where(GroupSession.document_id == document.id))
    attendees = [attendee.staff for attendee in session.attendees] if session is not None else []
    return [document.supervisor, *[person for person in attendees if person.id != document.supervisor_id]]


def _group_until(named: list[Staff]) -> tuple[dt.date | None, Staff | None]:
    """A group record is part of the supervision file of everyone named on it: kept until the retention period of
    the last of them to leave has run (None while any of them works here), and who that is."""
    ends = []
    for person in named:
        if person.leaver_date is None:
            return None, None
        ends.append((add_years(person.leaver_date, policy_for(person).years), person.id, person))
    until, _, person = max(ends)
    return until, person


def _group_statement(document: Document) -> str:
    named = named_on(document)
    until, last = _group_until(named)
    status = " It is waiting for HR's disposition review." if document.retention_status == IN_REVIEW else ""
    if document.retain_until is not None and document.retain_until != until:
        return f"Kept until {uk_date(document.retain_until)}: extended by HR.{status}"
    if until is None:
        here = sum(1 for person in named if person.leaver_date is None)
        return (f"Kept while anyone named on it works here ({here} of the {len(named)} still do), then for the "
                "retention period of the last of them to leave: it is part of each one's supervision file.")
    policy = policy_for(last)
    return (f"Kept until {uk_date(until)}: {years_words(policy.years)} after {last.name}, the last of the "
            f"{len(named)} people named on it to leave, left on {uk_date(last.leaver_date)} ({policy.basis}).{status}")


# --- what HR reads --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PersonRecords:
    """One person's records as HR sees them: the documents where they are the supervisee, every hold, the period."""

    person: Staff
    documents: list[Document]
    holds: list[LegalHold]
    policy: Policy


@dataclasses.dataclass(frozen=True)
class Periods:
    """The retention periods HR has set, what applies when none is set, and the policy's staff categories."""

    rows: list[RetentionPolicy]
    default: Policy
    category_labels: dict[str, str]


def people_on_hold(organisation_id: int) -> set[int]:
    """The people in an organisation with a legal hold standing over all of their records."""
    return set(db.scalars(select(LegalHold.staff_id).where(
        LegalHold.organisation_id == organisation_id, LegalHold.lifted_at.is_(None), LegalHold.staff_id.is_not(None))))


def records_of(organisation_id: int, staff_id: int) -> PersonRecords:
    """A person's records, holds (newest first) and retention period; NotAllowed outside the organisation."""
    person = person_in(organisation_id, staff_id)
    documents = db.scalars(select(Document).where(Document.supervisee_id == person.id).order_by(Document.created_at))
    holds = db.scalars(select(LegalHold).where(LegalHold.staff_id == person.id).order_by(LegalHold.placed_at.desc()))
    return PersonRecords(person, list(documents), list(holds), policy_for(person))


def hold_in(organisation_id: int, hold_id: int) -> LegalHold:
    """A legal hold of this organisation; NotAllowed for any other, as for one that does not exist."""
    hold = db.get(LegalHold, hold_id)
    if hold is None or hold.organisation_id != organisation_id:
        raise NotAllowed()
    return hold


def review_in(organisation_id: int, review_id: int) -> DispositionReview:
    """A disposition review of one of this organisation's documents; NotAllowed otherwise."""
    review = db.get(DispositionReview, review_id)
    if review is None or review.document.organisation_id != organisation_id:
        raise NotAllowed()
    return review


def waiting_for_decision(organisation_id: int) -> list[DispositionReview]:
    """The organisation's records in the disposition review, longest past their date first."""
    return list(db.scalars(select(DispositionReview).join(DispositionReview.document)
                           .where(Document.organisation_id == organisation_id, DispositionReview.decision.is_(None))
                           .order_by(DispositionReview.retain_until, DispositionReview.id)))


def disposals(organisation_id: int, latest: int = 100) -> list[DisposalRecord]:
    """What the organisation has archived or destroyed, most recent first."""
    return list(db.scalars(select(DisposalRecord).where(DisposalRecord.organisation_id == organisation_id)
                           .order_by(DisposalRecord.authorised_at.desc()).limit(latest)))


def periods(organisation: Organisation) -> Periods:
    """The organisation's retention periods, by staff category, with the default and the categories' names."""
    rows = db.scalars(select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation.id)
                      .order_by(RetentionPolicy.staff_category))
    labels = dict(frequency.policy_for(organisation.template_pack).choices())
    return Periods(list(rows), default_policy(organisation), labels)


# --- leavers -------------------------------------------------------------------------------------


def record_leaver(staff_id: int, leaver_date: str | dt.date | None, reason: str, actor: audit.Actor) -> Staff:
    """Record (or correct, with a reason) the day a person left; their records' retention dates follow."""
    hr = _check_hr(actor)
    person = db.get(Staff, staff_id)
    if person is None or person.organisation_id != hr.organisation_id:
        raise NotAllowed()
    reason = " ".join((reason or "").split())
    previous = person.leaver_date
    errors: dict[str, str] = {}
    day = None
    if leaver_date in (None, "") and previous is not None:
        day = None  # a correction: they did not leave after all
    else:
        day, error = parse_date(leaver_date, "leaver date")
        if error:
            errors["leaver_date"] = error.replace("Enter the leaver date", "Enter the last day they worked here")
        elif person.start_date and day < person.start_date:
            errors["leaver_date"] = f"Enter a date on or after {uk_date(person.start_date)}, when they started"
    if previous is not None and not reason:
        errors["reason"] = "Say why the leaver date is being corrected"
    elif len(reason) > 500:
        errors["reason"] = "Enter a reason of 500 characters or fewer"
    if not errors and previous == day:
        errors["leaver_date"] = f"{person.name}'s leaver date is already {uk_date(day)}" if day else \
            f"No leaver date is recorded for {person.name}"
    if errors:
        raise InvalidInput(errors)
    person.leaver_date = day
    changed = recompute_for(person)
    audit.record(db, "leaver_recorded" if previous is None else "leaver_corrected", actor, staff_id=person.id,
                 leaver_date=day.isoformat() if day else None, previous=previous.isoformat() if previous else None,
                 reason=reason or None, documents=changed)
    db.commit()
    return person


def recompute_for(person: Staff) -> int:
    """Set the retention date of each of the person's documents (as supervisee, and the records of group sessions
    they were named on); how many changed."""
    own = add_years(person.leaver_date, policy_for(person).years) if person.leaver_date else None
    changed = 0
    in_groups = select(GroupSession.document_id).join(GroupAttendee).where(GroupAttendee.staff_id == person.id,
                                                                          GroupSession.document_id.is_not(None))
    for document in db.scalars(select(Document).where(or_(Document.supervisee_id == person.id,
                                                          Document.id.in_(in_groups)),
                                                      Document.retention_status.in_([KEPT, IN_REVIEW]))):
        if _extended(document):
            continue  # HR's extension stands until HR reviews it again
        until = _group_until(named_on(document))[0] if document.kind == GROUP_RECORD else own
        if document.retain_until != until:
            document.retain_until = until
            changed += 1
        if document.retention_status == IN_REVIEW and (until is None or until > dt.date.today()):
            _withdraw_review(document, "the retention date moved into the future")
    return changed


def _extended(document: Document) -> bool:
    return db.scalar(select(exists().where(DispositionReview.document_id == document.id,
                                           DispositionReview.decision == "extend"))) or False


def _withdraw_review(document: Document, why: str) -> None:
    for review in db.scalars(select(DispositionReview).where(DispositionReview.document_id == document.id,
                                                             DispositionReview.decision.is_(None))):
        review.decision, review.decided_at, review.decision_note = "withdrawn", utcnow(), why
    document.withdraw_from_review()


def set_policy(organisation_id: int, staff_category: str, years: str | int, basis: str,
               actor: audit.Actor) -> RetentionPolicy:
    """Set how long an organisation (or one staff category in it) keeps leavers' records."""
    hr = _check_hr(actor)
    if hr.organisation_id != organisation_id:
        raise NotAllowed()
    typed = " ".join((staff_category or "").split())
    pack = hr.organisation.template_pack
    # Categories are the organisation's policy's own list, stored by code, as on each person.
    category = frequency.category_code(pack, typed) or ""
    basis = " ".join((basis or "").split())
    errors: dict[str, str] = {}
    if typed and not category:
        labels = "; ".join(label for _, label in frequency.policy_for(pack).choices())
        errors["staff_category"] = f"Choose a staff category from your supervision policy ({labels}), or leave it blank"
    text = str(years).strip()
    number = as_whole_number(text)
    if number is None or not 1 <= number <= 100:
        errors["years"] = "Enter the number of years as a whole number from 1 to 100, like 7"
    elif number < 7:
        errors["years"] = "Enter 7 years or more – both policies keep a leaver's records at least seven years"
    if not basis:
        errors["basis"] = "Enter the policy this comes from, like Havering policy 9.4"
    elif len(basis) > 200:
        errors["basis"] = "Enter a basis of 200 characters or fewer"
    if errors:
        raise InvalidInput(errors)
    row = db.scalars(select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation_id,
                                                   RetentionPolicy.staff_category == category)).one_or_none()
    previous = row.years if row else None
    if row is None:
        row = RetentionPolicy(organisation_id=organisation_id, staff_category=category)
        db.add(row)
    row.years, row.basis, row.updated_at = number, basis, utcnow()
    db.flush()
    leavers = db.scalars(select(Staff).where(Staff.organisation_id == organisation_id,
                                             Staff.leaver_date.is_not(None))).all()
    changed = sum(recompute_for(person) for person in leavers)
    audit.record(db, "retention_policy_set", actor, organisation_id=organisation_id, staff_category=category,
                 years=row.years, previous_years=previous, basis=basis, documents=changed)
    db.commit()
    return row


# --- legal holds ---------------------------------------------------------------------------------


def place_hold(reason: str, actor: audit.Actor, staff_id: int | None = None,
               document_id: int | None = None) -> LegalHold:
    """Hold a person's records, or one document: nothing held is disposed of until the hold is lifted."""
    hr = _check_hr(actor)
    person = db.get(Staff, staff_id) if staff_id else None
    document = db.get(Document, document_id) if document_id else None
    target = person or document
    if target is None or target.organisation_id != hr.organisation_id or (person and document):
        raise NotAllowed()
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput({"reason": "Enter the reason for the hold, like the case or request it is for"})
    if len(reason) > 500:
        raise InvalidInput({"reason": "Enter a reason of 500 characters or fewer"})
    if document is not None and document.retention_status == DESTROYED:
        raise InvalidInput({"reason": f"{document.reference} was disposed of on {uk_date(document.disposed_at)}; "
                                      "there is nothing left to hold"})
    hold = LegalHold(organisation_id=hr.organisation_id, staff_id=staff_id, document_id=document_id, reason=reason,
                     placed_by_id=hr.id)
    db.add(hold)
    db.flush()
    # A document already waiting for disposal goes back: a held record is never disposed of.
    held = [document] if document else db.scalars(select(Document).where(
        Document.supervisee_id == person.id, Document.retention_status == IN_REVIEW)).all()
    for each in held:
        if each.retention_status == IN_REVIEW:
            _withdraw_review(each, "a legal hold was placed")
    audit.record(db, "legal_hold_placed", actor, document.id if document else None, hold_id=hold.id,
                 staff_id=staff_id, reason=reason)
    db.commit()
    return hold


def lift_hold(hold_id: int, reason: str, actor: audit.Actor) -> LegalHold:
    """Lift a hold, saying why; the records' retention dates apply again from the next sweep."""
    hr = _check_hr(actor)
    hold = db.get(LegalHold, hold_id)
    if hold is None or hold.organisation_id != hr.organisation_id:
        raise NotAllowed()
    if hold.lifted_at is not None:
        raise InvalidInput({"reason": f"This hold was already lifted on {uk_date(hold.lifted_at)}"})
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput({"reason": "Enter why the hold is being lifted"})
    if len(reason) > 500:
        raise InvalidInput({"reason": "Enter a reason of 500 characters or fewer"})
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = utcnow(), hr.id, reason
    audit.record(db, "legal_hold_lifted", actor, hold.document_id, hold_id=hold.id, staff_id=hold.staff_id,
                 reason=reason)
    db.commit()
    return hold


# --- the disposition sweep -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Due:
    document_id: int
    reference: str
    retain_until: dt.date


def due_for_review(today: dt.date) -> list[Due]:
    """Documents past their retention date, not held, not already reviewed or disposed of."""
    # The hold lists are uncorrelated, worked out once, rather than a look at the holds for every candidate.
    rows = db.execute(
        select(Document.id, Document.kind, Document.retain_until)
        .where(*_due(today))
        .order_by(Document.retain_until, Document.id)
    ).all()
    prefix = Document.REFERENCE_PREFIX
    return [Due(row.id, f"{prefix.get(row.kind, 'DOC')}-{row.id:06d}", row.retain_until) for row in rows]


def sweep(today: dt.date | None = None, dry_run: bool = False, actor: audit.Actor = audit.SYSTEM) -> list[Due] | int:
    """Put every document past its retention date into HR's disposition review: how many; a dry run lists them."""
    today = today or dt.date.today()
    if dry_run:
        due = due_for_review(today)
        db.rollback()  # a dry run leaves no trace, not even a read transaction
        return due
    count = _open_reviews(today, actor)
    db.commit()
    return count


def _due(today: dt.date):
    """The sweep's condition: past the date, not reviewed or disposed of, held neither as a document nor a person."""
    standing = LegalHold.lifted_at.is_(None)
    held_people = select(LegalHold.staff_id).where(standing, LegalHold.staff_id.is_not(None))
    return (Document.retain_until <= today, Document.retention_status == KEPT,
            Document.id.not_in(select(LegalHold.document_id).where(standing, LegalHold.document_id.is_not(None))),
            Document.supervisee_id.not_in(held_people),
            # A hold on a person holds the records of the group sessions they were named on too.
            Document.id.not_in(select(GroupSession.document_id).join(GroupAttendee).where(
                GroupAttendee.staff_id.in_(held_people), GroupSession.document_id.is_not(None))))


def _open_reviews(today: dt.date, actor: audit.Actor) -> int:
    """Set-based, so a million documents cost three statements, not a round trip each."""
    per_council = dict(db.execute(select(Document.organisation_id, func.count()).where(*_due(today))
                                  .group_by(Document.organisation_id)).all())
    if not per_council:
        return 0
    marked = db.execute(update(Document).where(*_due(today)).values(retention_status=IN_REVIEW)
                        .execution_options(synchronize_session=False)).rowcount
    already_open = select(DispositionReview.document_id).where(DispositionReview.decision.is_(None))
    db.execute(DispositionReview.__table__.insert().from_select(
        ["document_id", "opened_at", "retain_until", "reason"],
        select(Document.id, literal(utcnow(), UTCDateTime()), Document.retain_until,
               literal("Its retention date has passed and no legal hold stands."))
        .where(Document.retain_until <= today, Document.retention_status == IN_REVIEW,
               Document.id.not_in(already_open))))
    # One audit row per council per sweep, in its own chain: the review rows say which documents; the chain stays
    # short on a busy day.
    for organisation_id, count in sorted(per_council.items()):
        audit.record(db, "disposition_sweep", actor, organisation_id=organisation_id, run_on=today.isoformat(),
                     documents=count)
    return marked


def run_daily_sweep(today: dt.date | None = None) -> int | None:
    """The worker's once-a-day sweep; None if another worker (or an earlier poll) has run it today."""
    today = today or dt.date.today()
    if db.get(ScheduledRun, (SWEEP_JOB, today)) is not None:
        db.rollback()
        return None
    try:
        # Claiming the day and sweeping commit together: a failed sweep frees the day for a retry.
        db.add(ScheduledRun(name=SWEEP_JOB, run_on=today, detail={}))
        db.flush()
        count = _open_reviews(today, audit.SYSTEM)
        db.commit()
    except IntegrityError:
        db.rollback()  # another worker claimed today first
        return None
    _remove_leftover_files()
    return count


# --- HR's decision -------------------------------------------------------------------------------


def decide(review_id: int, decision: str, note: str, actor: audit.Actor,
           extend_until: str | dt.date | None = None) -> DispositionReview:
    """HR's decision on a document in review: archive it, destroy it, or keep it to a new date."""
    hr = _check_hr(actor)
    review = db.get(DispositionReview, review_id)
    if review is None or review.document.organisation_id != hr.organisation_id:
        raise NotAllowed()
    document = review.document
    if review.decision is not None:
        raise InvalidInput({"decision": f"This review was already decided ({review.decision}) on "
                                        f"{uk_date(review.decided_at)}"})
    note = " ".join((note or "").split())
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "Choose archive, destroy or extend"
    if len(note) > 1000:
        errors["note"] = "Enter a note of 1000 characters or fewer"
    new_date = None
    if decision == "extend":
        new_date, error = parse_date(extend_until, "new retention date")
        if error:
            errors["extend_until"] = error
        elif new_date <= dt.date.today():
            errors["extend_until"] = "Enter a new retention date in the future"
        if not note:
            errors["note"] = "Say why the record is being kept longer"
    if decision in ("archive", "destroy") and active_holds(document):
        errors["decision"] = "A legal hold now stands on this record – it cannot be archived or destroyed"
    if errors:
        raise InvalidInput(errors)
    review.decision, review.decided_at, review.decided_by_id = decision, utcnow(), hr.id
    review.decision_note, review.extended_until = note or None, new_date
    files: set[str] = set()
    if decision == "extend":
        document.keep_until(new_date)
        audit.record(db, "retention_extended", actor, document.id, review_id=review.id,
                     retain_until=new_date.isoformat(), reason=note)
    elif decision == "archive":
        document.archive()
        db.add(_disposal_record(document, review, hr, "archived", note, 0,
                                "Archived: the sealed files and content are kept; only HR can open them."))
        audit.record(db, "archived", actor, document.id, review_id=review.id)
    else:
        files = _destroy(document, review, hr, note)
        audit.record(db, "destroyed", actor, document.id, review_id=review.id, files=len(files))
    db.commit()
    _remove_files(files)
    return review


def _destroy(document: Document, review: DispositionReview, hr: Staff, note: str) -> set[str]:
    """Authorise and carry out the destruction in the database; the files it frees, to remove after commit."""
    now = utcnow()
    files = document.file_hashes()
    document.disposal_authorised_at = now
    db.flush()  # the database checks the date and holds here, before anything is redacted
    document.data = {}
    document.closed_reason = document.pdf_error = None
    document.destroyed(now)
    for signature in document.signatures:
        signature.typed_name, signature.email = REMOVED, ""
        signature.ip_address, signature.user_agent = "", ""
        signature.identity_check = REMOVED if signature.identity_check else None  # it names their email address
    for link in db.scalars(select(SigningLink).where(SigningLink.document_id == document.id)):
        link.email = ""
        for code in db.scalars(select(SigningCode).where(SigningCode.link_id == link.id)):
            code.sent_to = ""
    for copy_link in db.scalars(select(CopyLink).where(CopyLink.document_id == document.id)):
        copy_link.email = ""
        copy_link.revoke("document destroyed")
    for message in db.scalars(select(OutboxMessage).where(OutboxMessage.document_id == document.id)):
        message.to_address, message.subject, message.body_text = "", REMOVED, ""
        message.attachment_sha256 = message.attachment_name = None
    db.add(_disposal_record(document, review, hr, "destroyed", note, len(files),
                            "Destroyed: files deleted from the file store; the agreement's content, signers' typed "
                            "names, email addresses, IP addresses and browsers removed; this record and the audit "
                            "log kept."))
    return files


def _disposal_record(document: Document, review: DispositionReview, hr: Staff, method: str, note: str,
                     files: int, how: str) -> DisposalRecord:
    latest = document.locked_at or document.closed_at or document.sent_at or document.created_at
    return DisposalRecord(
        document_id=document.id, organisation_id=document.organisation_id, reference=document.reference,
        record_class=Document.KIND_TITLES.get(document.kind, document.kind), earliest=document.created_at.date(),
        latest=latest.date(), retained_until=review.retain_until, method=method, how=how, authorised_by_id=hr.id,
        authorised_at=utcnow(), note=note or "", files_removed=files)


def _remove_files(hashes: set[str]) -> None:
    store = blobs()
    for sha256 in hashes:
        try:
            if store.exists(sha256):
                store.delete(sha256)
        except BlobInUse:
            continue  # the same bytes belong to another record that is still kept
        except OSError:
            log.exception("could not remove a disposed file; the daily sweep will try again")


def _remove_leftover_files() -> None:
    """Finish removing files of destroyed documents that an earlier disposal could not delete."""
    since = utcnow() - dt.timedelta(days=30)
    destroyed = db.scalars(select(Document).where(Document.retention_status == DESTROYED,
                                                  Document.disposed_at >= since)).all()
    leftovers = {h for d in destroyed for h in d.file_hashes()}
    db.rollback()
    _remove_files(leftovers)


def _check_hr(actor: audit.Actor) -> Staff:
    person = user_of(actor)
    if person is None or not person.has_role(Role.HR):
        raise NotAllowed()
    return person
