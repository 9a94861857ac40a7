"""HR's records pages: leavers, retention policies, legal holds and the disposition review."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from storage.db import session as db
from storage.models import (
    DisposalRecord,
    DispositionReview,
    Document,
    LegalHold,
    RetentionPolicy,
    Role,
    Staff,
)
from storage.times import uk_date
from web.auth import actor, role_required
from workflows import frequency, retention
from workflows.access import document_for
from workflows.errors import InvalidInput, NotAllowed

bp = Blueprint("retention", __name__, url_prefix="/records")


@bp.app_context_processor
def _retention_helpers():
    return {"retention_statement": retention.retention_statement, "active_holds": retention.active_holds,
            "long_date": uk_date}


@bp.get("/people")
@role_required(Role.HR)
def people():
    """Everyone in my organisation, with leaver dates and holds."""
    everyone = db.scalars(select(Staff).where(Staff.organisation_id == g.user.organisation_id)
                          .order_by(Staff.name)).all()
    holds = db.scalars(select(LegalHold).where(LegalHold.organisation_id == g.user.organisation_id,
                                               LegalHold.lifted_at.is_(None), LegalHold.staff_id.is_not(None))).all()
    held = {hold.staff_id for hold in holds}
    return render_template("retention/people.html", everyone=everyone, held=held)


@bp.get("/people/<int:staff_id>")
@role_required(Role.HR)
def person(staff_id: int):
    """One person's records: leaver date, how long their documents are kept, and holds."""
    person = _person(staff_id)
    documents = db.scalars(select(Document).where(Document.supervisee_id == person.id)
                           .order_by(Document.created_at)).all()
    holds = db.scalars(select(LegalHold).where(LegalHold.staff_id == person.id)
                       .order_by(LegalHold.placed_at.desc())).all()
    return render_template("retention/person.html", person=person, documents=documents, holds=holds,
                           policy=retention.policy_for(person))


