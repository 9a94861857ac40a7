"""The pages of home, writing an agreement, a document and its files."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from storage.models import Party, RetentionState, Role
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, Form, LongText, PersonChoice, submit
from web.forms import show as show_form
from web.link_pages import Decision, SignForm
from web.template_forms import template_form, typed
from workflows import agreements, downloads, group_members, signing_round
from workflows.access import document_for
from workflows.downloads import disposal_record, document_page
from workflows.errors import NotReady
from workflows.home import home_page
from workflows.teams import current_supervisees

bp = Blueprint("documents", __name__)


@bp.get("/")
@login_required
def home():
    """What needs doing: my current supervisees and their records, and what awaits my signature."""
    return render_template("documents/home.html", home=home_page(g.user))


class NewAgreementForm(Form):
    supervisee = PersonChoice(
        "Supervisee", prompt="Choose a supervisee",
        description="The person this agreement is with. Only your current supervisees are listed.")


@bp.route("/agreements/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_agreement():
    """Write a supervision agreement for one of my supervisees."""
    schema = agreements.agreement_schema(g.user.organisation)
    first_sight = {**{f.name: f.default or "" for f in schema.fields}, "supervisee": request.args.get("supervisee", "")}
    form = template_form(schema, NewAgreementForm, first_sight)
    form.supervisee.offer((p.id, p.name) for p in current_supervisees(g.user.id, dt.date.today()))
    document = submit(form, lambda: agreements.start_agreement(g.user.id, form.supervisee.data, typed(form), actor()))
    if document is NOT_DONE:
        return show_form("documents/agreement_form.html", form, document=None)
    flash("Agreement saved as a draft. Check the document, then send it for signature.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    """Change a draft before it is sent."""
    document = document_for(document_id, "manage", g.user)
    if document.kind == "record":  # a record is changed in its own form, which saves as the supervisor types
        return redirect(url_for("records.change", document_id=document.id))
    schema = agreements.get_schema(document.template_key)
    form = template_form(schema, Form, schema.form_values(document.data))
    if submit(form, lambda: agreements.update_draft(document.id, typed(form), actor())) is NOT_DONE:
        if document.kind != "agreement":  # professional documents, meeting records, quality assurance forms
            return show_form("professional/form.html", form, document=document,
                             title=f"Change the {document.KIND_TITLES[document.kind].lower()}", intro="")
        return show_form("documents/agreement_form.html", form, document=document)
    flash("Changes saved.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>")
@login_required
def show(document_id: int):
    """A document: its state, its files, who has signed, and what can be done next."""
    # The page refreshes itself while its PDF is made; those reloads are not new views.
    document = downloads.view_document(document_id, actor(), audited=request.args.get("refreshed") != "1")
    if document.retention_status is RetentionState.DESTROYED:  # only the metadata-only disposal record is left
        return render_template("retention/disposed.html", document=document, record=disposal_record(document))
    if document.kind == "group_record":  # its attendees and their signatures are on its session's page
        return redirect(url_for("groups.show_session", session_id=group_members.session_of(document).id))
    return _page(document)


def _page(document, sign_form: SignForm | None = None):
    # With the signing form sent back with its errors, the page answers 400.
    page = document_page(document, g.user)
    html = render_template("documents/show.html", document=document, page=page, form=Form(),
                           sign_form=sign_form or SignForm(formdata=None), Party=Party,
                           waiting=downloads.is_page_waiting(document, page))
    return html, 400 if sign_form is not None and sign_form.errors else 200


@bp.post("/documents/<int:document_id>/sign")
@login_required
def sign(document_id: int):
    """Sign from the document's page while signed in: check what was typed, confirm, then sign."""
    form = SignForm()
    if Decision().step == "sign":
        outcome = submit(form, lambda: signing_round.sign_signed_in(document_id, actor(), **form.details()))
        if outcome is not NOT_DONE:
            return render_template("signing/done.html", declined=False, locked=outcome.locked,
                                   document=outcome.document, with_disagreement=bool(outcome.disagreement_ids),
                                   signed_in=True)
    else:
        view = submit(form, lambda: signing_round.check_signature_signed_in(document_id, actor(), **form.details()))
        if view is not NOT_DONE:
            return show_form("signing/confirm.html", form, view=view,
                             action=url_for("documents.sign", document_id=document_id),
                             back=url_for("documents.show", document_id=document_id))
    return _page(downloads.view_document(document_id, actor(), audited=False), form)


@bp.get("/documents/<int:document_id>/pdf-status")
@login_required
def pdf_status(document_id: int):
    """Whether the PDF the document's page waits for is ready: what the page's script asks every few seconds."""
    status = downloads.pdf_status(document_id, g.user)
    response = jsonify(waiting=status.waiting, message=status.message)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/documents/<int:document_id>/send")
@login_required
def send(document_id: int):
    """Email each party their signing link."""
    _unless_not_ready(lambda: agreements.send_for_signature(document_id, actor()),
                      "Sent. Each of you will be emailed a link to sign in the next few minutes.")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/resend/<any(supervisor, supervisee):party>")
@login_required
def resend(document_id: int, party: str):
    """Send one party a new link; their old one stops working."""
    _unless_not_ready(lambda: agreements.resend_link(document_id, Party(party), actor()),
                      f"A new link will be emailed to the {party} in the next few minutes. The old link no longer works.")
    return redirect(url_for("documents.show", document_id=document_id))


def _unless_not_ready(act: Callable[[], object], done: str) -> None:
    """Run a use case and say it is done, or why it cannot be done yet."""
    try:
        act()
    except NotReady as wait:
        flash(str(wait))
    else:
        flash(done, "success")


@bp.route("/documents/<int:document_id>/delete", methods=["GET", "POST"])
@login_required
def delete(document_id: int):
    """Delete a draft nobody was ever sent, after asking to be sure."""
    document = document_for(document_id, "manage", g.user)
    form = Form()
    if submit(form, lambda: agreements.delete_draft(document_id, actor())) is NOT_DONE:
        return show_form("documents/delete.html", form, document=document)
    flash(f"The draft {document.title.lower()} has been deleted.", "success")
    return redirect(url_for("documents.home"))


class VoidForm(Form):
    reason = LongText("Why are you voiding it?", description="Both parties are told this reason.",
                      max_length=agreements.MAX_REASON)


@bp.route("/documents/<int:document_id>/void", methods=["GET", "POST"])
@login_required
def void(document_id: int):
    """Withdraw a document before it is locked, saying why."""
    document = document_for(document_id, "void", g.user)
    form = VoidForm()
    if submit(form, lambda: agreements.void_document(document_id, form.reason.data or "", actor())) is NOT_DONE:
        return show_form("documents/void.html", form, document=document)
    flash("The document has been voided. It is kept, with your reason.", "success")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/amend")
@login_required
def amend(document_id: int):
    """Reopen a declined document as a new draft."""
    agreements.amend_document(document_id, actor())
    flash("A new draft has been made. Change what was declined, then send it again.", "success")
    return redirect(url_for("documents.edit", document_id=document_id))


@bp.get("/documents/<int:document_id>/files/<which>")
@login_required
def file(document_id: int, which: str):
    """Download the Word file or PDF (the review copy, or the signed copy once locked)."""
    found = downloads.download(document_id, which, actor())
    inline = request.args.get("inline") == "1" and found.mimetype == "application/pdf"
    return send_file(io.BytesIO(found.data), mimetype=found.mimetype, download_name=found.filename,
                     as_attachment=not inline, max_age=0)
