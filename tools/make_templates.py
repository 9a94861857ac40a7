"""Build the supervision record templates (both councils) and Barking and Dagenham's agreement template.

Run from the project root:  python -m tools.make_templates [--out DIR]
(--out writes the templates into DIR instead of over the shipped ones.)
The wording is each policy's own; only its blanks become {{ placeholders }}. The Havering agreement is built by
tools/make_havering_agreement.py (python -m tools.make_havering_agreement), whose page set-up and helpers are
shared here.
"""

import datetime
import sys

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from doc_templates.packs.barking_dagenham.agreement import SCHEMA as BD_AGREEMENT
from doc_templates.packs.barking_dagenham.record import SCHEMA as BD_RECORD
from doc_templates.packs.havering.record import SCHEMA as HAVERING_RECORD
from doc_templates.render import template_variables
from doc_templates.schema import ROW_COLUMNS

from .make_havering_agreement import (
    GREY,
    _bottom_border,
    _field,
    _no_split,
    _paragraph,
    _repeat_header,
    _set_up_page,
    _set_up_styles,
    _small,
    bold,
    output_path,
    parse_out,
    shown,
)

COUNCILS = {
    "havering": ("London Borough of Havering", "Adult Social Care"),
    "barking-dagenham": ("London Borough of Barking and Dagenham", "Adults Care and Support"),
}
COLUMN_TITLES = {"what": "Action required", "who": "By whom", "by_when": "Timescale (by when)",
                 "outcome": "Done or carried on", "reference": "Case ID and initials"}

HAVERING_RECORD_INTRO = [
    "This form should be used during supervision to record discussions and actions. It should be used "
    "proportionately dependent on discussion areas and can be adapted for specific role requirements for example; "
    "day opportunity staff, administrative staff, senior managers etc. All supervision should ensure that there is "
    "discussion on well-being, reflection and development using a strength based approach.",
    "Both parties should sign the form at the end of the session and each keep a copy stored securely for future "
    "reference. By signing the record both parties are agreeing that supervision notes/records may be accessed "
    "and/or used as evidence to submit to professional regulatory authorities or quality assurance checks to "
    "demonstrate adherence to professional standards.",
    "NB: Any decisions made in supervision with regard to a person who receives support by ASC should be clearly "
    "recorded on their case notes on LAS by the supervisor.",
]
BD_RECORD_INTRO = [
    "This form should be used during supervision to record discussions and actions. It can be adapted for role "
    "requirements for example administrative workers, senior managers etc. All supervision should ensure that there "
    "is discussion on wellbeing, reflection and development using a strength-based approach. Some prompts are "
    "highlighted to aid discussion.",
    "Both parties should sign the form at the end of the session and each keep a copy stored securely for future "
    "reference. Please see the additional guidance to support your discussion.",
]
CASELOAD = ("caseload_current", "caseload_safeguarding", "assessments_since_last", "reviews_since_last",
            "closed_since_last", "bia_since_last")


def _new_document(council: str, title: str, subtitle: str):
    doc = Document()
    _set_up_page(doc)
    _set_up_styles(doc)
    organisation, service = COUNCILS[council]
    props = doc.core_properties
    props.title, props.subject, props.author = title, f"{organisation} {service}", organisation
    props.comments = props.keywords = props.last_modified_by = ""
    props.category = f"{title} template v1"
    props.revision = 1
    props.created = props.modified = datetime.datetime(2026, 1, 1)
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _small(header.add_run(f"{organisation} · {title}"))
    footer = section.footer.paragraphs[0]
    usable = section.page_width - section.left_margin - section.right_margin
    footer.paragraph_format.tab_stops.add_tab_stop(usable, alignment=2)
    for text in ("Reference: ", "{{ document_reference }}", "\tPage "):
        _small(footer.add_run(text))
    _field(footer, "PAGE")
    _small(footer.add_run(" of "))
    _field(footer, "NUMPAGES")
    _paragraph(doc, [bold(organisation)], size=13, after=0)
    _paragraph(doc, [service], size=12, after=10)
    _paragraph(doc, [bold(title)], size=22, after=2)
    _bottom_border(_paragraph(doc, [subtitle], size=9, colour=GREY, after=14))
    return doc


