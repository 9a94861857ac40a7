"""The supervisor's record pages: start a record, the form that saves as they type, and finishing it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from doc_templates import get_schema
from doc_templates.schema import ROW_COLUMNS
from storage.models import Role
from storage.times import uk_time
from web.auth import actor, login_required
from workflows import records
from workflows.access import document_for
from workflows.errors import InvalidInput, NotAllowed
from workflows.teams import current_supervisees

bp = Blueprint("records", __name__)

# Blank rows offered under each list of actions or cases; saving the draft offers more.
SPARE_ROWS = 2


@bp.route("/records/new", methods=["GET", "POST"])
@login_required
def new_record():
    """Choose the supervisee a supervision record is for, then open its form."""
    if not g.user.has_role(Role.SUPERVISOR):
        abort(404)
    supervisees = current_supervisees(g.user.id, dt.date.today())
    chosen = request.values.get("supervisee", "")
    errors = {}
    if request.method == "POST":
        try:
            draft = records.start_record(g.user.id, int(chosen) if chosen.isdigit() else None, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            return redirect(url_for("records.draft", draft_id=draft.id))
    return render_template("records/new.html", supervisees=supervisees, chosen=chosen,
                           errors=errors), 400 if errors else 200


@bp.route("/records/drafts/<int:draft_id>", methods=["GET", "POST"])
@login_required
def draft(draft_id: int):
    """The record form: "Save draft" keeps it as it is, "Save and preview" checks it and makes the document."""
    found = _draft(draft_id)
    schema = get_schema(found.template_key)
    values, errors = dict(found.form), {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            if request.form.get("action") == "finish":
                document = records.finish_record(draft_id, values, actor())
                flash("Record saved as a draft. Check the document, then send it for signature.", "success")
                return redirect(url_for("documents.show", document_id=document.id))
            records.save_draft(draft_id, values, actor())
            flash("Draft saved. You can come back to it from your home page.", "success")
            return redirect(url_for("records.draft", draft_id=draft_id))
        except InvalidInput as invalid:
            errors = invalid.errors
        except NotAllowed:
            abort(404)
        found = _draft(draft_id)
    return render_template("records/form.html", draft=found, schema=schema, values=values, errors=errors,
                           rows=_rows(schema, values), saved_at=uk_time(found.saved_at),
                           autosave_ms=int(float(current_app.config["RECORD_AUTOSAVE_SECONDS"]) * 1000),
                           ), 400 if errors else 200


@bp.post("/records/drafts/<int:draft_id>/autosave")
@login_required
def autosave(draft_id: int):
    """Keep what has been typed so far (the form posts here by itself as the supervisor types)."""
    _draft(draft_id)
    try:
        saved = records.save_draft(draft_id, request.form.to_dict(), actor())
    except NotAllowed:
        abort(404)
    return jsonify(saved_at=uk_time(saved.saved_at))


@bp.post("/records/drafts/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    """Throw away an unfinished record."""
    _draft(draft_id)
    try:
        records.discard_draft(draft_id, actor())
    except NotAllowed:
        abort(404)
    flash("The unfinished record has been deleted.", "success")
    return redirect(url_for("documents.home"))


@bp.get("/records/<int:document_id>/change")
@login_required
def change(document_id: int):
    """Open a draft record's form again to change it (an agreement has its own form)."""
    try:
        if document_for(document_id, "manage", g.user).kind != "record":
            return redirect(url_for("documents.edit", document_id=document_id))
    except NotAllowed:
        abort(404)
    try:
        found = records.change_record(document_id, actor())
    except NotAllowed:
        abort(404)
    return redirect(url_for("records.draft", draft_id=found.id))


def _draft(draft_id: int):
    try:
        return records.my_draft(draft_id, g.user.id)
    except NotAllowed:
        abort(404)


def _rows(schema, values: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """Each list field's rows as typed, plus blank ones to add to (none for the fixed review list)."""
    rows = {}
    for f in schema.fields:
        if not f.is_rows:
            continue
        found = []
        for index in range(40):
            row = {col: values.get(f"{f.name}-{index}-{col}", "") for col in ROW_COLUMNS[f.kind]}
            if any(row.values()):
                found.append(row)
        spare = 0 if f.kind == "review" else SPARE_ROWS
        rows[f.name] = found + [dict.fromkeys(ROW_COLUMNS[f.kind], "") for _ in range(spare)]
    return rows
