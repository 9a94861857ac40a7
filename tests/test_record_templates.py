"""The four templates of both councils' packs, rendered from full and minimal data, read back, and made into PDFs."""

import io
import subprocess

import docx
import pytest

from doc_templates import docx_to_pdf, get_schema, render_docx, template_variables
from doc_templates.schema import ROW_COLUMNS, check_case_reference
from storage.times import uk_date

SYSTEM = {
    "supervisor_name": "Sam Taylor",
    "supervisee_name": "Jo O'Brien & <Sons>",
    "review_date": "1 December 2027",
    "document_reference": "DOC-000042",
    "supervisor_signature": "Signed electronically by Sam Taylor",
    "supervisor_signed_on": "2 December 2026 at 10:00 GMT (UTC+00:00)",
    "supervisee_signature": "Signed electronically by Jo O'Brien & <Sons>",
    "supervisee_signed_on": "2 December 2026 at 10:05 GMT (UTC+00:00)",
    "recorded_disagreements": "Jo O'Brien & <Sons> disagreed with the frequency before signing.",
}

AGREEMENT_FULL = {"frequency_weeks": "6", "minimum_length_minutes": "90", "absence_cover": "Morgan Lee, Team Manager",
                  "professional_supervision": "Monthly group supervision with the principal OT", "start_date": "2026-12-01"}
AGREEMENT_MINIMAL = {"frequency_weeks": "4", "minimum_length_minutes": "60", "absence_cover": "Morgan Lee",
                     "start_date": "2026-12-01"}

AGREEMENT_HEADINGS = {
    "havering/supervision-agreement": ["Supervision Agreement", "Arrangements for supervision", "Agenda", "Recording",
                                       "Confidentiality", "Mediation of disagreements", "Equalities",
                                       "Review of supervision", "Professional or Clinical Supervision", "Signed:"],
    "barking-dagenham/supervision-agreement": ["Supervision Agreement", "Arrangements for supervision", "Agenda",
                                               "Recording", "Confidentiality", "Mediation of disagreements",
                                               "Equality, Diversity and Inclusion", "Review of supervision",
                                               "Professional Supervision", "Signed:"],
}
SIGNATURE_LINES = {
    "havering/supervision-record": ["Signed (Supervisor)", "Signed (Supervisee)", "PART A", "PART B",
                                    "Case Load Details", "Name of Supervisee:", "Name of Supervisor:"],
    "barking-dagenham/supervision-record": ["Signed: (Supervisor / Line Manager)", "Signed: (Supervisee)",
                                            "Name of Supervisee:", "Name of Supervisor:"],
    "havering/supervision-agreement": ["Supervisor", "Supervisee"],
    "barking-dagenham/supervision-agreement": ["Supervisor", "Supervisee", "(4-8 weeks)",
                                               "a minimum of 1 hour, not exceeding 3 hours"],
}


# Barking and Dagenham's record keeps its Appendix 2's two-column Subject | Comment/discussion table: these sections
# are its rows (titled in the table, each prompt a bullet), not headings.
TABLE_ROWS = {"barking-dagenham/supervision-record": ("checking_in", "leave", "review", "team", "high_risk", "reflective",
                                                      "legal", "learning", "professional", "service", "aob")}


def record_full(schema) -> dict[str, str]:
    """Every field of a record filled, each with a value that can be found again in the document."""
    form = {}
    for f in schema.fields:
        if f.kind == "textarea":
            form[f.name] = f"Discussed {f.name.replace('_', ' ')} at length"
        elif f.kind == "text":
            form[f.name] = f"Typed {f.name.replace('_', ' ')}"
        elif f.kind == "int":
            form[f.name] = str(10 + len(form))
        elif f.kind == "date":
            form[f.name] = "2026-12-01" if f.name == "supervision_date" else "2027-01-05"
        elif f.kind == "actions":
            for i in range(2):
                form[f"{f.name}-{i}-what"] = f"Do {f.name.replace('_', ' ')} task {i + 1}"
                form[f"{f.name}-{i}-who"] = "Jo O'Brien" if i else "Sam Taylor"
                form[f"{f.name}-{i}-by_when"] = f"2027-01-{10 + i}"
        elif f.kind == "review":
            for i, outcome in enumerate(("done", "carried")):
                form[f"{f.name}-{i}-what"] = f"Reviewed action {i + 1}"
                form[f"{f.name}-{i}-who"] = "Sam Taylor"
                form[f"{f.name}-{i}-by_when"] = "2026-11-20"
                form[f"{f.name}-{i}-outcome"] = outcome
        elif f.kind == "cases":
            form[f"{f.name}-0-reference"] = "LAS-123456 J.B."
            form[f"{f.name}-1-reference"] = "654321 KM"
    return form


