"""A person's email is unique within a council, not across every council: agency staff work for several."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from storage import db as database
from storage.models import LoginSession, Staff
from tests.support.data import PASSWORD
from tests.support.links import mails_to

OTHER_PASSWORD = "violet harbour seldom lantern"
AGENCY = "alex.agency@locum.example"


@pytest.fixture
def agency_worker(db, people):
    """Alex, with an account at Havering and another at Another Council, each with its own password."""
    def add(organisation_id, password):
        staff = Staff(organisation_id=organisation_id, name="Alex Agency", email=AGENCY,
                      password_hash=generate_password_hash(password))
        db.add(staff)
        db.commit()
        return staff.id

    return add(people.org.id, PASSWORD), add(people.outsider.organisation_id, OTHER_PASSWORD)


def _signed_in_as(db, client, password):
    response = client.post("/sign-in", data={"email": AGENCY, "password": password})
    db.expire_all()
    return response, db.scalars(sa.select(LoginSession.staff_id)).all()


def test_the_same_email_can_be_someone_at_two_councils_but_not_twice_at_one(db, people, agency_worker):
    assert len(db.scalars(sa.select(Staff).where(Staff.email == AGENCY)).all()) == 2
    db.add(Staff(organisation_id=people.org.id, name="Alex Again", email=AGENCY))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_signing_in_opens_the_account_whose_password_it_is(db, client, agency_worker):
    havering, other = agency_worker
    response, logins = _signed_in_as(db, client, OTHER_PASSWORD)
    assert response.status_code == 302 and logins == [other]


def test_a_wrong_password_opens_neither_and_counts_against_both(db, client, agency_worker):
    response, logins = _signed_in_as(db, client, "not the password at all")
    assert "Enter the email address and password" in response.get_data(as_text=True) and logins == []
    assert [db.get(Staff, i).failed_sign_ins for i in agency_worker] == [1, 1]


def test_the_same_password_at_both_councils_is_not_guessed_between(db, client, people, agency_worker):
    db.get(Staff, agency_worker[1]).password_hash = generate_password_hash(PASSWORD)
    db.commit()
    response, logins = _signed_in_as(db, client, PASSWORD)
    page = response.get_data(as_text=True)
    assert "cannot tell which you mean" in page and "Reset the password of one of them" in page
    assert "Another Council" in page and logins == []


def test_a_password_reset_sends_each_councils_account_its_own_link(db, client, agency_worker):
    client.post("/password/forgotten", data={"email": AGENCY})
    sent = mails_to(db, type("Person", (), {"email": AGENCY}), "")
    links = {message.body_text for message in sent}
    assert len(sent) == 2 and len(links) == 2


def test_the_migration_keeps_everyone_and_what_refers_to_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = database.alembic_config(url)
    command.upgrade(config, "0014_organisation_sender")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO organisations (id, name, template_pack, created_at, password_sign_in, "
                                   "signing_code_required, oidc_email_domains) VALUES "
                                   "(1, 'H', 'havering', '2026-01-01', 1, 0, ''), "
                                   "(2, 'BD', 'barking-dagenham', '2026-01-01', 1, 0, '')")
        connection.exec_driver_sql(
            "INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, created_at, line_manager_id,"
            " part_time, appointed_from_overseas, failed_sign_ins) VALUES "
            "(1, 1, 'M', 'm@x.example', '', '', '2026-01-01', NULL, 0, 0, 0), "
            "(2, 1, 'P', 'p@x.example', '', '', '2026-01-01', 1, 0, 0, 0)")
    command.upgrade(config, "head")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, created_at, part_time, "
            "appointed_from_overseas, failed_sign_ins) VALUES (3, 2, 'P', 'p@x.example', '', '', '2026-01-01', 0, 0, 0)")
        rows = connection.exec_driver_sql("SELECT id, organisation_id, line_manager_id FROM staff ORDER BY id").all()
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO staff (id, organisation_id, name, email, profession, staff_category, created_at, part_time, "
            "appointed_from_overseas, failed_sign_ins) VALUES (4, 2, 'Q', 'p@x.example', '', '', '2026-01-01', 0, 0, 0)")
    engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 1, None), (2, 1, 1), (3, 2, None)]
