"""claim owner: which process holds a job's (or an email's) claim, so the claims of a dead one can be freed

Revision ID: 0009_job_claim_owner
Revises: signing_codes_and_copies
Create Date: 2026-11-30 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_job_claim_owner'
down_revision = 'signing_codes_and_copies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('jobs', 'outbox_messages'):
        op.add_column(table, sa.Column('claimed_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    for table in ('jobs', 'outbox_messages'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('claimed_by')
