"""Field schemas for document templates: what the form asks for, how it is checked and printed."""

from __future__ import annotations

import datetime
import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from doc_templates.render import clean_text
from storage.times import uk_date

KINDS = ("text", "textarea", "int", "date", "choice", "actions", "cases", "review")
# Kinds whose value is a list of rows, typed into the form as "<field>-<row>-<column>".
ROW_COLUMNS = {
    "actions": ("what", "who", "by_when"),
    "cases": ("reference",),
    "review": ("what", "who", "by_when", "outcome"),
}
MAX_ROWS = 40
# The most characters a box of each kind takes when its field sets no maximum of its own, and a row's columns.
KIND_LIMITS = {"text": 320, "textarea": 5000, "int": 20, "date": 40}
COLUMN_LIMITS = {"what": 500, "who": 200, "by_when": 40, "reference": 100, "outcome": 20}
OUTCOMES = {"done": "Done", "carried": "Carried on"}

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
    # The key of the form section (TemplateSchema.sections) the field sits in.
    section: str | None = None
    # The policy paragraph an error message cites, e.g. "Havering policy 7.2 e".
    policy_ref: str | None = None
    # A "choice" field's (stored value, words printed) pairs.
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def is_rows(self) -> bool:
        return self.kind in ROW_COLUMNS

    @property
    def limit(self) -> int:
        """The most characters its box takes (a row's columns have COLUMN_LIMITS)."""
        return self.max_length or KIND_LIMITS.get(self.kind, KIND_LIMITS["text"])

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Field {self.name!r}: kind must be one of {', '.join(KINDS)}"
            )
        if not self.name.isidentifier():
            raise ValueError(f"Field {self.name!r}: name must be a Python identifier")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"Field {self.name!r}: a choice field, and only a choice field, has choices")

    def clean_rows(self, form: Mapping[str, str]) -> tuple[list[dict] | None, str | None]:
        """Collect and check this field's rows from the form; blank rows are dropped."""
        rows, problems = [], []
        for index in range(MAX_ROWS):
            raw = self._raw_row(form, index)
            if not any(raw.values()):
                continue
            row, problem = _ROW_CHECKS[self.kind](raw, self)
            number = len(rows) + len(problems) + 1
            if problem:
                problems.append(f"{self._row_word()} {number}: {problem}")
            else:
                rows.append(row)
        if problems:
            return None, "; ".join(problems)
        if not rows and self.required:
            return None, f"Enter {self._what()}"
        return rows, None

    def first_problem_box(self, form: Mapping[str, str]) -> str | None:
        """The id of the box to put right first in this field's rows (its row's first box), if a row is wrong."""
        for index in range(MAX_ROWS):
            raw = self._raw_row(form, index)
            if any(raw.values()) and _ROW_CHECKS[self.kind](raw, self)[1]:
                # A row to review shows only its outcome's radios; the others are its first box.
                return f"{self.name}-{index}-done" if self.kind == "review" else f"{self.name}-{index}-{ROW_COLUMNS[self.kind][0]}"
        return None

    def _raw_row(self, form: Mapping[str, str], index: int) -> dict[str, str]:
        return {col: " ".join(clean_text(form.get(f"{self.name}-{index}-{col}") or "").split())
                for col in ROW_COLUMNS[self.kind]}

    def _row_word(self) -> str:
        return {"actions": "Action", "cases": "Case", "review": "Action"}[self.kind]

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
        if self.kind == "choice":
            if text not in dict(self.choices):
                words = ", ".join(label.lower() for _value, label in self.choices)
                return None, f"Choose {self._what()}: {words}"
            return text, None
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
            # The form asks for day, month and year in three boxes (GOV.UK's date input), so no format is named.
            return None, f"{self._what_capitalised()} must be a real date"
        if not _EARLIEST_DATE <= day <= _LATEST_DATE:
            return (
                None,
                f"{self._what_capitalised()} must be between the years 2000 and 2099",
            )
        return day.isoformat(), None

    def printed(self, value: object) -> str | list[dict]:
        """Format a cleaned value the way it reads in the document."""
        if self.is_rows:
            return self._printed_rows(value or [])
        if value is None or value == "":
            if self.required or self.blank_text is None:
                raise ValueError(f"Missing a value for {self.name!r}")
            return self.blank_text
        if self.kind == "int":
            return format_quantity(int(value), self.suffix)
        if self.kind == "date":
            return uk_date(value)
        if self.kind == "choice":
            return dict(self.choices).get(str(value), str(value))
        return str(value)

    def _printed_rows(self, rows: list[dict]) -> list[dict]:
        columns = ROW_COLUMNS[self.kind]
        if not rows:
            # A table that says so, never an empty one.
            return [{col: (self.blank_text or "None") if i == 0 else "" for i, col in enumerate(columns)}]
        printed = []
        for row in rows:
            out = {col: str(row.get(col, "")) for col in columns}
            if "by_when" in out and out["by_when"]:
                out["by_when"] = uk_date(out["by_when"])
            if "outcome" in out:
                out["outcome"] = OUTCOMES.get(out["outcome"], out["outcome"])
            printed.append(out)
        return printed

    def form_rows(self, value: object) -> list[dict[str, str]]:
        """The stored rows of this field as the form's strings."""
        if not isinstance(value, list):
            return []
        return [{col: str(row.get(col, "")) for col in ROW_COLUMNS[self.kind]} for row in value if isinstance(row, dict)]

    def _what(self) -> str:
        what = self.error_name or self.label[:1].lower() + self.label[1:]
        if self.kind == "int" and self.suffix:
            what += f", in {self.suffix}"
        return what

    def _what_capitalised(self) -> str:
        what = self._what()
        return what[:1].upper() + what[1:]


