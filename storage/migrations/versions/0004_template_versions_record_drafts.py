"""template versions and record drafts

Revision ID: i6records
Revises: i5retention
Create Date: 2026-11-23 12:55:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i6records'
down_revision = 'i5retention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('template_key', 'version')
    )
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_versions_template_key'), ['template_key'], unique=False)

    op.create_table('record_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('template_key', sa.String(length=100), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('record_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_drafts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_drafts_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_drafts_supervisee_id'), ['supervisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_drafts_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('record_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_drafts_document_id'))
        batch_op.drop_index(batch_op.f('ix_record_drafts_supervisee_id'))
        batch_op.drop_index(batch_op.f('ix_record_drafts_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_record_drafts_organisation_id'))
    op.drop_table('record_drafts')
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_versions_template_key'))
    op.drop_table('template_versions')
