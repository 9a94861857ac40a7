"""What every form shares: GOV.UK widgets, the three-field date, choosing a person, and running a use case with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from doc_templates.render import clean_text
from storage.ids import as_id
from storage.times import parse_date
from workflows.errors import InvalidInput

__all__ = ["NOT_DONE", "Checkboxes", "DateInput", "Form", "LongText", "Password", "PersonChoice", "Radios", "Text",
           "Upload", "YesNo", "show", "submit"]

# What `submit` returns when the page should be shown (again): on first sight, or with the form's errors.
NOT_DONE: Any = object()


class Form(FlaskForm):
    """A page's form: GOV.UK markup, CSRF, and a message on each field the use case found wrong."""

    def add_errors(self, errors: dict[str, str]) -> None:
        """Put each message beside its field, or at the top of the page if the form has no such field."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]

    def token(self) -> Markup:
        """The hidden CSRF input without an id, so a page with several forms never repeats one (none when off)."""
        field = self._fields.get("csrf_token")
        return Markup(field(id=False)) if field is not None else Markup("")

    @property
    def error_list(self) -> list[dict[str, str]]:
        """The error summary's items, each linking to its field."""
        inputs = [field for name, field in self._fields.items() if name != "csrf_token" and field.type != "HiddenField"]
        # A message about the form as a whole leads to its only box when it has one (an upload), else to the page.
        top = f"#{_first_input(inputs[0])}" if len(inputs) == 1 else "#main-content"
        items = [{"text": message, "href": top} for message in self.form_errors]
        for name, field in self._fields.items():
            if name != "csrf_token" and field.errors:
                items.append({"text": field.errors[0], "href": f"#{self._box_to_put_right(name, field)}"})
        return items

    def _box_to_put_right(self, name: str, field: Field) -> str:
        # A template form's list of rows leads to the first wrong row, not to the top of the list.
        schema = getattr(self, "schema", None)
        if schema is not None and isinstance(field, FieldList) and request:
            box = schema.field(name).first_problem_box(request.form)
            if box:
                return box
        return _first_input(field)


def _first_input(field: Field) -> str:
    # A date's three boxes take their id from the field, with -day first; everything else has the field's own id.
    return f"{field.id}-day" if isinstance(field, DateInput) else field.id


# The most a box takes unless its form says otherwise: one line (the longest email address), and a paragraph or more.
LINE_MAX = 320
PARAGRAPH_MAX = 5000
PASSWORD_MAX = 256  # far past any passphrase; a megabyte "password" would only make hashing slow


def _bounded(label: str, max_length: int, validators: list | None) -> list:
    """The field's validators, with the length check that says the maximum in the page's words."""
    return [*(validators or []), Length(max=max_length, message=f"Enter {max_length:,} characters or fewer in "
                                                                f"“{label.removesuffix(' (optional)')}”")]


def _printable(value):
    # A NUL or other control character typed or pasted in can be stored nowhere (PostgreSQL refuses a NUL), nor shown.
    return clean_text(value) if isinstance(value, str) else value


def Text(label: str, max_length: int = LINE_MAX, validators: list | None = None, **kwargs) -> StringField:  # noqa: N802 - reads like a field class where forms are declared
    """A one-line text field of at most `max_length` characters; the use case checks the rest and says what is wrong."""
    return StringField(label, widget=GovTextInput(), validators=_bounded(label, max_length, validators),
                       filters=[_printable, *kwargs.pop("filters", ())], **kwargs)


def LongText(label: str, max_length: int = PARAGRAPH_MAX, validators: list | None = None,  # noqa: N802
             description: str = "", **kwargs) -> TextAreaField:
    """A box for a paragraph or more, its hint saying how much it takes."""
    limit = f"You can enter up to {max_length:,} characters."
    return TextAreaField(label, widget=GovTextArea(), validators=_bounded(label, max_length, validators),
                         description=f"{description} {limit}".strip(), filters=[_printable, *kwargs.pop("filters", ())],
                         **kwargs)


