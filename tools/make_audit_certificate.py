"""Build the audit certificate .docx template that follows every locked document.

Run from the project root:  python -m tools.make_audit_certificate [--out DIR]
(--out writes the template into DIR instead of over the shipped one.)
It shares the agreement's page, fonts and styles, so both print alike through LibreOffice.
"""

import datetime
import pathlib
import sys

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from doc_templates.certificate import TEMPLATE_PATH, VARIABLES
from doc_templates.render import template_variables

from .make_havering_agreement import (
    GREY,
    _field,
    _font,
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

MONO = "Courier New"  # printed with the metric-compatible Liberation Mono
# The height, in points, of the band kept clear at the foot of the first page for the pages' SHA-256.
PAGES_HASH_BAND = 16


def build(path: pathlib.Path) -> None:
    doc = Document()
    _set_up_page(doc)
    _set_up_styles(doc)
    _font(doc.styles["Heading 2"])
    doc.styles["Heading 2"].font.size = Pt(11)
    doc.styles["Heading 2"].font.bold = True
    props = doc.core_properties
    props.title, props.author, props.revision = "Audit certificate", "Countersign", 1
    props.created = props.modified = datetime.datetime(2026, 1, 1)

    _footer(doc)
    doc.add_heading("Audit certificate", level=1)
    _paragraph(doc, [
        "This page is part of the signed document before it. It records who signed, when and how, and the "
        "fingerprints (SHA-256) of what each person reviewed. The whole file is sealed with ",
        "{{ organisation }}", "’s digital seal: any change to it breaks the seal.",
    ], size=9)

    _table(doc, (Cm(4.6), Cm(12.0)), [
        [bold("Document"), "{{ title }}"],
        [bold("Reference"), "{{ reference }} (document id {{ document_id }})"],
        [bold("Organisation"), "{{ organisation }}"],
        [bold("Template"), "{{ template }}, version {{ template_version }} (content version {{ content_version }})"],
        [bold("Locked"), "{{ locked_at }}"],
        [bold("Final content (Word) SHA-256"), ("mono", "{{ final_docx_sha256 }}")],
        [bold("Final document pages (PDF) SHA-256"), ("mono", "{{ final_pages_sha256 }}")],
    ])

    doc.add_heading("Signatures", level=2)
    _table(doc, (Cm(4.6), Cm(12.0)), [
        ["{%tr for s in signatures %}", ""],
        [bold("{{ s.party }}"), "{{ s.name }}\n{{ s.email }}"],
        ["Signed", "{{ s.signed_at }}"],
        ["How", "{{ s.how }}"],
        ["From", "IP address {{ s.ip_address }}; browser {{ s.user_agent }}"],
        ["Reviewed PDF SHA-256", ("mono", "{{ s.reviewed_sha256 }}")],
        ["{%tr endfor %}", ""],
    ])

    doc.add_heading("Consent each signer gave", level=2)
    _paragraph(doc, ["“", "{{ consent_text }}", "”"], size=9)

    doc.add_heading("Audit trail", level=2)
    _table(doc, (Cm(3.6), Cm(6.6), Cm(6.4)), [
        [bold("When (UK time)"), bold("What and who"), bold("From")],
        ["{%tr for e in events %}", "", ""],
        ["{{ e.at }}", "{{ e.what }}", "{{ e.source }}"],
        ["{%tr endfor %}", "", ""],
    ], header=True, size=8)
    _paragraph(doc, [
        "Times are UK local time with the offset from UTC. Check the seal with any PDF reader, with ",
        "“pdfsig”, or at ", "{{ verify_url }}", ".",
    ], size=8, colour=GREY)

    doc.add_heading("Disagreements and notes recorded before locking", level=2)
    _paragraph(doc, ["{%p if annotations %}"], size=9)
    _table(doc, (Cm(3.6), Cm(6.6), Cm(6.4)), [
        [bold("When (UK time)"), bold("What and who"), bold("In their words")],
        ["{%tr for a in annotations %}", "", ""],
        ["{{ a.at }}", "{{ a.what }}\n{{ a.who }}", "{{ a.text }}"],
        ["{%tr endfor %}", "", ""],
    ], header=True, size=8)
    _paragraph(doc, ["{%p else %}"], size=9)
    _paragraph(doc, ["None: neither party recorded a disagreement with the version they signed."], size=9)
    _paragraph(doc, ["{%p endif %}"], size=9)

    # The last page is kept for what is added after sealing: each annotation is sealed in as a visible
    # signature whose box is drawn on this page (workflows/annotated_pdf.py knows where).
    reserved = doc.add_heading("Annotations added after sealing", level=1)
    reserved.paragraph_format.page_break_before = True
    _paragraph(doc, [
        "This page is kept on purpose for disagreements, resolutions, mediation outcomes and notes added after "
        "the document was locked. Each appears below in a box, newest last, as its own sealed revision of this "
        "file; the document as signed is unchanged before it. If there is no box below, nothing has been added.",
    ], size=9, colour=GREY)

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def _footer(doc):
    """Every page: the document's reference, and its page number in the whole file (the document's pages come
    first, so the certificate's numbering starts after them and the total counts both). The first page's foot
    also keeps a band clear above that line, where the SHA-256 of the document's pages is drawn when the
    certificate is converted beside the document rather than after it (workflows/lock.py knows where)."""
    section = doc.sections[0]
    number_from = OxmlElement("w:pgNumType")
    number_from.set(qn("w:start"), "{{ first_page }}")
    section._sectPr.find(qn("w:pgMar")).addnext(number_from)  # where the schema puts it
    section.different_first_page_header_footer = True
    band = section.first_page_footer.paragraphs[0]
    band.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    band.paragraph_format.line_spacing = Pt(PAGES_HASH_BAND)
    band.paragraph_format.space_before = band.paragraph_format.space_after = Pt(0)
    for paragraph in (section.footer.paragraphs[0], section.first_page_footer.add_paragraph()):
        _page_line(paragraph, section)


def _page_line(footer, section):
    footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    usable = section.page_width - section.left_margin - section.right_margin
    footer.paragraph_format.tab_stops.add_tab_stop(usable, alignment=2)  # right-aligned
    for text in ("Reference: ", "{{ reference }}", " · Audit certificate\tPage "):
        _small(footer.add_run(text))
    _field(footer, "PAGE")
    _small(footer.add_run(" of {{ total_pages }}"))


def _table(doc, widths, rows, *, header=False, size=9):
    table = doc.add_table(rows=len(rows), cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=False):
        col.w = width
    for row, cells in zip(table.rows, rows, strict=False):
        _no_split(row)
        for cell, width, content in zip(row.cells, widths, cells, strict=False):
            cell.width = width
            p = cell.paragraphs[0]
            p.paragraph_format.space_before = Pt(2)
            p.paragraph_format.space_after = Pt(2)
            p.paragraph_format.line_spacing = 1.0
            mono = isinstance(content, tuple)
            run = p.add_run(content[1] if mono else content)
            run.bold = isinstance(content, bold) or None
            run.font.size = Pt(size - 1 if mono else size)
            if mono:
                run.font.name = MONO
    if header:
        _repeat_header(table.rows[0])
    return table


def main(argv: list[str] | None = None) -> None:
    path = output_path(TEMPLATE_PATH, parse_out(argv, __doc__.splitlines()[0]))
    build(path)
    found = template_variables(path)
    if found != VARIABLES:
        sys.exit(f"Template and code disagree: only in template {sorted(found - VARIABLES)}, "
                 f"only in code {sorted(VARIABLES - found)}")
    print(f"Wrote {shown(path)} ({len(found)} variables)")


if __name__ == "__main__":
    main()
