"""Supervision to try in the demo teams, made through the same workflows as a person would, so its audit trail and
files are real: Ravi's professional supervisor and their signed agreement (and Ella's in Barking and Dagenham), Sam's
quality assurance for this year with one direct observation signed, a reflection of Jo's, a cancelled session and a
cover arrangement.

Each part is added once: run again, it adds nothing, and finishes a document a run before left half way (say, with
no seal yet: `make seal`, then run the demo again)."""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy import func, select

from storage import audit
from storage.db import session as db
from storage.models import (
    CancelledSession,
    CoverArrangement,
    Document,
    DocumentState,
    Organisation,
    ProfessionalSupervision,
    QualityActivity,
    Reflection,
    Staff,
)
from workflows import (
    agreements,
    cover,
    professional,
    professional_documents,
    quality,
    quality_forms,
    reflections,
    sessions,
    signing_round,
)
from workflows.background import run_due_jobs
from workflows.errors import NotReady

log = logging.getLogger(__name__)
STARTS_ON = dt.date(2026, 1, 5)
RENDER_ROUNDS = 30


def add_examples(havering: str, barking_dagenham: str) -> None:
    """Add what is missing of the examples to the demo organisations of these names."""
    who = {p.email.split("@")[0]: p.id for p in db.scalars(select(Staff).join(Organisation).where(
        Organisation.name.in_([havering, barking_dagenham])))}
    db.commit()
    today = dt.date.today()
    _professional_agreement(who["ravi.shah"], who["olivia.thomas"], who["ade.adebayo"])
    _quality(who["sam.taylor"], who["morgan.lee"], today)
    _reflection(who["jo.obrien"], today)
    _cancelled_session(who["sam.taylor"], who["jo.obrien"], today)
    _cover(who["sam.taylor"], who["morgan.lee"], today)
    # Barking and Dagenham: Ella's professional supervisor and their agreement, on that council's own template.
    _professional_agreement(who["ella.wood"], who["grace.mills"], who["nia.okoro"])


def _actor(staff_id: int) -> audit.Actor:
    return audit.Actor(staff_id, db.get(Staff, staff_id).email, "", "flask demo")


def _professional_agreement(supervisee: int, professional_supervisor: int, admin: int) -> None:
    """A professional supervisor of the supervisee's own profession, named by the admin; their professional
    supervision agreement is signed."""
    if db.scalar(select(func.count()).select_from(ProfessionalSupervision).where(
            ProfessionalSupervision.supervisee_id == supervisee)) == 0:
        professional.name_professional_supervisor(supervisee, professional_supervisor,
                                                  {"starts_on": STARTS_ON.isoformat()}, _actor(admin))
    document_id = db.scalar(select(Document.id).where(Document.supervisee_id == supervisee,
                                                      Document.kind == "professional_agreement"))
    db.commit()
    if document_id is None:
        form = {"frequency_weeks": "6", "minimum_length_minutes": "60", "format": "one_to_one",
                "start_date": STARTS_ON.isoformat()}
        document_id = professional_documents.start_professional_document(
            "professional_agreement", professional_supervisor, supervisee, form, _actor(professional_supervisor)).id
    _see_signed(document_id, professional_supervisor, supervisee)


def _quality(sam: int, manager: int, today: dt.date) -> None:
    """Sam's dip sample audits and direct observations for this year, picked at random; one observation is written
    and signed by Sam and the practitioner, which marks it done."""
    activities = quality.activities(sam, today.year)
    db.commit()
    if not activities:
        quality.pick_supervisees(sam, today.year, _actor(manager), random.Random(today.year))
    observation = db.scalars(select(QualityActivity).where(
        QualityActivity.supervisor_id == sam, QualityActivity.year == today.year,
        QualityActivity.kind == "observation").order_by(QualityActivity.slot)).first()
    observation_id, document_id, supervisee = observation.id, observation.document_id, observation.supervisee_id
    db.commit()
    if document_id is None:
        form = {"observed_on": today.isoformat(), "setting": "meeting",
                "description": "A care and support review meeting with LAS-204518 M.K. and her daughter",
                "strengths": "Clear explanation of options; M.K.'s own words recorded",
                "development": "Check understanding before moving to the support plan",
                "strengths_based": "Built on what M.K. can do and the help her daughter gives",
                "reflection_practice": "Reflected afterwards on pace and on how the daughter's views were weighed",
                "rating": "good"}
        document_id = quality_forms.start_form(observation_id, form, _actor(sam)).id
    _see_signed(document_id, sam, supervisee)


def _reflection(jo: int, today: dt.date) -> None:
    """A reflection of Jo's own, in her portfolio."""
    if db.scalar(select(func.count()).select_from(Reflection).where(Reflection.staff_id == jo)):
        db.commit()
        return
    reflections.write_reflection(jo, {
        "written_on": today.isoformat(), "title": "Working with a family who disagree about risk",
        "text": "In supervision we talked through a review where the family wanted more support at home than the "
                "person herself wanted. I learned to record each view in their own words and to test capacity on "
                "the specific decision rather than in general. Next time I will plan the conversation with the "
                "person first.",
        "in_portfolio": "y"}, _actor(jo))


def _cancelled_session(sam: int, jo: int, today: dt.date) -> None:
    """A session with Jo cancelled, with its reason: it counts as missed on the due pages."""
    if db.scalar(select(func.count()).select_from(CancelledSession).where(CancelledSession.supervisee_id == jo)):
        db.commit()
        return
    sessions.record_cancellation(sam, jo, {
        "booked_for": (today - dt.timedelta(days=10)).isoformat(), "cancelled_by": "supervisee",
        "reason": "Jo was called to an urgent safeguarding visit; the session was not re-booked within the week"},
        _actor(sam))


def _cover(sam: int, manager: int, today: dt.date) -> None:
    """Sam is away for six weeks: Morgan covers Sam's supervision."""
    if db.scalar(select(func.count()).select_from(CoverArrangement).where(CoverArrangement.supervisor_id == sam)):
        db.commit()
        return
    cover.arrange_cover(sam, manager, {
        "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=41)).isoformat(),
        "reason": "Sam's planned leave"}, _actor(sam))


def _see_signed(document_id: int, writer: int, supervisee: int) -> None:
    """Take a document through its PDF, sending, both signatures (from the document's page) and its sealed PDF."""
    _render()
    document = db.get(Document, document_id)
    if document.state is DocumentState.DRAFT:
        db.commit()
        try:
            agreements.send_for_signature(document_id, _actor(writer))
        except NotReady as not_ready:
            db.rollback()
            log.warning("The demo's %s is not signed yet: %s", document.reference, not_ready)
            return
    for signer in (supervisee, writer):
        document = db.get(Document, document_id)
        link = signing_round.signable_link(document, db.get(Staff, signer))
        if link is None:
            continue
        name, sha256 = db.get(Staff, signer).name, document.pdf_sha256
        db.commit()
        signing_round.sign_signed_in(document_id, _actor(signer), typed_name=name, consented=True,
                                     reviewed_sha256=sha256)
    _render()


def _render() -> None:
    """Let the background work due now (PDFs, the sealed PDF) be done here, as the worker would."""
    for _ in range(RENDER_ROUNDS):
        if not run_due_jobs():
            break
    db.commit()
