"""Leavers and the seven-year rule, legal holds, and the disposition sweep and disposal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from storage.audit import verify_chain
from storage.blobs import BlobInUse, blobs
from storage.models import (
    AuditEvent,
    DisposalRecord,
    DispositionReview,
    Document,
    LegalHold,
    OutboxMessage,
    RecordsKept,
    ScheduledRun,
    Signature,
    SigningLink,
    Staff,
)
from storage.states import DocumentState, RetentionState
from storage.times import add_years, uk_date
from tests.support.data import actor_for
from workflows import retention
from workflows.access import can_view
from workflows.teams import is_current_supervisor as supervises

TODAY = dt.date.today()
LONG_AGO = dt.date(2018, 3, 3)  # a leaver date whose seven years are over


def _sha(page: str) -> str:
    return page.split('name="reviewed_sha256" value="')[1].split('"')[0]


def _sign(client, path, name):
    sha = _sha(client.get(path).get_data(as_text=True))
    return client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name,
                                   "reviewed_sha256": sha})


@pytest.fixture
def locked_agreement(client, people, make_agreement, signing_link, run_jobs, db):
    """An agreement both parties have signed, with its sealed PDF made."""
    document_id = make_agreement()
    assert _sign(client, signing_link(people.supervisee), people.supervisee.name).status_code == 200
    assert _sign(client, signing_link(people.supervisor), people.supervisor.name).status_code == 200
    run_jobs()
    document = db.get(Document, document_id)
    assert document.state is DocumentState.LOCKED and document.final_pdf_sha256
    db.rollback()
    return document_id


def _left_long_ago(app, db, people):
    """Record, through HR, that the supervisee left in 2018 (their start date was not recorded)."""
    db.get(Staff, people.supervisee.id).start_date = None
    db.commit()
    with app.test_request_context():
        retention.record_leaver(people.supervisee.id, LONG_AGO, "", actor_for(people.hr))


def _counts(db) -> dict[str, int]:
    tables = ("documents", "signatures", "audit_events", "disposition_reviews", "disposal_records", "legal_holds",
              "scheduled_runs", "outbox_messages", "signing_links")
    counts = {t: db.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}
    counts["in_review"] = db.execute(sa.text(
        "SELECT COUNT(*) FROM documents WHERE retention_status != 'kept'")).scalar_one()
    db.rollback()
    return counts


# --- leavers -------------------------------------------------------------------------------------


def test_leaver_date_sets_retention_seven_years_on_and_the_supervisor_loses_access_that_day(
        client, people, login, locked_agreement, db, app):
    leaver_date = TODAY
    login(client, people.supervisor)
    assert client.get(f"/documents/{locked_agreement}").status_code == 200

    login(client, people.hr)
    page = client.get(f"/records/people/{people.supervisee.id}/leaver")
    assert page.status_code == 200 and "Record a leaver" in page.get_data(as_text=True)
    response = client.post(f"/records/people/{people.supervisee.id}/leaver",
                           data={"leaver_date": leaver_date.isoformat(), "reason": ""})
    assert response.status_code == 302

    document = db.get(Document, locked_agreement)
    assert document.retain_until == add_years(leaver_date, 7)
    assert document.retain_until.year == leaver_date.year + 7
    statement = retention.retention_statement(document)
    assert statement.startswith(f"Kept until {uk_date(document.retain_until)}: seven years after")
    assert f"left on {uk_date(leaver_date)} (Havering policy 9.4)" in statement
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.event == "leaver_recorded")).one()
    assert event.actor_id == people.hr.id and event.detail["documents"] == 1
    assert supervises(people.supervisor.id, people.supervisee.id, leaver_date - dt.timedelta(days=1))
    assert not supervises(people.supervisor.id, people.supervisee.id, leaver_date)
    db.rollback()

    # The supervisor who wrote it, the supervisee's supervisor, no longer sees it: it is HR's now.
    login(client, people.supervisor)
    assert client.get(f"/documents/{locked_agreement}").status_code == 404
    assert client.get(f"/documents/{locked_agreement}/files/signed-pdf").status_code == 404
    login(client, people.hr)
    page = client.get(f"/documents/{locked_agreement}").get_data(as_text=True)
    assert "seven years after" in page


def test_a_supervisor_keeps_access_until_the_leaver_date(people, db, app):
    leaving = TODAY + dt.timedelta(days=30)
    with app.test_request_context():
        retention.record_leaver(people.supervisee.id, leaving, "", actor_for(people.hr))
        assert supervises(people.supervisor.id, people.supervisee.id)
        assert supervises(people.supervisor.id, people.supervisee.id, leaving - dt.timedelta(days=1))
        assert not supervises(people.supervisor.id, people.supervisee.id, leaving)


def test_correcting_a_leaver_date_needs_a_reason_and_moves_the_retention_date(client, people, login, locked_agreement, db):
    login(client, people.hr)
    client.post(f"/records/people/{people.supervisee.id}/leaver", data={"leaver_date": "2026-03-03"})
    refused = client.post(f"/records/people/{people.supervisee.id}/leaver", data={"leaver_date": "2026-04-30"})
    assert refused.status_code == 400 and "Say why the leaver date is being corrected" in refused.get_data(as_text=True)
    assert db.get(Document, locked_agreement).retain_until == dt.date(2033, 3, 3)
    db.rollback()
    assert client.post(f"/records/people/{people.supervisee.id}/leaver",
                       data={"leaver_date": "2026-04-30", "reason": "Notice period ended later"}).status_code == 302
    assert db.get(Document, locked_agreement).retain_until == dt.date(2033, 4, 30)
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.event == "leaver_corrected")).one()
    assert event.detail["previous"] == "2026-03-03" and event.detail["reason"] == "Notice period ended later"


def test_only_hr_records_leavers(client, people, login):
    for person in (people.admin, people.supervisor, people.supervisee):
        login(client, person)
        assert client.get(f"/records/people/{people.supervisee.id}/leaver").status_code == 404
        assert client.post(f"/records/people/{people.supervisee.id}/leaver",
                           data={"leaver_date": "2026-03-03"}).status_code == 404
    login(client, people.outsider)  # HR of another council
    assert client.get(f"/records/people/{people.supervisee.id}").status_code == 404


def test_a_staff_category_can_be_kept_longer_and_dates_follow_the_policy(client, people, login, locked_agreement, db):
    db.get(Staff, people.supervisee.id).staff_category = "day_opportunities"
    db.commit()
    login(client, people.hr)
    client.post(f"/records/people/{people.supervisee.id}/leaver", data={"leaver_date": "2026-03-03"})
    too_short = client.post("/records/policies", data={"staff_category": "Day opportunities staff", "years": "5",
                                                       "basis": "Local rule"})
    assert too_short.status_code == 400 and "Enter 7 years or more" in too_short.get_data(as_text=True)
    unknown = client.post("/records/policies", data={"staff_category": "Vulnerable adults team", "years": "10",
                                                     "basis": "Local rule"})
    assert unknown.status_code == 400 and "Choose a staff category from your supervision policy" in \
        unknown.get_data(as_text=True)
    assert client.post("/records/policies", data={"staff_category": "Day opportunities staff", "years": "10",
                                                  "basis": "Havering vulnerable adults rule"}).status_code == 302
    page = client.get("/records/policies").get_data(as_text=True)
    assert "Day opportunities staff" in page and "day_opportunities" not in page
    document = db.get(Document, locked_agreement)
    assert document.retain_until == dt.date(2036, 3, 3)
    assert "ten years after" in retention.retention_statement(document)
    other = db.get(Staff, people.other_supervisee.id)
    other.staff_category = "all_staff"
    assert retention.policy_for(other).years == 7  # another category keeps the organisation's seven years


def test_records_of_someone_still_here_are_kept_while_they_work_here(people, locked_agreement, db):
    statement = retention.retention_statement(db.get(Document, locked_agreement))
    assert statement == ("Kept while Jo O'Brien & <Sons> works here, then for seven years after they leave "
                         "(Havering policy 9.4).")


# --- nothing deletes a kept record ---------------------------------------------------------------


def test_nothing_can_delete_a_kept_document_its_files_or_its_audit_rows(client, people, login, locked_agreement, db, app):
    with app.test_request_context():
        retention.record_leaver(people.supervisee.id, TODAY, "", actor_for(people.hr))
    document = db.get(Document, locked_agreement)
    files = [document.docx_sha256, document.pdf_sha256, document.final_docx_sha256, document.final_pdf_sha256]
    assert all(blobs().exists(sha) for sha in files)

    # The ORM refuses.
    for row in (document, document.signatures[0],
                db.scalars(sa.select(AuditEvent).where(AuditEvent.document_id == document.id)).first()):
        db.delete(row)
        with pytest.raises(RecordsKept):
            db.flush()
        db.rollback()
        document = db.get(Document, locked_agreement)

    # The database refuses, whoever holds the connection.
    for statement in (f"DELETE FROM documents WHERE id = {locked_agreement}",
                      f"DELETE FROM signatures WHERE document_id = {locked_agreement}",
                      f"UPDATE signatures SET typed_name = 'x' WHERE document_id = {locked_agreement}",
                      f"DELETE FROM audit_events WHERE document_id = {locked_agreement}",
                      f"UPDATE documents SET disposal_authorised_at = CURRENT_TIMESTAMP WHERE id = {locked_agreement}"):
        with pytest.raises(sa.exc.DBAPIError, match="retention|append-only|kept|authorised"):
            db.execute(sa.text(statement))
        db.rollback()

    # The file store refuses.
    for sha in files:
        with pytest.raises(BlobInUse):
            blobs().delete(sha)
        assert blobs().exists(sha)

    # No one, not the admin nor HR, finds a way to delete through the web: there is no such route or method.
    assert not [rule for rule in app.url_map.iter_rules() if "DELETE" in rule.methods]
    for person in (people.admin, people.hr, people.supervisor):
        login(client, person)
        for method in (client.delete, client.post):
            assert method(f"/documents/{locked_agreement}").status_code in (404, 405)
            # Deleting is only for a draft nobody was ever sent: for a locked record it is refused.
            assert method(f"/documents/{locked_agreement}/delete").status_code in (404, 405, 409)
    db.rollback()
    assert db.get(Document, locked_agreement).data and len(db.get(Document, locked_agreement).signatures) == 2
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                     .where(AuditEvent.document_id == locked_agreement)) > 5
    assert verify_chain(db).ok


def test_even_past_its_date_a_document_is_not_deleted_until_hr_authorises_disposal(people, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    with pytest.raises(sa.exc.DBAPIError):
        db.execute(sa.text(f"DELETE FROM documents WHERE id = {locked_agreement}"))
    db.rollback()
    with pytest.raises(BlobInUse):
        blobs().delete(db.get(Document, locked_agreement).final_pdf_sha256)


# --- legal holds ---------------------------------------------------------------------------------


def test_a_legal_hold_on_a_person_stops_disposal_until_it_is_lifted(client, people, login, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    login(client, people.hr)
    refused = client.post(f"/records/people/{people.supervisee.id}/hold", data={"reason": " "})
    assert refused.status_code == 400 and "Enter the reason for the hold" in refused.get_data(as_text=True)
    assert client.post(f"/records/people/{people.supervisee.id}/hold",
                       data={"reason": "Employment tribunal claim 2201/26"}).status_code == 302

    with app.test_request_context():
        assert retention.sweep() == 0
    document = db.get(Document, locked_agreement)
    assert document.retention_status is RetentionState.KEPT
    assert retention.retention_statement(document).startswith("Under legal hold since ")
    assert "Employment tribunal claim 2201/26 — it will not be disposed of while the hold stands" in \
        retention.retention_statement(document)
    with pytest.raises(sa.exc.DBAPIError):  # the database will not authorise it either
        db.execute(sa.text(f"UPDATE documents SET disposal_authorised_at = CURRENT_TIMESTAMP WHERE id = {locked_agreement}"))
    db.rollback()
    person_page = client.get(f"/records/people/{people.supervisee.id}").get_data(as_text=True)
    assert "Legal hold since" in person_page and "Employment tribunal claim 2201/26" in person_page
    document_page = client.get(f"/documents/{locked_agreement}").get_data(as_text=True)
    assert "Employment tribunal claim 2201/26" in document_page

    hold = db.scalars(sa.select(LegalHold)).one()
    db.rollback()
    assert client.post(f"/records/holds/{hold.id}/lift", data={"reason": ""}).status_code == 400
    assert client.post(f"/records/holds/{hold.id}/lift", data={"reason": "Claim settled"}).status_code == 302
    with app.test_request_context():
        assert [d.document_id for d in retention.sweep(dry_run=True)] == [locked_agreement]
        assert retention.sweep() == 1
    events = [e.event for e in db.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert "legal_hold_placed" in events and "legal_hold_lifted" in events


def test_a_hold_on_one_document_takes_it_out_of_review_and_blocks_destruction(client, people, login,
                                                                             locked_agreement, db, app):
    _left_long_ago(app, db, people)
    with app.test_request_context():
        retention.sweep()
    review = db.scalars(sa.select(DispositionReview)).one()
    db.rollback()
    login(client, people.hr)
    assert client.post(f"/records/documents/{locked_agreement}/hold",
                       data={"reason": "Subject access request"}).status_code == 302
    document = db.get(Document, locked_agreement)
    assert document.retention_status is RetentionState.KEPT  # withdrawn from review
    db.rollback()
    refused = client.post(f"/records/disposition/{review.id}", data={"decision": "destroy"})
    assert refused.status_code == 400
    assert db.get(Document, locked_agreement).data
    with app.test_request_context():
        assert retention.sweep() == 0


# --- the disposition sweep and disposal ----------------------------------------------------------


def test_a_dry_run_lists_what_would_go_and_changes_nothing(people, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    before = _counts(db)
    result = app.test_cli_runner().invoke(args=["disposition-sweep", "--dry-run"])
    assert result.exit_code == 0, result.output
    reference = f"AGR-{locked_agreement:06d}"
    assert reference in result.output and "1 record would go into HR's disposition review (dry run" in result.output
    assert _counts(db) == before
    with app.test_request_context():
        assert [d.reference for d in retention.sweep(dry_run=True)] == [reference]
    assert _counts(db) == before


def test_the_sweep_puts_past_records_in_review_and_hr_destroys_them_leaving_a_disposal_record(
        client, people, login, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    document = db.get(Document, locked_agreement)
    files = document.file_hashes()
    assert len(files) >= 4 and all(blobs().exists(sha) for sha in files)
    db.rollback()

    result = app.test_cli_runner().invoke(args=["disposition-sweep"])
    assert result.exit_code == 0 and "1 record went into HR's disposition review." in result.output
    review = db.scalars(sa.select(DispositionReview)).one()
    assert review.retain_until == dt.date(2025, 3, 3) and "has passed" in review.reason
    assert db.get(Document, locked_agreement).retention_status == "in_review"
    db.rollback()
    again = app.test_cli_runner().invoke(args=["disposition-sweep"])
    assert "0 records went" in again.output  # already in review: not queued twice

    login(client, people.hr)
    listing = client.get("/records/disposition").get_data(as_text=True)
    assert f"AGR-{locked_agreement:06d}" in listing and "has passed" in listing
    missing = client.post(f"/records/disposition/{review.id}", data={})
    assert missing.status_code == 400 and "Choose archive, destroy or extend" in missing.get_data(as_text=True)
    done = client.post(f"/records/disposition/{review.id}", data={"decision": "destroy", "note": "Routine"})
    assert done.status_code == 302

    document = db.get(Document, locked_agreement)
    assert document.retention_status == "destroyed" and document.data == {} and document.disposed_at
    assert not any(blobs().exists(sha) for sha in files)
    for signature in db.scalars(sa.select(Signature).where(Signature.document_id == locked_agreement)):
        assert signature.typed_name == retention.REMOVED
        assert signature.email == signature.ip_address == signature.user_agent == ""
    assert all(link.email == "" for link in db.scalars(
        sa.select(SigningLink).where(SigningLink.document_id == locked_agreement)))
    for message in db.scalars(sa.select(OutboxMessage).where(OutboxMessage.document_id == locked_agreement)):
        assert message.to_address == "" and message.body_text == ""
        assert "O'Brien" not in message.subject and message.attachment_sha256 is None  # the signed copies sent
    record = db.scalars(sa.select(DisposalRecord)).one()
    assert (record.reference, record.record_class, record.method) == (
        f"AGR-{locked_agreement:06d}", "Supervision agreement", "destroyed")
    assert record.authorised_by_id == people.hr.id and record.retained_until == dt.date(2025, 3, 3)
    assert record.earliest <= record.latest and record.files_removed == len(files)
    assert "Jo" not in record.how and "O'Brien" not in record.note
    # The disposal record is kept for ever.
    with pytest.raises(sa.exc.DBAPIError):
        db.execute(sa.text("DELETE FROM disposal_records"))
    db.rollback()
    # The audit chain is untouched and still verifies, with the destruction in it.
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "Audit log intact" in result.output
    assert db.scalars(sa.select(AuditEvent).where(AuditEvent.event == "destroyed")).one().actor_id == people.hr.id
    db.rollback()

    page = client.get(f"/documents/{locked_agreement}").get_data(as_text=True)
    assert "disposed of" in page and "Disposed of on" in page and "Supervision agreement" in page
    assert client.get(f"/documents/{locked_agreement}/files/signed-pdf").status_code == 404
    # The supervisee left long ago: they cannot even sign in any more.
    refused = app.test_client().post("/sign-in", data={"email": people.supervisee.email, "password": people.password})
    assert "Your Countersign account closed" in refused.get_data(as_text=True)


def test_hr_can_archive_a_record_which_only_hr_can_then_open(client, people, login, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    with app.test_request_context():
        retention.sweep()
    review = db.scalars(sa.select(DispositionReview)).one()
    db.rollback()
    login(client, people.hr)
    assert client.post(f"/records/disposition/{review.id}", data={"decision": "archive"}).status_code == 302
    document = db.get(Document, locked_agreement)
    assert document.retention_status == "archived" and document.data and blobs().exists(document.final_pdf_sha256)
    assert db.scalars(sa.select(DisposalRecord)).one().method == "archived"
    assert can_view(db.get(Staff, people.hr.id), document)
    assert not can_view(db.get(Staff, people.supervisee.id), document)
    db.rollback()
    assert client.get(f"/documents/{locked_agreement}/files/signed-pdf").status_code == 200


def test_hr_can_keep_a_record_longer_with_a_reason(client, people, login, locked_agreement, db, app):
    _left_long_ago(app, db, people)
    with app.test_request_context():
        retention.sweep()
    review = db.scalars(sa.select(DispositionReview)).one()
    db.rollback()
    login(client, people.hr)
    later = (TODAY + dt.timedelta(days=365)).isoformat()
    refused = client.post(f"/records/disposition/{review.id}", data={"decision": "extend", "extend_until": later})
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    assert client.post(f"/records/disposition/{review.id}", data={"decision": "extend", "extend_until": later,
                                                                  "note": "Pending audit"}).status_code == 302
    document = db.get(Document, locked_agreement)
    assert document.retain_until.isoformat() == later and document.retention_status is RetentionState.KEPT
    assert "extended by HR" in retention.retention_statement(document)
    with app.test_request_context():
        assert retention.sweep() == 0


def test_the_daily_sweep_runs_once_a_day_however_many_workers(people, locked_agreement, db, app, run_jobs):
    run_jobs()  # the worker's poll has already run today's sweep (the fixture's jobs ran it too)
    _left_long_ago(app, db, people)
    tomorrow = TODAY + dt.timedelta(days=1)
    with app.test_request_context():
        assert retention.run_daily_sweep(TODAY) is None  # today's is done; the leaver waits for tomorrow's
        assert db.get(Document, locked_agreement).retention_status is RetentionState.KEPT
        db.rollback()
        assert retention.run_daily_sweep(tomorrow) == 1
        assert retention.run_daily_sweep(tomorrow) is None  # a second worker, or the next poll
    runs = db.scalars(sa.select(ScheduledRun).where(ScheduledRun.name == "disposition-sweep")
                      .order_by(ScheduledRun.run_on)).all()
    assert [(r.name, r.run_on) for r in runs] == [("disposition-sweep", TODAY), ("disposition-sweep", tomorrow)]
    assert db.scalar(sa.select(sa.func.count()).select_from(DispositionReview)) == 1
    assert db.get(Document, locked_agreement).retention_status == "in_review"


def test_hr_opens_every_records_page_and_no_one_else_finds_them(client, people, login, db, app):
    with app.test_request_context():
        hold = retention.place_hold("Tribunal claim", actor_for(people.hr), staff_id=people.supervisee.id)
    pages = ["/records/people", f"/records/people/{people.supervisee.id}",
             f"/records/people/{people.supervisee.id}/leaver", f"/records/people/{people.supervisee.id}/hold",
             f"/records/holds/{hold.id}/lift", "/records/disposition", "/records/policies"]
    login(client, people.hr)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    listing = client.get("/records/people").get_data(as_text=True)
    assert "On hold" in listing and "Jo O&#39;Brien &amp; &lt;Sons&gt;" in listing
    policies = client.get("/records/policies").get_data(as_text=True)
    assert "7 years" in policies and "Havering policy 9.4" in policies
    for person in (people.admin, people.supervisor, people.supervisee):
        login(client, person)
        for page in pages:
            assert client.get(page).status_code == 404, (person.name, page)
        assert client.post("/records/disposition/sweep").status_code == 404
    login(client, people.outsider)  # HR of another council sees only their own
    for page in pages[1:5]:
        assert client.get(page).status_code == 404, page
    assert "O&#39;Brien" not in client.get("/records/people").get_data(as_text=True)
