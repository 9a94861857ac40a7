"""A significant policy change recorded by an admin puts every agreement made before it up for review."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, PolicyChange, Role
from storage.states import DocumentState
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory, add_document
from tests.support.links import csrf_token
from workflows import policy_changes, schedule

TODAY = dt.date.today()


def _record_change(client, changed_on: dt.date, description="Version 1.3: supervision agreements name cover"):
    page = client.get("/admin/policy-changes").get_data(as_text=True)
    return client.post("/admin/policy-changes", data={"csrf_token": csrf_token(page), "changed_on": changed_on.isoformat(),
                                                       "description": description})


def test_every_current_agreement_made_before_the_change_becomes_due_for_review(client, people, login, db):
    add_document(people.supervisor, people.supervisee, kind="agreement", start_date="2026-03-01")
    add_document(people.other_supervisor, people.other_supervisee, kind="agreement",
                 start_date=TODAY.isoformat())  # made after the change: it already follows the new policy
    before = schedule.due_for_supervisor(people.supervisor.id, TODAY)[0]
    assert before.review_due == dt.date(2027, 3, 1) and before.review_status == "on_track"

    login(client, people.admin)
    response = _record_change(client, TODAY - dt.timedelta(days=2))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/admin/policy-changes").get_data(as_text=True)
    assert "1 signed agreement is now due for review" in page and "Version 1.3" in page

    jo = schedule.due_for_supervisor(people.supervisor.id, TODAY)[0]
    assert jo.review_due == TODAY - dt.timedelta(days=2) + dt.timedelta(days=policy_changes.REVIEW_WITHIN_DAYS)
    assert jo.review_status == "due_soon"
    ravi = schedule.due_for_supervisor(people.other_supervisor.id, TODAY)[0]
    assert ravi.review_due == dt.date(TODAY.year + 1, TODAY.month, TODAY.day) and ravi.review_status == "on_track"
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "policy_change_recorded")).one()
    assert event.detail["agreements_for_review"] == 1


def test_a_review_already_due_sooner_stays_as_it_was(people):
    began, yearly = dt.date(2025, 12, 10), dt.date(2026, 12, 10)
    assert policy_changes.review_due(yearly, began, dt.date(2026, 11, 30)) == yearly
    assert policy_changes.review_due(yearly, began, None) == yearly
    assert policy_changes.review_due(yearly, began, dt.date(2026, 10, 1)) == dt.date(2026, 10, 31)


@pytest.mark.parametrize("pack", ["havering", "barking-dagenham"])
def test_a_change_in_one_organisation_leaves_anothers_agreements_alone(app, client, login, db, people, pack):
    org = OrganisationFactory(template_pack=pack)
    boss = StaffFactory(organisation=org, roles=(Role.SUPERVISOR,))
    admin = StaffFactory(organisation=org, roles=(Role.ADMIN,))
    worker = StaffFactory(organisation=org)
    RelationshipFactory(supervisor=boss, supervisee=worker)
    add_document(boss, worker, kind="agreement", start_date="2026-03-01")
    add_document(people.supervisor, people.supervisee, kind="agreement", start_date="2026-03-01")
    login(client, admin)
    assert _record_change(client, TODAY).status_code == 302
    assert schedule.due_for_supervisor(boss.id, TODAY)[0].review_status == "due_soon"
    assert schedule.due_for_supervisor(people.supervisor.id, TODAY)[0].review_status == "on_track"


def test_a_change_in_the_future_or_with_no_description_is_refused(client, people, login, db):
    login(client, people.admin)
    future = _record_change(client, TODAY + dt.timedelta(days=1))
    assert future.status_code == 400
    assert "Enter today&#39;s date or an earlier one" in future.get_data(as_text=True)
    blank = _record_change(client, TODAY, description="  ")
    assert blank.status_code == 400 and "Describe the change" in blank.get_data(as_text=True)
    assert db.scalars(select(PolicyChange)).first() is None


def test_only_an_admin_records_a_policy_change(client, people, login, db):
    add_document(people.supervisor, people.supervisee, kind="agreement", state=DocumentState.LOCKED,
                 start_date="2026-03-01")
    login(client, people.supervisor)
    assert client.get("/admin/policy-changes").status_code in (403, 404)
    assert client.post("/admin/policy-changes", data={"changed_on": TODAY.isoformat(),
                                                      "description": "Sneaky"}).status_code in (400, 403, 404)
    assert db.scalars(select(PolicyChange)).first() is None
