"""document files: every file a document has had, in one list; retention states stored for every document

Revision ID: 0008
Revises: i4pdf
Create Date: 2026-11-30 09:00:00
"""

import json

from alembic import op
import sqlalchemy as sa

from storage.guards import drop_append_only, make_append_only


revision = '0008'
down_revision = 'i4pdf'
branch_labels = None
depends_on = None

_KIND_OF_RENDERED = {"Word": "word", "PDF": "pdf", "final PDF": "signed-pdf"}


def upgrade() -> None:
    op.create_table('document_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'kind', 'sha256')
    )
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_files_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_files_sha256'), ['sha256'], unique=False)
    _backfill_files()
    # A document's list of files only grows: a file it once had stays listed after the next version.
    make_append_only(op, 'document_files')
    # "kept" is now a state of its own rather than an empty column.
    op.execute("UPDATE documents SET retention_status = 'kept' WHERE retention_status IS NULL")


def downgrade() -> None:
    op.execute("UPDATE documents SET retention_status = NULL WHERE retention_status = 'kept'")
    drop_append_only(op, 'document_files')
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_files_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_files_document_id'))
    op.drop_table('document_files')


def _backfill_files() -> None:
    """Gather what was known of each document's files: its columns, what each party reviewed, the sealed annotated
    copies, and the files of earlier versions, which until now were named only in the audit log."""
    bind = op.get_bind()
    found: dict[tuple[int, str, str], tuple[int, object]] = {}

    def add(document_id, kind, sha256, version, at):
        if isinstance(sha256, str) and len(sha256) == 64:
            found.setdefault((document_id, kind, sha256), (version, at))

    for row in bind.execute(sa.text("SELECT id, content_version, created_at, docx_sha256, pdf_sha256, "
                                    "final_docx_sha256, final_pdf_sha256 FROM documents")):
        for kind, sha256 in (("word", row.docx_sha256), ("pdf", row.pdf_sha256),
                             ("signed-word", row.final_docx_sha256), ("signed-pdf", row.final_pdf_sha256)):
            add(row.id, kind, sha256, row.content_version, row.created_at)
    for row in bind.execute(sa.text("SELECT document_id, content_version, signed_at, reviewed_sha256 FROM signatures")):
        add(row.document_id, "pdf", row.reviewed_sha256, row.content_version, row.signed_at)
    for row in bind.execute(sa.text("SELECT c.document_id, d.content_version, c.created_at, c.pdf_sha256 "
                                    "FROM annotated_copies c JOIN documents d ON d.id = c.document_id")):
        add(row.document_id, "annotated-pdf", row.pdf_sha256, row.content_version, row.created_at)
    versions: dict[int, int] = {}
    for row in bind.execute(sa.text("SELECT document_id, event, at, detail FROM audit_events "
                                    "WHERE document_id IS NOT NULL ORDER BY id")):
        detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or "{}")
        version = versions.setdefault(row.document_id, 1)
        if row.event == "rendered":
            add(row.document_id, _KIND_OF_RENDERED.get(detail.get("file"), "pdf"), detail.get("sha256"), version,
                row.at)
        elif row.event == "locked":
            add(row.document_id, "signed-word", detail.get("final_docx_sha256"), version, row.at)
        elif row.event == "amended":
            add(row.document_id, "pdf", detail.get("old_pdf_sha256"), version, row.at)
            versions[row.document_id] = version + 1
    if found:
        table = sa.table('document_files', sa.column('document_id'), sa.column('kind'), sa.column('sha256'),
                         sa.column('content_version'), sa.column('created_at'))
        rows = [{"document_id": d, "kind": k, "sha256": s, "content_version": v, "created_at": at}
                for (d, k, s), (v, at) in found.items()]
        for start in range(0, len(rows), 5000):
            op.bulk_insert(table, rows[start:start + 5000])