def _table(doc, header, rows, widths):
    table = doc.add_table(rows=0, cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = width
    for cells in [header, *rows]:
        row = table.add_row()
        _no_split(row)
        for cell, width, content in zip(row.cells, widths, cells, strict=True):
            cell.width = width
            p = cell.paragraphs[0]
            p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
            run = p.add_run(content)
            run.bold = isinstance(content, bold) or None
            run.font.size = Pt(9.5)
    _repeat_header(table.rows[0])
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


def _rows_table(doc, name, kind):
    columns = ROW_COLUMNS[kind]
    widths = {1: (Cm(16.6),), 3: (Cm(9.0), Cm(4.0), Cm(3.6)), 4: (Cm(7.4), Cm(3.4), Cm(3.0), Cm(2.8))}[len(columns)]
    loop = [f"{{%tr for row in {name} %}}"] + [""] * (len(columns) - 1)
    values = ["{{ row." + col + " }}" for col in columns]
    end = ["{%tr endfor %}"] + [""] * (len(columns) - 1)
    _table(doc, [bold(COLUMN_TITLES[col]) for col in columns], [loop, values, end], widths)


def _signatures(doc, supervisor_label="Signed (Supervisor)", supervisee_label="Signed (Supervisee)", *,
                supervisee_first=False):
    signed = doc.add_heading("Signed:", level=1)
    signed.paragraph_format.space_before = Pt(14)
    widths = (Cm(3.6), Cm(4.0), Cm(5.0), Cm(4.0))
    rows = [
        [bold(supervisor_label), "{{ supervisor_name }}", "{{ supervisor_signature }}", "{{ supervisor_signed_on }}"],
        [bold(supervisee_label), "{{ supervisee_name }}", "{{ supervisee_signature }}", "{{ supervisee_signed_on }}"],
    ]
    _table(doc, [bold(""), bold("Name"), bold("Signature"), bold("Date")], rows[::-1] if supervisee_first else rows,
           widths)


def _cell_paragraph(cell, runs, *, first=False, size=9.5, colour=None):
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
    for text in runs:
        run = p.add_run(text)
        run.bold = isinstance(text, bold) or None
        run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
    return p


def _cell_rows_table(cell, name, kind, width):
    """A field's rows (actions) as a table inside a Comment cell."""
    columns = ROW_COLUMNS[kind]
    share = {3: (0.55, 0.25, 0.20), 4: (0.45, 0.2, 0.18, 0.17)}[len(columns)]
    widths = [int(width * part) for part in share]
    table = cell.add_table(rows=0, cols=len(columns))
    table.style = cell.part.document.styles["Table Grid"]
    table.autofit = False
    for col, w in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = w
    loop = [f"{{%tr for row in {name} %}}"] + [""] * (len(columns) - 1)
    for cells in ([bold(COLUMN_TITLES[c]) for c in columns], loop, ["{{ row." + c + " }}" for c in columns],
                  ["{%tr endfor %}"] + [""] * (len(columns) - 1)):
        row = table.add_row()
        _no_split(row)
        for inner, w, content in zip(row.cells, widths, cells, strict=True):
            inner.width = w
            _cell_paragraph(inner, [content], first=True, size=9)
    _repeat_header(table.rows[0])
    cell.add_paragraph().paragraph_format.space_after = Pt(0)  # a cell must end with a paragraph


def build_bd_record(schema, path):
    """Barking and Dagenham's record as its Appendix 2 lays it out: a two-column Subject | Comment/discussion table,
    from Checking in to Any other business, then the actions agreed, the next supervision, and the supervisee
    signing first."""
    doc = _new_document(schema.pack, schema.title,
                        "Adults Care and Support Supervision Policy, Appendix 2 – Recording of Supervision Discussion")
    for text in BD_RECORD_INTRO:
        _paragraph(doc, [text], size=9.5, colour=GREY)
    _table(doc, [bold("Name of Supervisee:"), "{{ supervisee_name }}"],
           [[bold("Name of Supervisor:"), "{{ supervisor_name }}"]], (Cm(5.0), Cm(11.6)))
    grouped = dict((section.key, (section, fields)) for section, fields in schema.grouped() if section is not None)
    for f in grouped["session"][1]:
        _paragraph(doc, [bold(f"{f.label}: "), f"{{{{ {f.name} }}}}"])
    subject, comment = Cm(6.0), Cm(10.6)
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, (subject, comment), strict=True):
        col.w = width
    header = table.add_row()
    for cell, width, text in zip(header.cells, (subject, comment), ("Subject", "Comment/discussion"), strict=True):
        cell.width = width
        _cell_paragraph(cell, [bold(text)], first=True)
    _repeat_header(header)
    for key in BD_TABLE_SECTIONS:
        section, fields = grouped[key]
        row = table.add_row()
        left, right = row.cells
        left.width, right.width = subject, comment
        _cell_paragraph(left, [bold(section.title)], first=True)
        for prompt in BD_PROMPTS.get(key, [p.strip() for p in section.help.split("·") if p.strip()]):
            _cell_paragraph(left, [f"· {prompt}"], size=9, colour=GREY)
        first = True
        for f in fields:
            if f.is_rows:
                _cell_paragraph(right, [bold(f.label + ":")], first=first)
                _cell_rows_table(right, f.name, f.kind, comment - Cm(0.4))
            elif len(fields) > 1:
                _cell_paragraph(right, [bold(f.label + ":")], first=first)
                _cell_paragraph(right, [f"{{{{ {f.name} }}}}"])
            else:
                _cell_paragraph(right, [f"{{{{ {f.name} }}}}"], first=first)
            first = False
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    for key in ("actions", "next"):
        section, fields = grouped[key]
        doc.add_heading(section.title, level=1)
        if section.help:
            _paragraph(doc, [section.help], size=9, colour=GREY)
        for f in fields:
            if f.is_rows:
                _paragraph(doc, [bold(f.label + ":")], after=2).paragraph_format.keep_with_next = True
                _rows_table(doc, f.name, f.kind)
            else:
                _paragraph(doc, [bold(f.label + ": "), f"{{{{ {f.name} }}}}"])
    _signatures(doc, "Signed: (Supervisor / Line Manager)", "Signed: (Supervisee)", supervisee_first=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


# The rows of Appendix 2's table, and the prompts where the form's help says more than the policy's bullets.
BD_TABLE_SECTIONS = ("checking_in", "leave", "review", "team", "high_risk", "reflective", "legal", "learning",
                     "professional", "service", "aob")
BD_PROMPTS = {"review": ["Work related actions", "Non work related actions"]}


def build_record(schema, intro, path, subtitle, signature_labels):
    """A record template driven by its schema: each section's heading and prompts, then its fields."""
    doc = _new_document(schema.pack, schema.title if schema.pack == "barking-dagenham" else "Supervision Record",
                        subtitle)
    for text in intro:
        _paragraph(doc, [text], size=9.5, colour=GREY)
    _table(doc, [bold("Name of Supervisee:"), "{{ supervisee_name }}"],
           [[bold("Name of Supervisor:"), "{{ supervisor_name }}"]], (Cm(5.0), Cm(11.6)))
    for section, fields in schema.grouped():
        if section is None:
            continue
        if section.part:
            part = doc.add_heading(section.part.upper(), level=1)
            part.paragraph_format.space_before = Pt(18)
        if section.key == "session":
            for f in fields:
                _paragraph(doc, [bold(f"{f.label}: "), f"{{{{ {f.name} }}}}"])
            continue
        doc.add_heading(section.title, level=1)
        if section.help:
            _paragraph(doc, [section.help], size=9, colour=GREY)
        if section.key == "cases":
            _paragraph(doc, [bold("Case Load Details")], after=2).paragraph_format.keep_with_next = True
            _table(doc, [bold(schema.field(n).label) for n in CASELOAD],
                   [[f"{{{{ {n} }}}}" for n in CASELOAD]], (Cm(2.75),) * 5 + (Cm(2.85),))
            fields = [f for f in fields if f.name not in CASELOAD]
        for f in fields:
            if f.is_rows:
                _paragraph(doc, [bold(f.label + ":")], after=2).paragraph_format.keep_with_next = True
                _rows_table(doc, f.name, f.kind)
            elif section.key == "next" or f.label != section.title.rstrip(".;:"):
                if f.kind == "textarea":
                    _paragraph(doc, [bold(f.label + ":")], after=2).paragraph_format.keep_with_next = True
                    _paragraph(doc, [f"{{{{ {f.name} }}}}"])
                else:
                    _paragraph(doc, [bold(f.label + ": "), f"{{{{ {f.name} }}}}"])
            else:
                _paragraph(doc, [f"{{{{ {f.name} }}}}"])
    _signatures(doc, *signature_labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


BD_ARRANGEMENTS = [
    ["We will meet for supervision every ", bold("{{ frequency_weeks }}"), " (4-8 weeks) for ",
     bold("{{ minimum_length_minutes }}"), " (a minimum of 1 hour, not exceeding 3 hours, however this can be changed "
     "to suit the working pattern and role of the staff member e.g. ½ hour every 4 weeks for someone who works part "
     "time or every 2 weeks for a newly qualified social worker completing the ASYE course)."],
    ["Supervision dates will be booked as far in advance as possible. Scheduled dates will only be postponed due to "
     "unforeseen absence by either of us or in the event of a major incident occurring."],
    ["Any postponed dates will be immediately re-scheduled and the session held within 7 days of postponement."],
    ["We will hold sessions in an agreed designated space (or virtual meeting) free from interruptions. If a virtual "
     "meeting takes place where others can hear, earphones are necessary."],
    ["If the supervisor is likely to be away for more than 1 month, supervision will be undertaken by ",
     bold("{{ absence_cover }}"), ", or another member of the management team as agreed with the supervisee."],
]
BD_AGENDA = [
    "We will prepare for supervision by reviewing notes, identifying any work or issues to be addressed and will "
    "notify each other in advance about what we would like to discuss.",
    "We will follow the set agenda but will prioritise as necessary at the beginning of the session.",
    "We agree that time will be set aside during every session to allow for reflective practice and wellbeing.",
]
BD_SECTIONS = [
    ("Recording", "We will agree who will take notes and how these notes will be shared and agreed. Decisions relating "
     "to case files will be recorded on our electronic recording system. Records relating to the supervisee will be "
     "held in their personal supervision file."),
    ("Confidentiality", "We agree that the content of supervision is usually confidential but acknowledge that this "
     "might not always be possible. Exceptions to this include but are not limited to: Practice Evaluations or "
     "inspection of case files, following workers performance processes, absence issues."),
    # Verbatim, including the policy's own "than".
    ("Mediation of disagreements", "If there are any areas of disagreement between us, these will be recorded on the "
     "supervision record and we will try to resolve them between ourselves in the first instance. If agreement cannot "
     "be reached than the supervisor’s supervisor will be asked to mediate in the first instance."),
    ("Equality, Diversity and Inclusion", "We will ensure that equality, diversity and inclusion is embraced and "
     "anti-discriminatory practice is included in any case discussion. An awareness of the principles of Local "
     "Authority’s equalities and valuing diversity policies should underpin our conduct of supervision."),
]


def build_bd_agreement(path):
    doc = _new_document("barking-dagenham", "Supervision Agreement",
                        "Adults Care and Support Supervision Policy, Appendix 1")
    _paragraph(doc, ["This agreement is between ", bold("{{ supervisor_name }}"), " (Supervisor) And ",
                     bold("{{ supervisee_name }}"), " (supervisee)."])
    _paragraph(doc, ["Supervision starts on ", bold("{{ start_date }}"), "."])
    _paragraph(doc, ["We agree to abide by the supervision guidance and will ensure that supervision sessions are "
                     "conducted in a positive manner based on the principles of strength-based practice and with "
                     "mutual respect for each other’s skills, knowledge and experience."])
    doc.add_heading("Arrangements for supervision", level=1)
    for item in BD_ARRANGEMENTS:
        _paragraph(doc, item, style="List Bullet")
    doc.add_heading("Agenda", level=1)
    for item in BD_AGENDA:
        _paragraph(doc, [item], style="List Bullet")
    for heading, text in BD_SECTIONS:
        doc.add_heading(heading, level=1)
        _paragraph(doc, [text])
        if heading == "Mediation of disagreements":  # as Havering's: what was recorded before signing, printed
            _paragraph(doc, [bold("Disagreements recorded before signing:")], after=2)
            _paragraph(doc, ["{{ recorded_disagreements }}"]).paragraph_format.left_indent = Cm(0.63)
    doc.add_heading("Review of supervision", level=1)
    _paragraph(doc, ["We will review all aspects of supervision, including this contract, at least once a year, or as "
                     "needed depending on changing circumstances or service requirements."])
    _paragraph(doc, ["This agreement will be reviewed by ", bold("{{ review_date }}"), "."])
    doc.add_heading("Professional Supervision", level=1)
    _paragraph(doc, ["Where the supervisor and supervisee are from different professions, the supervisor/supervisor "
                     "will ensure the supervisee has access to regular supervision from a manager with the same "
                     "professional qualification."])
    _paragraph(doc, [bold("Our arrangement for professional supervision:")], after=2)
    _paragraph(doc, ["{{ professional_supervision }}"]).paragraph_format.left_indent = Cm(0.63)
    _signatures(doc, "Supervisor", "Supervisee")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def _check(schema, path):
    found = template_variables(path)
    if found != schema.variables:
        sys.exit(f"{schema.key}: template and schema disagree: only in template {sorted(found - schema.variables)}, "
                 f"only in schema {sorted(schema.variables - found)}")
    print(f"Wrote {shown(path)} ({len(found)} variables)")


def main(argv: list[str] | None = None) -> None:
    out = parse_out(argv, __doc__.splitlines()[0])
    paths = {schema.key: output_path(schema.docx_path, out) for schema in (HAVERING_RECORD, BD_RECORD, BD_AGREEMENT)}
    build_record(HAVERING_RECORD, HAVERING_RECORD_INTRO, paths[HAVERING_RECORD.key],
                 "ASC Supervision Policy v1.2, Appendix 2", ("Signed (Supervisor)", "Signed (Supervisee)"))
    build_bd_record(BD_RECORD, paths[BD_RECORD.key])
    build_bd_agreement(paths[BD_AGREEMENT.key])
    for schema in (HAVERING_RECORD, BD_RECORD, BD_AGREEMENT):
        _check(schema, paths[schema.key])


if __name__ == "__main__":
    main()