def data_sets(key):
    schema = get_schema(key)
    if schema.key.endswith("agreement"):
        return {"full": AGREEMENT_FULL, "minimal": AGREEMENT_MINIMAL}
    return {"full": record_full(schema), "minimal": {"supervision_date": "2026-12-01"}}


CASES = [(key, which) for key in ("havering/supervision-agreement", "havering/supervision-record",
                                  "barking-dagenham/supervision-agreement", "barking-dagenham/supervision-record")
         for which in ("full", "minimal")]


def _render(key, which):
    schema = get_schema(key)
    values, errors = schema.validate(data_sets(key)[which])
    assert errors == {}
    system = {n: SYSTEM[n] for n in schema.system_fields}
    return schema, values, render_docx(schema.docx_path, schema.context(values, system))


def _text(rendered: bytes) -> str:
    document = docx.Document(io.BytesIO(rendered))
    parts = [p.text for p in document.paragraphs]
    tables = list(document.tables)
    while tables:  # with the tables inside cells (Barking and Dagenham's actions in its Subject | Comment table)
        table = tables.pop(0)
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                tables.extend(cell.tables)
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def _headings(rendered: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(rendered))
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def _expected_values(schema, values) -> list[str]:
    """Every value as the document should print it, row by row for lists."""
    expected = []
    for f in schema.fields:
        printed = f.printed(values.get(f.name))
        if f.is_rows:
            expected += [row[col] for row in printed for col in ROW_COLUMNS[f.kind] if row[col]]
        else:
            expected.append(printed)
    return expected


@pytest.mark.parametrize("key,which", CASES)
def test_template_prints_every_section_heading_and_every_value(key, which):
    schema, values, rendered = _render(key, which)
    text = _text(rendered)
    headings = _headings(rendered)
    if schema.sections:
        in_table = TABLE_ROWS.get(key, ())
        wanted = [s.title for s in schema.sections if s.key != "session" and s.key not in in_table] + ["Signed:"]
        assert [h for h in headings if h not in ("PART A", "PART B")] == wanted
        for section in schema.sections:
            assert section.key == "session" or section.title in text, section.title
    else:
        for heading in AGREEMENT_HEADINGS[key][1:]:
            assert heading in headings, heading
        assert AGREEMENT_HEADINGS[key][0] in text
    for line in SIGNATURE_LINES[key]:
        assert line in text, line
    for value in _expected_values(schema, values):
        assert value in text, (value, key, which)
    for name, value in SYSTEM.items():
        if name in schema.system_fields:
            assert value in text, value
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("key", [k for k, w in CASES if w == "full"])
def test_full_data_set_prints_the_typed_words_and_the_prompts(key):
    schema, values, rendered = _render(key, "full")
    text = _text(rendered)
    for section in schema.sections:
        if section.help and section.key != "session" and section.key not in TABLE_ROWS.get(key, ()):
            assert section.help[:60] in text, section.key
    if "record" in key:
        assert "Reviewed action 2" in text and "Carried on" in text and "Done" in text
        assert uk_date("2027-01-10") in text


@pytest.mark.parametrize("key", [k for k, w in CASES if w == "minimal"])
def test_minimal_data_set_says_what_was_left_blank(key):
    schema, values, rendered = _render(key, "minimal")
    text = _text(rendered)
    blanks = {f.blank_text for f in schema.fields if not f.required and f.blank_text}
    for blank in blanks:
        assert blank in text, blank


@pytest.mark.libreoffice
@pytest.mark.parametrize("key,which", CASES)
def test_pdf_of_each_template_opens(key, which):
    schema, values, rendered = _render(key, which)
    pdf = docx_to_pdf(rendered, timeout=120)
    assert pdf.startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 1
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())
    assert "Jo O'Brien & <Sons>" in text
    assert "Signed electronically by Sam Taylor" in text


def test_every_template_uses_exactly_its_schema_variables():
    for key in {k for k, _ in CASES}:
        schema = get_schema(key)
        assert template_variables(schema.docx_path) == schema.variables, key


def test_record_schemas_share_the_date_fields_the_schedule_reads():
    for key in ("havering/supervision-record", "barking-dagenham/supervision-record"):
        schema = get_schema(key)
        assert schema.field("supervision_date").kind == "date" and schema.field("supervision_date").required
        assert schema.field("next_supervision_date").kind == "date"


def test_every_record_prompt_shows_as_help_in_the_form():
    for key, phrases in {
        "havering/supervision-record": ["Physical/emotional wellbeing, work life balance",
                                        "Remember to ensure the ‘complexity flag’",
                                        "Knowledge and Skills Statement for SW", "compliments and complaints"],
        "barking-dagenham/supervision-record": ["Health and safety (including EDI matters)", "Dependency leave",
                                                "Use collaborative decision making techniques",
                                                "CPD overview – how to upload on registration body",
                                                "especially if the supervisee is a budget holder"],
    }.items():
        help_text = " ".join(s.help for s in get_schema(key).sections)
        for phrase in phrases:
            assert phrase in help_text, phrase


