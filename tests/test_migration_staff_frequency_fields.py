"""The migration that adds the staff frequency fields turns free-text staff categories into codes from each policy."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from storage import db as database


def test_free_text_categories_become_policy_codes_and_part_time_a_flag(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = database.alembic_config(url)
    command.upgrade(config, "0001")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO organisations (id, name, template_pack, created_at) VALUES "
                                   "(1, 'H', 'havering', '2026-01-01'), (2, 'BD', 'barking-dagenham', '2026-01-01')")
        for n, (org, category) in enumerate([
            (1, "Newly qualified social worker"), (1, "Newly qualified OT (non-registered)"), (1, "Apprentice"),
            (1, "Admin officer"), (1, "Day opportunities worker"), (1, "Part-time social worker"),
            (1, "Senior practitioner"), (2, "Apprentice"), (2, "NQSW on ASYE"),
        ], start=1):
            connection.exec_driver_sql(
                "INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, created_at) "
                f"VALUES ({n}, {org}, 'P{n}', 'p{n}@x.example', '', ?, '2026-01-01')", (category,))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT staff_category, part_time FROM staff ORDER BY id").all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("newly_qualified_social_worker", 0), ("newly_qualified_non_registered", 0), ("apprentice", 0),
        ("non_case_holding", 0), ("day_opportunities", 0), ("all_staff", 1), ("all_staff", 0),
        ("all_staff", 0),  # B&D's policy has no apprentice category: every four to eight weeks as all staff
        ("newly_qualified_social_worker", 0),
    ]
