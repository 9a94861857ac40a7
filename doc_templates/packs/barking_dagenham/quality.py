"""Barking and Dagenham's quality assurance forms (Adults Care and Support Supervision Policy, 10): the Supervision
Practice Evaluation Proforma, and the inspection of case files its supervision agreement names beside practice
evaluations (Appendix 1, Confidentiality)."""

import pathlib

from doc_templates.packs.forms import SIGNED, actions, date, notes
from doc_templates.schema import Field, TemplateSchema

HERE = pathlib.Path(__file__).resolve().parent
RATING = (("good", "Good"), ("requires_improvement", "Requires improvement"), ("inadequate", "Inadequate"))

PRACTICE_EVALUATION = TemplateSchema(
    key="barking-dagenham/supervision-practice-evaluation",
    title="Supervision Practice Evaluation",
    version=1,
    docx_path=HERE / "supervision-practice-evaluation-v1.docx",
    fields=(
        date("observed_on", "Date of the evaluation", "", "the date of the evaluation"),
        notes("description", "What was evaluated",
              "The practice observed: a supervision session, a visit, a meeting or a call. Anyone supported is named "
              "by case-system ID and initials only.", required=True, error_name="what was evaluated"),
        notes("strengths_based", "Strength-based practice",
              "Recognition of individual strengths and abilities, empowerment, building positive relationships (1).",
              required=True, error_name="how strength-based the practice was"),
        notes("reflection_practice", "Reflection and critical thinking",
              "A safe and collaborative space to reflect on practice (3.3); critical and reflective thinking.",
              required=True, error_name="the reflection and critical thinking seen"),
        notes("risk", "Risk, professional curiosity and decision making",
              "Professional curiosity with the adults; matters that cause risks discussed to support appropriate risk "
              "management; decisions evidenced."),
        notes("equality", "Equality, diversity and inclusion",
              "Anti-discriminatory practice included in any case discussion (Appendix 1)."),
        notes("wellbeing", "Wellbeing", "The 4x4x4 approach: a regular check on wellbeing (4.6)."),
        Field(name="rating", label="Overall evaluation", help="Against the Adults Quality Assurance Process.",
              kind="choice", choices=RATING, error_name="the overall evaluation"),
        notes("development", "Areas of development", "", required=True, error_name="the areas of development"),
        notes("reflection", "The worker's reflection", "", blank="No reflection recorded."),
        actions(),
    ),
    system_fields=SIGNED,
)

CASE_FILE_INSPECTION = TemplateSchema(
    key="barking-dagenham/case-file-inspection",
    title="Case file inspection",
    version=1,
    docx_path=HERE / "case-file-inspection-v1.docx",
    fields=(
        date("audited_on", "Date of the inspection", "", "the date of the inspection"),
        Field(name="case_reference", label="Case inspected",
              help="The case-system ID and the person's initials only, never a name, for example LAS-123456 J.B.",
              kind="text", max_length=100, error_name="the case inspected"),
        notes("recording_comments", "Recording",
              "Decisions relating to case files are recorded on the electronic recording system (Appendix 1), in "
              "line with the Practice Standards for Social Workers, Occupational Therapists and other Practitioners.",
              required=True, error_name="comments on the recording"),
        notes("decision_making", "Decision making and management oversight",
              "Is the rationale for each decision clear, with management oversight where needed?", required=True,
              error_name="comments on the decision making"),
        notes("voice", "The person's voice and strengths",
              "Is the person's voice heard, and their strengths recognised?"),
        Field(name="rating", label="Overall evaluation", help="Against the Adults Quality Assurance Process.",
              kind="choice", choices=RATING, error_name="the overall evaluation"),
        notes("strengths", "What is working well", "", required=True, error_name="what is working well"),
        notes("development", "Areas of development", "", required=True, error_name="the areas of development"),
        notes("reflection", "The worker's reflection", "", blank="No reflection recorded."),
        actions(),
    ),
    system_fields=SIGNED,
)
