"""Templates, their schemas, rendering and PDF conversion."""

import io
import subprocess
import threading
import zipfile

import docx
import jinja2
import pytest
from lxml import etree

from doc_templates import (
    ConversionError,
    clean_text,
    docx_to_pdf,
    get_schema,
    render_docx,
    schemas,
    template_variables,
)
from doc_templates.schema import format_minutes
from storage.times import add_years, uk_date

AGREEMENT = "havering/supervision-agreement"
TRICKY = "O'Brien & <Sons>"

GOOD_FORM = {
    "frequency_weeks": "4",
    "minimum_length_minutes": "90",
    "absence_cover": "Sam Patel, Team Manager",
    "professional_supervision": "",
    "start_date": "2026-03-05",
}

REVIEW_COPY = {
    "supervisor_name": "Jane Smith",
    "supervisee_name": "Ali Khan",
    "review_date": "5 March 2027",
    "document_reference": "AGR-000123",
    "supervisor_signature": "",
    "supervisor_signed_on": "",
    "supervisee_signature": "",
    "supervisee_signed_on": "",
    "recorded_disagreements": "None recorded.",
}

# A distinctive phrase from every heading, clause and bullet of Appendix 1, in order.
APPENDIX_1 = [
    "London Borough of Havering",
    "Adult Social Care",
    "Supervision Agreement",
    "This agreement is between Jane Smith (Supervisor) and Ali Khan (Supervisee).",
    "We agree to abide by the ASC supervision policy and guidance",
    "mutual respect for each other’s skills, knowledge and experience.",
    "Arrangements for supervision",
    "We will meet for supervision every 4 weeks for a minimum of 1 hour 30 minutes.",
    "Supervision dates will be booked as far in advance as possible.",
    (
        "Scheduled dates will only be postponed due to unforeseen absence by either of us or in the "
        "event of a major incident occurring."
    ),
    (
        "Any postponed dates will be immediately re-scheduled and the session held within 7 days of "
        "postponement."
    ),
    (
        "We will hold sessions in an agreed designated space (or virtual meeting) free from "
        "interruptions."
    ),
    (
        "Observations of practice and dip sample case auditing are accepted as complementary "
        "functions forming part of supervision."
    ),
    (
        "If the supervisor is likely to be away for more than 1 month, supervision will be "
        "undertaken by Sam Patel, Team Manager, or another member of the management team as agreed "
        "with the supervisee."
    ),
    "Agenda",
    "We will prepare for supervision by identifying any work or issues to be addressed",
    "notify each other in advance about what we would like to discuss.",
    (
        "We will follow the set agenda but will prioritise as necessary at the beginning of the "
        "session."
    ),
    "time will be set aside during every session to allow for reflective practice and wellbeing.",
    "Recording",
    "We will agree who will take notes and how these notes will be shared and agreed.",
    "Decisions relating to case files will be recorded on LAS.",
    "Records relating to the supervisee will be held in their personal supervision file.",
    "Confidentiality",
    (
        "the content of supervision is usually confidential but acknowledge that this might not "
        "always be possible."
    ),
    (
        "auditing or inspection of supervision records for quality assurance purposes, following "
        "staff performance processes, absence issues."
    ),
    "Mediation of disagreements",
    (
        "these will be recorded on the supervision record and we will try to resolve them between "
        "ourselves in the first instance."
    ),
    "the supervisor’s supervisor will be asked to mediate in the first instance.",
    "Equalities",
    "equalities and anti-discriminatory practice is included in any case discussion.",
    (
        "Havering’s equalities and valuing diversity policies should underpin our conduct of "
        "supervision."
    ),
    "Review of supervision",
    (
        "We will review all aspects of supervision, including this contract, at least once a year, or "
        "as needed depending on changing circumstances or service requirements."
    ),
    "This agreement will be reviewed by 5 March 2027.",
    "Professional or Clinical Supervision",
    "Where the supervisor and supervisee are from different professions",
    "has access to regular supervision from a manager with the same professional qualification.",
    "None needed: the supervisor and supervisee are from the same profession",
    "Signed:",
]


def _schema():
    return get_schema(AGREEMENT)


def _render(form=None, system=None) -> bytes:
    schema = _schema()
    values, errors = schema.validate({**GOOD_FORM, **(form or {})})
    assert errors == {}
    return render_docx(
        schema.docx_path, schema.context(values, {**REVIEW_COPY, **(system or {})})
    )


def _open(rendered: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(rendered))


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def tricky_docx() -> bytes:
    names = {"supervisor_name": TRICKY, "supervisee_name": TRICKY}
    return _render({"absence_cover": TRICKY}, names)


