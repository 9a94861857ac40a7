"""The fields every record holds about the session itself: how long it lasted, what kind it was, and why a length
fell outside the policy."""

from doc_templates.schema import Field

SESSION_TYPES = (("individual", "Individual"), ("group", "Group"), ("professional", "Professional"),
                 ("observation", "Observation"))


def session_fields(section: str = "session") -> tuple[Field, ...]:
    """The session's length, type and (when the length is outside the policy) the reason, for a record's form."""
    return (
        Field(name="session_length", label="Length of the session",
              help="In minutes, for example 60 for one hour.", kind="int", required=False, min_value=1,
              max_value=600, suffix="minutes", section=section, blank_text="Not recorded.",
              error_name="how long the session lasted"),
        Field(name="session_type", label="Type of session", help="", kind="choice", required=False,
              choices=SESSION_TYPES, default="individual", section=section, blank_text="Not recorded.",
              error_name="the type of session"),
        Field(name="length_reason", label="Why the session was shorter or longer than the policy says",
              help="Only when it was: for example a part-time worker's shorter session, as agreed.",
              kind="textarea", required=False, max_length=1000, section=section, blank_text="–"),
    )
