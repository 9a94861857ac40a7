"""Build the professional supervision, three-way meeting and quality assurance templates of both councils.

Run from the project root:  python -m tools.make_forms [--out DIR]
(--out writes the templates into DIR instead of over the shipped ones.)
Each template prints its schema's fields in order, each under its label, with the policy's own words as the
introduction; only the blanks are {{ placeholders }}.
"""

from docx.shared import Pt

from doc_templates.packs.barking_dagenham import professional as bd_professional
from doc_templates.packs.barking_dagenham import quality as bd_quality
from doc_templates.packs.barking_dagenham.three_way import SCHEMA as BD_THREE_WAY
from doc_templates.packs.havering import professional as havering_professional
from doc_templates.packs.havering import quality as havering_quality
from doc_templates.packs.havering.three_way import SCHEMA as HAVERING_THREE_WAY

from .make_havering_agreement import GREY, _paragraph, bold, output_path, parse_out
from .make_templates import _check, _new_document, _signatures

HAVERING = "ASC Supervision Policy v1.2"
BD = "Adults Care and Support Supervision Policy"
PROFESSIONAL_AGREEMENT_INTRO = (
    "Social workers and occupational therapists have access to professional supervision. Where the line manager is "
    "not of the same profession, it is arranged with a manager of the same profession or through professional group "
    "supervision. This agreement sets out how that professional supervision takes place.",
)
PROFESSIONAL_RECORD_INTRO = (
    "Professional supervision should be in line with identified professional standards. Both parties sign this "
    "record; it may be used as evidence to submit to professional regulatory authorities to demonstrate adherence to "
    "professional standards.",
)
THREE_WAY_INTRO = (
    "Where there is a professional supervisor involved, the line manager, professional supervisor and supervisee "
    "work together collaboratively. This is the record of a three-way meeting between them.",
)
OBSERVATION_INTRO = (
    "Direct observation is a valuable activity that offers the social care practitioner, supervisor and responsible "
    "employer an opportunity to identify key strengths and capabilities as well as areas of development.",
)
AUDIT_INTRO = (
    "The dip sample case audit tool supports good practice in recording in line with the ASC recording standards, "
    "and reflection on evidence-based recording and decision making.",
)
EVALUATION_INTRO = (
    "Quality assurance ensures that both the organisation and workers are receiving supervision that is of a high "
    "quality, is enabling and supports ongoing development and good practice. This proforma records an evaluation of "
    "practice under the Adults Quality Assurance Process.",
)
INSPECTION_INTRO = (
    "Practice evaluations and the inspection of case files form part of the Adults Quality Assurance Process. This "
    "form records the inspection of one case file.",
)

# (schema, council, subtitle, introduction, the parties' line, the signature labels)
FORMS = (
    (havering_professional.AGREEMENT, "havering", f"{HAVERING}, 4.2 and 5.4", PROFESSIONAL_AGREEMENT_INTRO,
     ("Professional supervisor", "Supervisee")),
    (havering_professional.RECORD, "havering", f"{HAVERING}, 5.4 and 7.3", PROFESSIONAL_RECORD_INTRO,
     ("Professional supervisor", "Supervisee")),
    (HAVERING_THREE_WAY, "havering", f"{HAVERING}, 5.5", THREE_WAY_INTRO, ("Line manager", "Supervisee")),
    (havering_quality.OBSERVATION, "havering", f"{HAVERING}, 6.5 and 10.1", OBSERVATION_INTRO,
     ("Observer (supervisor)", "Practitioner")),
    (havering_quality.DIP_SAMPLE_AUDIT, "havering", f"{HAVERING}, 6.5 and 10.1", AUDIT_INTRO,
     ("Auditor (supervisor)", "Practitioner")),
    (bd_professional.AGREEMENT, "barking-dagenham", f"{BD}, 3.1 and 4.2", PROFESSIONAL_AGREEMENT_INTRO,
     ("Professional supervisor", "Supervisee")),
    (bd_professional.RECORD, "barking-dagenham", f"{BD}, 4.2 and 6.3", PROFESSIONAL_RECORD_INTRO,
     ("Professional supervisor", "Supervisee")),
    (BD_THREE_WAY, "barking-dagenham", f"{BD}, 4.5", THREE_WAY_INTRO, ("Line manager", "Supervisee")),
    (bd_quality.PRACTICE_EVALUATION, "barking-dagenham", f"{BD}, 10", EVALUATION_INTRO,
     ("Evaluator (supervisor)", "Worker")),
    (bd_quality.CASE_FILE_INSPECTION, "barking-dagenham", f"{BD}, 10 and Appendix 1", INSPECTION_INTRO,
     ("Inspector (supervisor)", "Worker")),
)


def build(schema, council, subtitle, intro, labels, path):
    doc = _new_document(council, schema.title, subtitle)
    for text in intro:
        _paragraph(doc, [text])
    first, second = labels
    _paragraph(doc, [bold(f"{first}: "), "{{ supervisor_name }}"], after=2)
    if "professional_supervisor_name" in schema.system_fields:
        _paragraph(doc, [bold("Professional supervisor: "), "{{ professional_supervisor_name }}"], after=2)
    _paragraph(doc, [bold(f"{second}: "), "{{ supervisee_name }}"], after=10)
    for field in schema.fields:
        heading = doc.add_heading(field.label, level=2)
        heading.paragraph_format.space_before = Pt(8)
        _paragraph(doc, ["{{ " + field.name + " }}"])
    if "review_date" in schema.system_fields:
        _paragraph(doc, ["This agreement will be reviewed by ", bold("{{ review_date }}"), "."])
    doc.add_heading("Disagreements recorded before signing", level=2)
    _paragraph(doc, ["{{ recorded_disagreements }}"], colour=GREY)
    _signatures(doc, first, second)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def main(argv: list[str] | None = None) -> None:
    out = parse_out(argv, __doc__.splitlines()[0])
    for schema, council, subtitle, intro, labels in FORMS:
        path = output_path(schema.docx_path, out)
        build(schema, council, subtitle, intro, labels, path)
        _check(schema, path)


if __name__ == "__main__":
    main()
