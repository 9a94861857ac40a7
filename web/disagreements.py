"""Disagreement pages: raise one, see it with its annotations, resolve or escalate it, and name a mediator."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from storage.models import AnnotationChangeRefused, Role
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, Form, LongText, PersonChoice, show, submit
from workflows import disagreements
from workflows.access import document_for

bp = Blueprint("disagreements", __name__)


@bp.app_errorhandler(AnnotationChangeRefused)
def _annotation_change_refused(error: AnnotationChangeRefused):
    # However the change was attempted, the attempt itself goes on the record.
    disagreements.record_refused_change(error, actor())
    return render_template("errors/conflict.html", message=str(error)), 409


class DisagreementForm(Form):
    """What a party disagrees with: on the document's page, or on the signing page from their emailed link."""

    # Anything not offered reaches the use case, which says to choose a part of the document.
    section = SelectField("Which part of the document do you disagree with?", widget=GovSelect(),
                          validate_choice=False, default="")
    disagreement = LongText("What do you disagree with?", default="",
                            description="Say it in your own words. It is recorded exactly as you write it, with "
                                        "your name and the time, and cannot be changed afterwards.")

    def offer(self, sections: list[tuple[str, str]]) -> DisagreementForm:
        """The parts of the document to choose from: (key, label)."""
        self.section.choices = [("", "Choose…"), *sections]
        return self


@bp.route("/documents/<int:document_id>/disagreements/new", methods=["GET", "POST"])
@login_required
def new(document_id: int):
    """A party records what they disagree with in a document, in their own words."""
    document = document_for(document_id, "disagree", g.user)
    form = DisagreementForm().offer(disagreements.sections(document))
    disagreement = submit(form, lambda: disagreements.raise_disagreement(
        document.id, section=form.section.data, text=form.disagreement.data, actor=actor()))
    if disagreement is NOT_DONE:
        return show("disagreements/new.html", form, document=document)
    flash("Your disagreement has been recorded and the people involved will be emailed.", "success")
    return redirect(url_for("disagreements.show", disagreement_id=disagreement.id))


class ResolveForm(Form):
    resolution = LongText("How was it resolved?", default="",
                          description="Both of you will see this, and it is added to the document's record.")


class EscalateForm(Form):
    """Only a button: the line manager (or an admin's choice) is the mediator."""


class NoteForm(Form):
    note = LongText("Your note", default="")


@bp.get("/disagreements/<int:disagreement_id>", endpoint="show")
@login_required
def disagreement_page(disagreement_id: int):
    """One disagreement, every annotation on it, and what can be done next."""
    return _disagreement_page(disagreement_id)


DISAGREEMENT_PAGE_FORMS = {"resolve_form": ResolveForm, "escalate_form": EscalateForm, "note_form": NoteForm}


def _disagreement_page(disagreement_id: int, sent: Form | None = None):
    # Up to three forms on one page: the one just sent comes back as it was, with its errors; the others start empty.
    seen = disagreements.view_for(disagreement_id, g.user)
    forms = {name: sent if isinstance(sent, kind) else kind(formdata=None)
             for name, kind in DISAGREEMENT_PAGE_FORMS.items()}
    return show("disagreements/show.html", sent, seen=seen, **forms)


def _then_back(disagreement_id: int, form: Form, act: Callable[[], object], done: str):
    # Back to the disagreement's page: saying it is done, or showing what to put right in the form.
    if submit(form, act) is NOT_DONE:
        return _disagreement_page(disagreement_id, form)
    flash(done, "success")
    return redirect(url_for("disagreements.show", disagreement_id=disagreement_id))


@bp.post("/disagreements/<int:disagreement_id>/resolve")
@login_required
def resolve(disagreement_id: int):
    """The supervisor records that it was resolved between them."""
    form = ResolveForm()
    return _then_back(disagreement_id, form,
                      lambda: disagreements.resolve(disagreement_id, text=form.resolution.data, actor=actor()),
                      "Recorded as resolved. Both of you can see how it was resolved.")


@bp.post("/disagreements/<int:disagreement_id>/escalate")
@login_required
def escalate(disagreement_id: int):
    """The supervisor asks their line manager to mediate."""
    outcome = submit(EscalateForm(), lambda: disagreements.escalate(disagreement_id, actor=actor()))
    if outcome is not NOT_DONE and outcome.mediator is not None:
        flash(f"Escalated. {outcome.mediator.name} will be emailed a link to mediate.", "success")
    elif outcome is not NOT_DONE:
        flash("You have no line manager on record, so we cannot send it to them. A Countersign administrator has "
              "been asked to name another senior manager to mediate; you will be emailed when they do.")
    return redirect(url_for("disagreements.show", disagreement_id=disagreement_id))


@bp.post("/disagreements/<int:disagreement_id>/notes")
@login_required
def add_note(disagreement_id: int):
    """A party or the mediator adds a note (the only way to add to what was said)."""
    form = NoteForm()
    return _then_back(disagreement_id, form,
                      lambda: disagreements.add_note(disagreement_id, text=form.note.data, actor=actor()),
                      "Your note has been added.")


@bp.post("/annotations/<int:annotation_id>/<any(edit, delete):action>")
@login_required
def change_annotation(annotation_id: int, action: str):
    """Editing or deleting an annotation is never allowed; the attempt is refused and audited."""
    try:
        disagreements.refuse_annotation_change(annotation_id, action, actor())
    except AnnotationChangeRefused as refused:
        # Answered here: the app-wide handler would put the already-audited attempt on the record again.
        return render_template("errors/conflict.html", message=str(refused)), 409


@bp.get("/admin/disagreements")
@role_required(Role.ADMIN)
def awaiting():
    """Escalated disagreements in my organisation and who is mediating each."""
    return render_template("disagreements/awaiting.html",
                           disagreements=disagreements.awaiting_mediator(g.user.organisation_id))


class MediatorForm(Form):
    mediator = PersonChoice("Who will mediate?",
                            description="They will be emailed a link to read the document and the disagreement, and "
                                        "to record the outcome. Any earlier link for this disagreement stops working.")


@bp.route("/admin/disagreements/<int:disagreement_id>/mediator", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def choose_mediator(disagreement_id: int):
    """Name the senior manager who mediates when the supervisor has no line manager (or replace one)."""
    disagreement = disagreements.disagreement_in(g.user.organisation_id, disagreement_id)
    form = MediatorForm(data={"mediator": disagreement.mediator_id})
    form.mediator.offer((s.id, f"{s.name}, {s.profession}" if s.profession else s.name)
                        for s in disagreements.mediator_choices(disagreement))
    named = submit(form, lambda: disagreements.name_mediator(disagreement.id, form.mediator.data, actor=actor()))
    if named is not NOT_DONE:
        flash("The mediator will be emailed a link, and both parties will be told by email.", "success")
        return redirect(url_for("disagreements.awaiting"))
    return show("disagreements/choose_mediator.html", form, disagreement=disagreement)
