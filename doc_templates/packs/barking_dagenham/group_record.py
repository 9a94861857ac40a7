"""Barking and Dagenham's record of a group session: group supervision (4.3), a reflective practice group or an
action learning set (4.4), with the facilitator and each attendee signing."""

import pathlib

from doc_templates.group_fields import GROUP_SYSTEM_FIELDS, group_session_fields
from doc_templates.schema import Field, Section, TemplateSchema

SECTIONS = (
    Section("session", "The session",
            "Where it may not be possible to provide monthly individual sessions, for example in Provider Services, "
            "supervision may take place in a group; individual sessions should be available as required (4.3). "
            "Many teams hold reflective practice group sessions, using models such as action learning (4.4)."),
    Section("checking_in", "Checking in", "Wellbeing of the group · Health and safety (including EDI matters)"),
    Section("discussion", "Group discussion",
            "Team or organisation discussion · Practice themes · Learning shared. Cases only by ID and initials."),
    Section("reflective", "Reflective discussions",
            "Values and ethics · Anti-oppressive practice · Strengths-based values · Positive risk taking."),
    Section("actions", "Actions agreed", "Who will do what, by when: every action has an owner and a timescale."),
    Section("next", "Next session", "Date of the next group session."),
)

SCHEMA = TemplateSchema(
    key="barking-dagenham/group-supervision-record",
    title="Recording of group supervision discussion",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "group-supervision-record-v1.docx",
    sections=SECTIONS,
    fields=(
        *group_session_fields(),
        Field(name="checking_in", label="Checking in", help="", kind="textarea", required=False, max_length=10000,
              section="checking_in", blank_text="Not discussed at this session."),
        Field(name="group_discussion", label="Group discussion", help="What the group discussed.",
              kind="textarea", max_length=10000, section="discussion", error_name="what the group discussed"),
        Field(name="reflective_discussion", label="Reflective discussions", help="", kind="textarea",
              required=False, max_length=10000, section="reflective", blank_text="Not discussed at this session."),
        Field(name="agreed_actions", label="Actions agreed", help="What, who, by when.", kind="actions",
              required=False, section="actions", blank_text="No actions agreed."),
        Field(name="next_supervision_date", label="Date of the next session", help="", kind="date",
              required=False, section="next", blank_text="Not yet arranged.",
              error_name="the date of the next session"),
    ),
    system_fields=GROUP_SYSTEM_FIELDS,
)
