"""What is due: supervisors' and managers' views, agreement reviews, postponed sessions and unsigned documents."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Organisation, PostponedSession, Staff, SupervisionRelationship
from storage.states import DocumentState
from tests.factories import add_document
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import schedule
from workflows.errors import InvalidInput

TODAY = dt.date(2026, 11, 23)


def row_for(rows, person):
    return next(row for row in rows if row.supervisee.id == person.id)


def test_supervisor_sees_next_due_from_the_last_record_and_what_is_overdue(db, people):
    add_document(people.supervisor, people.supervisee, supervision_date="2026-08-03")
    add_document(people.supervisor, people.supervisee, supervision_date="2026-09-01",
                 next_supervision_date="2026-12-10")
    rows = schedule.due_for_supervisor(people.supervisor.id, TODAY)

    assert [row.supervisee.id for row in rows] == [people.supervisee.id]  # only my own supervisees
    jo = rows[0]
    assert jo.last_held == dt.date(2026, 9, 1)
    assert jo.next_due == dt.date(2026, 10, 1)  # Havering: at least monthly
    assert jo.status == "overdue" and jo.days_to_due == -53
    assert jo.booked_for == dt.date(2026, 12, 10) and jo.booked_too_late


def test_with_no_record_the_first_supervision_counts_from_when_supervision_started(db, people):
    jo = schedule.due_for_supervisor(people.supervisor.id, dt.date(2026, 1, 20))[0]
    # Supervision started 5 January 2026; Jo started work in 2025, so no new-starter weeks: monthly.
    assert jo.last_held is None and jo.next_due == dt.date(2026, 2, 5) and jo.status == "on_track"


def test_a_new_starter_is_due_within_a_week(db, people):
    staff = db.get(Staff, people.supervisee.id)
    staff.start_date, staff.staff_category = dt.date(2026, 1, 5), "newly_qualified_social_worker"
    db.commit()
    jo = schedule.due_for_supervisor(people.supervisor.id, dt.date(2026, 1, 8))[0]
    assert jo.next_due == dt.date(2026, 1, 12) and jo.status == "due_soon"
    assert "Newly qualified social worker" == jo.category


def test_a_draft_or_voided_record_does_not_count_but_an_unsigned_one_does(db, people):
    add_document(people.supervisor, people.supervisee, state=DocumentState.VOIDED, supervision_date="2026-11-20")
    add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE,
                 supervision_date="2026-11-02")
    assert schedule.due_for_supervisor(people.supervisor.id, TODAY)[0].last_held == dt.date(2026, 11, 2)


def test_signed_agreement_sets_its_review_date_and_a_more_frequent_agreed_interval(db, people):
    add_document(people.supervisor, people.supervisee, kind="agreement", start_date="2025-12-01",
                 frequency_weeks=2)
    add_document(people.supervisor, people.supervisee, supervision_date="2026-11-16")
    jo = schedule.due_for_supervisor(people.supervisor.id, TODAY)[0]
    assert jo.review_due == dt.date(2026, 12, 1) and jo.review_status == "due_soon"
    assert jo.next_due == dt.date(2026, 11, 30)  # the agreement's every 2 weeks beats the policy's monthly
    assert jo.agreement_needed_by is None  # Havering sets no deadline for the first agreement


def test_barking_and_dagenham_needs_an_agreement_within_a_month_and_supervision_every_four_weeks(db, people):
    db.get(Organisation, people.org.id).template_pack = "barking-dagenham"
    db.commit()
    jo = schedule.due_for_supervisor(people.supervisor.id, dt.date(2026, 2, 20))[0]
    assert jo.agreement_needed_by == dt.date(2026, 2, 5) and jo.agreement_needed_status == "overdue"
    assert jo.next_due == dt.date(2026, 2, 2)  # four weeks from 5 January, with no agreement yet

    add_document(people.supervisor, people.supervisee, kind="agreement", start_date="2026-01-05",
                 frequency_weeks=6)
    jo = schedule.due_for_supervisor(people.supervisor.id, dt.date(2026, 2, 20))[0]
    assert jo.agreement_needed_by is None and jo.next_due == dt.date(2026, 2, 16)


def test_manager_sees_every_supervisee_of_the_supervisors_they_line_manage(db, people):
    teams = schedule.team_due(people.manager.id, TODAY)
    assert [(s.id, [r.supervisee.id for r in rows]) for s, rows in teams] == [
        (people.other_supervisor.id, [people.other_supervisee.id]),
        (people.supervisor.id, [people.supervisee.id]),
    ]
    assert schedule.team_due(people.supervisor.id, TODAY) == []  # Sam line-manages no supervisor


def test_team_page_shows_the_managers_whole_team_and_is_refused_to_others(client, login, people):
    login(client, people.manager)
    page = client.get("/due/team").get_data(as_text=True)
    for person in (people.supervisor, people.other_supervisor, people.other_supervisee):
        assert person.name in page
    assert "Jo O&#39;Brien &amp; &lt;Sons&gt;" in page  # escaped, never raw
    assert "Overdue" in page

    other = client.application.test_client()
    login(other, people.supervisor)
    assert other.get("/due/team").status_code == 404


def test_supervisor_due_page_lists_supervisees_with_dates_and_the_nav_links_it(client, login, people):
    login(client, people.supervisor)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/due"' in home and 'href="/quality"' in home
    page = client.get("/due").get_data(as_text=True)
    assert "Supervision due" in page and "Jo O&#39;Brien" in page and people.other_supervisee.name not in page
    assert "Monthly. Appendix 3: at least monthly for all staff" in page


def test_supervisee_without_a_team_has_no_due_pages(client, login, people):
    login(client, people.supervisee)
    assert client.get("/due").status_code == 404
    assert client.get("/due/team").status_code == 404
    assert client.get("/quality").status_code == 404
    assert 'href="/due"' not in client.get("/").get_data(as_text=True)


# --- postponed sessions ------------------------------------------------------------------------


def test_postponed_session_must_be_held_within_seven_days(app, db, people):
    postponed_on = dt.date.today() - dt.timedelta(days=2)
    with app.test_request_context():
        session = schedule.record_postponement(people.supervisor.id, people.supervisee.id, {
            "booked_for": postponed_on.isoformat(), "postponed_on": postponed_on.isoformat(),
            "reason": "Supervisor off sick"}, actor_for(people.supervisor))
    assert session.hold_by == postponed_on + dt.timedelta(days=7)
    assert [s.id for s in schedule.postponed_outstanding([people.supervisor.id])] == [session.id]
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "session_postponed")).one()
    assert event.detail["hold_by"] == session.hold_by.isoformat()

    # A record of a session on or after the postponement clears it.
    add_document(people.supervisor, people.supervisee, state=DocumentState.DRAFT,
                 supervision_date=postponed_on.isoformat())
    assert schedule.postponed_outstanding([people.supervisor.id]) == []


def test_postponing_through_the_page_shows_the_hold_by_date(client, login, people, db):
    login(client, people.supervisor)
    postponed_on = dt.date.today() - dt.timedelta(days=1)
    hold_by = postponed_on + dt.timedelta(days=7)
    response = client.post("/due/postpone", data={"supervisee": people.supervisee.id, "booked_for": "2026-11-20",
                                                  "postponed_on": postponed_on.isoformat(), "reason": "Major incident"})
    assert response.status_code == 302
    page = client.get("/due").get_data(as_text=True)
    assert "must be held by" in page.lower() or "Must be held by" in page
    assert f"{hold_by.day} {hold_by:%B %Y}" in page and "Major incident" in page

    session = db.scalars(select(PostponedSession)).one()
    held = client.post(f"/due/postponed/{session.id}/held", data={"held_on": dt.date.today().isoformat()})
    assert held.status_code == 302
    assert "No postponed sessions are waiting" in client.get("/due").get_data(as_text=True)


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"supervisee": "ravi"}, "supervisee", "Choose one of your supervisees"),
    ({"booked_for": ""}, "booked_for", "Enter the date the session was booked for"),
    ({"postponed_on": "2999-01-01"}, "postponed_on", "cannot be postponed in the future"),
    ({"postponed_on": "31/02/2026"}, "postponed_on", "Enter the date it was postponed as a real date"),
])
def test_a_bad_postponement_is_refused_with_a_message_and_nothing_saved(client, login, people, db, form, field, message):
    login(client, people.supervisor)
    data = {"supervisee": people.supervisee.id, "booked_for": "2026-11-20", "postponed_on": "2026-11-20", **form}
    if data["supervisee"] == "ravi":
        data["supervisee"] = people.other_supervisee.id
    response = client.post("/due/postpone", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalars(select(PostponedSession)).all() == []


def test_only_the_supervisor_records_a_postponed_session_as_held(app, db, people):
    with app.test_request_context():
        session = schedule.record_postponement(people.supervisor.id, people.supervisee.id, {
            "booked_for": "2026-11-20", "postponed_on": "2026-11-20"}, actor_for(people.supervisor))
        with pytest.raises(schedule.NotAllowed):
            schedule.record_held(session.id, "2026-11-21", actor_for(people.other_supervisor))
        with pytest.raises(InvalidInput):
            schedule.record_held(session.id, "2026-11-19", actor_for(people.supervisor))  # before the postponement


# --- unsigned documents ------------------------------------------------------------------------


def test_documents_unsigned_after_the_set_days_are_listed_with_who_has_not_signed(app, db, people):
    old = add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE,
                       sent_days_ago=6, supervision_date="2026-11-01")
    add_document(people.supervisor, people.supervisee, state=DocumentState.OUT_FOR_SIGNATURE, sent_days_ago=2,
                 supervision_date="2026-11-15")
    found = schedule.unsigned_documents(dt.date.today(), [people.supervisor.id])
    assert [(u.document.id, u.days_waiting) for u in found] == [(old, 6)]
    assert [p.value for p in found[0].waiting_for] == ["supervisor", "supervisee"]
    assert schedule.unsigned_documents(dt.date.today(), [people.other_supervisor.id]) == []
    app.config["UNSIGNED_REMINDER_DAYS"] = 1
    assert len(schedule.unsigned_documents(dt.date.today(), [people.supervisor.id])) == 2


def test_relationship_that_has_ended_is_no_longer_due(db, people):
    relationship = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == people.supervisee.id)).one()
    relationship.ends_on = dt.date(2026, 6, 30)
    db.commit()
    assert schedule.due_for_supervisor(people.supervisor.id, TODAY) == []


def test_every_due_and_quality_form_needs_its_csrf_token(app, db, people):
    from storage.models import QualityActivity
    from tests.support.data import PASSWORD
    from workflows import quality

    with app.test_request_context():
        session = schedule.record_postponement(people.supervisor.id, people.supervisee.id, {
            "booked_for": "2026-11-20", "postponed_on": "2026-11-20"}, actor_for(people.supervisor))
        quality.pick_supervisees(people.supervisor.id, dt.date.today().year, actor_for(people.supervisor))
    activity_id = db.scalars(select(QualityActivity.id)).first()
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = csrf_token(page)
    assert client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD,
                                         "csrf_token": token}).status_code == 302
    posts = [
        ("/due/postpone", {"supervisee": people.supervisee.id, "booked_for": "2026-11-20", "postponed_on": "2026-11-20"}),
        (f"/due/postponed/{session.id}/held", {"held_on": "2026-11-21"}),
        ("/quality/pick", {"supervisor_id": people.supervisor.id, "year": dt.date.today().year + 1}),
        (f"/quality/{activity_id}/record", {"done_on": dt.date.today().isoformat(), "note": "Looked at it"}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
    db.expire_all()
    assert db.get(PostponedSession, session.id).held_on is None
    assert db.get(QualityActivity, activity_id).done_on is None
