"""a person's email is unique within their organisation, not across every council (agency staff work for several)

Revision ID: 0015_email_per_organisation
Revises: 0014_organisation_sender
Create Date: 2026-11-30 10:35:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015_email_per_organisation'
down_revision = '0014_organisation_sender'
branch_labels = None
depends_on = None


def _rebuild_staff(unique_columns: tuple[str, ...], name: str | None) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        for constraint in sa.inspect(bind).get_unique_constraints('staff'):
            if constraint['column_names'] in (['email'], ['organisation_id', 'email']):
                op.drop_constraint(constraint['name'], 'staff', type_='unique')
        op.create_unique_constraint(name or 'staff_email_key', 'staff', list(unique_columns))
        return
    # SQLite cannot drop a constraint: the table is rebuilt (env.py leaves references unchecked until the end).
    table = sa.Table('staff', sa.MetaData(), autoload_with=bind)
    for constraint in [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)
                       and [col.name for col in c.columns] in (['email'], ['organisation_id', 'email'])]:
        table.constraints.discard(constraint)
    table.append_constraint(sa.UniqueConstraint(*unique_columns, name=name))
    with op.batch_alter_table('staff', copy_from=table, recreate='always'):
        pass


def upgrade() -> None:
    _rebuild_staff(('organisation_id', 'email'), 'uq_staff_organisation_email')


def downgrade() -> None:
    _rebuild_staff(('email',), None)