@bp.route("/people/<int:staff_id>/leaver", methods=["GET", "POST"])
@role_required(Role.HR)
def leaver(staff_id: int):
    """Record the day a person left, or correct it with a reason."""
    person = _person(staff_id)
    values = {"leaver_date": person.leaver_date.isoformat() if person.leaver_date else "", "reason": ""}
    errors = {}
    if request.method == "POST":
        values = {"leaver_date": request.form.get("leaver_date", ""), "reason": request.form.get("reason", "")}
        try:
            retention.record_leaver(person.id, values["leaver_date"], values["reason"], actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("Leaver date saved. The retention date of each of their records has been set from it.", "success")
            return redirect(url_for("retention.person", staff_id=person.id))
    return render_template("retention/leaver.html", person=person, values=values, errors=errors,
                           policy=retention.policy_for(person)), 400 if errors else 200


@bp.route("/people/<int:staff_id>/hold", methods=["GET", "POST"])
@role_required(Role.HR)
def hold_person(staff_id: int):
    """Place a legal hold on all of a person's records."""
    person = _person(staff_id)
    return _hold_form(person.name, "all of their records", lambda reason: retention.place_hold(
        reason, actor(), staff_id=person.id), url_for("retention.person", staff_id=person.id))


@bp.route("/documents/<int:document_id>/hold", methods=["GET", "POST"])
@role_required(Role.HR)
def hold_document(document_id: int):
    """Place a legal hold on one document."""
    try:
        document = document_for(document_id, "hold", g.user)
    except NotAllowed:
        abort(404)
    return _hold_form(document.reference, "this document", lambda reason: retention.place_hold(
        reason, actor(), document_id=document.id), url_for("documents.show", document_id=document.id))


def _hold_form(subject: str, scope: str, place, back: str):
    errors = {}
    reason = request.form.get("reason", "")
    if request.method == "POST":
        try:
            place(reason)
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("Legal hold placed. Nothing it covers will be disposed of until it is lifted.", "success")
            return redirect(back)
    return render_template("retention/hold.html", subject=subject, scope=scope, reason=reason, errors=errors,
                           back=back), 400 if errors else 200


@bp.route("/holds/<int:hold_id>/lift", methods=["GET", "POST"])
@role_required(Role.HR)
def lift(hold_id: int):
    """Lift a legal hold, saying why."""
    hold = db.get(LegalHold, hold_id)
    if hold is None or hold.organisation_id != g.user.organisation_id:
        abort(404)
    back = (url_for("retention.person", staff_id=hold.staff_id) if hold.staff_id
            else url_for("documents.show", document_id=hold.document_id))
    errors = {}
    reason = request.form.get("reason", "")
    if request.method == "POST":
        try:
            retention.lift_hold(hold.id, reason, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash("Legal hold lifted. The records' retention dates apply again.", "success")
            return redirect(back)
    return render_template("retention/lift.html", hold=hold, reason=reason, errors=errors,
                           back=back), 400 if errors else 200


@bp.get("/disposition")
@role_required(Role.HR)
def disposition():
    """Records past their retention date awaiting HR's decision, and what has been disposed of."""
    org = g.user.organisation_id
    open_reviews = db.scalars(select(DispositionReview).join(DispositionReview.document)
                              .where(Document.organisation_id == org, DispositionReview.decision.is_(None))
                              .order_by(DispositionReview.retain_until, DispositionReview.id)).all()
    disposals = db.scalars(select(DisposalRecord).where(DisposalRecord.organisation_id == org)
                           .order_by(DisposalRecord.authorised_at.desc()).limit(100)).all()
    return render_template("retention/disposition.html", reviews=open_reviews, disposals=disposals)


@bp.post("/disposition/sweep")
@role_required(Role.HR)
def run_sweep():
    """Look for records past their retention date now rather than at the daily sweep."""
    count = retention.sweep(actor=actor())
    flash(f"{count} record{'' if count == 1 else 's'} went into the disposition review.", "success")
    return redirect(url_for("retention.disposition"))


@bp.route("/disposition/<int:review_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def decide(review_id: int):
    """Archive, destroy or keep a record longer."""
    review = db.get(DispositionReview, review_id)
    if review is None or review.document.organisation_id != g.user.organisation_id:
        abort(404)
    values = {"decision": "", "note": "", "extend_until": ""}
    errors = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in values}
        try:
            retention.decide(review.id, values["decision"], values["note"], actor(), values["extend_until"])
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            done = {"archive": "archived – only HR can open it now",
                    "destroy": "destroyed – its files and personal content are gone; the disposal record is kept",
                    "extend": "kept until the new date"}[values["decision"]]
            flash(f"{review.document.reference} was {done}.", "success")
            return redirect(url_for("retention.disposition"))
    return render_template("retention/decide.html", review=review, document=review.document, values=values,
                           errors=errors, today=dt.date.today()), 400 if errors else 200


@bp.route("/policies", methods=["GET", "POST"])
@role_required(Role.HR)
def policies():
    """How long leavers' records are kept, for the organisation and for particular staff categories."""
    org = g.user.organisation
    values = {"staff_category": request.args.get("staff_category", ""), "years": "", "basis": ""}
    errors = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in values}
        try:
            retention.set_policy(org.id, values["staff_category"], values["years"], values["basis"], actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("Retention period saved. Leavers' retention dates have been updated.", "success")
            return redirect(url_for("retention.policies"))
    rows = db.scalars(select(RetentionPolicy).where(RetentionPolicy.organisation_id == org.id)
                      .order_by(RetentionPolicy.staff_category)).all()
    labels = dict(frequency.policy_for(org.template_pack).choices())
    return render_template("retention/policies.html", rows=rows, values=values, errors=errors,
                           default=retention.default_policy(org), categories=list(labels.values()),
                           labels=labels), 400 if errors else 200


def _person(staff_id: int) -> Staff:
    person = db.get(Staff, staff_id)
    if person is None or person.organisation_id != g.user.organisation_id:
        abort(404)
    return person
