"""Build the Havering supervision agreement .docx template (policy v1.2, Appendix 1).

Run from the project root:  python -m tools.make_havering_agreement [--out DIR]
(--out writes the template into DIR instead of over the shipped one.) The wording is the policy's own; only its blanks become {{ placeholders }}.
"""

import argparse
import datetime
import pathlib
import sys

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from doc_templates.packs.havering.agreement import SCHEMA
from doc_templates.render import template_variables

ROOT = pathlib.Path(__file__).resolve().parent.parent

FONT = "Arial"  # LibreOffice prints it with the metric-compatible Liberation Sans
INK = RGBColor(0x0B, 0x0C, 0x0C)
GREY = RGBColor(0x50, 0x5A, 0x5F)


class bold(str):
    """Text printed in bold: the values typed into the form, and labels."""


ARRANGEMENTS = [
    [
        "We will meet for supervision every ",
        bold("{{ frequency_weeks }}"),
        " for a minimum of ",
        bold("{{ minimum_length_minutes }}"),
        ".",
    ],
    [
        (
            "Supervision dates will be booked as far in advance as possible. Scheduled dates "
            "will only be postponed due to unforeseen absence by either of us or in the event "
            "of a major incident occurring."
        )
    ],
    [
        (
            "Any postponed dates will be immediately re-scheduled and the session held within "
            "7 days of postponement."
        )
    ],
    [
        (
            "We will hold sessions in an agreed designated space (or virtual meeting) free "
            "from interruptions."
        )
    ],
    [
        (
            "Observations of practice and dip sample case auditing are accepted as "
            "complementary functions forming part of supervision."
        )
    ],
    [
        (
            "If the supervisor is likely to be away for more than 1 month, supervision will be "
            "undertaken by "
        ),
        bold("{{ absence_cover }}"),
        ", or another member of the management team as agreed with the supervisee.",
    ],
]

AGENDA = [
    [
        (
            "We will prepare for supervision by identifying any work or issues to be addressed and will "
            "notify each other in advance about what we would like to discuss."
        )
    ],
    [
        (
            "We will follow the set agenda but will prioritise as necessary at the beginning of the "
            "session."
        )
    ],
    [
        (
            "We agree that time will be set aside during every session to allow for reflective practice "
            "and wellbeing."
        )
    ],
]

SECTIONS = [
    (
        "Recording",
        (
            "We will agree who will take notes and how these notes will be shared and agreed. Decisions "
            "relating to case files will be recorded on LAS. Records relating to the supervisee will be "
            "held in their personal supervision file."
        ),
    ),
    (
        "Confidentiality",
        (
            "We agree that the content of supervision is usually confidential but acknowledge that this "
            "might not always be possible. Exceptions to this include but are not limited to: auditing "
            "or inspection of supervision records for quality assurance purposes, following staff "
            "performance processes, absence issues."
        ),
    ),
    (
        "Mediation of disagreements",
        (
            "If there are any areas of disagreement between us, these will be recorded on the "
            "supervision record and we will try to resolve them between ourselves in the first instance. "
            "If agreement cannot be reached then the supervisor’s supervisor will be asked to mediate in "
            "the first instance."
        ),
    ),
    (
        "Equalities",
        (
            "We will ensure that equalities and anti-discriminatory practice is included in any case "
            "discussion. An awareness of the principles of Havering’s equalities and valuing diversity "
            "policies should underpin our conduct of supervision."
        ),
    ),
]

REVIEW = (
    "We will review all aspects of supervision, including this contract, at least once a year, or "
    "as needed depending on changing circumstances or service requirements."
)

# Verbatim, including the policy's own "supervisor/supervisor".
PROFESSIONAL = (
    "Where the supervisor and supervisee are from different professions, the "
    "supervisor/supervisor will ensure the supervisee has access to regular supervision from a "
    "manager with the same professional qualification."
)


