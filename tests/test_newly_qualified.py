"""Newly qualified staff: Barking and Dagenham's ASYE learning agreement stands in for the supervision agreement, and
newly qualified occupational therapists have their own rules in both councils."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.models import Role
from tests.factories import OrganisationFactory, RelationshipFactory, StaffFactory
from workflows import newly_qualified, schedule
from workflows.frequency import Person, category_code, category_label, frequency_on

START = dt.date(2026, 11, 2)


def _supervised(pack: str, category: str, start: dt.date | None = START):
    org = OrganisationFactory(template_pack=pack)
    boss = StaffFactory(organisation=org, name="Priya Nair", roles=(Role.SUPERVISOR,))
    worker = StaffFactory(organisation=org, name="Dan Mensah", staff_category=category, start_date=start)
    RelationshipFactory(supervisor=boss, supervisee=worker, starts_on=START)
    return boss, worker


def test_a_barking_and_dagenham_social_worker_on_asye_is_not_flagged_agreement_overdue(db, client, login):
    boss, _worker = _supervised("barking-dagenham", "newly_qualified_social_worker")
    row = schedule.due_for_supervisor(boss.id, dt.date(2026, 12, 15))[0]
    assert row.agreement is None and row.agreement_needed_by is None and row.agreement_needed_status is None
    assert row.learning_agreement_until == dt.date(2027, 11, 2)

    login(client, boss)
    page = client.get("/due").get_data(as_text=True)
    assert "The ASYE learning agreement is the supervision agreement until 2 November 2027" in page
    assert "within a month of supervision starting" not in page


def test_any_other_barking_and_dagenham_supervisee_still_needs_an_agreement_within_a_month(db):
    boss, _worker = _supervised("barking-dagenham", "all_staff")
    row = schedule.due_for_supervisor(boss.id, dt.date(2026, 12, 15))[0]
    assert row.agreement_needed_by == dt.date(2026, 12, 2) and row.agreement_needed_status == "overdue"
    assert row.learning_agreement_until is None


def test_when_the_asye_ends_a_supervision_agreement_is_needed_within_the_month_after(db):
    boss, _worker = _supervised("barking-dagenham", "newly_qualified_social_worker")
    row = schedule.due_for_supervisor(boss.id, dt.date(2027, 11, 20))[0]
    assert row.learning_agreement_until is None
    assert row.agreement_needed_by == dt.date(2027, 12, 2) and row.agreement_needed_status == "due_soon"


@pytest.mark.parametrize(("pack", "category", "start", "until", "needed"), [
    ("barking-dagenham", "newly_qualified_social_worker", None, dt.date.max, None),  # on ASYE from day one
    ("barking-dagenham", "newly_qualified_occupational_therapist", START, None, dt.date(2026, 12, 2)),
    ("havering", "newly_qualified_social_worker", START, None, None),  # Havering sets no deadline (H 7.1)
])
def test_only_barking_and_dagenhams_asye_stands_in(pack, category, start, until, needed):
    assert newly_qualified.learning_agreement_until(pack, category, start) == until
    assert newly_qualified.agreement_needed_by(pack, category, start, START, dt.date(2026, 11, 20)) == needed


@pytest.mark.parametrize(("pack", "on", "label"), [
    ("havering", dt.date(2026, 11, 20), "weekly"),  # the first six weeks of employment
    ("havering", dt.date(2027, 2, 1), "fortnightly"),  # to six months
    ("havering", dt.date(2027, 6, 1), "monthly"),
    ("barking-dagenham", dt.date(2027, 6, 1), "fortnightly"),  # the first year
    ("barking-dagenham", dt.date(2027, 12, 1), "every 4 weeks"),  # then 4–8 weeks, by agreement
])
def test_newly_qualified_occupational_therapists_have_their_own_rules(pack, on, label):
    person = Person("newly_qualified_occupational_therapist", START)
    frequency = frequency_on(pack, person, on)
    assert frequency.interval.label == label
    assert "occupational therapists" in frequency.reason or "4 weeks" in frequency.reason


def test_an_agreed_frequency_still_applies_to_a_barking_and_dagenham_occupational_therapist():
    person = Person("newly_qualified_occupational_therapist", START, agreed_weeks=6)
    assert frequency_on("barking-dagenham", person, dt.date(2027, 12, 1)).interval.label == "every 6 weeks"


@pytest.mark.parametrize("pack", ["havering", "barking-dagenham"])
def test_the_category_is_offered_and_found_by_its_words(pack):
    assert category_code(pack, "NQOT") == "newly_qualified_occupational_therapist"
    assert category_code(pack, "Newly qualified occupational therapist") == "newly_qualified_occupational_therapist"
    assert category_label(pack, "newly_qualified_occupational_therapist") == "Newly qualified occupational therapist"