class _Checkbox(GovCheckboxInput):
    """GOV.UK's single checkbox, without the empty hint govuk-frontend-wtf adds (which the box would point at)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if not field.description:
            params["hint"] = None
        return params


def YesNo(label: str, **kwargs) -> BooleanField:  # noqa: N802
    """One checkbox."""
    return BooleanField(label, widget=_Checkbox(), **kwargs)


def Radios(label: str, choices: dict[str, str], **kwargs) -> RadioField:  # noqa: N802
    """One of a few choices, as GOV.UK radios; anything else posted reaches the use case, which says what to choose."""
    return RadioField(label, choices=[SelectChoice(value, text) for value, text in choices.items()],
                      validate_choice=False, widget=GovRadioInput(), **kwargs)


def Checkboxes(label: str, choices: dict[str, str], **kwargs) -> SelectMultipleField:  # noqa: N802
    """Any of a few choices, as GOV.UK checkboxes."""
    return SelectMultipleField(label, choices=[SelectChoice(value, text) for value, text in choices.items()],
                               validate_choice=False, widget=GovCheckboxesInput(), **kwargs)


def Password(label: str, validators: list | None = None, **kwargs) -> PasswordField:  # noqa: N802
    """A password box, with GOV.UK's "Show" button."""
    return PasswordField(label, widget=GovPasswordInput(), validators=_bounded(label, PASSWORD_MAX, validators),
                         **kwargs)


def Upload(label: str, missing: str, **kwargs) -> FileField:  # noqa: N802
    """A file to upload; `missing` says what to choose when none was."""
    return FileField(label, widget=GovFileInput(), validators=[FileRequired(missing)], **kwargs)


class _DateBoxes(GovDateInput):
    """GOV.UK's day, month and year boxes, filled from the date or from what was typed into them."""

    def map_gov_params(self, field, **kwargs):
        typed, field.raw_data = field.raw_data, list(field.raw_parts)
        try:
            return super().map_gov_params(field, **kwargs)
        finally:
            field.raw_data = typed


class DateInput(Field):
    """The GOV.UK date pattern: day, month and year boxes. The use case is given the date, or what was typed.

    What was typed goes through untouched when it is not a date (the use case says what is wrong in its own
    words), and one box holding 2026-01-05 or 5/1/2026 is read too, as a pasted date.
    """

    widget = _DateBoxes()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_data = valuelist
        parts = [part.strip() for part in valuelist]
        if not any(parts):
            self.data = None
        elif len(parts) == 3:
            day, month, year = parts
            self.data = _real_date(year, month, day) or f"{year}-{month.zfill(2)}-{day.zfill(2)}"
        else:
            text = " ".join(parts)
            self.data = parse_date(text, "date")[0] or text

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, dt.date) else self.data or ""

    def process_data(self, value) -> None:
        if isinstance(value, str) and value:
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.data = value

    @property
    def raw_parts(self) -> tuple[str, str, str]:
        """Day, month and year as they should show in the boxes."""
        if self.raw_data and len(self.raw_data) == 3:
            return tuple(self.raw_data)  # type: ignore[return-value]
        if isinstance(self.data, dt.date):
            return str(self.data.day), str(self.data.month), str(self.data.year)
        if isinstance(self.data, str) and self.data.count("-") == 2:
            # Saved as year-month-day whatever was typed (a draft keeps 2027-02-31 too): back into its boxes.
            year, month, day = self.data.split("-")
            return day.lstrip("0"), month.lstrip("0"), year
        return "", "", ""  # nothing, or a pasted date that is not one: its error message says what to do


def _real_date(year: str, month: str, day: str) -> dt.date | None:
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()
            and day.isascii() and day.isdigit() and len(year) == 4):
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


class PersonChoice(SelectField):
    """Choose a person (or anything with an id) from a list; anything not in the list comes through as None."""

    widget = GovSelect()

    def __init__(self, label: str, prompt: str = "Choose…", **kwargs):
        super().__init__(label, coerce=_id_or_none, validate_choice=False, **kwargs)
        self.prompt = prompt

    def offer(self, options: Iterable[tuple[int, str]]) -> None:
        """The people (or things) to choose from: (id, name)."""
        self.choices = [("", self.prompt), *[(str(value), label) for value, label in options]]

    def pre_validate(self, form) -> None:
        pass  # a choice that is not offered reaches the use case as None, and it says what to choose


def _id_or_none(value) -> int | None:
    # ASCII digits that fit an id column: "²" or a 30-digit number is simply not a choice.
    return as_id(value)


def submit(form: Form, act: Callable[[], Any]) -> Any:
    """Run a use case with a submitted form: its result, or NOT_DONE (first sight, or its errors are on the form)."""
    if not form.validate_on_submit():
        return NOT_DONE
    try:
        return act()
    except InvalidInput as invalid:
        form.add_errors(invalid.errors)
        return NOT_DONE


def show(template: str, form: Form | None = None, **context) -> tuple[str, int]:
    """A page with its form: 400 when the form has errors to put right, else 200."""
    failed = form is not None and bool(form.errors)
    return render_template(template, form=form, **context), 400 if failed else 200
