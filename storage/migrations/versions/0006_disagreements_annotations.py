"""disagreements, append-only annotations, mediation links

Revision ID: i4disagree
Revises: i6due
Create Date: 2026-11-23 12:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i4disagree'
down_revision = 'i6due'
branch_labels = None
depends_on = None

PARTY = sa.Enum('SUPERVISOR', 'SUPERVISEE', name='party', native_enum=False, length=20)


def upgrade() -> None:
    op.create_table('disagreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('party', PARTY, nullable=False),
    sa.Column('section_key', sa.String(length=100), nullable=False),
    sa.Column('section_label', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('raised_after_lock', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('OPEN', 'RESOLVED', 'ESCALATED', 'MEDIATED', name='disagreementstate',
                               native_enum=False, length=20), nullable=False),
    sa.Column('mediator_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['raised_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['mediator_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disagreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disagreements_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disagreements_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_disagreements_mediator_id'), ['mediator_id'], unique=False)

    op.create_table('annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('disagreement_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('DISAGREEMENT', 'RESOLUTION', 'MEDIATION_OUTCOME', 'NOTE', name='annotationkind',
                              native_enum=False, length=30), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_role', sa.String(length=30), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('on_locked_document', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['disagreement_id'], ['disagreements.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotations_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotations_disagreement_id'), ['disagreement_id'], unique=False)

    op.create_table('mediation_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('disagreement_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['disagreement_id'], ['disagreements.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce_hash')
    )
    with op.batch_alter_table('mediation_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_links_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_links_disagreement_id'), ['disagreement_id'], unique=False)

    _make_append_only("annotations")


def downgrade() -> None:
    _drop_append_only("annotations")
    with op.batch_alter_table('mediation_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_links_disagreement_id'))
        batch_op.drop_index(batch_op.f('ix_mediation_links_document_id'))
    op.drop_table('mediation_links')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotations_disagreement_id'))
        batch_op.drop_index(batch_op.f('ix_annotations_document_id'))
    op.drop_table('annotations')
    with op.batch_alter_table('disagreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disagreements_mediator_id'))
        batch_op.drop_index(batch_op.f('ix_disagreements_state'))
        batch_op.drop_index(batch_op.f('ix_disagreements_document_id'))
    op.drop_table('disagreements')


# Annotations may be added, never changed or removed, whoever holds the database connection (as 0001 does
# for audit_events and signatures; repeated here so this migration stands on its own).
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
