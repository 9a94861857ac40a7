"""what is due: staff frequency fields, postponed sessions, the reminder ledger, quality assurance

Revision ID: i6due
Revises: i6records
Create Date: 2026-11-23 12:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i6due'
down_revision = 'i6records'
branch_labels = None
depends_on = None

# Free-text categories on record become codes from workflows.frequency; the words are matched here,
# not imported, so this migration keeps working whatever later code does.
_CATEGORY_WORDS = (
    (("newly qualified social", "nqsw", "asye"), "newly_qualified_social_worker"),
    (("newly qualified",), "newly_qualified_non_registered"),
    (("student",), "student_social_worker"),
    (("apprentice",), "apprentice"),
    (("day op",), "day_opportunities"),
    (("admin", "non-case", "non case", "group worker"), "non_case_holding"),
)
_KNOWN = {
    "havering": {"all_staff", "day_opportunities", "newly_qualified_non_registered", "newly_qualified_social_worker",
                 "apprentice", "student_social_worker", "non_case_holding"},
    "barking-dagenham": {"all_staff", "newly_qualified_social_worker", "student_social_worker"},
}


def _code(pack: str, text: str) -> str:
    words = (text or "").lower()
    known = _KNOWN.get(pack, _KNOWN["havering"])
    for needles, code in _CATEGORY_WORDS:
        if any(needle in words for needle in needles) and code in known:
            return code
    return "all_staff"


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('part_time', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('appointed_from_overseas', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT staff.id, staff.staff_category, organisations.template_pack FROM staff "
        "JOIN organisations ON organisations.id = staff.organisation_id")).all()
    for staff_id, category, pack in rows:
        part_time = "part" in (category or "").lower() and "time" in (category or "").lower()
        connection.execute(sa.text("UPDATE staff SET staff_category = :code, part_time = :part_time WHERE id = :id"),
                           {"code": _code(pack, category), "part_time": part_time, "id": staff_id})

    op.create_table('postponed_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('booked_for', sa.Date(), nullable=False),
    sa.Column('postponed_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('postponed_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postponed_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postponed_sessions_supervisee_id'), ['supervisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postponed_sessions_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=50), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item', 'period')
    )
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_sent_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('quality_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('planned_by_id', sa.Integer(), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['planned_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('supervisor_id', 'year', 'kind', 'slot')
    )
    with op.batch_alter_table('quality_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_activities_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_activities_supervisee_id'), ['supervisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_activities_supervisor_id'), ['supervisor_id'], unique=False)


def downgrade() -> None:
    op.drop_table('quality_activities')
    op.drop_table('reminders_sent')
    op.drop_table('postponed_sessions')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('appointed_from_overseas')
        batch_op.drop_column('part_time')
        batch_op.drop_column('qualified_on')
