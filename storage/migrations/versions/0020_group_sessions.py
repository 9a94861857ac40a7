"""group sessions: a facilitator's group supervision, reflective group or action learning set, who was invited, and
each person's answer to its record (signed as present, or did not attend), kept append-only

Revision ID: group_sessions
Revises: audit_per_council
Create Date: 2026-11-30 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'group_sessions'
down_revision = 'audit_per_council'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'group_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('facilitator_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('length_minutes', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.ForeignKeyConstraint(['facilitator_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id'),
    )
    for column in ('organisation_id', 'facilitator_id', 'held_on'):
        op.create_index(f'ix_group_sessions_{column}', 'group_sessions', [column])
    op.create_table(
        'group_attendees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_session_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_session_id'], ['group_sessions.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_session_id', 'staff_id'),
    )
    for column in ('group_session_id', 'staff_id'):
        op.create_index(f'ix_group_attendees_{column}', 'group_attendees', [column])
    op.create_table(
        'group_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('content_version', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('attended', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('typed_name', sa.String(length=200), nullable=True),
        sa.Column('link_id', sa.Integer(), nullable=True),
        sa.Column('ip_address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=500), nullable=False),
        sa.Column('reviewed_sha256', sa.String(length=64), nullable=True),
        sa.Column('consent_text', sa.Text(), nullable=True),
        sa.Column('shown_html_sha256', sa.String(length=64), nullable=True),
        sa.Column('signed_from', sa.String(length=30), nullable=True),
        sa.Column('identity_check', sa.String(length=400), nullable=True),
        sa.Column('absence_note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['link_id'], ['signing_links.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'content_version', 'staff_id'),
    )
    for column in ('document_id', 'staff_id'):
        op.create_index(f'ix_group_answers_{column}', 'group_answers', [column])
    _keep_answers()


_KEPT = "are kept: rows cannot be changed or removed except by an authorised disposal"


def _keep_answers() -> None:
    # As a document's signatures: changed or removed only when HR has authorised the record's disposal.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f"""CREATE FUNCTION group_answers_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT disposal_authorised_at FROM documents WHERE id = OLD.document_id) IS NULL THEN
                RAISE EXCEPTION 'group_answers {_KEPT}';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$"""
        )
        op.execute('CREATE TRIGGER group_answers_kept BEFORE UPDATE OR DELETE ON group_answers '
                   'FOR EACH ROW EXECUTE FUNCTION group_answers_kept()')
        return
    for action in ('update', 'delete'):
        op.execute(
            f'CREATE TRIGGER group_answers_kept_{action} BEFORE {action.upper()} ON group_answers '
            'WHEN (SELECT disposal_authorised_at FROM documents WHERE id = OLD.document_id) IS NULL '
            f"BEGIN SELECT RAISE(ABORT, 'group_answers {_KEPT}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS group_answers_kept ON group_answers')
        op.execute('DROP FUNCTION IF EXISTS group_answers_kept()')
    else:
        for action in ('update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS group_answers_kept_{action}')
    op.drop_table('group_answers')
    op.drop_table('group_attendees')
    op.drop_table('group_sessions')
