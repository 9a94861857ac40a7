"""The fields every group session's record holds about the session: its kind, date and length."""

from doc_templates.schema import Field

GROUP_KINDS = (("group_supervision", "Group supervision"), ("reflective_group", "Reflective practice group"),
               ("action_learning_set", "Action learning set"))


def group_session_fields(section: str = "session") -> tuple[Field, ...]:
    """Kind, date and length of the session, set when the session is created and printed at the top."""
    return (
        Field(name="group_kind", label="Kind of group", help="", kind="choice", choices=GROUP_KINDS,
              section=section, error_name="the kind of group"),
        Field(name="supervision_date", label="Date of the session", help="The date the group met.", kind="date",
              section=section, error_name="the date of the session"),
        Field(name="session_length", label="Length of the session", help="In minutes, for example 90.",
              kind="int", min_value=1, max_value=600, suffix="minutes", section=section,
              error_name="how long the session lasted"),
    )


GROUP_SYSTEM_FIELDS = ("supervisor_name", "document_reference", "attendance")
# The attendance table filled in for a trial render or a preview of an uploaded template.
SAMPLE_ATTENDANCE = [{"name": "Sample", "role": "Attendee", "signature": "Sample", "signed_on": "Sample"}]
