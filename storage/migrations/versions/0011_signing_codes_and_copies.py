"""signing from anywhere: emailed codes to confirm the signer, how each signature was given, copies by email

Revision ID: signing_codes_and_copies
Revises: section_names
Create Date: 2026-11-30 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'signing_codes_and_copies'
down_revision = 'section_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('organisations', sa.Column('signing_code_required', sa.Boolean(), nullable=False,
                                             server_default=sa.false()))
    # ADD COLUMN keeps the signatures table's append-only triggers (no table rebuild on SQLite).
    op.add_column('signatures', sa.Column('shown_html_sha256', sa.String(length=64), nullable=True))
    op.add_column('signatures', sa.Column('signed_from', sa.String(length=30), nullable=True))
    op.add_column('signatures', sa.Column('identity_check', sa.String(length=400), nullable=True))
    op.add_column('outbox_messages', sa.Column('attachment_sha256', sa.String(length=64), nullable=True))
    op.add_column('outbox_messages', sa.Column('attachment_name', sa.String(length=200), nullable=True))
    op.create_table('signing_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('sent_to', sa.String(length=320), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['signing_links.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_signing_codes_link_id', 'signing_codes', ['link_id'], unique=False)
    op.create_table('copy_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce_hash')
    )
    op.create_index('ix_copy_links_document_id', 'copy_links', ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_copy_links_document_id', table_name='copy_links')
    op.drop_table('copy_links')
    op.drop_index('ix_signing_codes_link_id', table_name='signing_codes')
    op.drop_table('signing_codes')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachment_name')
        batch_op.drop_column('attachment_sha256')
    for column in ('identity_check', 'signed_from', 'shown_html_sha256'):
        op.drop_column('signatures', column)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('signing_code_required')
