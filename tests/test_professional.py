"""Professional supervision: a registered professional whose line manager is of another profession is flagged until
an admin names a professional supervisor of their own profession."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.db import session as database
from storage.models import AuditEvent, Organisation, ProfessionalSupervision, Role
from tests.factories import StaffFactory
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import professional
from workflows.errors import InvalidInput

TODAY = dt.date.today()


def _org(people):
    return database.get(Organisation, people.org.id)


@pytest.mark.parametrize(("title", "profession"), [
    ("Social worker", "social work"), ("Senior Social Worker", "social work"),
    ("Occupational therapist", "occupational therapy"), ("OT", "occupational therapy"),
    ("Care navigator", None), ("", None), ("Hotel manager", None),
])
def test_a_job_title_is_placed_in_its_registered_profession(title, profession):
    assert professional.profession_of(title) == profession


def _ot_supervisor(people):
    return StaffFactory(organisation=_org(people), name="Olivia Thomas", profession="Occupational therapist",
                        roles=(Role.SUPERVISOR,))


def test_an_ot_managed_by_a_social_worker_is_flagged_until_an_ot_is_named(client, people, login, db):
    # Ravi is an occupational therapist; Pat, his line manager and supervisor, is a social worker.
    login(client, people.other_supervisor)
    due = client.get("/due").get_data(as_text=True)
    assert due.count("No professional supervisor</strong>") == 1
    login(client, people.manager)
    assert "No professional supervisor</strong>" in client.get("/due/team").get_data(as_text=True)

    olivia = _ot_supervisor(people)
    login(client, people.admin)
    page = client.get("/admin/professional-supervision").get_data(as_text=True)
    assert "Ravi Shah" in page
    response = client.post("/admin/professional-supervision", data={
        "csrf_token": csrf_token(page), "supervisee": people.other_supervisee.id,
        "professional_supervisor": olivia.id, "starts_on": TODAY.isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "professional_supervisor_named")).one()

    login(client, people.other_supervisor)
    assert "No professional supervisor</strong>" not in client.get("/due").get_data(as_text=True)


def test_a_social_worker_managed_by_a_social_worker_needs_no_one_else(db, people):
    from storage.models import Staff
    jo = db.get(Staff, people.supervisee.id)
    assert not professional.needs_professional_supervisor(jo)
    assert professional.without_professional_supervisor([jo]) == {}


def test_a_professional_supervisor_of_another_profession_is_refused(app, db, people):
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        professional.name_professional_supervisor(people.other_supervisee.id, people.supervisor.id,
                                                  {"starts_on": TODAY.isoformat()}, actor_for(people.admin))
    assert "Choose a supervisor of the same profession (occupational therapy)" in refused.value.errors[
        "professional_supervisor"]
    assert db.scalars(select(ProfessionalSupervision)).first() is None


def test_naming_a_new_professional_supervisor_ends_the_one_before(app, db, people):
    olivia = _ot_supervisor(people)
    other = StaffFactory(organisation=_org(people), profession="Occupational therapist", roles=(Role.SUPERVISOR,))
    with app.test_request_context():
        first = professional.name_professional_supervisor(people.other_supervisee.id, olivia.id,
                                                          {"starts_on": "2026-01-05"}, actor_for(people.admin))
        professional.name_professional_supervisor(people.other_supervisee.id, other.id,
                                                  {"starts_on": "2026-06-01"}, actor_for(people.admin))
    assert db.get(ProfessionalSupervision, first.id).ends_on == dt.date(2026, 5, 31)
    assert professional.current_professional_supervisors([people.other_supervisee.id],
                                                         dt.date(2026, 7, 1))[people.other_supervisee.id].id == other.id


def test_only_an_admin_names_a_professional_supervisor(client, people, login):
    login(client, people.supervisor)
    assert client.get("/admin/professional-supervision").status_code == 404
