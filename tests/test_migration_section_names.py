"""The migration that repairs disagreements whose section was stored as program text, on either database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from doc_templates import schemas
from storage import db as database
from storage.models import Disagreement
from tests.support.databases import unmigrated_database_url  # noqa: F401 - the fixture

STORED = "Section(key='wellbeing', title='Supervisee\u2019s Well Being', help='How are you, \\'really\\'?', part='Part A')"


def test_program_text_becomes_the_section_title_and_other_labels_stay(unmigrated_database_url):  # noqa: F811
    config = database.alembic_config(unmigrated_database_url)
    command.upgrade(config, "0008")
    engine = sa.create_engine(unmigrated_database_url)
    with engine.begin() as connection:
        run = connection.execute
        run(sa.text("INSERT INTO organisations (id, name, template_pack, created_at) "
                    "VALUES (1, 'H', 'havering', '2026-01-01')"))
        run(sa.text("INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, part_time, "
                    "appointed_from_overseas, created_at) VALUES (1, 1, 'S', 's@x.example', '', '', false, false, "
                    "'2026-01-01'), (2, 1, 'J', 'j@x.example', '', '', false, false, '2026-01-01')"))
        run(sa.text("INSERT INTO documents (id, organisation_id, kind, template_key, template_version, supervisor_id, "
                    "supervisee_id, created_by_id, data, state, content_version, created_at, retention_status) VALUES "
                    "(1, 1, 'record', 'havering/supervision-record', 1, 1, 2, 1, '{}', 'OUT_FOR_SIGNATURE', 1, "
                    "'2026-01-01', 'kept')"))
        for n, (key, label) in enumerate([("wellbeing", STORED), ("other", "Something else in the document"),
                                          ("aims", "Section(ours)")], start=1):
            run(sa.text("INSERT INTO disagreements (id, document_id, content_version, raised_by_id, party, section_key, "
                        "section_label, text, raised_after_lock, state, raised_at) VALUES (:id, 1, 1, 2, 'SUPERVISEE', "
                        ":key, :label, 'I disagree', false, 'OPEN', '2026-01-02')"),
                {"id": n, "key": key, "label": label})
    command.upgrade(config, "head")
    with engine.begin() as connection:
        labels = connection.execute(sa.text("SELECT section_label FROM disagreements ORDER BY id")).scalars().all()
        # The wider column takes a heading longer than the old 200 characters.
        connection.execute(sa.text("UPDATE disagreements SET section_label = :t WHERE id = 3"), {"t": "T" * 290})
        widened = connection.execute(sa.text("SELECT section_label FROM disagreements WHERE id = 3")).scalar_one()
    engine.dispose()
    assert labels == ["Supervisee\u2019s Well Being", "Something else in the document", "Section(ours)"]
    assert widened == "T" * 290


def test_every_templates_section_heading_fits_the_column():
    width = Disagreement.__table__.c.section_label.type.length
    longest = max(len(label) for schema in schemas() for label in
                  [s.title for s in schema.sections] + [f.label for f in schema.fields])
    assert longest <= width
