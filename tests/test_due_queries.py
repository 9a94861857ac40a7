"""What is due comes from plain columns kept in step with each document's form data, and says what scanning the
documents themselves said."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from alembic import command

from bench.bench_due import baseline_due_rows, baseline_team_due, row_key
from storage import db as database
from storage.models import Document, Organisation, Role, Staff
from storage.states import DocumentState
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory, add_document
from workflows import schedule
from workflows.teams import current_relationships

TODAY = dt.date(2026, 11, 23)


def test_the_due_columns_follow_the_form_data_as_it_is_written_and_changed(db, people):
    record = db.get(Document, add_document(people.supervisor, people.supervisee, state=DocumentState.DRAFT,
                                           supervision_date="2026-11-02", next_supervision_date="2026-12-01"))
    assert (record.supervision_date, record.next_supervision_date) == (dt.date(2026, 11, 2), dt.date(2026, 12, 1))

    record.edit({"supervision_date": "2 November", "next_supervision_date": ""})
    db.commit()
    assert (record.supervision_date, record.next_supervision_date) == (None, None)  # unreadable counts as missing

    agreement = db.get(Document, add_document(people.supervisor, people.supervisee, kind="agreement",
                                              start_date="2026-01-05", frequency_weeks="6"))
    assert (agreement.agreement_start_date, agreement.agreed_frequency_weeks) == (dt.date(2026, 1, 5), 6)
    for weeks in (0, -2, "often", None, 10**12):
        assert Document(data={"frequency_weeks": weeks}).agreed_frequency_weeks is None


def test_the_migration_fills_the_due_columns_from_each_documents_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = database.alembic_config(url)
    command.upgrade(config, "0008")
    engine = sa.create_engine(url)
    documents = {
        1: ("record", '{"supervision_date": "2026-03-02", "next_supervision_date": "2026-04-06", "notes": "x"}'),
        2: ("agreement", '{"start_date": "2025-12-01", "frequency_weeks": 2}'),
        3: ("agreement", '{"start_date": "not a date", "frequency_weeks": "0"}'),
        4: ("record", '{}'),
    }
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run("INSERT INTO organisations (id, name, template_pack, created_at) VALUES (1, 'H', 'havering', '2026-01-01')")
        run("INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, part_time, "
            "appointed_from_overseas, created_at) VALUES (1, 1, 'S', 's@x.example', '', '', 0, 0, '2026-01-01'), "
            "(2, 1, 'J', 'j@x.example', '', '', 0, 0, '2026-01-01')")
        for document_id, (kind, data) in documents.items():
            run("INSERT INTO documents (id, organisation_id, kind, template_key, template_version, supervisor_id, "
                "supervisee_id, created_by_id, data, state, content_version, created_at, retention_status) "
                "VALUES (?, 1, ?, 'havering/x', 1, 1, 2, 1, ?, 'LOCKED', 1, '2026-01-01', 'kept')",
                (document_id, kind, data))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, supervision_date, next_supervision_date, agreement_start_date, agreed_frequency_weeks "
            "FROM documents ORDER BY id").all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "2026-03-02", "2026-04-06", None, None),
        (2, None, None, "2025-12-01", 2),
        (3, None, None, None, None),
        (4, None, None, None, None),
    ]


def _varied_council(db, people) -> None:
    """Supervisees in every position the due pages know: never supervised, records on one day, drafts, voided,
    unreadable dates, agreements with and without a start date, renewed, pending, written in another council."""
    rng = random.Random(7)
    org = db.get(Organisation, people.org.id)
    elsewhere = OrganisationFactory(template_pack="barking-dagenham")
    supervisors = [db.get(Staff, people.supervisor.id), db.get(Staff, people.other_supervisor.id)]
    supervisees = [db.get(Staff, people.supervisee.id), db.get(Staff, people.other_supervisee.id)]
    categories = ["all_staff", "newly_qualified_social_worker", "student_social_worker", "apprentice", ""]
    for n in range(12):
        person = StaffFactory(organisation=org, staff_category=rng.choice(categories),
                              start_date=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600)),
                              part_time=n % 4 == 0, appointed_from_overseas=n % 5 == 0)
        RelationshipFactory(supervisor=supervisors[n % 2], supervisee=person,
                            starts_on=dt.date(2025, 6, 1) + dt.timedelta(days=rng.randrange(500)))
        supervisees.append(person)
    supervisees.append(StaffFactory(organisation=elsewhere))
    RelationshipFactory(supervisor=StaffFactory(organisation=elsewhere, roles=(Role.SUPERVISOR,)),
                        supervisee=supervisees[-1], starts_on=dt.date(2026, 2, 1))
    states = list(DocumentState)
    for person in supervisees:
        supervisor = next((s for s in supervisors if s.organisation_id == person.organisation_id), None)
        supervisor = supervisor or StaffFactory(organisation=person.organisation, roles=(Role.SUPERVISOR,))
        for _ in range(rng.randrange(0, 6)):
            day = dt.date(2025, 10, 1) + dt.timedelta(days=rng.choice([0, 0, 30, 61, 90, 200, 330, 400]))
            add_document(supervisor, person, state=rng.choice(states),
                         supervision_date=rng.choice([day.isoformat()] * 5 + ["", "31/02/2026"]),
                         next_supervision_date=rng.choice([(day + dt.timedelta(days=28)).isoformat(),
                                                           "2026-12-24", None]))
        for _ in range(rng.randrange(0, 4)):
            start = rng.choice(["2025-06-01", "2025-12-01", "2026-01-05", "", None])
            add_document(supervisor, person, kind="agreement", state=rng.choice(states), start_date=start,
                         frequency_weeks=rng.choice([None, 2, 4, 6, 10, "x"]))
    # A record of this supervisee written while they worked in another council does not count here.
    stranger = StaffFactory(organisation=elsewhere, roles=(Role.SUPERVISOR,))
    add_document(stranger, supervisees[0], state=DocumentState.LOCKED, supervision_date="2026-11-20")


def test_the_grouped_queries_say_what_scanning_every_document_said(db, people):
    _varied_council(db, people)
    positions = 0
    for today in (dt.date(2026, 1, 20), dt.date(2026, 6, 30), TODAY, dt.date(2027, 3, 1)):
        ours = [row_key(row) for row in schedule.due_everywhere(today)]
        db.expire_all()
        theirs = [row_key(row) for row in baseline_due_rows(current_relationships(None, today), today)]
        assert ours == theirs
        positions += len(ours)
        for supervisor in (people.supervisor, people.other_supervisor):
            assert [row_key(r) for r in schedule.due_for_supervisor(supervisor.id, today)] == [
                row_key(r) for r in baseline_due_rows(current_relationships(supervisor.id, today), today)]
        ours_team = [(s.id, [row_key(r) for r in rows]) for s, rows in schedule.team_due(people.manager.id, today)]
        theirs_team = [(s.id, [row_key(r) for r in rows]) for s, rows in baseline_team_due(people.manager.id, today)]
        assert ours_team == theirs_team and len(ours_team) == 2
    assert positions >= 40  # most supervisees are compared on most days
