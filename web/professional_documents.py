"""The professional supervisor's page and documents, and recording a three-way meeting."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from doc_templates import pack_schema
from storage.models import Document, Role
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, Form, PersonChoice, show, submit
from web.template_forms import template_form, typed
from workflows import professional, professional_documents
from workflows.teams import current_supervisees

bp = Blueprint("professional_documents", __name__)


@bp.app_context_processor
def _nav():
    # Asked only when the menu is drawn for a signed-in person.
    return {"is_professional_supervisor": lambda: bool(g.get("user"))
            and bool(professional.professional_supervisees(g.user.id))}


class ChooseSuperviseeForm(Form):
    supervisee = PersonChoice("Supervisee", prompt="Choose a supervisee")


def _first_sight(schema) -> dict[str, str]:
    return {**{f.name: f.default or "" for f in schema.fields}, "supervisee": request.args.get("supervisee", "")}


@bp.get("/professional-supervision")
@login_required
def mine():
    """The people I am professional supervisor of, and their professional documents."""
    people = professional_documents.documents_for_professional(g.user.id)
    if not people:
        abort(404)
    return render_template("professional/mine.html", people=people)


@bp.route("/professional-supervision/new/<any(professional_agreement, professional_record):kind>",
          methods=["GET", "POST"])
@login_required
def new(kind: str):
    """Write a professional supervision agreement or record for someone I am professional supervisor of."""
    people = professional.professional_supervisees(g.user.id)
    if not people:
        abort(404)
    schema = pack_schema(g.user.organisation.template_pack, kind)
    form = template_form(schema, ChooseSuperviseeForm, _first_sight(schema))
    form.supervisee.offer((p.id, p.name) for p in people)
    document = submit(form, lambda: professional_documents.start_professional_document(
        kind, g.user.id, form.supervisee.data, typed(form), actor()))
    if document is NOT_DONE:
        return show("professional/form.html", form, title=f"Write a {Document.KIND_TITLES[kind].lower()}",
                    intro="Only you, the supervisee and HR see it: their line manager does not, unless you share it.")
    flash("Saved as a draft. Check the document, then send it for signature.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/three-way-meetings/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_three_way():
    """Record a three-way meeting with a supervisee and their professional supervisor."""
    people = professional_documents.three_way_supervisees(g.user.id, current_supervisees(g.user.id, dt.date.today()))
    schema = pack_schema(g.user.organisation.template_pack, professional_documents.THREE_WAY)
    form = template_form(schema, ChooseSuperviseeForm, _first_sight(schema))
    form.supervisee.offer((p.id, p.name) for p in people)
    document = submit(form, lambda: professional_documents.start_three_way(
        g.user.id, form.supervisee.data, typed(form), actor()))
    if document is NOT_DONE:
        return show("professional/form.html", form, title="Record a three-way meeting",
                    intro="A meeting of the supervisee, you as their line manager, and their professional supervisor, "
                          "who is named in the record. You and the supervisee sign it; the professional supervisor "
                          "sees it once it is sent.", none_to_choose=not people)
    flash("Saved as a draft. Check the document, then send it for signature.", "success")
    return redirect(url_for("documents.show", document_id=document.id))