@dataclass(frozen=True)
class Section:
    """A part of a form: the policy's heading for it and its prompts, shown as help text."""

    key: str
    title: str
    help: str = ""
    # Printed above the section in the form, e.g. "Part A".
    part: str | None = None


# Case-system IDs with an optional system prefix ("LAS-123456", "ID 12345") and initials ("J.B.", "JB").
_CASE_ID = re.compile(r"(?:(?:LAS|ID|CASE|REF|NO)[-:.]?)?[0-9]{3,12}", re.IGNORECASE)
_ID_PREFIX = re.compile(r"(?:LAS|ID|CASE|NO|REF)[.:]?", re.IGNORECASE)
_INITIALS = re.compile(r"(?:[A-Za-z]\.){1,4}|[A-Z]{1,3}|[a-z]{1,2}|[A-Z](?:\.?[A-Z]){1,3}\.?")


def check_case_reference(text: str, policy_ref: str | None = None) -> str | None:
    """An error if a case reference is anything but a case-system ID and initials (never a name)."""
    example = "for example LAS-123456 J.B. or 123456 JB"
    rule = f"No names: ID and initials only ({policy_ref})" if policy_ref else "No names: ID and initials only"
    tokens = text.replace(",", " ").split()
    ids = [t for t in tokens if _CASE_ID.fullmatch(t)]
    others = [t for t in tokens if not _CASE_ID.fullmatch(t) and not _ID_PREFIX.fullmatch(t)]
    looks_like_name = [t for t in others if not _INITIALS.fullmatch(t)]
    if looks_like_name:
        return (f"“{text}” looks like it contains a name ({', '.join(looks_like_name)}). Enter the case-system ID "
                f"and the person’s initials only, {example}. {rule}.")
    if not ids:
        return f"Enter the case-system ID and the person’s initials, {example}. {rule}."
    if not others:
        return f"Add the person’s initials after the case ID, {example}. {rule}."
    return None


