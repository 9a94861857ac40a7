"""Assurance for the council: figures by service and team, on the page and as CSV, for HR only."""

from __future__ import annotations

import csv
import datetime as dt
import io

from storage.models import CancelledSession, QualityActivity
from storage.states import DocumentState
from tests.factories import add_document
from workflows import assurance

TODAY = dt.date.today()


def test_the_report_counts_each_team_by_its_service(app, client, people, login, db):
    recent = (TODAY - dt.timedelta(days=3)).isoformat()
    add_document(people.supervisor, people.supervisee, supervision_date=recent)  # sent on time
    add_document(people.supervisor, people.supervisee, kind="agreement", start_date=recent)
    db.add(CancelledSession(organisation_id=people.org.id, supervisor_id=people.other_supervisor.id,
                            supervisee_id=people.other_supervisee.id, booked_for=TODAY - dt.timedelta(days=10),
                            cancelled_by="supervisee", reason="Sick", recorded_by_id=people.other_supervisor.id))
    db.add(QualityActivity(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                           supervisee_id=people.supervisee.id, year=TODAY.year, kind="observation", slot=1,
                           planned_by_id=people.supervisor.id, done_on=TODAY, done_by_id=people.supervisor.id))
    db.commit()
    with app.app_context():
        teams = {t.team: t for t in assurance.report(people.org.id, TODAY)}
    sam, pat = teams["Sam Taylor"], teams["Pat Green"]
    assert sam.service == "Morgan Lee" and sam.supervisees == 1
    assert (sam.supervised_at_frequency, sam.agreements_current) == (1, 1)
    assert (sam.records_signed, sam.records_sent_on_time, sam.observations_done) == (1, 1, 1)
    assert (pat.agreements_current, pat.sessions_missed) == (0, 1)
    assert teams["Morgan Lee"].supervisees == 2  # Morgan supervises the two supervisors

    login(client, people.hr)
    page = client.get("/assurance").get_data(as_text=True)
    assert "Supervision assurance" in page and "<meter" in page and "Pat Green" in page
    response = client.get("/assurance.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["team"]: row["sessions_missed"] for row in rows}["Pat Green"] == "1"
    assert tuple(rows[0]) == assurance.COLUMNS


def test_a_record_sent_late_is_not_counted_on_time(app, db, people):
    add_document(people.supervisor, people.supervisee, state=DocumentState.LOCKED,
                 supervision_date=(TODAY - dt.timedelta(days=30)).isoformat())
    with app.app_context():
        sam = {t.team: t for t in assurance.report(people.org.id, TODAY)}["Sam Taylor"]
    assert (sam.records_signed, sam.records_sent_on_time) == (1, 0)


def test_only_hr_sees_the_report(client, people, login):
    for who in (people.supervisor, people.admin):
        login(client, who)
        assert client.get("/assurance").status_code == 404
        assert client.get("/assurance.csv").status_code == 404