# The template and its schema


def test_template_uses_exactly_the_schema_variables():
    schema = _schema()
    assert template_variables(schema.docx_path) == schema.variables


def test_schema_declares_the_agreed_form_and_system_fields():
    schema = _schema()
    assert [f.name for f in schema.fields] == [
        "frequency_weeks",
        "minimum_length_minutes",
        "absence_cover",
        "professional_supervision",
        "start_date",
    ]
    assert set(schema.system_fields) == set(REVIEW_COPY)
    assert (schema.title, schema.version) == ("Supervision agreement", 1)
    assert schema.docx_path.is_absolute() and schema.docx_path.exists()


def test_every_shipped_template_matches_its_schema():
    for schema in schemas():
        assert template_variables(schema.docx_path) == schema.variables, schema.key


def test_unknown_template_key_names_the_known_ones():
    with pytest.raises(KeyError, match="havering/supervision-agreement"):
        get_schema("havering/no-such-thing")


# Rendering


def test_missing_variable_raises_instead_of_printing_blank():
    schema = _schema()
    values, _ = schema.validate(GOOD_FORM)
    context = schema.context(values, REVIEW_COPY)
    del context["absence_cover"]
    with pytest.raises(jinja2.UndefinedError):
        render_docx(schema.docx_path, context)


@pytest.mark.parametrize(
    "missing", ["supervisee_name", "review_date", "supervisee_signed_on"]
)
def test_context_refuses_a_missing_system_value(missing):
    schema = _schema()
    values, _ = schema.validate(GOOD_FORM)
    system = {k: v for k, v in REVIEW_COPY.items() if k != missing}
    with pytest.raises(ValueError, match=missing):
        schema.context(values, system)


def test_context_refuses_a_missing_form_value():
    schema = _schema()
    values, _ = schema.validate(GOOD_FORM)
    del values["start_date"]
    with pytest.raises(ValueError, match="start_date"):
        schema.context(values, REVIEW_COPY)


def test_context_prints_dates_and_lengths_for_reading():
    schema = _schema()
    values, _ = schema.validate({**GOOD_FORM, "frequency_weeks": "1"})
    context = schema.context(values, REVIEW_COPY)
    assert context["start_date"] == "5 March 2026"
    assert context["minimum_length_minutes"] == "1 hour 30 minutes"
    assert context["frequency_weeks"] == "1 week"
    assert context["professional_supervision"].startswith("None needed")


def test_every_clause_of_appendix_1_is_in_the_document():
    document = _open(_render())
    text = _all_text(document)
    flat = " ".join(text.split())
    missing = [phrase for phrase in APPENDIX_1 if phrase not in flat]
    assert missing == []
    positions = [flat.index(phrase) for phrase in APPENDIX_1]
    assert positions == sorted(positions), "clauses are out of the policy's order"
    assert "{{" not in text and "}}" not in text


def test_signature_table_has_a_row_for_each_party():
    signed = {
        "supervisor_signature": "Signed electronically by Jane Smith",
        "supervisor_signed_on": "23 November 2026 14:05 GMT",
    }
    table = _open(_render(system=signed)).tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["", "Name", "Signature", "Date"],
        [
            "Supervisor",
            "Jane Smith",
            "Signed electronically by Jane Smith",
            "23 November 2026 14:05 GMT",
        ],
        ["Supervisee", "Ali Khan", "", ""],
    ]


def test_reference_is_printed_in_the_footer():
    document = _open(_render())
    footer = " ".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "AGR-000123" in footer


def test_names_with_markup_characters_print_exactly(tricky_docx):
    with zipfile.ZipFile(io.BytesIO(tricky_docx)) as package:
        etree.fromstring(package.read("word/document.xml"))
    text = _all_text(_open(tricky_docx))
    assert f"between {TRICKY} (Supervisor) and {TRICKY} (Supervisee)" in text
    assert f"undertaken by {TRICKY}, or another member" in text
    assert "&amp;" not in text and "&lt;" not in text

@pytest.mark.libreoffice

def test_names_with_markup_characters_print_exactly_in_the_pdf(tricky_docx):
    pdf = docx_to_pdf(tricky_docx)
    assert pdf.startswith(b"%PDF-")
    assert TRICKY in _pdf_text(pdf)


