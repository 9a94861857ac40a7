"""leavers, retention policies, legal holds, disposition reviews and disposal records

Revision ID: i5retention
Revises: i5access
Create Date: 2026-11-23 12:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i5retention'
down_revision = 'i5access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaver_date', sa.Date(), nullable=True))

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retain_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retention_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('disposal_authorised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('disposed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_documents_retention_sweep', ['retain_until', 'retention_status', 'supervisee_id'],
                              unique=False)

    op.create_table('retention_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('staff_category', sa.String(length=100), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'staff_category')
    )
    with op.batch_alter_table('retention_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_policies_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['placed_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_holds_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_holds_document_id'), ['document_id'], unique=False)

    op.create_table('disposition_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retain_until', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('extended_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disposition_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposition_reviews_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposition_reviews_decision'), ['decision'], unique=False)

    op.create_table('disposal_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('record_class', sa.String(length=100), nullable=False),
    sa.Column('earliest', sa.Date(), nullable=False),
    sa.Column('latest', sa.Date(), nullable=False),
    sa.Column('retained_until', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('how', sa.Text(), nullable=False),
    sa.Column('authorised_by_id', sa.Integer(), nullable=False),
    sa.Column('authorised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('files_removed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['authorised_by_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id')
    )
    with op.batch_alter_table('disposal_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_records_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('scheduled_runs',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'run_on')
    )

    # Both shipped organisations keep a leaver's records seven years (H 9.4, B 9.4); HR can change it.
    op.execute(
        "INSERT INTO retention_policies (organisation_id, staff_category, years, basis, updated_at) "
        "SELECT id, '', 7, CASE template_pack WHEN 'havering' THEN 'Havering policy 9.4' "
        "WHEN 'barking-dagenham' THEN 'Barking and Dagenham policy 9.4' ELSE 'the organisation''s retention policy' END, "
        "CURRENT_TIMESTAMP FROM organisations"
    )
    _make_append_only_forever("disposal_records")
    _guard_documents_and_signatures()


def downgrade() -> None:
    _unguard_documents_and_signatures()
    _drop_append_only_forever("disposal_records")
    op.drop_table('scheduled_runs')
    with op.batch_alter_table('disposal_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_records_organisation_id'))
    op.drop_table('disposal_records')
    with op.batch_alter_table('disposition_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposition_reviews_decision'))
        batch_op.drop_index(batch_op.f('ix_disposition_reviews_document_id'))
    op.drop_table('disposition_reviews')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_holds_document_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_staff_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_organisation_id'))
    op.drop_table('legal_holds')
    with op.batch_alter_table('retention_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_policies_organisation_id'))
    op.drop_table('retention_policies')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_retention_sweep')
        batch_op.drop_column('disposed_at')
        batch_op.drop_column('disposal_authorised_at')
        batch_op.drop_column('retention_status')
        batch_op.drop_column('retain_until')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('leaver_date')


# A disposal is only authorised once the retention date has passed and no hold stands; the database
# checks that itself, so no one with a connection can authorise (and so delete) a record early.
_TOO_EARLY_SQLITE = (
    "NEW.retain_until IS NULL OR NEW.retain_until > date('now') OR EXISTS (SELECT 1 FROM legal_holds h "
    "WHERE h.lifted_at IS NULL AND (h.document_id = NEW.id OR h.staff_id = NEW.supervisee_id))"
)
_TOO_EARLY_POSTGRES = (
    "NEW.retain_until IS NULL OR NEW.retain_until > CURRENT_DATE OR EXISTS (SELECT 1 FROM legal_holds h "
    "WHERE h.lifted_at IS NULL AND (h.document_id = NEW.id OR h.staff_id = NEW.supervisee_id))"
)
_KEPT = "is kept under the retention rule: it cannot be removed or changed until its disposal is authorised"


def _guard_documents_and_signatures() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Signatures were append-only; now they may be redacted or removed only for an authorised disposal.
        op.execute("DROP TRIGGER IF EXISTS signatures_append_only ON signatures")
        op.execute("DROP FUNCTION IF EXISTS signatures_append_only()")
        op.execute(
            f"""CREATE FUNCTION signatures_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT disposal_authorised_at FROM documents WHERE id = OLD.document_id) IS NULL THEN
                RAISE EXCEPTION 'signatures {_KEPT}';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$"""
        )
        op.execute("CREATE TRIGGER signatures_kept BEFORE UPDATE OR DELETE ON signatures "
                   "FOR EACH ROW EXECUTE FUNCTION signatures_kept()")
        op.execute(
            f"""CREATE FUNCTION documents_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF OLD.disposal_authorised_at IS NULL THEN RAISE EXCEPTION 'documents {_KEPT}'; END IF;
                RETURN OLD;
              END IF;
              IF NEW.disposal_authorised_at IS NOT NULL AND OLD.disposal_authorised_at IS NULL
                 AND ({_TOO_EARLY_POSTGRES}) THEN
                RAISE EXCEPTION 'documents: disposal cannot be authorised before the retention date or under a legal hold';
              END IF;
              RETURN NEW;
            END $$"""
        )
        op.execute("CREATE TRIGGER documents_kept BEFORE UPDATE OR DELETE ON documents "
                   "FOR EACH ROW EXECUTE FUNCTION documents_kept()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS signatures_no_{action}")
        op.execute(
            f"CREATE TRIGGER signatures_kept_{action} BEFORE {action.upper()} ON signatures "
            "WHEN (SELECT disposal_authorised_at FROM documents WHERE id = OLD.document_id) IS NULL "
            f"BEGIN SELECT RAISE(ABORT, 'signatures {_KEPT}'); END"
        )
    op.execute(
        "CREATE TRIGGER documents_kept_delete BEFORE DELETE ON documents WHEN OLD.disposal_authorised_at IS NULL "
        f"BEGIN SELECT RAISE(ABORT, 'documents {_KEPT}'); END"
    )
    op.execute(
        "CREATE TRIGGER documents_disposal_not_early BEFORE UPDATE OF disposal_authorised_at ON documents "
        f"WHEN NEW.disposal_authorised_at IS NOT NULL AND OLD.disposal_authorised_at IS NULL AND ({_TOO_EARLY_SQLITE}) "
        "BEGIN SELECT RAISE(ABORT, 'documents: disposal cannot be authorised before the retention date "
        "or under a legal hold'); END"
    )


def _unguard_documents_and_signatures() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS documents_kept ON documents")
        op.execute("DROP FUNCTION IF EXISTS documents_kept()")
        op.execute("DROP TRIGGER IF EXISTS signatures_kept ON signatures")
        op.execute("DROP FUNCTION IF EXISTS signatures_kept()")
        op.execute(
            """CREATE FUNCTION signatures_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'signatures is append-only: rows cannot be changed or removed'; END $$"""
        )
        op.execute("CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures "
                   "FOR EACH ROW EXECUTE FUNCTION signatures_append_only()")
        return
    op.execute("DROP TRIGGER IF EXISTS documents_disposal_not_early")
    op.execute("DROP TRIGGER IF EXISTS documents_kept_delete")
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS signatures_kept_{action}")
        op.execute(
            f"CREATE TRIGGER signatures_no_{action} BEFORE {action.upper()} ON signatures "
            "BEGIN SELECT RAISE(ABORT, 'signatures is append-only: rows cannot be changed or removed'); END"
        )


def _make_append_only_forever(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is kept for ever: rows cannot be changed or removed'; END $$"""
        )
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is kept for ever: rows cannot be changed or removed'); END"
        )


def _drop_append_only_forever(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
