"""Rendering many documents in one process frees what each render leaves behind, so a worker stays flat."""

from __future__ import annotations

import gc

from docx.package import Package

from doc_templates import get_schema, render_docx
from doc_templates.render import COLLECT_EVERY

FORM = {"frequency_weeks": "4", "minimum_length_minutes": "90", "absence_cover": "Priya Shah, Team Manager",
        "professional_supervision": "Monthly with the principal OT.", "start_date": "2027-03-05"}
SYSTEM = {"supervisor_name": "Alex Morgan", "supervisee_name": "Jordan Lee", "document_reference": "AGR-000001",
          "review_date": "5 March 2028", "supervisor_signature": "", "supervisor_signed_on": "",
          "supervisee_signature": "", "supervisee_signed_on": "", "recorded_disagreements": "None recorded."}


def _packages_alive() -> int:
    return sum(isinstance(o, Package) for o in gc.get_objects())


def test_what_each_render_leaves_in_reference_cycles_is_freed_every_few_renders():
    schema = get_schema("havering/supervision-agreement")
    values, errors = schema.validate(FORM)
    assert not errors
    context = schema.context(values, SYSTEM)
    gc.collect()
    gc.disable()  # only the renderer's own collections may free anything
    try:
        before = _packages_alive()
        for _ in range(COLLECT_EVERY * 2 - 1):
            render_docx(schema.docx_path, context)
        # Each render's Word package (and the XML trees it holds) is garbage in a cycle: without a collection
        # they would all still be here; with one every COLLECT_EVERY renders, at most that many are.
        assert _packages_alive() - before < COLLECT_EVERY
    finally:
        gc.enable()
