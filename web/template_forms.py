"""The form of a template's fields, built from its schema: the agreement's and the record's."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import Field as FormInput
from wtforms import FieldList, FormField, HiddenField
from wtforms import Form as RowForm

from doc_templates import Field, TemplateSchema
from doc_templates.schema import COLUMN_LIMITS, MAX_ROWS, OUTCOMES
from web.forms import DateInput, Form, LongText, Radios, Text

# Blank rows offered under each list of actions or cases; saving the draft offers more.
SPARE_ROWS = 2
DATE_EXAMPLE = "For example, 5 3 2027."

class ActionRow(RowForm):
    what = Text("What", max_length=COLUMN_LIMITS["what"])
    who = Text("Who", max_length=COLUMN_LIMITS["who"])
    by_when = DateInput("By when")


class CaseRow(RowForm):
    reference = Text("ID and initials", max_length=COLUMN_LIMITS["reference"])


class ReviewRow(RowForm):
    what = HiddenField()
    who = HiddenField()
    by_when = HiddenField()
    outcome = Radios("Outcome", OUTCOMES)


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
        return DateInput(label, description=f"{f.help} {DATE_EXAMPLE}".strip(), render_kw={"params": {
            "fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}})
    if f.kind == "choice":
        return Radios(label, dict(f.choices), description=f.help, render_kw={"params": {
            "fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}},
            "classes": "govuk-radios--inline"}})
    if f.kind == "textarea":
        return LongText(label, max_length=f.limit, description=f.help, render_kw={"params": {**plain, "rows": 5}})
    if f.kind == "int":
        return Text(label, max_length=f.limit, description=f.help, render_kw={"params": {
            **plain, "classes": "govuk-input--width-3", "inputmode": "numeric", "spellcheck": False,
            **({"suffix": {"text": f.suffix}} if f.suffix else {})}})
    return Text(label, max_length=f.limit, description=f.help, render_kw={"params": plain})
