"""quality assurance activities point at their signed form; supervisees' own reflections for their portfolio

Revision ID: professional_documents
Revises: 0015_email_per_organisation
Create Date: 2026-11-30 12:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'professional_documents'
down_revision = '0015_email_per_organisation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quality_activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_quality_activities_document_id'), ['document_id'], unique=False)
        batch_op.create_foreign_key('fk_quality_activities_document_id', 'documents', ['document_id'], ['id'])
    op.create_table('reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('in_portfolio', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflections_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reflections_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    op.drop_table('reflections')
    with op.batch_alter_table('quality_activities', schema=None) as batch_op:
        batch_op.drop_constraint('fk_quality_activities_document_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_quality_activities_document_id'))
        batch_op.drop_column('document_id')
