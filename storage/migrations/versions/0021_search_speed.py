"""the disposition sweep's update no longer runs the documents guard for every row on PostgreSQL

The guard on `documents` (a row is kept until its disposal is authorised, and disposal is never authorised early)
was one PostgreSQL trigger fired BEFORE every UPDATE or DELETE of a row, so the sweep that moves tens of thousands
of documents into review called its function once a row although it changes nothing the guard looks at. It is now
two triggers on the same function, as on SQLite: BEFORE DELETE, and BEFORE UPDATE OF disposal_authorised_at only
when that update authorises disposal. What is refused is unchanged. SQLite already had the two: nothing to do there.

Revision ID: search_speed
Revises: group_sessions
Create Date: 2026-11-30 12:10:00
"""

from alembic import op

revision = "search_speed"
down_revision = 'group_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS documents_kept ON documents")
    op.execute("CREATE TRIGGER documents_kept BEFORE DELETE ON documents "
               "FOR EACH ROW EXECUTE FUNCTION documents_kept()")
    op.execute("CREATE TRIGGER documents_disposal_not_early BEFORE UPDATE OF disposal_authorised_at ON documents "
               "FOR EACH ROW WHEN (NEW.disposal_authorised_at IS NOT NULL AND OLD.disposal_authorised_at IS NULL) "
               "EXECUTE FUNCTION documents_kept()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS documents_disposal_not_early ON documents")
    op.execute("DROP TRIGGER IF EXISTS documents_kept ON documents")
    op.execute("CREATE TRIGGER documents_kept BEFORE UPDATE OR DELETE ON documents "
               "FOR EACH ROW EXECUTE FUNCTION documents_kept()")