def test_control_characters_are_stripped():
    assert clean_text("a\x00b\x07c\x1bd\ufffee\ud800f\tg\nh\ri") == "abcdef\tg\nh\ri"
    nasty = "Ja\x00ne\x07 O\x1bBrien\ufffe"
    rendered = _render({"absence_cover": nasty}, {"supervisor_name": nasty})
    text = _all_text(_open(rendered))
    assert "Jane OBrien (Supervisor)" in text
    assert "undertaken by Jane OBrien," in text
    assert not any(ch in text for ch in "\x00\x07\x1b\ufffe")


def test_newlines_in_the_arrangement_become_line_breaks():
    rendered = _render(
        {"professional_supervision": "Monthly with Priya Shah\r\nOT group\nquarterly"}
    )
    paragraphs = [p for p in _open(rendered).paragraphs if "Priya Shah" in p.text]
    assert len(paragraphs) == 1
    assert paragraphs[0].text == "Monthly with Priya Shah\nOT group\nquarterly"
    assert len(paragraphs[0]._p.findall(".//" + docx.oxml.ns.qn("w:br"))) == 2


def test_template_code_typed_into_a_field_is_printed_not_run():
    rendered = _render(
        {"absence_cover": "{{ supervisor_name }} {% if 1 %}x{% endif %}"}
    )
    text = _all_text(_open(rendered))
    assert "undertaken by {{ supervisor_name }} {% if 1 %}x{% endif %}, or" in text


def test_each_render_starts_from_the_template_not_from_the_last_render():
    first = _all_text(_open(_render({"absence_cover": "Priya Shah, Team Manager"}, {"supervisee_name": "Ali Khan"})))
    second = _all_text(_open(_render({"absence_cover": "Tom Reed, Practice Lead"}, {"supervisee_name": "Bea Cole"})))
    assert "Priya Shah" in first and "Ali Khan" in first
    assert "Tom Reed" in second and "Bea Cole" in second
    assert "Priya Shah" not in second and "Ali Khan" not in second


def test_a_template_is_compiled_once_and_reused(monkeypatch):
    _render()  # whatever came before, this template's parts are now known
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *args, **kwargs: compiled.append(1) or original(self, *args, **kwargs))
    again = _all_text(_open(_render({"absence_cover": "Tom Reed, Practice Lead"})))
    assert compiled == []
    assert "Tom Reed, Practice Lead" in again


def test_the_styles_theme_fonts_numbering_and_settings_are_copied_as_they_are_not_parsed(monkeypatch):
    from docx.opc.part import XmlPart

    from doc_templates.render import AS_THEY_ARE

    parsed = []
    original = XmlPart.load.__func__
    monkeypatch.setattr(XmlPart, "load", classmethod(
        lambda cls, partname, content_type, *args: parsed.append(content_type) or original(cls, partname,
                                                                                          content_type, *args)))
    rendered = _render({"absence_cover": "Tom Reed, Practice Lead"})
    assert parsed and not AS_THEY_ARE & set(parsed)  # the body and its headers are parsed; those parts are not
    template = zipfile.ZipFile(_schema().docx_path)
    made = zipfile.ZipFile(io.BytesIO(rendered))
    for name in ("word/styles.xml", "word/theme/theme1.xml", "word/fontTable.xml", "word/numbering.xml",
                 "word/settings.xml"):
        if name in template.namelist():
            assert made.read(name) == template.read(name), name
    # Anywhere else python-docx reads them as usual: the rendered file's styles are all there.
    parsed.clear()
    assert len(_open(rendered).styles) > 10 and docx.opc.constants.CONTENT_TYPE.WML_STYLES in parsed


def _with_heading(heading: str) -> bytes:
    source = _schema().docx_path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as changed:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"Supervision Agreement", heading.encode())
            changed.writestr(item, data)
    return out.getvalue()


def test_each_version_of_a_template_renders_its_own_words():
    schema = _schema()
    values, _ = schema.validate(GOOD_FORM)
    context = schema.context(values, REVIEW_COPY)
    versions = [_with_heading("Supervision Agreement (first version)"),
                _with_heading("Supervision Agreement (second version)")]
    texts = [_all_text(_open(render_docx(version, context))) for version in versions + versions]
    assert ["first version" in text for text in texts] == [True, False, True, False]
    assert ["second version" in text for text in texts] == [False, True, False, True]