def _check_action(raw: dict[str, str], field: Field) -> tuple[dict | None, str | None]:
    missing = [word for col, word in (("what", "what is to be done"), ("who", "who will do it"),
                                      ("by_when", "by when")) if not raw[col]]
    if missing:
        return None, "enter " + " and ".join(missing) + " (every action has an owner and a timescale)"
    if len(raw["what"]) > 500 or len(raw["who"]) > 200:
        return None, "keep what is to be done under 500 characters and who under 200"
    day, error = Field(name="by_when", label="By when", help="", kind="date", error_name="by when").clean(raw["by_when"])
    if error:
        return None, error[:1].lower() + error[1:]
    return {"what": raw["what"], "who": raw["who"], "by_when": day}, None


def _check_review(raw: dict[str, str], field: Field) -> tuple[dict | None, str | None]:
    row, error = _check_action(raw, field)
    if error:
        return None, error
    if raw["outcome"] not in OUTCOMES:
        return None, f"say whether “{raw['what']}” is done or carried on"
    return {**row, "outcome": raw["outcome"]}, None


def _check_case(raw: dict[str, str], field: Field) -> tuple[dict | None, str | None]:
    error = check_case_reference(raw["reference"], field.policy_ref)
    return (None, error) if error else ({"reference": raw["reference"]}, None)


_ROW_CHECKS = {"actions": _check_action, "review": _check_review, "cases": _check_case}


@dataclass(frozen=True)
class TemplateSchema:
    """One versioned .docx template and the fields it prints."""

    key: str
    title: str
    version: int
    docx_path: pathlib.Path
    fields: tuple[Field, ...]
    system_fields: tuple[str, ...]
    # The form's sections in order, each with the policy's heading and prompts; empty for a one-part form.
    sections: tuple[Section, ...] = ()
    # Who signs first, then next ("supervisee", "supervisor"); empty when both are sent their links at once.
    signing_order: tuple[str, ...] = ()

    def __post_init__(self):
        names = [f.name for f in self.fields] + list(self.system_fields)
        if len(names) != len(set(names)):
            raise ValueError(f"{self.key}: a field name is declared twice")
        keys = {section.key for section in self.sections}
        for f in self.fields:
            if f.section is not None and f.section not in keys:
                raise ValueError(f"{self.key}: field {f.name!r} names an unknown section {f.section!r}")

    @property
    def pack(self) -> str:
        """The organisation's template pack this template belongs to, e.g. 'havering'."""
        return self.key.split("/", 1)[0]

    def grouped(self) -> list[tuple[Section | None, list[Field]]]:
        """The fields under their sections, in form order (fields with no section first)."""
        groups: list[tuple[Section | None, list[Field]]] = []
        loose = [f for f in self.fields if f.section is None]
        if loose:
            groups.append((None, loose))
        for section in self.sections:
            groups.append((section, [f for f in self.fields if f.section == section.key]))
        return groups

    def form_values(self, data: dict) -> dict[str, str]:
        """Stored values turned back into the form's strings, rows spread into their row inputs."""
        values: dict[str, str] = {}
        for f in self.fields:
            value = data.get(f.name)
            if f.is_rows:
                for index, row in enumerate(f.form_rows(value)):
                    for col, text in row.items():
                        values[f"{f.name}-{index}-{col}"] = text
            elif value is not None:
                values[f.name] = str(value)
        return values

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
            value, error = f.clean_rows(form) if f.is_rows else f.clean(form.get(f.name))
            if error:
                errors[f.name] = error
            else:
                values[f.name] = value
        return values, errors

    def context(self, values: dict, system: dict) -> dict:
        """Build the plain render context from cleaned values and the app's system values."""
        # An optional field added to the form after a record was written prints its blank text for that record.
        missing = [f.name for f in self.fields if f.name not in values and (f.required or f.blank_text is None)]
        missing += [name for name in self.system_fields if system.get(name) is None]
        if missing:
            raise ValueError(f"{self.key}: missing values for {', '.join(missing)}")
        context = {f.name: f.printed(values.get(f.name)) for f in self.fields}
        # A list (a group record's attendance) stays rows for the template's table; anything else is printed.
        context.update({name: system[name] if isinstance(system[name], list) else str(system[name])
                        for name in self.system_fields})
        return context


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
