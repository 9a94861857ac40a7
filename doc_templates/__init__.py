"""Word templates per organisation, their field schemas, rendering and PDF conversion."""

from doc_templates.convert import ConversionError, docx_to_pdf
from doc_templates.render import clean_text, render_docx, template_variables
from doc_templates.schema import Field, TemplateSchema, get_schema, schemas

__all__ = [
    "ConversionError",
    "Field",
    "TemplateSchema",
    "clean_text",
    "docx_to_pdf",
    "get_schema",
    "render_docx",
    "schemas",
    "template_variables",
]