def test_renders_side_by_side_each_keep_their_own_values():
    names = [f"Person {i} O'Neil & <Co>" for i in range(6)]
    found: dict[str, str] = {}

    def render(name: str) -> None:
        found[name] = _all_text(_open(_render({"absence_cover": name})))

    threads = [threading.Thread(target=render, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        assert f"undertaken by {name}, or" in found[name]
        assert not any(other in found[name] for other in names if other != name)


# Checking the form


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("frequency_weeks", "", "Enter how often you will meet, in weeks"),
        (
            "frequency_weeks",
            "four",
            "Enter how often you will meet, in weeks, as a whole number from 1 to 13",
        ),
        (
            "frequency_weeks",
            "0",
            "Enter how often you will meet, in weeks, as a whole number from 1 to 13",
        ),
        (
            "frequency_weeks",
            "14",
            "Enter how often you will meet, in weeks, as a whole number from 1 to 13",
        ),
        (
            "frequency_weeks",
            "4.5",
            "Enter how often you will meet, in weeks, as a whole number from 1 to 13",
        ),
        (
            "minimum_length_minutes",
            "45",
            "Enter the minimum length of each session, in minutes, as a whole number from 60 to 180",
        ),
        (
            "absence_cover",
            "   ",
            "Enter who will supervise if the supervisor is away for more than 1 month",
        ),
        (
            "absence_cover",
            "x" * 201,
            (
                "Who will supervise if the supervisor is away for more than 1 month must be 200 "
                "characters or fewer"
            ),
        ),
        (
            "professional_supervision",
            "x" * 2001,
            (
                "The arrangement for professional or clinical supervision must be 2000 characters or "
                "fewer"
            ),
        ),
        ("start_date", "", "Enter the date supervision starts"),
        (
            "start_date",
            "31/02/2026",
            "The date supervision starts must be a real date",
        ),
        (
            "start_date",
            "2026-02-31",
            "The date supervision starts must be a real date",
        ),
        (
            "start_date",
            "0026-03-05",
            "The date supervision starts must be between the years 2000 and 2099",
        ),
    ],
)
def test_validate_says_what_to_do(field, typed, message):
    values, errors = _schema().validate({**GOOD_FORM, field: typed})
    assert errors == {field: message}
    assert field not in values


def test_validate_turns_good_input_into_typed_values():
    form = {
        **GOOD_FORM,
        "frequency_weeks": " 13 ",
        "absence_cover": "  Sam\n Patel ",
        "professional_supervision": " Line one\r\nLine two ",
        "unexpected": "ignored",
    }
    values, errors = _schema().validate(form)
    assert errors == {}
    assert values == {
        "frequency_weeks": 13,
        "minimum_length_minutes": 90,
        "absence_cover": "Sam Patel",
        "professional_supervision": "Line one\nLine two",
        "start_date": "2026-03-05",
    }


def test_validate_reports_every_missing_required_field():
    _, errors = _schema().validate({})
    assert set(errors) == {
        "frequency_weeks",
        "minimum_length_minutes",
        "absence_cover",
        "start_date",
    }


def test_form_defaults_pass_validation():
    schema = _schema()
    defaults = {f.name: f.default for f in schema.fields if f.default is not None}
    assert defaults == {"frequency_weeks": "4", "minimum_length_minutes": "60"}
    _, errors = schema.validate({**GOOD_FORM, **defaults})
    assert errors == {}


@pytest.mark.parametrize(
    ("minutes", "printed"),
    [
        (60, "1 hour"),
        (90, "1 hour 30 minutes"),
        (120, "2 hours"),
        (61, "1 hour 1 minute"),
        (45, "45 minutes"),
    ],
)
def test_format_minutes(minutes, printed):
    assert format_minutes(minutes) == printed


def test_dates_print_without_a_leading_zero_and_review_a_year_later():
    assert uk_date("2027-03-05") == "5 March 2027"
    assert add_years("2028-02-29", 1).isoformat() == "2029-02-28"


# Converting to PDF

@pytest.mark.libreoffice

def test_garbage_is_refused_not_converted():
    with pytest.raises(ConversionError, match="not a Word .docx"):
        docx_to_pdf(b"this is not a word document" * 100, timeout=30)

@pytest.mark.libreoffice

def test_a_damaged_docx_raises_conversion_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<not-closed")
    with pytest.raises(ConversionError):
        docx_to_pdf(buffer.getvalue(), timeout=60)

@pytest.mark.libreoffice

def test_a_slow_conversion_is_stopped():
    with pytest.raises(ConversionError, match="longer than"):
        docx_to_pdf(_render(), timeout=0.05)

@pytest.mark.libreoffice

def test_conversions_can_run_side_by_side():
    rendered = _render()
    results: list = [None, None]

    def convert(i):
        try:
            results[i] = docx_to_pdf(rendered)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            results[i] = exc

    threads = [threading.Thread(target=convert, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    for result in results:
        assert isinstance(result, bytes) and result.startswith(b"%PDF-"), result
        assert "We will meet for supervision every 4 weeks" in _pdf_text(result)
