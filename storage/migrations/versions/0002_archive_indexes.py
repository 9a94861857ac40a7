"""HR archive: composite indexes for the common searches

Revision ID: i5access
Revises: 0001
Create Date: 2026-11-23 12:50:00
"""

from alembic import op


revision = 'i5access'
down_revision = '0001'
branch_labels = None
depends_on = None

# Each common HR search filters on the organisation and one more column, then pages by date (newest first)
# with the id as tie-break: one index per search answers the filter, the order and the page without a sort.
INDEXES = {
    'ix_documents_archive_supervisee': ['organisation_id', 'supervisee_id', 'created_at', 'id'],
    'ix_documents_archive_supervisor': ['organisation_id', 'supervisor_id', 'created_at', 'id'],
    'ix_documents_archive_state': ['organisation_id', 'state', 'created_at', 'id'],
    'ix_documents_archive_kind': ['organisation_id', 'kind', 'created_at', 'id'],
    'ix_documents_archive_created': ['organisation_id', 'created_at', 'id'],
}


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
