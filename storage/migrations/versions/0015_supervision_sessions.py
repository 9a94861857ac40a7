"""supervision sessions: sessions cancelled and never held, with who called them off and why; significant policy
changes, after which every agreement is reviewed; the items a supervisee adds to the next agenda; cover during a supervisor's absence;
professional supervisors

Revision ID: supervision_sessions
Revises: document_evidence
Create Date: 2026-11-30 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'supervision_sessions'
down_revision = 'document_evidence'
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
    op.create_table(
        'policy_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_policy_changes_organisation_id', 'policy_changes', ['organisation_id'])
    op.create_table(
        'agenda_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('supervisee_id', sa.Integer(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('record_draft_id', sa.Integer(), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['added_by_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('organisation_id', 'supervisee_id', 'record_draft_id'):
        op.create_index(f'ix_agenda_items_{column}', 'agenda_items', [column])
    op.create_table(
        'cover_arrangements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('supervisor_id', sa.Integer(), nullable=False),
        sa.Column('cover_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('arranged_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['cover_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['arranged_by_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('organisation_id', 'supervisor_id', 'cover_id'):
        op.create_index(f'ix_cover_arrangements_{column}', 'cover_arrangements', [column])
    op.create_table(
        'professional_supervision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('supervisee_id', sa.Integer(), nullable=False),
        sa.Column('professional_supervisor_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('arranged_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['professional_supervisor_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['arranged_by_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('organisation_id', 'supervisee_id', 'professional_supervisor_id'):
        op.create_index(f'ix_professional_supervision_{column}', 'professional_supervision', [column])


def downgrade() -> None:
    op.drop_table('professional_supervision')
    op.drop_table('cover_arrangements')
    op.drop_table('agenda_items')
    op.drop_table('policy_changes')
    op.drop_table('cancelled_sessions')
