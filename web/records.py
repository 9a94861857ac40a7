"""The supervisor's record pages: start a record, the form that saves as they type, and finishing it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, jsonify, redirect, request, url_for
from wtforms import StringField

from doc_templates import get_schema
from storage.models import RecordDraft, Role
from storage.times import uk_time
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, Form, PersonChoice, show, submit
from web.template_forms import template_form, typed
from workflows import cover, records
from workflows.access import document_for
from workflows.errors import InvalidInput
from workflows.teams import current_supervisees

bp = Blueprint("records", __name__)


class NewRecordForm(Form):
    supervisee = PersonChoice("Supervisee", prompt="Choose a supervisee",
                              description="The person this record is for. Only your current supervisees are listed.")


@bp.route("/records/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_record():
    """Choose the supervisee a supervision record is for, then open its form."""
    form = NewRecordForm(data={"supervisee": request.args.get("supervisee")})
    covering = [(p.id, f"{p.name} (covering for {a.supervisor.name})") for p, a in cover.covered_supervisees(g.user.id)]
    form.supervisee.offer([(p.id, p.name) for p in current_supervisees(g.user.id, dt.date.today())] + covering)
    draft = submit(form, lambda: records.start_record(g.user.id, form.supervisee.data, actor()))
    if draft is NOT_DONE:
        return show("records/new.html", form)
    return redirect(url_for("records.draft", draft_id=draft.id))


class RecordForm(Form):
    # Set by the button pressed: "finish" checks the record and makes the document, anything else saves the draft.
    action = StringField()


@bp.route("/records/drafts/<int:draft_id>", methods=["GET", "POST"])
@login_required
def draft(draft_id: int):
    """The record form: "Save draft" keeps it as it is, "Save and preview" checks it and makes the document."""
    found = records.my_draft(draft_id, g.user.id)
    form = _record_form(found)
    finish = form.action.data == "finish"
    use_case = records.finish_record if finish else records.save_draft
    result = submit(form, lambda: use_case(draft_id, typed(form), actor()))
    if result is NOT_DONE:
        return show("records/form.html", form, draft=found, saved_at=uk_time(found.saved_at),
                    autosave_ms=int(float(current_app.config["RECORD_AUTOSAVE_SECONDS"]) * 1000))
    if finish:
        flash("Record saved as a draft. Check the document, then send it for signature.", "success")
        return redirect(url_for("documents.show", document_id=result.id))
    flash("Draft saved. You can come back to it from your home page.", "success")
    return redirect(url_for("records.draft", draft_id=draft_id))


@bp.post("/records/drafts/<int:draft_id>/autosave")
@login_required
def autosave(draft_id: int):
    """Keep what has been typed so far (the form posts here by itself as the supervisor types)."""
    form = _record_form(records.my_draft(draft_id, g.user.id))
    try:
        saved = records.save_draft(draft_id, typed(form), actor())
    except InvalidInput as refused:  # the page shows these instead of "Draft saved"
        return jsonify(errors=list(refused.errors.values())), 400
    return jsonify(saved_at=uk_time(saved.saved_at))


@bp.post("/records/drafts/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    """Throw away an unfinished record."""
    records.discard_draft(draft_id, actor())
    flash("The unfinished record has been deleted.", "success")
    return redirect(url_for("documents.home"))


@bp.get("/records/<int:document_id>/change")
@login_required
def change(document_id: int):
    """Open a draft record's form again to change it (an agreement has its own form)."""
    if document_for(document_id, "manage", g.user).kind != "record":
        return redirect(url_for("documents.edit", document_id=document_id))
    return redirect(url_for("records.draft", draft_id=records.change_record(document_id, actor()).id))


def _record_form(found: RecordDraft) -> RecordForm:
    return template_form(get_schema(found.template_key), RecordForm, found.form)
