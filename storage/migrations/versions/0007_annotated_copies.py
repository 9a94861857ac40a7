"""annotated copies: the chain of sealed PDFs, one per annotation added after lock

Revision ID: i4pdf
Revises: i4disagree
Create Date: 2026-11-23 13:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i4pdf'
down_revision = 'i4disagree'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annotated_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('field_name', sa.String(length=100), nullable=False),
    sa.Column('stamped', sa.Boolean(), nullable=False),
    sa.Column('previous_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('annotation_id'),
    sa.UniqueConstraint('document_id', 'sequence')
    )
    with op.batch_alter_table('annotated_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotated_copies_document_id'), ['document_id'], unique=False)
    _make_append_only('annotated_copies')


def downgrade() -> None:
    _drop_append_only('annotated_copies')
    with op.batch_alter_table('annotated_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotated_copies_document_id'))
    op.drop_table('annotated_copies')


# A copy in the chain is never replaced or removed: the next annotation appends a new one.
def _make_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only: rows cannot be changed or removed'; END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed or removed'); END"
            )


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
