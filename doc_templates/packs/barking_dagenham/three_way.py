"""Barking and Dagenham's three-way meeting record (Adults Care and Support Supervision Policy, 4.5): the
supervisee, their line manager and their professional supervisor, from time to time."""

import pathlib

from doc_templates.packs.forms import SIGNED, three_way_fields
from doc_templates.schema import TemplateSchema

SCHEMA = TemplateSchema(
    key="barking-dagenham/three-way-meeting",
    title="Three-way meeting record",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "three-way-meeting-v1.docx",
    fields=three_way_fields("“Where there is a professional supervisor involved, the line manager, professional "
                            "supervisor and supervisee should work together collaboratively, for example occasional "
                            "3-way meetings and sharing supervision notes” (4.5)."),
    system_fields=(*SIGNED, "professional_supervisor_name"),
)
