"""Havering's quality assurance tools: the direct observation and the dip sample case audit (ASC Supervision Policy
v1.2, 6.5, 10.1), each completed four times a year by every team supervisor, for front line practitioners only."""

import pathlib

from doc_templates.packs.forms import SIGNED, actions, date, notes
from doc_templates.schema import Field, TemplateSchema

HERE = pathlib.Path(__file__).resolve().parent
STANDARD = (("met", "Met"), ("partly", "Partly met"), ("not_met", "Not met"))

OBSERVATION = TemplateSchema(
    key="havering/direct-observation",
    title="Direct observation",
    version=1,
    docx_path=HERE / "direct-observation-v1.docx",
    fields=(
        date("observed_on", "Date of the observation", "", "the date of the observation"),
        Field(name="setting", label="What was observed",
              help="“Observation can be of a one to one meeting between a practitioner and person needing support, "
                   "listening to telephone or virtual communications, contributions to a meeting and many other "
                   "options” (10.1).", kind="choice",
              choices=(("one_to_one", "A one to one meeting with a person needing support"),
                       ("telephone", "Telephone or virtual communication"),
                       ("meeting", "A contribution to a meeting"), ("other", "Something else")),
              error_name="what was observed"),
        notes("description", "What happened",
              "A short account of the activity observed. Anyone supported is named by case-system ID and initials "
              "only.", required=True, error_name="what happened"),
        notes("strengths", "Key strengths and capabilities",
              "Direct observation offers the practitioner, supervisor and employer “an opportunity to identify key "
              "strengths and capabilities as well as areas of development” (10.1).", required=True,
              error_name="the key strengths and capabilities seen"),
        notes("development", "Areas of development", "What the practitioner could develop, and the support to do it.",
              required=True, error_name="the areas of development"),
        notes("reflection", "The practitioner's reflection", "What the practitioner observed takes from it.",
              blank="No reflection recorded."),
        actions(),
    ),
    system_fields=SIGNED,
)

DIP_SAMPLE_AUDIT = TemplateSchema(
    key="havering/dip-sample-case-audit",
    title="Dip sample case audit",
    version=1,
    docx_path=HERE / "dip-sample-case-audit-v1.docx",
    fields=(
        date("audited_on", "Date of the audit", "", "the date of the audit"),
        Field(name="case_reference", label="Case audited",
              help="The case-system ID and the person's initials only, never a name (7.2 e), for example "
                   "LAS-123456 J.B.", kind="text", max_length=100, error_name="the case audited"),
        Field(name="recording_standards", label="Recording in line with the ASC recording standards",
              help="“To support good practice in recording in line with the ASC recording standards” (10.1).",
              kind="choice", choices=STANDARD, error_name="whether the recording meets the ASC recording standards"),
        notes("recording_comments", "Comments on the recording", "What is recorded well, and what is missing.",
              required=True, error_name="comments on the recording"),
        notes("decision_making", "Evidence-based recording and decision making",
              "“To reflect on evidenced based recording and decision making” (10.1): is the rationale for each "
              "decision clear, and the law and policy it rests on?", required=True,
              error_name="comments on the evidence and decision making"),
        notes("strengths", "What is working well", "", required=True, error_name="what is working well"),
        notes("development", "Areas of development", "", required=True, error_name="the areas of development"),
        notes("reflection", "The practitioner's reflection", "", blank="No reflection recorded."),
        actions(),
    ),
    system_fields=SIGNED,
)
