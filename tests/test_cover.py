"""Cover during absence: a named cover writes and signs records for the weeks of the cover, sees only what that
needs, and is never counted as a second supervisor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, CoverArrangement, Document, Staff
from storage.states import DocumentState
from tests.factories import add_document
from tests.support.data import actor_for
from tests.support.links import csrf_token
from workflows import access, cover, records, schedule
from workflows.errors import InvalidInput

TODAY = dt.date.today()


def _arrange(app, people, starts=TODAY, ends=TODAY + dt.timedelta(days=35), by=None):
    with app.test_request_context():
        return cover.arrange_cover(people.supervisor.id, people.other_supervisor.id,
                                   {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": "Leave"},
                                   actor_for(by or people.supervisor)).id


def test_a_supervisor_names_a_cover_for_a_stated_period_from_the_page(client, people, login, db):
    login(client, people.supervisor)
    page = client.get("/cover").get_data(as_text=True)
    response = client.post("/cover", data={
        "csrf_token": csrf_token(page), "supervisor": people.supervisor.id, "cover": people.other_supervisor.id,
        "starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=40)).isoformat(),
        "reason": "Long-term sickness"})
    assert response.status_code == 302, response.get_data(as_text=True)
    arrangement = db.scalars(select(CoverArrangement)).one()
    assert (arrangement.supervisor_id, arrangement.cover_id, arrangement.ends_on) == (
        people.supervisor.id, people.other_supervisor.id, TODAY + dt.timedelta(days=40))
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "cover_arranged")).one()

    login(client, people.other_supervisor)
    due = client.get("/due").get_data(as_text=True)
    assert "Supervisees you are covering for" in due and "Jo O&#39;Brien &amp; &lt;Sons&gt;, for Sam Taylor" in due


def test_the_cover_writes_and_signs_a_record_for_the_covered_supervisee(app, db, people):
    _arrange(app, people)
    with app.test_request_context():
        draft = records.start_record(people.other_supervisor.id, people.supervisee.id,
                                     actor_for(people.other_supervisor))
        document = records.finish_record(draft.id, {"supervision_date": TODAY.isoformat(), "session_length": "60",
                                                    "session_type": "individual"}, actor_for(people.other_supervisor))
        assert document.supervisor_id == people.other_supervisor.id  # the cover signs it as the supervisor
        pat = db.get(Staff, people.other_supervisor.id)
        assert access.can_manage(pat, document)


def test_a_cover_is_not_a_second_supervisor_in_the_due_counts(app, db, people):
    _arrange(app, people)
    assert [row.supervisee.id for row in schedule.due_for_supervisor(people.other_supervisor.id, TODAY)] == [
        people.other_supervisee.id]
    assert [row.supervisee.id for row in schedule.due_for_supervisor(people.supervisor.id, TODAY)] == [
        people.supervisee.id]
    assert sum(1 for row in schedule.due_everywhere(TODAY) if row.supervisee.id == people.supervisee.id) == 1


def test_the_cover_sees_only_the_newest_signed_agreement_and_record(app, db, people):
    old_record = add_document(people.supervisor, people.supervisee, supervision_date="2026-05-01")
    newest_record = add_document(people.supervisor, people.supervisee, supervision_date="2026-10-01")
    agreement = add_document(people.supervisor, people.supervisee, kind="agreement", start_date="2026-01-05")
    draft = add_document(people.supervisor, people.supervisee, state=DocumentState.DRAFT,
                         supervision_date="2026-11-01")
    pat = db.get(Staff, people.other_supervisor.id)
    seen = lambda document_id: access.can_view(pat, db.get(Document, document_id))  # noqa: E731
    assert not any(seen(d) for d in (old_record, newest_record, agreement, draft))  # before the cover
    _arrange(app, people)
    assert seen(newest_record) and seen(agreement)
    assert not seen(old_record) and not seen(draft)  # nothing older, nor Sam's draft
    assert not access.can_manage(pat, db.get(Document, newest_record))


def test_after_the_cover_ends_the_cover_writes_and_sees_nothing_more(app, db, people):
    newest_record = add_document(people.supervisor, people.supervisee, supervision_date="2026-10-01")
    _arrange(app, people, starts=TODAY - dt.timedelta(days=40), ends=TODAY - dt.timedelta(days=1))
    pat = db.get(Staff, people.other_supervisor.id)
    assert not access.can_view(pat, db.get(Document, newest_record))
    with app.test_request_context(), pytest.raises(InvalidInput):
        records.start_record(people.other_supervisor.id, people.supervisee.id, actor_for(people.other_supervisor))


def test_ending_a_cover_early_stops_it_tomorrow(app, client, people, login, db):
    arrangement_id = _arrange(app, people)
    login(client, people.supervisor)
    page = client.get("/cover").get_data(as_text=True)
    assert client.post(f"/cover/{arrangement_id}/end", data={"csrf_token": csrf_token(page)}).status_code == 302
    db.rollback()
    assert db.get(CoverArrangement, arrangement_id).ends_on == TODAY
    assert not cover.is_covering(people.other_supervisor.id, people.supervisee.id, TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize(("who", "form", "field", "message"), [
    ("supervisee", {}, "supervisor", "Choose yourself, or a supervisor you line-manage"),
    ("other_supervisor", {}, "supervisor", "Choose yourself, or a supervisor you line-manage"),
    ("supervisor", {"cover": "supervisee"}, "cover", "Choose a supervisor in your organisation to cover"),
    ("supervisor", {"cover": "supervisor"}, "cover", "Choose someone other than the supervisor who is away"),
    ("supervisor", {"ends_on": "2025-01-01"}, "ends_on", "Enter a last day on or after the first day"),
])
def test_a_cover_that_does_not_hold_together_is_refused(app, db, people, who, form, field, message):
    values = {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=30)).isoformat(), **form}
    cover_id = getattr(people, values.pop("cover", "other_supervisor")).id
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        cover.arrange_cover(people.supervisor.id, cover_id, values, actor_for(getattr(people, who)))
    assert refused.value.errors[field].startswith(message)
    assert db.scalars(select(CoverArrangement)).first() is None


def test_a_manager_arranges_cover_for_a_supervisor_they_manage(app, db, people):
    _arrange(app, people, by=people.manager)
    assert cover.is_covering(people.other_supervisor.id, people.supervisee.id, TODAY)
