"""The pages of home, writing an agreement, a document and its files; and the form of a template's fields."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from werkzeug.datastructures import MultiDict
from wtforms import Field as FormInput
from wtforms import FieldList, FormField, HiddenField, RadioField, SelectChoice
from wtforms import Form as RowForm

from doc_templates import Field, TemplateSchema
from doc_templates.schema import MAX_ROWS, OUTCOMES
from storage.models import Party, Role
from web.auth import actor, login_required, role_required
from web.forms import NOT_DONE, DateInput, Form, LongText, PersonChoice, Text, submit
from web.forms import show as show_form
from workflows import agreements, downloads
from workflows.access import document_for
from workflows.errors import NotReady
from workflows.home import disposal_record, document_page, home_page
from workflows.teams import current_supervisees

bp = Blueprint("documents", __name__)

# Blank rows offered under each list of actions or cases; saving the draft offers more.
SPARE_ROWS = 2
DATE_EXAMPLE = "For example, 5 3 2027."


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
        return show_form("documents/agreement_form.html", form, document=document)
    flash("Changes saved.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>")
@login_required
def show(document_id: int):
    """A document: its state, its files, who has signed, and what can be done next."""
    document = downloads.view_document(document_id, actor())
    if document.retention_status == "destroyed":  # only the metadata-only disposal record is left
        return render_template("retention/disposed.html", document=document, record=disposal_record(document))
    return render_template("documents/show.html", document=document, page=document_page(document, g.user),
                           form=Form(), Party=Party)


@bp.post("/documents/<int:document_id>/send")
@login_required
def send(document_id: int):
    """Email each party their signing link."""
    _unless_not_ready(lambda: agreements.send_for_signature(document_id, actor()),
                      "Sent. Each of you has been emailed a link to sign.")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/documents/<int:document_id>/resend/<any(supervisor, supervisee):party>")
@login_required
def resend(document_id: int, party: str):
    """Send one party a new link; their old one stops working."""
    _unless_not_ready(lambda: agreements.resend_link(document_id, Party(party), actor()),
                      f"A new link has been emailed to the {party}. The old link no longer works.")
    return redirect(url_for("documents.show", document_id=document_id))


def _unless_not_ready(act: Callable[[], object], done: str) -> None:
    """Run a use case and say it is done, or why it cannot be done yet."""
    try:
        act()
    except NotReady as wait:
        flash(str(wait))
    else:
        flash(done, "success")


class VoidForm(Form):
    reason = LongText("Why are you voiding it?", description="Both parties are told this reason.")


@bp.route("/documents/<int:document_id>/void", methods=["GET", "POST"])
@login_required
def void(document_id: int):
    """Withdraw a document before it is locked, saying why."""
    document = document_for(document_id, "manage", g.user)
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


# -- the form of a template's fields, shared by the agreement and the record ---------------------------------------


class KeptDate(DateInput):
    """Day, month and year boxes that also come back as they were typed from a saved draft, date or not yet."""

    @property
    def raw_parts(self) -> tuple[str, str, str]:
        parts = super().raw_parts
        if any(parts) or not isinstance(self.data, str) or self.data.count("-") != 2:
            return parts
        # A draft keeps a date as year-month-day, whatever was typed, with day and month padded to two digits.
        year, month, day = self.data.split("-")
        return day.lstrip("0"), month.lstrip("0"), year


class ActionRow(RowForm):
    what = Text("What")
    who = Text("Who")
    by_when = KeptDate("By when")


class CaseRow(RowForm):
    reference = Text("ID and initials")


class ReviewRow(RowForm):
    what = HiddenField()
    who = HiddenField()
    by_when = HiddenField()
    outcome = RadioField("Outcome", choices=[SelectChoice(value, label) for value, label in OUTCOMES.items()],
                         validate_choice=False, widget=GovRadioInput())


ROWS = {"actions": ActionRow, "cases": CaseRow, "review": ReviewRow}


def template_form(schema: TemplateSchema, base: type[Form], saved: Mapping[str, str]) -> Form:
    """A form asking for the template's fields: what was posted, or on first sight the saved strings."""
    form_class = type(base.__name__, (base,), {"schema": schema, **{f.name: _input_for(f) for f in schema.fields}})
    if request.method == "POST":
        return form_class()
    form = form_class(formdata=MultiDict(saved))
    for f in schema.fields:
        if f.kind in ("actions", "cases"):  # somewhere to write the next one
            for _ in range(min(SPARE_ROWS, MAX_ROWS - len(form[f.name].entries))):
                form[f.name].append_entry()
    return form


def typed(form: Form) -> dict[str, str]:
    """What was typed into a template's form, as the strings its schema checks; a list's as <field>-<row>-<column>."""
    inputs = []
    for f in form.schema.fields:
        if f.is_rows:
            inputs.extend(input_ for row in form[f.name] for input_ in row)
        else:
            inputs.append(form[f.name])
    return {input_.name: _text(input_) for input_ in inputs}


def _text(input_: FormInput) -> str:
    if isinstance(input_, DateInput):
        return input_._value()  # year-month-day, or what was typed when it is not a date
    return "" if input_.data is None else str(input_.data)


def _input_for(f: Field) -> FormInput:
    label = f.label if f.required or f.is_rows else f"{f.label} (optional)"
    plain = {"label": {"classes": "govuk-label--s"}}
    if f.is_rows:
        return FieldList(FormField(ROWS[f.kind]), label, max_entries=MAX_ROWS)
    if f.kind == "date":
        return KeptDate(label, description=f"{f.help} {DATE_EXAMPLE}".strip(), render_kw={"params": {
            "fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}})
    if f.kind == "textarea":
        return LongText(label, description=f.help, render_kw={"params": {**plain, "rows": 5}})
    if f.kind == "int":
        return Text(label, description=f.help, render_kw={"params": {
            **plain, "classes": "govuk-input--width-3", "inputmode": "numeric", "spellcheck": False,
            **({"suffix": {"text": f.suffix}} if f.suffix else {})}})
    return Text(label, description=f.help, render_kw={"params": plain})
