"""Disagreement pages: raise one, see it with its annotations, resolve or escalate it, and mediate it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from storage.db import session as db
from storage.models import Annotation, AnnotationChangeRefused, Disagreement, Role
from storage.states import DISAGREEMENT
from web.auth import actor, login_required, role_required
from workflows import disagreements
from workflows.access import can_manage, can_view, document_for
from workflows.errors import InvalidInput, NotAllowed

bp = Blueprint("disagreements", __name__)


@bp.app_errorhandler(AnnotationChangeRefused)
def _annotation_change_refused(error: AnnotationChangeRefused):
    # However the change was attempted, the attempt itself goes on the record.
    disagreements.record_refused_change(error, actor())
    return render_template("errors/conflict.html", message=str(error)), 409


@bp.route("/documents/<int:document_id>/disagreements/new", methods=["GET", "POST"])
@login_required
def new(document_id: int):
    """A party records what they disagree with in a document, in their own words."""
    try:
        document = document_for(document_id, "disagree", g.user)
    except NotAllowed:
        abort(404)
    form, errors = {}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            disagreement = disagreements.raise_disagreement(
                document_id, section=form.get("section", ""), text=form.get("disagreement", ""), actor=actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("Your disagreement has been recorded and the people involved have been emailed.", "success")
            return redirect(url_for("disagreements.show", disagreement_id=disagreement.id))
    return render_template("disagreements/new.html", document=document, sections=disagreements.sections(document),
                           form=form, errors=errors), 400 if errors else 200


@bp.get("/disagreements/<int:disagreement_id>")
@login_required
def show(disagreement_id: int):
    """One disagreement, every annotation on it, and what can be done next."""
    disagreement = _disagreement(disagreement_id)
    manages = can_manage(g.user, disagreement.document)
    return render_template("disagreements/show.html", disagreement=disagreement, document=disagreement.document,
                           actions=DISAGREEMENT.allowed_actions(disagreement.state) if manages else set(),
                           mediator=disagreements.line_manager_mediator(disagreement.document.supervisor),
                           errors={}, form={})


@bp.post("/disagreements/<int:disagreement_id>/resolve")
@login_required
def resolve(disagreement_id: int):
    """The supervisor records that it was resolved between them."""
    return _act(disagreement_id, lambda: disagreements.resolve(
        disagreement_id, text=request.form.get("resolution", ""), actor=actor()),
        "Recorded as resolved. Both of you can see how it was resolved.")


@bp.post("/disagreements/<int:disagreement_id>/escalate")
@login_required
def escalate(disagreement_id: int):
    """The supervisor asks their line manager to mediate."""
    _disagreement(disagreement_id)
    try:
        outcome = disagreements.escalate(disagreement_id, actor=actor())
    except NotAllowed:
        abort(404)
    if outcome.mediator is None:
        flash("You have no line manager on record, so we cannot send it to them. A Countersign administrator has "
              "been asked to name another senior manager to mediate; you will be emailed when they do.")
    else:
        flash(f"Escalated. {outcome.mediator.name} has been emailed a link to mediate.", "success")
    return redirect(url_for("disagreements.show", disagreement_id=disagreement_id))


@bp.post("/disagreements/<int:disagreement_id>/notes")
@login_required
def add_note(disagreement_id: int):
    """A party or the mediator adds a note (the only way to add to what was said)."""
    return _act(disagreement_id, lambda: disagreements.add_note(
        disagreement_id, text=request.form.get("note", ""), actor=actor()), "Your note has been added.")


@bp.post("/annotations/<int:annotation_id>/<any(edit, delete):action>")
@login_required
def change_annotation(annotation_id: int, action: str):
    """Editing or deleting an annotation is never allowed; the attempt is refused and audited."""
    annotation = db.get(Annotation, annotation_id)
    if annotation is None or not can_view(g.user, annotation.document):
        abort(404)
    try:
        disagreements.refuse_annotation_change(annotation_id, action, actor())
    except AnnotationChangeRefused as refused:
        return render_template("errors/conflict.html", message=str(refused)), 409


@bp.get("/admin/disagreements")
@role_required(Role.ADMIN)
def awaiting():
    """Escalated disagreements in my organisation and who is mediating each."""
    return render_template("disagreements/awaiting.html",
                           disagreements=disagreements.awaiting_mediator(g.user.organisation_id))


@bp.route("/admin/disagreements/<int:disagreement_id>/mediator", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def choose_mediator(disagreement_id: int):
    """Name the senior manager who mediates when the supervisor has no line manager (or replace one)."""
    disagreement = db.get(Disagreement, disagreement_id)
    if disagreement is None or disagreement.document.organisation_id != g.user.organisation_id:
        abort(404)
    errors, chosen = {}, str(disagreement.mediator_id or "")
    if request.method == "POST":
        chosen = request.form.get("mediator", "")
        try:
            disagreements.name_mediator(disagreement_id, int(chosen) if chosen.isdigit() else None, actor=actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        else:
            flash("The mediator has been emailed a link, and both parties have been told.", "success")
            return redirect(url_for("disagreements.awaiting"))
    return render_template("disagreements/choose_mediator.html", disagreement=disagreement, errors=errors,
                           choices=[(s.id, f"{s.name}, {s.profession}" if s.profession else s.name)
                                    for s in disagreements.mediator_choices(disagreement)], chosen=chosen), 400 if errors else 200


def _act(disagreement_id: int, call, done: str):
    disagreement = _disagreement(disagreement_id)
    try:
        call()
    except NotAllowed:
        abort(404)
    except InvalidInput as invalid:
        manages = can_manage(g.user, disagreement.document)
        return render_template("disagreements/show.html", disagreement=disagreement, document=disagreement.document,
                               actions=DISAGREEMENT.allowed_actions(disagreement.state) if manages else set(),
                               mediator=disagreements.line_manager_mediator(disagreement.document.supervisor),
                               errors=invalid.errors, form=request.form), 400
    flash(done, "success")
    return redirect(url_for("disagreements.show", disagreement_id=disagreement_id))


def _disagreement(disagreement_id: int) -> Disagreement:
    disagreement = db.get(Disagreement, disagreement_id)
    if disagreement is None or not can_view(g.user, disagreement.document):
        abort(404)
    return disagreement