def build(path: pathlib.Path) -> None:
    """Write the template to path."""
    doc = Document()
    _set_up_page(doc)
    _set_up_styles(doc)
    _set_properties(doc)
    _header_and_footer(doc)

    _paragraph(doc, [bold("London Borough of Havering")], size=13, after=0)
    _paragraph(doc, ["Adult Social Care"], size=12, after=10)
    _paragraph(doc, [bold("Supervision Agreement")], size=22, after=2)
    rule = _paragraph(
        doc, ["ASC Supervision Policy v1.2, Appendix 1"], size=9, colour=GREY, after=14
    )
    _bottom_border(rule)

    _paragraph(
        doc,
        [
            "This agreement is between ",
            bold("{{ supervisor_name }}"),
            " (Supervisor) and ",
            bold("{{ supervisee_name }}"),
            " (Supervisee).",
        ],
    )
    _paragraph(doc, ["Supervision starts on ", bold("{{ start_date }}"), "."])
    _paragraph(
        doc,
        [
            (
                "We agree to abide by the ASC supervision policy and guidance and will ensure that "
                "supervision sessions are conducted in a positive manner based on mutual respect for each "
                "other’s skills, knowledge and experience."
            )
        ],
    )

    doc.add_heading("Arrangements for supervision", level=1)
    for item in ARRANGEMENTS:
        _paragraph(doc, item, style="List Bullet")

    doc.add_heading("Agenda", level=1)
    for item in AGENDA:
        _paragraph(doc, item, style="List Bullet")

    for heading, text in SECTIONS:
        doc.add_heading(heading, level=1)
        _paragraph(doc, [text])
        if heading == "Mediation of disagreements":
            # Filled in when the agreement locks: what either party recorded before signing (Countersign).
            label = _paragraph(doc, [bold("Areas of disagreement recorded before signing:")], after=2)
            label.paragraph_format.keep_with_next = True
            recorded = _paragraph(doc, ["{{ recorded_disagreements }}"])
            recorded.paragraph_format.left_indent = Cm(0.63)

    doc.add_heading("Review of supervision", level=1)
    _paragraph(doc, [REVIEW])
    _paragraph(
        doc, ["This agreement will be reviewed by ", bold("{{ review_date }}"), "."]
    )

    doc.add_heading("Professional or Clinical Supervision", level=1)
    _paragraph(doc, [PROFESSIONAL])
    label = _paragraph(
        doc,
        [bold("Our arrangement for professional or clinical supervision:")],
        after=2,
    )
    label.paragraph_format.keep_with_next = True
    arrangement = _paragraph(doc, ["{{ professional_supervision }}"])
    arrangement.paragraph_format.left_indent = Cm(0.63)

    signed = doc.add_heading("Signed:", level=1)
    signed.paragraph_format.space_before = Pt(18)
    _signature_table(doc)

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def _paragraph(doc, parts, *, style=None, size=None, colour=None, after=None):
    # Each placeholder goes into a run of its own so Word never splits the {{ tag }}.
    p = doc.add_paragraph(style=style)
    for part in parts:
        run = p.add_run(part)
        run.bold = isinstance(part, bold) or None
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = colour
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    return p


def _bottom_border(paragraph):
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "8"),
        ("w:space", "6"),
        ("w:color", "0B0C0C"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    # The schema wants w:pBdr before w:spacing; Word rejects the file otherwise.
    paragraph._p.get_or_add_pPr().find(qn("w:spacing")).addprevious(border)


def _set_up_page(doc):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)


def _set_up_styles(doc):
    styles = doc.styles
    normal = styles["Normal"]
    _font(normal, size=11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for name in ("Heading 1", "List Bullet", "Header", "Footer", "Table Grid"):
        _font(styles[name])
    # The default Footer style's centre tab would put "Page 1 of 2" mid-page.
    for name in ("Header", "Footer"):
        styles[name].paragraph_format.tab_stops.clear_all()
    heading = styles["Heading 1"]
    heading.font.size = Pt(13)
    heading.font.bold = True
    heading.font.color.rgb = INK
    heading.paragraph_format.space_before = Pt(14)
    heading.paragraph_format.space_after = Pt(4)
    heading.paragraph_format.keep_with_next = True

    bullet = styles["List Bullet"]
    bullet.paragraph_format.space_after = Pt(4)

    # English (UK) so spelling and hyphenation follow the policy's language.
    for rpr in (
        normal.element.get_or_add_rPr(),
        doc.styles.element.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr")),
    ):
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "en-GB")


