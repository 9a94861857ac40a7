"""Havering's record of a group session: group supervision (5.2), a reflective practice group or an action
learning set (5.3), with the facilitator and each attendee signing."""

import pathlib

from doc_templates.group_fields import GROUP_SYSTEM_FIELDS, group_session_fields
from doc_templates.schema import Field, Section, TemplateSchema

SECTIONS = (
    Section("session", "The session",
            "Supervision for large staff groups, for example day opportunities staff, may take place in groups "
            "(5.2); many teams also hold reflective practice group sessions, using models such as action learning "
            "(5.3)."),
    Section("discussion", "Group discussion",
            "Themes and topics discussed, team issues, learning shared. Cases only by case-system ID and initials, "
            "never a name (7.2 e)."),
    Section("reflective", "Reflective discussion",
            "The emotional impact of the work, assumptions and biases, varying perspectives and ethical dilemmas "
            "(5.3)."),
    Section("actions", "Actions agreed",
            "Action required, including timescales and by whom: every action has an owner and a timescale (7.2 a)."),
    Section("next", "Next session", "Date of the next group session."),
)

SCHEMA = TemplateSchema(
    key="havering/group-supervision-record",
    title="Group Supervision Record",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "group-supervision-record-v1.docx",
    sections=SECTIONS,
    fields=(
        *group_session_fields(),
        Field(name="group_discussion", label="Group discussion", help="What the group discussed.",
              kind="textarea", max_length=10000, section="discussion", error_name="what the group discussed"),
        Field(name="reflective_discussion", label="Reflective discussion", help="", kind="textarea", required=False,
              max_length=10000, section="reflective", blank_text="Not discussed at this session."),
        Field(name="agreed_actions", label="Actions agreed", help="What, who, by when.", kind="actions",
              required=False, section="actions", blank_text="No actions agreed."),
        Field(name="next_supervision_date", label="Date of the next session", help="", kind="date",
              required=False, section="next", blank_text="Not yet arranged.",
              error_name="the date of the next session"),
    ),
    system_fields=GROUP_SYSTEM_FIELDS,
)
