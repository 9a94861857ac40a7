"""supervision sessions: sessions cancelled and never held, with who called them off and why

Revision ID: supervision_sessions
Revises: 0009_job_claim_owner
Create Date: 2026-11-30 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'supervision_sessions'
down_revision = '0009_job_claim_owner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cancelled_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('supervisor_id', sa.Integer(), nullable=False),
        sa.Column('supervisee_id', sa.Integer(), nullable=False),
        sa.Column('booked_for', sa.Date(), nullable=False),
        sa.Column('cancelled_by', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('organisation_id', 'supervisor_id', 'supervisee_id', 'booked_for'):
        op.create_index(f'ix_cancelled_sessions_{column}', 'cancelled_sessions', [column])


def downgrade() -> None:
    op.drop_table('cancelled_sessions')