def _font(style, size=None):
    style.font.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)
    if size:
        style.font.size = Pt(size)
    style.font.color.rgb = INK


def _set_properties(doc):
    props = doc.core_properties
    props.title = "Supervision Agreement"
    props.subject = "London Borough of Havering Adult Social Care"
    props.author = "London Borough of Havering"
    props.comments = ""
    props.keywords = ""
    props.category = "Supervision agreement template v1"
    props.last_modified_by = ""
    props.revision = 1
    props.created = props.modified = datetime.datetime(2026, 1, 1)


def _header_and_footer(doc):
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = header.add_run("London Borough of Havering · Supervision Agreement")
    run.font.size = Pt(8)
    run.font.color.rgb = GREY

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    usable = section.page_width - section.left_margin - section.right_margin
    footer.paragraph_format.tab_stops.add_tab_stop(usable, alignment=2)  # right-aligned
    for text in ("Reference: ", "{{ document_reference }}", "\tPage "):
        _small(footer.add_run(text))
    _field(footer, "PAGE")
    _small(footer.add_run(" of "))
    _field(footer, "NUMPAGES")


def _small(run):
    run.font.size = Pt(8)
    run.font.color.rgb = GREY
    return run


def _field(paragraph, instruction):
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = paragraph.add_run("1")
    _small(run)
    run._r.addprevious(field)
    field.append(run._r)


def _signature_table(doc):
    table = doc.add_table(rows=3, cols=4)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(2.6), Cm(4.2), Cm(4.8), Cm(5.0))
    table.autofit = False
    # LibreOffice lays columns out from the grid, Word from the cells: set both.
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=False):
        col.w = width
    rows = [
        [bold(""), bold("Name"), bold("Signature"), bold("Date")],
        [
            bold("Supervisor"),
            "{{ supervisor_name }}",
            "{{ supervisor_signature }}",
            "{{ supervisor_signed_on }}",
        ],
        [
            bold("Supervisee"),
            "{{ supervisee_name }}",
            "{{ supervisee_signature }}",
            "{{ supervisee_signed_on }}",
        ],
    ]
    for row, cells in zip(table.rows, rows, strict=False):
        _no_split(row)
        if row._index > 0:
            row.height = Cm(1.4)
        for cell, width, content in zip(row.cells, widths, cells, strict=False):
            cell.width = width
            p = cell.paragraphs[0]
            p.paragraph_format.space_before = Pt(3)
            p.paragraph_format.space_after = Pt(3)
            run = p.add_run(content)
            run.bold = isinstance(content, bold) or None
            run.font.size = Pt(10)
    _repeat_header(table.rows[0])


def _no_split(row):
    trpr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)


def _repeat_header(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def output_path(shipped: pathlib.Path, out: pathlib.Path | None) -> pathlib.Path:
    """Where a template is written: over the shipped file, or at the same path (from the project root) under `out`."""
    return shipped if out is None else out / shipped.relative_to(ROOT)


def shown(path: pathlib.Path) -> pathlib.Path:
    """A path as printed: from the project root when it is inside the project."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def parse_out(argv: list[str] | None, description: str) -> pathlib.Path | None:
    """The one option the template builders share: --out DIR."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="write the template(s) into this folder instead of over the shipped ones")
    return parser.parse_args(argv).out


def main(argv: list[str] | None = None) -> None:
    path = output_path(SCHEMA.docx_path, parse_out(argv, __doc__.splitlines()[0]))
    build(path)
    found = template_variables(path)
    if found != SCHEMA.variables:
        sys.exit(
            f"Template and schema disagree: only in template {sorted(found - SCHEMA.variables)}, "
            f"only in schema {sorted(SCHEMA.variables - found)}"
        )
    print(f"Wrote {shown(path)} ({len(found)} variables)")


if __name__ == "__main__":
    main()
