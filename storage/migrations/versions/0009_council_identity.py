"""council identity: single sign-on per organisation, password links, the second factor, paused sign-in

Revision ID: 0009_council_identity
Revises: 0008
Create Date: 2026-11-30 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_council_identity'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy), so SQLite's foreign keys from existing rows never stop the upgrade.
    op.add_column('organisations', sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
    op.add_column('organisations', sa.Column('oidc_client_id', sa.String(length=200), nullable=True))
    op.add_column('organisations', sa.Column('oidc_client_secret', sa.String(length=500), nullable=True))
    op.add_column('organisations', sa.Column('oidc_email_domains', sa.String(length=1000), nullable=False,
                                             server_default=''))
    op.add_column('organisations', sa.Column('password_sign_in', sa.Boolean(), nullable=False,
                                             server_default=sa.true()))
    op.add_column('staff', sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('staff', sa.Column('sign_in_paused_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('staff', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.add_column('login_sessions', sa.Column('waiting_for', sa.String(length=20), nullable=True))
    op.create_table('password_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_links_staff_id'), ['staff_id'], unique=False)
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_staff_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_staff_id'))
    op.drop_table('password_links')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('waiting_for')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        for column in ('totp_last_step', 'totp_enabled_at', 'totp_secret', 'sign_in_paused_until', 'failed_sign_ins'):
            batch_op.drop_column(column)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for column in ('password_sign_in', 'oidc_email_domains', 'oidc_client_secret', 'oidc_client_id', 'oidc_issuer'):
            batch_op.drop_column(column)
