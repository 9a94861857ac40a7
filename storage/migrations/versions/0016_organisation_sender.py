"""each organisation's own sender address, and the sender each queued email was given

Revision ID: 0014_organisation_sender
Revises: supervision_sessions
Create Date: 2026-11-30 10:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_organisation_sender'
down_revision = 'supervision_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite keeps the tables, and with them the guard triggers.
    op.add_column('organisations', sa.Column('mail_from', sa.String(length=320), nullable=True))
    op.add_column('outbox_messages', sa.Column('sender', sa.String(length=320), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE outbox_messages DROP COLUMN sender")
    op.execute("ALTER TABLE organisations DROP COLUMN mail_from")
