"""What every form shares: GOV.UK widgets, the three-field date, choosing a person, and running a use case with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask import render_template
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField

from storage.times import parse_date
from workflows.errors import InvalidInput

__all__ = ["Form", "DateInput", "PersonChoice", "Text", "LongText", "YesNo", "submit", "show", "NOT_DONE"]

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

    @property
    def error_list(self) -> list[dict[str, str]]:
        """The error summary's items, each linking to its field."""
        items = [{"text": message, "href": "#main-content"} for message in self.form_errors]
        for name, field in self._fields.items():
            if name != "csrf_token" and field.errors:
                items.append({"text": field.errors[0], "href": f"#{_first_input(field)}"})
        return items


def _first_input(field: Field) -> str:
    # A date's three boxes take their id from the field, with -day first; everything else has the field's own id.
    return f"{field.id}-day" if isinstance(field, DateInput) else field.id


def Text(label: str, **kwargs) -> StringField:  # noqa: N802 - reads like a field class where forms are declared
    """A one-line text field; the use case checks what was typed and says what is wrong."""
    return StringField(label, widget=GovTextInput(), **kwargs)


def LongText(label: str, **kwargs) -> TextAreaField:  # noqa: N802
    """A box for a paragraph or more."""
    return TextAreaField(label, widget=GovTextArea(), **kwargs)


def YesNo(label: str, **kwargs) -> BooleanField:  # noqa: N802
    """One checkbox."""
    return BooleanField(label, widget=GovCheckboxInput(), **kwargs)


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
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    # ASCII digits only, and no bigger than a database id can be: "²" or a 30-digit number is simply not a choice.
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


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
