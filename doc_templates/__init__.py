"""Word templates per organisation, their field schemas, rendering and PDF conversion."""

from doc_templates.libreoffice import ConversionError
from doc_templates.packs import PACKS, get_schema, pack_schema, schemas
from doc_templates.pdf import docx_to_pdf
from doc_templates.render import clean_text, render_docx, template_variables
from doc_templates.schema import Field, TemplateSchema

__all__ = [
    "PACKS",
    "ConversionError",
    "Field",
    "TemplateSchema",
    "clean_text",
    "docx_to_pdf",
    "get_schema",
    "pack_schema",
    "render_docx",
    "schemas",
    "template_variables",
]
