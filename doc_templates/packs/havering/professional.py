"""Havering's professional supervision agreement and record (ASC Supervision Policy v1.2, 4.2, 5.4, 7.3), for a
social worker or occupational therapist whose line manager is of another profession."""

import pathlib

from doc_templates.packs.forms import SIGNED, actions, date, minutes, next_date, notes
from doc_templates.schema import Field, TemplateSchema

HERE = pathlib.Path(__file__).resolve().parent

AGREEMENT = TemplateSchema(
    key="havering/professional-supervision-agreement",
    title="Professional supervision agreement",
    version=1,
    docx_path=HERE / "professional-supervision-agreement-v1.docx",
    fields=(
        Field(name="frequency_weeks", label="How often you will meet",
              help="The policy sets no frequency for professional supervision: agree one that meets the "
                   "supervisee's professional standards (5.4), in weeks.",
              kind="int", min_value=1, max_value=26, suffix="weeks", default="6",
              error_name="how often you will meet"),
        Field(name="minimum_length_minutes", label="Length of each session", help="In minutes.", kind="int",
              min_value=30, max_value=180, suffix="minutes", default="60", error_name="the length of each session"),
        Field(name="format", label="How it is provided",
              help="“With a manager of the same profession or through professional group supervision” (5.4).",
              kind="choice", choices=(("one_to_one", "One to one"), ("group", "Professional group supervision")),
              default="one_to_one", error_name="how it is provided"),
        notes("focus", "What we will focus on",
              "The areas the policy names (5.4): the Knowledge and Skills statements, the Professional Capabilities "
              "Framework or the Occupational Therapy Pillars of Practice; theoretical frameworks and evidence-based "
              "practice; professional leadership of complex work; registration and professional standards; ASYE "
              "if newly qualified.", blank="The areas of professional supervision in the policy (5.4)."),
        notes("sharing", "What is shared with the line manager",
              "Where there is a professional supervisor, the line manager, professional supervisor and supervisee "
              "work together, for example twice a year 3-way meetings and sharing supervision notes (5.5). Say "
              "what you agree to share.", blank="Nothing beyond the three-way meetings, unless we agree otherwise."),
        date("start_date", "Date professional supervision starts",
             "The agreement is reviewed at least annually (7.1).", "the date professional supervision starts"),
    ),
    system_fields=(*SIGNED, "review_date"),
)

RECORD = TemplateSchema(
    key="havering/professional-supervision-record",
    title="Professional supervision record",
    version=1,
    docx_path=HERE / "professional-supervision-record-v1.docx",
    fields=(
        date("supervision_date", "Date of the session", "", "the date of the session"),
        minutes("Professional supervision, as any supervision, is at least an hour."),
        notes("frameworks", "Knowledge and Skills statements, PCF and Pillars of Practice",
              "Reflection on application of the Knowledge and Skills statements and Professional Capabilities "
              "Framework for social workers and the Occupational Therapy Pillars of Practice."),
        notes("evidence", "Theory and evidence-based practice",
              "The application of specific theoretical frameworks and evidence-based practice and updating knowledge "
              "and skills and relating this to practice."),
        notes("leadership", "Professional leadership of complex work",
              "Professional leadership of practice of complex work, i.e. safeguarding vulnerable adults. Cases by "
              "case-system ID and initials only, never a name (7.2 e)."),
        notes("service", "Profession-specific input to the service",
              "Reflection on profession-specific input to contribute to the overall objectives of the service."),
        notes("registration", "Registration, professional standards and CPD",
              "Maintenance of registration and professional standards to assure competence in carrying out the "
              "professional role; CPD since the last session. This record may be used as evidence to the "
              "regulator (7.3)."),
        notes("asye", "ASYE", "Compliant with the ASYE programme if a social worker is newly qualified.",
              blank="Not applicable."),
        actions(),
        next_date(),
    ),
    system_fields=SIGNED,
)
