"""Each role's home page lists what that person has to do, in their words, with the button to do it."""

from __future__ import annotations

import datetime as dt

from markupsafe import escape

from storage.models import DocumentState, LegalHold, Role, Staff
from storage.times import uk_date


def _home(client, login, person) -> str:
    login(client, person)
    page = client.get("/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_supervisor_signs_from_home_and_is_offered_to_amend_what_was_declined(client, login, people, document_in):
    waiting = document_in(DocumentState.SIGNED_BY_ONE)
    document_in(DocumentState.DECLINED)
    page = _home(client, login, people.supervisor)
    assert f'href="/documents/{waiting}#sign">Sign' in page
    assert "Amend and send again" in page
    assert "Declined: amend and send again" in page


def test_supervisor_sees_overdue_supervisions_with_write_a_record(client, login, people):
    # The fixture's supervisees have not been supervised since their relationship began in January 2026.
    page = _home(client, login, people.supervisor)
    assert "Overdue supervisions" in page
    assert f"/records/new?supervisee={people.supervisee.id}\">Write a record" in page


def test_supervisee_sees_what_awaits_them_what_they_signed_and_their_portfolio(client, login, people, document_in):
    document_in(DocumentState.OUT_FOR_SIGNATURE, sent_at=dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC))
    document_in(DocumentState.LOCKED)
    page = _home(client, login, people.supervisee)
    assert "Waiting for your signature" in page
    assert "What you have signed" in page
    assert f"signed by both on {uk_date(dt.datetime.now(dt.UTC))}" in page
    assert "Your portfolio" in page
    assert "Overdue supervisions" not in page


def test_manager_sees_their_teams_overdue_count(client, login, people):
    page = _home(client, login, people.manager)
    assert "supervisions are overdue</strong> in the teams you manage" in page


def test_hr_sees_reviews_holds_leavers_and_a_search_box(client, login, people, db):
    leaver = db.get(Staff, people.other_supervisee.id)
    leaver.leaver_date = dt.date.today().replace(day=1)
    db.add(LegalHold(organisation_id=people.org.id, staff_id=people.supervisee.id, reason="Tribunal"))
    db.commit()
    page = _home(client, login, people.hr)
    assert 'name="q" type="search"' in page and "Reference or name" in page
    assert "No record is waiting for a retention decision." in page
    assert f"Everything held on {escape(people.supervisee.name)}" in page
    assert "Ravi Shah</a>, last working day" in page


def test_admin_sees_unsupervised_staff_disagreements_and_template_versions(client, login, people, db):
    page = _home(client, login, people.admin)
    assert "Staff with no supervisor" in page
    # The manager heads the fixture's council: nobody supervises them yet.
    assert f'/admin/staff/{people.manager.id}/edit">Morgan Lee' in page
    assert "Sam Taylor" not in page
    assert "No disagreement is waiting for a mediator." in page
    assert "Supervision agreement: version 1 in use" in page
    assert "havering/" not in page


def test_admin_is_shown_a_supervisee_nobody_supervises(client, login, people, db):
    person = Staff(organisation_id=people.org.id, name="Nell Alone", email="nell@havering.example",
                   profession="Social worker", staff_category="Qualified social worker", start_date=dt.date(2026, 1, 1))
    person.grant(Role.SUPERVISEE)
    db.add(person)
    db.commit()
    page = _home(client, login, people.admin)
    assert f'/admin/staff/{person.id}/edit">Nell Alone' in page


def test_hr_finds_a_document_by_reference_or_typed_name_and_goes_back_to_the_results(client, login, people,
                                                                                       document_in):
    mine = document_in(DocumentState.LOCKED)
    other = document_in(DocumentState.LOCKED, supervisor=people.other_supervisor, supervisee=people.other_supervisee)
    login(client, people.hr)
    by_reference = client.get(f"/archive?q=agr-{mine}").get_data(as_text=True)
    assert f"/documents/{mine}?back=" in by_reference and f"/documents/{other}?" not in by_reference
    by_name = client.get("/archive?q=ravi").get_data(as_text=True)
    assert f"/documents/{other}?back=" in by_name and f"/documents/{mine}?" not in by_name
    assert client.get("/archive?q=nobody%25").get_data(as_text=True).count("No documents match your search") == 1
    page = client.get(f"/documents/{other}?back=/archive%3Fq%3Dravi").get_data(as_text=True)
    assert '<a href="/archive?q=ravi" class="govuk-back-link">Back to results</a>' in page
    elsewhere = client.get(f"/documents/{other}?back=https://evil.example/").get_data(as_text=True)
    assert "Back to results" not in elsewhere
    too_long = client.get("/archive?q=" + "x" * 101)
    assert "100 characters or fewer" in too_long.get_data(as_text=True)


def test_admin_searches_filters_and_pages_the_staff_list(client, login, people, db):
    for n in range(30):
        person = Staff(organisation_id=people.org.id, name=f"Zed Worker {n:02d}", email=f"zed{n}@havering.example",
                       profession="Social worker", staff_category="Qualified social worker",
                       start_date=dt.date(2026, 1, 1), leaver_date=dt.date(2026, 1, 31) if n == 0 else None)
        person.grant(Role.SUPERVISEE)
        db.add(person)
    db.commit()
    login(client, people.admin)
    first = _staff_table(client, "")
    assert "page 1 of 2" in first and 'aria-label="Pages of staff"' in first
    by_name = _staff_table(client, "q=zed+worker+1")
    assert "Zed Worker 10" in by_name and "Zed Worker 19" in by_name and "Zed Worker 20" not in by_name
    assert "Sam Taylor" not in by_name
    hr_only = _staff_table(client, "role=hr")
    assert "Hana Patel" in hr_only and "Zed Worker" not in hr_only
    left = _staff_table(client, "status=left")
    assert "Zed Worker 00" in left and "Zed Worker 01" not in left
    second = _staff_table(client, "q=zed&page=2")
    assert "Zed Worker 29" in second and "Zed Worker 01" not in second
    assert "No one matches your search." in _staff_table(client, "q=nobody")
    assert "Zed Worker 01" in _staff_table(client, "page=abc&role=king")


def _staff_table(client, query: str) -> str:
    """The staff list's own table (the relationships table below it lists everyone)."""
    page = client.get(f"/admin/staff?{query}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return text[text.index("Find someone"):text.index("Supervision relationships</h2>")]
