"""The supervisor's and supervisee's pages: home, writing an agreement, a document and its files."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from signing.seal import seal_problem
from storage.db import session as db
from storage.models import DisposalRecord, Document, Party, RecordDraft, Role
from storage.states import DOCUMENT, DocumentState
from web.auth import actor, login_required
from workflows import agreements, annotated_pdf, disagreements, downloads
from workflows.access import can_manage, document_for
from workflows.archive import check_stored_copy, document_history
from workflows.errors import InvalidInput, NotAllowed, NotReady
from workflows.renditions import is_waiting_for_pdf
from workflows.teams import current_supervisees, needs_agreement

bp = Blueprint("documents", __name__)


@bp.get("/")
@login_required
def home():
    """What needs doing: my current supervisees and their records, and what awaits my signature."""
    user = g.user
    today = dt.date.today()
    supervisees = current_supervisees(user.id, today) if user.has_role(Role.SUPERVISOR) else []
    # A supervisee's records pass to whoever supervises them now, whoever wrote them (H 9.3).
    theirs = db.scalars(
        select(Document).where(Document.supervisee_id.in_([s.id for s in supervisees]))
        .order_by(Document.created_at.desc())
    ).all() if supervisees else []
    signing = db.scalars(
        select(Document).where(Document.supervisor_id == user.id,
                               Document.state.in_([DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE]))
    ).all()
    mine = db.scalars(
        select(Document).where(Document.supervisee_id == user.id, Document.state != DocumentState.DRAFT)
        .order_by(Document.created_at.desc())
    ).all()
    by_supervisee = {s.id: [d for d in theirs if d.supervisee_id == s.id] for s in supervisees}
    unfinished = db.scalars(select(RecordDraft).where(RecordDraft.supervisor_id == user.id,
                                                      RecordDraft.document_id.is_(None))).all()
    awaiting = list({d.id: d for d in [*signing, *theirs, *mine] if d.state.is_open_for_signature
                     and d.party_of(user.id) is not None and d.signature_of(d.party_of(user.id)) is None}.values())
    to_write = needs_agreement(user.id, supervisees)
    return render_template("documents/home.html", supervisees=supervisees, by_supervisee=by_supervisee,
                           mine=mine, awaiting=awaiting, to_write=to_write, unfinished=unfinished,
                           open_disagreements=disagreements.open_for(user))


@bp.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new_agreement():
    """Write a supervision agreement for one of my supervisees."""
    if not g.user.has_role(Role.SUPERVISOR):
        abort(404)
    schema = agreements.agreement_schema(g.user.organisation)
    supervisees = current_supervisees(g.user.id, dt.date.today())
    values = {f.name: f.default or "" for f in schema.fields}
    values["supervisee"] = request.args.get("supervisee", "")
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        supervisee_id = int(values["supervisee"]) if values.get("supervisee", "").isdigit() else None
        try:
            document = agreements.start_agreement(g.user.id, supervisee_id, values, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash("Agreement saved as a draft. Check the document, then send it for signature.", "success")
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/agreement_form.html", schema=schema, supervisees=supervisees,
                           values=values, errors=errors, document=None), 400 if errors else 200


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    """Change a draft before it is sent."""
    document = _viewable(document_id)
    if not can_manage(g.user, document):
        abort(404)
    if document.kind == "record":  # a record is changed in its own form, which saves as the supervisor types
        return redirect(url_for("records.change", document_id=document.id))
    schema = agreements.get_schema(document.template_key)
    values = {k: str(v) for k, v in document.data.items()}
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            agreements.update_draft(document.id, values, actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash("Changes saved.", "success")
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/agreement_form.html", schema=schema, supervisees=[document.supervisee],
                           values={**values, "supervisee": str(document.supervisee_id)}, errors=errors,
                           document=document), 400 if errors else 200


@bp.get("/documents/<int:document_id>")
@login_required
def show(document_id: int):
    """A document: its state, its files, who has signed, and what can be done next."""
    try:
        document = downloads.view_document(document_id, actor())
    except NotAllowed:
        abort(404)
    if document.retention_status == "destroyed":  # only the metadata-only disposal record is left
        record = db.scalars(select(DisposalRecord).where(DisposalRecord.document_id == document.id)).first()
        return render_template("retention/disposed.html", document=document, record=record)
    history = document_history(document, g.user)
    actions = DOCUMENT.allowed_actions(document.state) if can_manage(g.user, document) else set()
    return render_template("documents/show.html", document=document, history=history, actions=actions,
                           waiting=is_waiting_for_pdf(document), Party=Party, verification=check_stored_copy(document),
                           seal_problem=seal_problem(current_app),
                           disagreements=disagreements.on_document(document),
                           signed_disagreeing=disagreements.signed_with_disagreement(document),
                           can_disagree=document.party_of(g.user.id) is not None
                           and document.state in disagreements.RAISABLE,
                           annotations=annotated_pdf.listed(document))


@bp.post("/documents/<int:document_id>/send")
@login_required
def send(document_id: int):
    """Email each party their signing link."""
    _viewable(document_id)
    try:
        agreements.send_for_signature(document_id, actor())
    except NotReady as wait:
        flash(str(wait))
    except NotAllowed:
        abort(404)
    else:
        flash("Sent. Each of you has been emailed a link to sign.", "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/resend/<party>")
@login_required
def resend(document_id: int, party: str):
    """Send one party a new link; their old one stops working."""
    _viewable(document_id)
    if party not in {p.value for p in Party}:
        abort(404)
    try:
        agreements.resend_link(document_id, Party(party), actor())
    except NotReady as wait:
        flash(str(wait))
    except NotAllowed:
        abort(404)
    else:
        flash(f"A new link has been emailed to the {party}. The old link no longer works.", "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.route("/documents/<int:document_id>/void", methods=["GET", "POST"])
@login_required
def void(document_id: int):
    """Withdraw a document before it is locked, saying why."""
    document = _viewable(document_id)
    if not can_manage(g.user, document):
        abort(404)
    errors = {}
    if request.method == "POST":
        try:
            agreements.void_document(document_id, request.form.get("reason", ""), actor())
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash("The document has been voided. It is kept, with your reason.", "success")
            return redirect(url_for("documents.show", document_id=document_id))
    return render_template("documents/void.html", document=document, errors=errors,
                           reason=request.form.get("reason", "")), 400 if errors else 200


@bp.post("/documents/<int:document_id>/amend")
@login_required
def amend(document_id: int):
    """Reopen a declined document as a new draft."""
    _viewable(document_id)
    try:
        agreements.amend_document(document_id, actor())
    except NotAllowed:
        abort(404)
    flash("A new draft has been made. Change what was declined, then send it again.", "success")
    return redirect(url_for("documents.edit", document_id=document_id))


@bp.get("/documents/<int:document_id>/files/<which>")
@login_required
def file(document_id: int, which: str):
    """Download the Word file or PDF (the review copy, or the signed copy once locked)."""
    try:
        found = downloads.download(document_id, which, actor())
    except NotAllowed:
        abort(404)
    inline = request.args.get("inline") == "1" and found.mimetype == "application/pdf"
    return send_file(io.BytesIO(found.data), mimetype=found.mimetype, download_name=found.filename,
                     as_attachment=not inline, max_age=0)


def _viewable(document_id: int) -> Document:
    try:
        return document_for(document_id, "view", g.user)
    except NotAllowed:
        abort(404)
