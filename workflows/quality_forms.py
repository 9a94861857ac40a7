"""Each council's quality assurance forms as signed documents: Havering's direct observation and dip sample case
audit (H 6.5, H 10.1), Barking and Dagenham's Supervision Practice Evaluation and case file inspection (B 10). The
supervisor (or their line manager) writes the form for a picked audit or observation; once the practitioner and the
writer have signed it, the activity is done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from doc_templates.schema import check_case_reference
from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, QualityActivity, Staff
from storage.models.documents import QUALITY_KINDS, form_date
from workflows.drafting import draft_document
from workflows.errors import InvalidInput
from workflows.quality import activity_for

# The form's own date of the activity, by kind of form.
DONE_ON = {"observation": "observed_on", "dip_sample_audit": "audited_on"}
# A form in one of these states no longer stands for its activity: another may be written. (A declined one still
# does: its writer amends it and sends it again.)
_CLOSED = (DocumentState.VOIDED, DocumentState.DELETED)


def form_of(activity: QualityActivity) -> Document | None:
    """The form written for an activity, unless it was voided or deleted."""
    if activity.document_id is None:
        return None
    document = db.get(Document, activity.document_id)
    return None if document is None or document.state in _CLOSED else document


def start_form(activity_id: int, form: dict[str, str], actor: audit.Actor) -> Document:
    """Write the observation or audit form for a picked activity; the writer and the practitioner sign it."""
    author = db.get(Staff, actor.staff_id)
    activity = activity_for(activity_id, author)
    if activity.done_on is not None:
        raise InvalidInput({"activity": f"This {activity.kind_label.lower()} is already recorded as done"})
    if form_of(activity) is not None:
        raise InvalidInput({"activity": f"A form for this {activity.kind_label.lower()} is already written: "
                                        "open it from the quality assurance page"})
    document = draft_document(activity.kind, author, activity.supervisee, form, actor,
                              errors=form_problems(activity.kind, activity.year, form),
                              extra={"quality_activity_id": activity.id, "quality_year": activity.year})
    activity.document_id = document.id
    db.commit()
    return document


def form_problems(kind: str, year: int, form: dict[str, str]) -> dict[str, str]:
    """What a form's template cannot check itself: a case named by ID and initials only, and a date in the year the
    activity counts towards, not in the future."""
    errors: dict[str, str] = {}
    case = " ".join(str(form.get("case_reference") or "").split())
    if case and (problem := check_case_reference(case)):
        errors["case_reference"] = problem
    field = DONE_ON[kind]
    when = form_date(form.get(field))
    if when is not None and when.year != year:
        errors[field] = f"Enter a date in {year}, the year this activity counts towards"
    elif when is not None and when > dt.date.today():
        errors[field] = "Enter today's date or an earlier one"
    return errors


def mark_done(document: Document) -> None:
    """At lock, in the signer's transaction: the form's activity is done, on the form's own date, by its writer."""
    if document.kind not in QUALITY_KINDS:
        return
    activity = db.scalar(select(QualityActivity).where(QualityActivity.document_id == document.id))
    if activity is None or activity.done_on is not None:
        return
    activity.done_on = form_date(document.data.get(DONE_ON[document.kind])) or document.locked_at.date()
    activity.done_by_id = document.supervisor_id
    activity.note = f"Signed form {document.reference}"
    activity.recorded_at = dt.datetime.now(dt.UTC)
    audit.record(db, "quality_recorded", audit.SYSTEM, document.id, activity_id=activity.id, kind=activity.kind,
                 supervisor_id=activity.supervisor_id, supervisee_id=activity.supervisee_id,
                 done_on=activity.done_on.isoformat())
