"""disagreement section names: the heading's title where a record's section was stored as program text

Revision ID: section_names
Revises: 0009_council_identity
Create Date: 2026-11-30 09:00:00
"""

import ast
import re

from alembic import op
import sqlalchemy as sa


revision = 'section_names'
down_revision = '0009_council_identity'
branch_labels = None
depends_on = None

# What was stored for a record's section: "Section(key='wellbeing', title='Supervisee’s Well Being', help=…)".
_TITLE = re.compile(r"""\btitle=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def title_of(stored: str) -> str | None:
    """The section's title inside the stored program text, or None if it is not that text."""
    if not stored.startswith("Section("):
        return None
    found = _TITLE.search(stored)
    if found is None:
        return None
    try:
        title = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return None
    return title if isinstance(title, str) and title.strip() else None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('disagreements', schema=None) as batch_op:
        batch_op.alter_column('section_label', existing_type=sa.String(length=200), type_=sa.String(length=300),
                              existing_nullable=False)
    rows = bind.execute(sa.text("SELECT id, section_label FROM disagreements WHERE section_label LIKE 'Section(%'"))
    for row in rows.all():
        title = title_of(row.section_label)
        if title is not None:
            bind.execute(sa.text("UPDATE disagreements SET section_label = :title WHERE id = :id"),
                         {"title": title[:300], "id": row.id})


def downgrade() -> None:
    # The repaired titles stay: the program text was never meant to be stored.
    with op.batch_alter_table('disagreements', schema=None) as batch_op:
        batch_op.alter_column('section_label', existing_type=sa.String(length=300), type_=sa.String(length=200),
                              existing_nullable=False)
