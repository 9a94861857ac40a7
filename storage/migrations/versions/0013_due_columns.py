"""what is due as a query: a record's session dates and an agreement's start and frequency as plain columns

Revision ID: 0009_due_columns
Revises: 0009_job_claim_owner
Create Date: 2026-11-30 09:00:00
"""

import datetime as dt
import json

from alembic import op
import sqlalchemy as sa


revision = '0009_due_columns'
down_revision = '0009_job_claim_owner'
branch_labels = None
depends_on = None

_COLUMNS = (('supervision_date', sa.Date()), ('next_supervision_date', sa.Date()),
            ('agreement_start_date', sa.Date()), ('agreed_frequency_weeks', sa.Integer()))
_BATCH = 5_000


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite keeps the table, and with it the guard triggers.
    for name, kind in _COLUMNS:
        op.add_column('documents', sa.Column(name, kind, nullable=True))
    _fill_from_data()
    # Covers the latest session of each supervisee, so the daily run reads the index alone.
    op.create_index('ix_documents_due', 'documents',
                    ['kind', 'supervisee_id', 'organisation_id', 'supervision_date', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_documents_due', table_name='documents')
    for name, _kind in _COLUMNS:
        op.execute(f"ALTER TABLE documents DROP COLUMN {name}")


def _fill_from_data() -> None:
    """Copy each record's and agreement's dates and frequency out of its form data, a batch of rows at a time."""
    bind = op.get_bind()
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('data', sa.JSON),
                         *(sa.column(name, kind) for name, kind in _COLUMNS))
    update = documents.update().where(documents.c.id == sa.bindparam('row_id')).values(
        {name: sa.bindparam(f'new_{name}') for name, _kind in _COLUMNS})
    after = 0
    while True:
        rows = bind.execute(sa.select(documents.c.id, documents.c.data).where(documents.c.id > after)
                            .order_by(documents.c.id).limit(_BATCH)).all()
        if not rows:
            return
        after = rows[-1].id
        found = (_facts(row.id, row.data) for row in rows)
        changes = [values for values in found if any(v is not None for k, v in values.items() if k != 'row_id')]
        if changes:
            bind.execute(update, changes)


# The form's keys and how they are read are written out here, not imported, so this migration keeps working
# whatever later code does.
def _facts(document_id: int, data) -> dict:
    if isinstance(data, str):
        data = json.loads(data or '{}')
    data = data if isinstance(data, dict) else {}
    return {'row_id': document_id, 'new_supervision_date': _date(data.get('supervision_date')),
            'new_next_supervision_date': _date(data.get('next_supervision_date')),
            'new_agreement_start_date': _date(data.get('start_date')),
            'new_agreed_frequency_weeks': _weeks(data.get('frequency_weeks'))}


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _weeks(value):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 2**31 else None
