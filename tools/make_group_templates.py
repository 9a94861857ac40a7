"""Build the group session record templates of both councils.

Run from the project root:  python -m tools.make_group_templates [--out DIR]
(--out writes the templates into DIR instead of over the shipped ones.)
Each says what its policy says of group and reflective supervision (H 5.2 and 5.3, B 4.3 and 4.4), then the
session, the discussion and actions, and one row per person for their signature or their absence.
"""

from docx.shared import Cm, Pt

from doc_templates.packs.barking_dagenham.group_record import SCHEMA as BD_GROUP
from doc_templates.packs.havering.group_record import SCHEMA as HAVERING_GROUP

from .make_havering_agreement import GREY, _paragraph, bold, output_path, parse_out
from .make_templates import _check, _new_document, _rows_table, _table

SUBTITLES = {
    HAVERING_GROUP.key: "ASC Supervision Policy v1.2, 5.2 Group Supervision and 5.3 Reflective Supervision",
    BD_GROUP.key: "Adults Care and Support Supervision Policy, 4.3 Group Supervision and 4.4 Reflective Supervision",
}
SIGNING = ("Each person who attended signs this record from their own emailed link; anyone who did not attend is "
           "recorded as absent, not removed. The record locks when everyone has answered.")


def build_group_record(schema, path):
    doc = _new_document(schema.pack, schema.title, SUBTITLES[schema.key])
    grouped = {section.key: (section, fields) for section, fields in schema.grouped() if section is not None}
    session, fields = grouped["session"]
    _paragraph(doc, [session.help], size=9.5, colour=GREY)
    _table(doc, [bold("Facilitator:"), "{{ supervisor_name }}"],
           [[bold(f.label + ":"), f"{{{{ {f.name} }}}}"] for f in fields], (Cm(5.0), Cm(11.6)))
    for key in [k for k in grouped if k != "session"]:
        section, fields = grouped[key]
        doc.add_heading(section.title, level=1)
        if section.help:
            _paragraph(doc, [section.help], size=9, colour=GREY)
        for f in fields:
            if f.is_rows:
                _rows_table(doc, f.name, f.kind)
            elif f.kind == "date":
                _paragraph(doc, [bold(f.label + ": "), f"{{{{ {f.name} }}}}"])
            else:
                _paragraph(doc, [f"{{{{ {f.name} }}}}"])
    heading = doc.add_heading("Attendance and signatures", level=1)
    heading.paragraph_format.space_before = Pt(14)
    # The heading and its note stay with the table of signatures, never alone at the foot of a page.
    _paragraph(doc, [SIGNING], size=9, colour=GREY).paragraph_format.keep_with_next = True
    _table(doc, [bold("Name"), bold("Role"), bold("Signature or absence"), bold("Date")],
           [["{%tr for row in attendance %}", "", "", ""],
            ["{{ row.name }}", "{{ row.role }}", "{{ row.signature }}", "{{ row.signed_on }}"],
            ["{%tr endfor %}", "", "", ""]],
           (Cm(3.8), Cm(2.6), Cm(6.4), Cm(3.8)))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


def main(argv: list[str] | None = None) -> None:
    out = parse_out(argv, __doc__.splitlines()[0])
    for schema in (HAVERING_GROUP, BD_GROUP):
        path = output_path(schema.docx_path, out)
        build_group_record(schema, path)
        _check(schema, path)


if __name__ == "__main__":
    main()