# Case references: ID and initials only, never a name (H 7.2 e)


@pytest.mark.parametrize("typed", ["LAS-123456 J.B.", "123456 JB", "ID 12345 J.B.", "LAS:998877 a.b.",
                                   "12345 JBS", "JB 123456"])
def test_case_id_and_initials_pass(typed):
    assert check_case_reference(typed, "Havering policy 7.2 e") is None


@pytest.mark.parametrize("typed", ["123456 John Brown", "LAS-123456 Smith", "Jo 123456", "123456 JOHNSON",
                                   "Smith123456 JB", "Mr 123456 JB"])
def test_a_name_in_a_case_reference_is_refused_citing_the_policy(typed):
    message = check_case_reference(typed, "Havering policy 7.2 e")
    assert message and "looks like it contains a name" in message
    assert "ID and initials only (Havering policy 7.2 e)" in message


@pytest.mark.parametrize("typed,says", [("J.B.", "Enter the case-system ID"), ("123456", "Add the person’s initials")])
def test_a_case_reference_needs_both_id_and_initials(typed, says):
    assert says in check_case_reference(typed)


def test_the_record_form_refuses_a_named_case_and_keeps_the_good_one():
    schema = get_schema("havering/supervision-record")
    values, errors = schema.validate({"supervision_date": "2026-12-01", "cases_discussed-0-reference": "123456 JB",
                                      "cases_discussed-1-reference": "Mary Jones 654321"})
    assert errors["cases_discussed"].startswith("Case 2: “Mary Jones 654321” looks like it contains a name (Mary, Jones)")
    assert "Havering policy 7.2 e" in errors["cases_discussed"]


@pytest.mark.parametrize("typed", ["3.5", "-1", "twelve", "1e3"])
def test_caseload_figures_are_whole_numbers(typed):
    schema = get_schema("havering/supervision-record")
    _, errors = schema.validate({"supervision_date": "2026-12-01", "caseload_current": typed})
    assert errors["caseload_current"] == "Enter current caseload as a whole number from 0 to 9999"


def test_every_action_needs_an_owner_and_a_timescale():
    schema = get_schema("havering/supervision-record")
    _, errors = schema.validate({"supervision_date": "2026-12-01", "team_actions-0-what": "Book training",
                                 "team_actions-1-what": "Call", "team_actions-1-who": "Sam",
                                 "team_actions-1-by_when": "2027-02-30"})
    assert errors["team_actions"] == (
        "Action 1: enter who will do it and by when (every action has an owner and a timescale); "
        "Action 2: by when must be a real date")


def test_a_reviewed_action_must_be_marked_done_or_carried_on():
    schema = get_schema("barking-dagenham/supervision-record")
    _, errors = schema.validate({"supervision_date": "2026-12-01", "action_review-0-what": "Book training",
                                 "action_review-0-who": "Sam", "action_review-0-by_when": "2026-11-01"})
    assert errors["action_review"] == "Action 1: say whether “Book training” is done or carried on"


def test_barking_and_dagenhams_record_is_its_appendix_2_table_with_the_supervisee_signing_first():
    schema, values, rendered = _render("barking-dagenham/supervision-record", "full")
    document = docx.Document(io.BytesIO(rendered))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Subject")
    assert table.rows[0].cells[1].text == "Comment/discussion"
    assert [row.cells[0].paragraphs[0].text for row in table.rows[1:]] == [
        {s.key: s.title for s in schema.sections}[key] for key in TABLE_ROWS[schema.key]]
    checking_in = table.rows[1].cells[0].text
    assert "· Physical/emotional wellbeing" in checking_in and "· Health and safety (including EDI matters)" in checking_in
    review = table.rows[3].cells[0].text
    assert "· Work related actions" in review and "· Non work related actions" in review
    text = _text(rendered)
    assert "Work related actions:" in text and "Non work related actions:" in text
    assert "Do non work actions task 1" in text and "Do agreed actions task 1" in text
    signed = document.tables[-1]
    assert [row.cells[0].text for row in signed.rows[1:]] == ["Signed: (Supervisee)",
                                                              "Signed: (Supervisor / Line Manager)"]


def test_barking_and_dagenhams_agreement_prints_disagreements_recorded_before_signing():
    _, _, rendered = _render("barking-dagenham/supervision-agreement", "full")
    text = _text(rendered)
    assert "Disagreements recorded before signing:" in text and SYSTEM["recorded_disagreements"] in text
