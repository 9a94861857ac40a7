"""each council its own audit chain (and head row), and its own seal

Every audit event now belongs to a council (from its document, else its actor; events of no council are the
deployment's own) and joins that council's hash chain, whose head row only that council's work locks. The rows
written before keep the hashes they were written with: they stay, unchanged, the one chain they were written in
("legacy"), checked as before, and each is marked with its council so the log can be read per council.

Revision ID: audit_per_council
Revises: professional_documents
Create Date: 2026-11-30 12:10:00
"""

from alembic import op
import sqlalchemy as sa

from storage.guards import drop_append_only, make_append_only


revision = 'audit_per_council'
down_revision = 'professional_documents'
branch_labels = None
depends_on = None

GENESIS = '0' * 64


def upgrade() -> None:
    bind = op.get_bind()
    drop_append_only(op, 'audit_events')
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('chain', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
    # Only columns outside the old rows' hashes are filled in: every old hash still checks out.
    op.execute("UPDATE audit_events SET chain = 'legacy', seq = id, organisation_id = COALESCE("
               "(SELECT d.organisation_id FROM documents d WHERE d.id = audit_events.document_id), "
               "(SELECT s.organisation_id FROM staff s WHERE s.id = audit_events.actor_id))")
    with op.batch_alter_table('audit_events') as batch:
        batch.alter_column('chain', existing_type=sa.String(length=40), nullable=False)
        batch.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_audit_events_organisation_id_organisations', 'organisations',
                                 ['organisation_id'], ['id'])
        batch.create_unique_constraint('uq_audit_events_chain_seq', ['chain', 'seq'])
        batch.create_index('ix_audit_events_organisation_id', ['organisation_id'], unique=False)
    if bind.dialect.name == 'postgresql':
        # Each chain numbers its own rows now; the row id only has to be unique, from the column's sequence (which
        # takes no lock). It was never used while the single chain gave out the ids: it starts after the last.
        op.execute("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM audit_events), 0) + 1, false)")
    make_append_only(op, 'audit_events')

    old_head = bind.execute(sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    events = bind.execute(sa.text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    op.drop_table('audit_head')
    heads = op.create_table(
        'audit_head',
        sa.Column('chain', sa.String(length=40), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id']),
        sa.PrimaryKeyConstraint('chain'),
    )
    if old_head is not None and (events or old_head.last_id):
        # The single chain ends where it ended: its head is kept, so rows removed from its end are still noticed.
        op.bulk_insert(heads, [{'chain': 'legacy', 'organisation_id': None, 'last_seq': old_head.last_id,
                                'last_hash': old_head.last_hash}])
    organisations = bind.execute(sa.text("SELECT id FROM organisations")).scalars().all()
    op.bulk_insert(heads, [{'chain': f'organisation:{i}', 'organisation_id': i, 'last_seq': 0, 'last_hash': GENESIS}
                           for i in organisations])

    with op.batch_alter_table('organisations') as batch:
        # Where the council's own seal is (paths, never the key itself); none: the deployment's seal.
        batch.add_column(sa.Column('seal_pkcs12', sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column('seal_passphrase_file', sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column('seal_trust_pem', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    newer = bind.execute(sa.text("SELECT COUNT(*) FROM audit_events WHERE chain <> 'legacy'")).scalar_one()
    if newer:
        raise RuntimeError(f"{newer} audit events were written in a council's own chain; the single chain cannot "
                           "hold them without rewriting their hashes, so this migration cannot be undone.")
    with op.batch_alter_table('organisations') as batch:
        batch.drop_column('seal_trust_pem')
        batch.drop_column('seal_passphrase_file')
        batch.drop_column('seal_pkcs12')
    legacy = bind.execute(sa.text("SELECT last_seq, last_hash FROM audit_head WHERE chain = 'legacy'")).first()
    op.drop_table('audit_head')
    heads = op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    if legacy is not None:
        op.bulk_insert(heads, [{'id': 1, 'last_id': legacy.last_seq, 'last_hash': legacy.last_hash}])
    drop_append_only(op, 'audit_events')
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_index('ix_audit_events_organisation_id')
        batch.drop_constraint('uq_audit_events_chain_seq', type_='unique')
        batch.drop_constraint('fk_audit_events_organisation_id_organisations', type_='foreignkey')
        batch.drop_column('organisation_id')
        batch.drop_column('seq')
        batch.drop_column('chain')
    make_append_only(op, 'audit_events')
