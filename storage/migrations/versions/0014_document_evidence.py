"""document evidence: where each sealed document's long-term evidence stands, and when to renew it

Revision ID: document_evidence
Revises: 0009_due_columns
Create Date: 2026-11-30 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'document_evidence'
down_revision = '0009_due_columns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_evidence',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('timestamped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timestamped_by', sa.String(length=300), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('renew_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('renewals', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )
    with op.batch_alter_table('document_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_evidence_renew_by'), ['renew_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_evidence_renew_by'))
    op.drop_table('document_evidence')
