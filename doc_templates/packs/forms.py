"""What the professional supervision and quality assurance forms of both councils share: their parties' names,
signatures and the fields every one of them asks for."""

from __future__ import annotations

from doc_templates.schema import Field

SIGNED = ("supervisor_name", "supervisee_name", "document_reference", "supervisor_signature", "supervisor_signed_on",
          "supervisee_signature", "supervisee_signed_on", "recorded_disagreements")
NOT_DISCUSSED = "Not discussed at this session."
NONE_AGREED = "No actions agreed."


def date(name: str, label: str, help_: str, error_name: str) -> Field:
    return Field(name=name, label=label, help=help_, kind="date", error_name=error_name)


def minutes(help_: str) -> Field:
    return Field(name="session_length", label="How long it lasted", help=help_, kind="int", min_value=5,
                 max_value=480, suffix="minutes", default="60", error_name="how long it lasted")


def notes(name: str, label: str, help_: str, *, required: bool = False, blank: str = NOT_DISCUSSED,
          error_name: str | None = None) -> Field:
    return Field(name=name, label=label, help=help_, kind="textarea", required=required, max_length=5000,
                 blank_text=None if required else blank, error_name=error_name)


def actions(help_: str = "What is to be done, by whom and by when: every action has an owner and a timescale.") -> Field:
    return Field(name="actions", label="Actions agreed", help=help_, kind="textarea", required=False,
                 max_length=5000, blank_text=NONE_AGREED, error_name="the actions agreed")


def next_date(label: str = "Date of the next session") -> Field:
    return Field(name="next_supervision_date", label=label, help="Leave blank if it is not arranged yet.",
                 kind="date", required=False, blank_text="Not arranged yet.", error_name="the date of the next session")


def three_way_fields(policy: str) -> tuple[Field, ...]:
    """A three-way meeting of the supervisee, their line manager and their professional supervisor."""
    return (
        date("supervision_date", "Date of the meeting", "", "the date of the meeting"),
        notes("discussion", "What was discussed",
              f"{policy} How line and professional supervision fit together, and the supervisee's practice and "
              "development. Cases by case-system ID and initials only.", required=True,
              error_name="what was discussed"),
        notes("shared", "Notes shared", "What the professional supervisor and line manager agreed to share.",
              blank="None."),
        actions(),
        next_date("Date of the next three-way meeting"),
    )
