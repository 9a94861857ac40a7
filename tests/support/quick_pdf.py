"""A quick Word-to-PDF converter for tests of everything but conversion: the document's words, page by page.

It keeps what the rest of Countersign reads back from a PDF: the text (for pdftotext), A4 pages, and the page
breaks a template asks for (the audit certificate's page kept for annotation stamps). Tests of conversion itself,
PDF/A, the seal as evidence and the browser journeys use LibreOffice.
"""

from __future__ import annotations

import io
import textwrap

from docx import Document as WordDocument
from docx.oxml.ns import qn
from fpdf import FPDF

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"
LINE_CHARACTERS = 110


def quick_pdf(docx: bytes, timeout: float) -> bytes:
    """A plain PDF of the Word file's paragraphs and table cells, in order."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("Liberation", fname=FONT)
    pdf.set_font("Liberation", size=9)
    pdf.add_page()
    for text, new_page in _paragraphs(WordDocument(io.BytesIO(docx))):
        if new_page:
            pdf.add_page()
        for line in _wrapped(text):
            pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _wrapped(text: str) -> list[str]:
    # Wrapped by characters rather than measured glyph by glyph: quick, and a line never runs off the page.
    return [line for paragraph in text.split("\n") for line in textwrap.wrap(paragraph, LINE_CHARACTERS) or [""]]


def _paragraphs(document):
    """(text, starts a new page) for every paragraph of the body, table cells included, in reading order."""
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            yield _text(block), _page_break(block)
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = [" ".join(_text(p) for p in cell.iter(qn("w:p"))) for cell in row.iter(qn("w:tc"))]
                yield " | ".join(c for c in cells if c), False


def _text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        parts.append(node.text or "" if node.tag == qn("w:t") else "\n" if node.tag == qn("w:br") else " ")
    return "".join(parts).strip()


def _page_break(paragraph) -> bool:
    if paragraph.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None:
        return True
    return any(br.get(qn("w:type")) == "page" for br in paragraph.iter(qn("w:br")))
