"""Havering's three-way meeting record (ASC Supervision Policy v1.2, 5.5): twice a year, the supervisee, their line
manager and their professional supervisor."""

import pathlib

from doc_templates.packs.forms import SIGNED, three_way_fields
from doc_templates.schema import TemplateSchema

SCHEMA = TemplateSchema(
    key="havering/three-way-meeting",
    title="Three-way meeting record",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "three-way-meeting-v1.docx",
    fields=three_way_fields("“Where there is a professional supervisor involved, the line manager, professional "
                            "supervisor and supervisee should work together collaboratively for example, twice a year "
                            "3-way meetings and sharing supervision notes” (5.5)."),
    system_fields=(*SIGNED, "professional_supervisor_name"),
)
