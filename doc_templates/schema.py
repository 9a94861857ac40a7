"""Field schemas for document templates: what the form asks for, how it is checked and printed."""

from __future__ import annotations

import datetime
import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from doc_templates.render import clean_text

KINDS = ("text", "textarea", "int", "date")

_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Catches typed years such as 0026 or 2206 that are real dates but not meant.
_EARLIEST_DATE = datetime.date(2000, 1, 1)
_LATEST_DATE = datetime.date(2099, 12, 31)


@dataclass(frozen=True)
class Field:
    """One value the supervisor types into the form, and how it is printed in the document."""

    name: str
    label: str
    help: str
    kind: str
    required: bool = True
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    suffix: str | None = None
    default: str | None = None
    # Words that finish "Enter …" in an error message, e.g. "how often you will meet".
    error_name: str | None = None
    # What the document says when an optional field is left blank, so it is never silently empty.
    blank_text: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Field {self.name!r}: kind must be one of {', '.join(KINDS)}"
            )
        if not self.name.isidentifier():
            raise ValueError(f"Field {self.name!r}: name must be a Python identifier")

    def clean(self, raw: str | None) -> tuple[object | None, str | None]:
        """Turn one submitted string into a typed value, or an error message."""
        text = clean_text(raw or "").strip()
        if self.kind == "textarea":
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        else:
            # A single-line field must print on one line whatever was pasted into it.
            text = " ".join(text.split())
        if not text:
            if self.required:
                return None, f"Enter {self._what()}"
            return "", None
        if self.kind == "int":
            return self._clean_int(text)
        if self.kind == "date":
            return self._clean_date(text)
        if self.max_length is not None and len(text) > self.max_length:
            return (
                None,
                f"{self._what_capitalised()} must be {self.max_length} characters or fewer",
            )
        return text, None

    def _clean_int(self, text: str) -> tuple[int | None, str | None]:
        low, high = self.min_value, self.max_value
        in_words = f"Enter {self._what()}{',' if self.suffix else ''} as a whole number"
        if low is not None and high is not None:
            in_words += f" from {low} to {high}"
        elif low is not None:
            in_words += f" of {low} or more"
        elif high is not None:
            in_words += f" of {high} or fewer"
        if not _WHOLE_NUMBER.fullmatch(text):
            return None, in_words
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            return None, in_words
        return number, None

    def _clean_date(self, text: str) -> tuple[str | None, str | None]:
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            day = datetime.date.fromisoformat(text)
        except ValueError:
            return None, (
                f"{self._what_capitalised()} must be a real date, written as year-month-day, "
                "for example 2027-03-05"
            )
        if not _EARLIEST_DATE <= day <= _LATEST_DATE:
            return (
                None,
                f"{self._what_capitalised()} must be between the years 2000 and 2099",
            )
        return day.isoformat(), None

    def printed(self, value: object) -> str:
        """Format a cleaned value the way it reads in the document."""
        if value is None or value == "":
            if self.required or self.blank_text is None:
                raise ValueError(f"Missing a value for {self.name!r}")
            return self.blank_text
        if self.kind == "int":
            return format_quantity(int(value), self.suffix)
        if self.kind == "date":
            return format_date(value)
        return str(value)

    def _what(self) -> str:
        what = self.error_name or self.label[:1].lower() + self.label[1:]
        if self.kind == "int" and self.suffix:
            what += f", in {self.suffix}"
        return what

    def _what_capitalised(self) -> str:
        what = self._what()
        return what[:1].upper() + what[1:]


@dataclass(frozen=True)
class TemplateSchema:
    """One versioned .docx template and the fields it prints."""

    key: str
    title: str
    version: int
    docx_path: pathlib.Path
    fields: tuple[Field, ...]
    system_fields: tuple[str, ...]

    def __post_init__(self):
        names = [f.name for f in self.fields] + list(self.system_fields)
        if len(names) != len(set(names)):
            raise ValueError(f"{self.key}: a field name is declared twice")

    @property
    def variables(self) -> frozenset[str]:
        """Every name the template may use; the .docx must use exactly these."""
        return frozenset(f.name for f in self.fields) | frozenset(self.system_fields)

    def field(self, name: str) -> Field:
        """Look up one form field by name."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.key} has no field called {name!r}")

    def validate(self, form: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
        """Clean and check submitted strings; return (typed values, errors by field name)."""
        values: dict = {}
        errors: dict[str, str] = {}
        for f in self.fields:
            value, error = f.clean(form.get(f.name))
            if error:
                errors[f.name] = error
            else:
                values[f.name] = value
        return values, errors

    def context(self, values: dict, system: dict) -> dict:
        """Build the plain render context from cleaned values and the app's system values."""
        missing = [f.name for f in self.fields if f.name not in values]
        missing += [name for name in self.system_fields if system.get(name) is None]
        if missing:
            raise ValueError(f"{self.key}: missing values for {', '.join(missing)}")
        context = {f.name: f.printed(values[f.name]) for f in self.fields}
        context.update({name: str(system[name]) for name in self.system_fields})
        return context


def format_date(value: datetime.date | str) -> str:
    """Print a date the GOV.UK way, e.g. '5 March 2027'."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def one_year_after(value: datetime.date | str) -> datetime.date:
    """The review date for a start date; 29 February moves to 28 February."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def format_minutes(minutes: int) -> str:
    """Print a length of time, e.g. '1 hour', '1 hour 30 minutes', '45 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if rest or not hours:
        parts.append(f"{rest} minute" + ("" if rest == 1 else "s"))
    return " ".join(parts)


def format_quantity(number: int, unit: str | None) -> str:
    """Print a number with its unit, singular when it is 1."""
    if unit == "minutes":
        return format_minutes(number)
    if not unit:
        return str(number)
    singular = unit.removesuffix("s")
    return f"{number} {singular if number == 1 else unit}"


def get_schema(key: str) -> TemplateSchema:
    """Find a template schema by its key, e.g. 'havering/supervision-agreement'."""
    registry = {schema.key: schema for schema in schemas()}
    try:
        return registry[key]
    except KeyError:
        known = ", ".join(sorted(registry)) or "none"
        raise KeyError(
            f"No document template called {key!r}; known templates: {known}"
        ) from None


def schemas() -> list[TemplateSchema]:
    """Every template schema the app ships."""
    # Imported here because the packs import Field from this module.
    from doc_templates.packs import SCHEMAS

    return list(SCHEMAS)
