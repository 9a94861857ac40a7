"""The audit certificate that follows a locked document: its Word template, and joining it to the document."""

from __future__ import annotations

import io
import pathlib

import pikepdf

from doc_templates.render import render_docx

TEMPLATE_PATH = pathlib.Path(__file__).resolve().parent / "audit-certificate-v1.docx"
VARIABLES = {
    "title", "reference", "document_id", "organisation", "template", "template_version", "content_version",
    "locked_at", "final_docx_sha256", "final_pages_sha256", "signatures", "consent_text", "events",
    "verify_url", "annotations", "first_page", "total_pages",
}


def render_certificate(context: dict) -> bytes:
    """The certificate as a Word file, filled (and escaped) from the given values."""
    return render_docx(TEMPLATE_PATH, context)


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        return len(opened.pages)


def append_pages(document_pdf: bytes, certificate_pdf: bytes) -> bytes:
    """The document with the certificate's pages after it, keeping the document's PDF/A identification."""
    with pikepdf.open(io.BytesIO(document_pdf)) as document, pikepdf.open(io.BytesIO(certificate_pdf)) as certificate:
        # Pages are copied with their own resources, so the certificate's embedded fonts come along;
        # the catalogue (XMP pdfaid, OutputIntent) stays the document's.
        document.pages.extend(certificate.pages)
        out = io.BytesIO()
        # Uncompressed object streams and a classic xref keep the file simple for PDF/A readers and pyHanko.
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=True)
        return out.getvalue()
