"""The admin's people pages and workflows: adding staff, relationships, CSV import, and the demo seed."""

from __future__ import annotations

import datetime as dt
import html as html_text
import io
import re
import stat

import pytest
from sqlalchemy import func, select

from storage.audit import Actor, verify_chain
from storage.models import (
    AuditEvent,
    CancelledSession,
    CoverArrangement,
    Document,
    DocumentState,
    Organisation,
    ProfessionalSupervision,
    QualityActivity,
    Reflection,
    Role,
    Staff,
    SupervisionRelationship,
)
from tests.support.links import csrf_token
from workflows import people as people_workflow
from workflows.demo import seed_demo

NEW_PASSWORD = "a long enough password"


def as_actor(person) -> Actor:
    return Actor(person.id, person.email, "203.0.113.7", "pytest")


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def by_email(db, email: str) -> Staff | None:
    return db.scalars(select(Staff).where(Staff.email == email)).one_or_none()


def upload(client, data: bytes, filename: str = "staff.csv"):
    return client.post("/admin/staff/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def admin_client(client, people, login):
    login(client, people.admin)
    return client


# --- adding a person -----------------------------------------------------------------------------


def test_admin_adds_a_person_who_can_then_sign_in(app, admin_client, db, people, login):
    response = admin_client.post("/admin/staff/new", data={
        "name": "  Kim   Nguyen ", "email": "Kim.Nguyen@Havering.example", "roles": ["supervisee", "supervisor"],
        "profession": "Social worker", "staff_category": "Newly qualified social worker",
        "start_date": "2026-02-02", "line_manager_id": str(people.supervisor.id), "password": NEW_PASSWORD,
    })
    assert response.status_code == 302 and response.location.endswith("/admin/staff")

    kim = by_email(db, "kim.nguyen@havering.example")
    assert kim.name == "Kim Nguyen"
    assert kim.roles == {Role.SUPERVISOR, Role.SUPERVISEE}
    assert kim.line_manager_id == people.supervisor.id and kim.organisation_id == people.org.id
    assert kim.start_date == dt.date(2026, 2, 2)
    assert NEW_PASSWORD not in kim.password_hash and kim.password_hash.startswith("scrypt:")
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "staff_added")).one().detail["staff_id"] == kim.id
    assert "Kim Nguyen" in admin_client.get("/admin/staff").get_data(as_text=True)

    newcomer = app.test_client()
    login(newcomer, kim, password=NEW_PASSWORD)
    assert newcomer.get("/").status_code == 200


def test_person_added_without_a_password_cannot_sign_in(admin_client, app, db):
    response = admin_client.post("/admin/staff/new", data={
        "name": "Lee Brown", "email": "lee.brown@havering.example", "roles": ["hr"], "password": "",
    })
    assert response.status_code == 302
    assert by_email(db, "lee.brown@havering.example").password_hash is None
    refused = app.test_client().post("/sign-in", data={"email": "lee.brown@havering.example", "password": ""})
    assert refused.status_code == 200


def test_duplicate_email_is_refused_beside_the_field_and_nothing_is_saved(admin_client, db, people):
    before = count(db, Staff)
    response = admin_client.post("/admin/staff/new", data={
        "name": "Another Sam", "email": " SAM.TAYLOR@havering.example ", "roles": ["supervisee"],
        "profession": "Social worker", "staff_category": "Qualified social worker",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    message = "Enter a different email address – sam.taylor@havering.example already belongs to someone on record"
    assert re.search(r'id="email-error"[^>]*>\s*<span[^>]*>Error:</span>\s*' + re.escape(message), html)
    assert 'class="govuk-error-summary"' in html and f'<a href="#email">{message}</a>' in html
    assert 'value="Another Sam"' in html  # what was typed is kept
    assert count(db, Staff) == before


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": " "}, "name", "Enter the person's full name"),
    ({"email": "kim@"}, "email", "Enter an email address in the correct format, like name@example.org"),
    ({"roles": []}, "roles", "Select at least one role"),
    ({"staff_category": ""}, "staff_category", "Enter the person's staff category"),
    ({"start_date": "2026-02-30"}, "start_date", "Enter the start date as a real date, like 2026-01-05"),
    ({"password": "too short"}, "password", "Enter a password of at least 12 characters"),
    ({"line_manager_id": "999999"}, "line_manager_id", "Choose a line manager from your organisation"),
])
def test_each_mistake_in_a_new_person_is_named_beside_its_field(admin_client, db, change, field, message):
    form = {"name": "Kim Nguyen", "email": "kim@havering.example", "roles": ["supervisee"],
            "profession": "Social worker", "staff_category": "Qualified social worker", **change}
    before = count(db, Staff)
    response = admin_client.post("/admin/staff/new", data=form)
    html = html_text.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and message in html
    assert count(db, Staff) == before


def test_line_manager_from_another_organisation_is_refused(db, people):
    with pytest.raises(people_workflow.InvalidInput) as refused:
        people_workflow.add_staff(people.org.id, {"name": "Kim", "email": "kim@havering.example", "roles": ["hr"],
                                                  "line_manager_id": str(people.outsider.id)}, as_actor(people.admin))
    assert refused.value.errors == {"line_manager_id": "Choose a line manager from your organisation"}


def test_admin_sets_a_password_and_the_old_one_stops_working(admin_client, app, db, people, login):
    supervisee_browser = app.test_client()
    login(supervisee_browser, people.supervisee)
    response = admin_client.post(f"/admin/staff/{people.supervisee.id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302

    assert supervisee_browser.get("/").status_code == 302  # signed out everywhere
    old = app.test_client().post("/sign-in", data={"email": people.supervisee.email, "password": people.password})
    assert old.status_code == 200
    login(app.test_client(), people.supervisee, password=NEW_PASSWORD)


def test_short_password_is_refused_and_the_old_one_still_works(admin_client, app, people, login):
    response = admin_client.post(f"/admin/staff/{people.supervisee.id}/password", data={"password": "short"})
    assert response.status_code == 400
    assert "Enter a password of at least 12 characters" in response.get_data(as_text=True)
    login(app.test_client(), people.supervisee)


# --- who may use the admin pages -----------------------------------------------------------------


def admin_urls(app, people, db) -> list[tuple[str, str]]:
    """Every admin route, with real ids filled in, for GET and for each method it answers."""
    relationship = db.scalars(select(SupervisionRelationship)).first()
    ids = {"staff_id": people.supervisee.id, "relationship_id": relationship.id}
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("admin."):
                url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
                urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.mark.parametrize("who", ["supervisor", "supervisee", "manager", "hr", "outsider"])
def test_non_admin_gets_404_on_every_admin_page(app, client, db, people, login, who):
    login(client, getattr(people, who))
    urls = admin_urls(app, people, db)
    assert len(urls) >= 10  # every page, and each of their POSTs
    staff_before, relationships_before = count(db, Staff), count(db, SupervisionRelationship)
    for method, url in urls:
        response = client.open(url, method=method, data={"name": "X", "email": "x@havering.example",
                                                          "roles": "admin", "password": NEW_PASSWORD})
        assert response.status_code == 404, (method, url)
    assert (count(db, Staff), count(db, SupervisionRelationship)) == (staff_before, relationships_before)


def test_admin_sees_every_admin_page(app, admin_client, db, people):
    for method, url in admin_urls(app, people, db):
        if method == "GET":
            assert admin_client.get(url).status_code == 200, url


def test_signed_out_visitor_is_sent_to_sign_in_from_admin_pages(client, people):
    response = client.get("/admin/staff")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_admin_of_another_organisation_cannot_touch_our_people(app, client, db, people, login):
    db.get(Staff, people.outsider.id).grant(Role.ADMIN)
    db.commit()
    login(client, people.outsider)
    assert client.get(f"/admin/staff/{people.supervisee.id}/password").status_code == 404
    assert client.post(f"/admin/staff/{people.supervisee.id}/password",
                       data={"password": NEW_PASSWORD}).status_code == 404
    assert "Jo O&#39;Brien" not in client.get("/admin/staff").get_data(as_text=True)
    with pytest.raises(people_workflow.NotAllowed):
        people_workflow.set_password(people.supervisee.id, NEW_PASSWORD, as_actor(people.outsider))


# --- supervision relationships -------------------------------------------------------------------


def test_admin_adds_a_relationship_and_the_supervisor_can_then_write_for_them(admin_client, db, people):
    response = admin_client.post("/admin/relationships/new", data={
        "supervisor_id": str(people.supervisor.id), "supervisee_id": str(people.other_supervisee.id),
        "starts_on": "2026-01-05", "ends_on": "",
    })
    assert response.status_code == 302
    row = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == people.other_supervisee.id,
        SupervisionRelationship.supervisor_id == people.supervisor.id)).one()
    assert (row.starts_on, row.ends_on) == (dt.date(2026, 1, 5), None)
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "relationship_added")).one()


def test_overlapping_relationship_between_the_same_pair_is_refused(admin_client, db, people):
    before = count(db, SupervisionRelationship)
    response = admin_client.post("/admin/relationships/new", data={
        "supervisor_id": str(people.supervisor.id), "supervisee_id": str(people.supervisee.id),
        "starts_on": "2026-06-01", "ends_on": "2026-12-31",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="starts_on-error"' in html
    assert "already supervises" in html and "5 January 2026 with no end date" in html
    assert count(db, SupervisionRelationship) == before


def test_relationship_after_an_ended_one_is_accepted(db, people):
    current = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == people.supervisee.id)).one()
    people_workflow.end_relationship(current.id, "2026-03-31", as_actor(people.admin))
    later = people_workflow.add_relationship(people.supervisor.id, people.supervisee.id, "2026-04-01", None,
                                             as_actor(people.admin))
    assert later.starts_on == dt.date(2026, 4, 1)
    with pytest.raises(people_workflow.InvalidInput) as refused:
        people_workflow.add_relationship(people.supervisor.id, people.supervisee.id, "2026-03-31", "2026-03-31",
                                         as_actor(people.admin))
    assert "already supervises" in refused.value.errors["starts_on"]


def test_self_supervision_is_refused(admin_client, db, people):
    before = count(db, SupervisionRelationship)
    response = admin_client.post("/admin/relationships/new", data={
        "supervisor_id": str(people.supervisor.id), "supervisee_id": str(people.supervisor.id),
        "starts_on": "2026-01-05",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="supervisee_id-error"' in html and "a person cannot supervise themselves" in html
    assert count(db, SupervisionRelationship) == before


@pytest.mark.parametrize(("supervisor", "supervisee", "starts_on", "ends_on", "field", "message"), [
    ("hr", "supervisee", "2026-01-05", None, "supervisor_id", "Choose someone with the supervisor role"),
    ("outsider", "other_supervisee", "2026-01-05", None, "supervisor_id", "Choose the supervisor"),
    ("supervisor", "outsider", "2026-01-05", None, "supervisee_id", "Choose the supervisee"),
    ("supervisor", "hr", "2026-05-01", "2026-04-30", "ends_on", "Enter an end date the same as or after the start date"),
    ("supervisor", "hr", "", None, "starts_on", "Enter the start date"),
    ("supervisor", "hr", "5th May", None, "starts_on", "Enter the start date in the format year-month-day"),
])
def test_relationship_mistakes_are_named_beside_their_field(db, people, supervisor, supervisee, starts_on, ends_on,
                                                             field, message):
    before = count(db, SupervisionRelationship)
    with pytest.raises(people_workflow.InvalidInput) as refused:
        people_workflow.add_relationship(getattr(people, supervisor).id, getattr(people, supervisee).id, starts_on,
                                         ends_on, as_actor(people.admin))
    assert refused.value.errors[field].startswith(message)
    assert count(db, SupervisionRelationship) == before


def test_admin_ends_a_relationship_and_the_supervisor_no_longer_supervises(admin_client, db, people):
    from workflows.teams import is_current_supervisor as supervises

    row = db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == people.supervisee.id)).one()
    assert admin_client.post(f"/admin/relationships/{row.id}/end", data={"ends_on": "2026-01-01"}).status_code == 400
    response = admin_client.post(f"/admin/relationships/{row.id}/end", data={"ends_on": "2026-03-31"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(SupervisionRelationship, row.id).ends_on == dt.date(2026, 3, 31)
    assert supervises(people.supervisor.id, people.supervisee.id, dt.date(2026, 3, 31))
    assert not supervises(people.supervisor.id, people.supervisee.id, dt.date(2026, 4, 1))


# --- importing a CSV -----------------------------------------------------------------------------

FORWARD_CSV = (
    "name,email,roles,profession,staff_category,start_date,line_manager_email,supervisor_email\n"
    "Alex Morgan,alex.morgan@havering.example,supervisee,Social worker,Newly qualified social worker,2026-02-02,"
    "chris.doyle@havering.example,chris.doyle@havering.example\n"
    "Bea Okafor,bea.okafor@havering.example,supervisee,Occupational therapist,Occupational therapist,,"
    "chris.doyle@havering.example,sam.taylor@havering.example\n"
    "Chris Doyle,chris.doyle@havering.example,supervisor;supervisee,Social worker,Team manager,2025-06-01,"
    "morgan.lee@havering.example,morgan.lee@havering.example\n"
)


def test_csv_import_creates_people_roles_and_relationships_referring_forward(admin_client, db, people):
    response = upload(admin_client, FORWARD_CSV.encode())
    assert response.status_code == 302
    page = admin_client.get(response.location).get_data(as_text=True)
    assert "3 people added, with 3 supervision relationships" in page

    alex, bea, chris = (by_email(db, f"{n}@havering.example") for n in ("alex.morgan", "bea.okafor", "chris.doyle"))
    assert chris.roles == {Role.SUPERVISOR, Role.SUPERVISEE} and alex.roles == {Role.SUPERVISEE}
    assert alex.line_manager_id == bea.line_manager_id == chris.id
    assert chris.line_manager_id == people.manager.id
    assert alex.staff_category == "newly_qualified_social_worker" and alex.start_date == dt.date(2026, 2, 2)
    assert {p.organisation_id for p in (alex, bea, chris)} == {people.org.id}
    assert all(p.password_hash is None for p in (alex, bea, chris))

    pairs = {(r.supervisor_id, r.supervisee_id): r.starts_on for r in db.scalars(select(SupervisionRelationship))}
    assert pairs[(chris.id, alex.id)] == dt.date(2026, 2, 2)
    assert pairs[(people.supervisor.id, bea.id)] == dt.date.today()  # no start date: from today
    assert pairs[(people.manager.id, chris.id)] == dt.date(2025, 6, 1)

    events = [e.event for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert events.count("staff_added") == 3 and events[-1] == "staff_imported"


def test_csv_with_a_bad_email_and_an_unknown_role_is_refused_whole_with_both_rows_named(admin_client, db, people):
    bad = (
        "name,email,roles,profession,staff_category\n"
        "Good Person,good.person@havering.example,supervisee,Social worker,Qualified social worker\n"
        "Bad Email,bad.email@,supervisee,Social worker,Qualified social worker\n"
        "Bad Role,bad.role@havering.example,manager,Social worker,Qualified social worker\n"
    )
    staff_before, relationships_before, events_before = (
        count(db, Staff), count(db, SupervisionRelationship), count(db, AuditEvent))
    response = upload(admin_client, bad.encode())
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    start = html.index('class="govuk-error-summary"')
    summary = html[start:html.index("</ul>", start)]
    assert "Row 3: Enter an email address in the correct format, like name@example.org" in summary
    assert "Row 4: Enter roles from supervisor, supervisee, hr, admin, separated by semicolons" in summary
    assert "“manager” is not a role" in summary
    assert "Nothing has been saved" in html
    assert (count(db, Staff), count(db, SupervisionRelationship), count(db, AuditEvent)) == (
        staff_before, relationships_before, events_before)
    assert by_email(db, "good.person@havering.example") is None


def test_csv_with_bom_windows_line_endings_and_excel_quoting_is_accepted(admin_client, db):
    text = (
        "\ufeff Name ,EMAIL,Roles,Profession,Staff Category,Start Date,Line Manager Email,Supervisor Email\r\n"
        '"O\'Neill, Siobhán",siobhan.oneill@havering.example,"supervisor; supervisee",Social worker,'
        '"Admin, group worker or non-case-holding staff",05/01/2026,,\r\n'
        "Tom Hale,tom.hale@havering.example,supervisee,Social worker,Qualified social worker,2026-01-05,"
        "siobhan.oneill@havering.example,siobhan.oneill@havering.example\r\n"
        ",,,,,,,\r\n\r\n"
    )
    response = upload(admin_client, text.encode("utf-8"))
    assert response.status_code == 302, response.get_data(as_text=True)
    siobhan = by_email(db, "siobhan.oneill@havering.example")
    assert siobhan.name == "O'Neill, Siobhán"
    assert siobhan.staff_category == "non_case_holding"
    assert siobhan.start_date == dt.date(2026, 1, 5)
    assert by_email(db, "tom.hale@havering.example").line_manager_id == siobhan.id


def test_csv_saved_by_excel_in_windows_encoding_keeps_accents(admin_client, db):
    text = "name,email,roles\r\nRenée Dupont,renee.dupont@havering.example,hr\r\n"
    assert upload(admin_client, text.encode("cp1252")).status_code == 302
    assert by_email(db, "renee.dupont@havering.example").name == "Renée Dupont"


@pytest.mark.parametrize(("csv_text", "problem"), [
    ("name,email,roles\nA,sam.taylor@havering.example,hr\n",
     "Row 2: Enter a different email address – sam.taylor@havering.example already belongs to someone on record"),
    ("name,email,roles\nA,dup@havering.example,hr\nB,DUP@havering.example,hr\n",
     "Row 3: Enter a different email address – dup@havering.example is also on row 2"),
    ("name,email,roles,supervisor_email\nA,a@havering.example,supervisee,hana.patel@havering.example\n",
     "Row 2: Enter the supervisor's email address – Hana Patel (hana.patel@havering.example) does not have the "
     "supervisor role"),
    ("name,email,roles,line_manager_email\nA,a@havering.example,hr,nobody@havering.example\n",
     "Row 2: Enter the line manager's email address – no one in this file or on record has the email address "
     "nobody@havering.example"),
    ("name,email,roles,line_manager_email\nA,a@havering.example,hr,olu@another.example\n",
     "Row 2: Enter the line manager's email address – no one in this file or on record has the email address "
     "olu@another.example"),
    ("name,email,roles,supervisor_email\nA,a@havering.example,supervisor,a@havering.example\n",
     "Row 2: Enter the supervisor's email address – a person cannot supervise themselves"),
    ("name,email,role\nA,a@havering.example,hr\n", "Row 1: Add a column called “roles”"),
    ("name,email,roles,phone\nA,a@havering.example,hr,0123\n", "Row 1: “phone” is not a column Countersign knows"),
    ("name,email,roles\n", "The file has column names but no people"),
    ("name,email,roles\nA,a@havering.example,hr,extra\n", "Row 2: There are more cells than columns"),
    ("name,email,roles\nA,a@havering.example,hr\nB,b@havering.example,supervisee\n",
     "Row 3: Enter the person's profession, like social worker or occupational therapist"),
])
def test_csv_mistakes_are_named_by_row_and_nothing_is_saved(db, people, csv_text, problem):
    before = count(db, Staff)
    with pytest.raises(people_workflow.CsvRejected) as rejected:
        people_workflow.import_staff_csv(people.org.id, csv_text, as_actor(people.admin))
    assert any(p.startswith(problem) for p in rejected.value.problems), rejected.value.problems
    assert count(db, Staff) == before


def test_csv_example_downloads_and_imports_cleanly(admin_client, db):
    example = admin_client.get("/admin/staff/import/example.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert "attachment" in example.headers["Content-Disposition"]
    assert "chris.doyle@council.example" in admin_client.get("/admin/staff/import").get_data(as_text=True)
    assert upload(admin_client, example.data).status_code == 302
    assert by_email(db, "chris.doyle@council.example").has_role(Role.SUPERVISOR)


def test_import_without_a_file_asks_for_one(admin_client):
    response = admin_client.post("/admin/staff/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Select a CSV file" in response.get_data(as_text=True)


# --- CSRF ----------------------------------------------------------------------------------------


def test_add_person_without_a_csrf_token_is_refused(app, admin_client, db):
    app.config["WTF_CSRF_ENABLED"] = True
    form = {"name": "Kim Nguyen", "email": "kim@havering.example", "roles": ["hr"]}
    before = count(db, Staff)

    refused = admin_client.post("/admin/staff/new", data=form)
    assert refused.status_code == 400
    assert count(db, Staff) == before

    page = admin_client.get("/admin/staff/new").get_data(as_text=True)
    token = csrf_token(page)
    accepted = admin_client.post("/admin/staff/new", data={**form, "csrf_token": token})
    assert accepted.status_code == 302
    assert count(db, Staff) == before + 1


# --- the demo ------------------------------------------------------------------------------------


DEMO_MODELS = (Staff, SupervisionRelationship, AuditEvent, Organisation, Document, QualityActivity, Reflection,
               CancelledSession, CoverArrangement, ProfessionalSupervision)


@pytest.mark.libreoffice
def test_seed_demo_is_idempotent_and_its_password_signs_in(app, client, db, tmp_path, login):
    instance = tmp_path / "instance"
    with app.app_context():  # as `flask demo` runs it: no request
        first = seed_demo(instance)
    counts = [count(db, model) for model in DEMO_MODELS]
    with app.app_context():
        second = seed_demo(instance)

    assert second == first
    assert [count(db, model) for model in DEMO_MODELS] == counts
    assert [a.name for a in first] == ["Ade Adebayo", "Hana Patel", "Morgan Lee", "Sam Taylor", "Jo O'Brien",
                                       "Ravi Shah", "Olivia Thomas", "Nia Okoro", "Tom Reilly", "Priya Nair",
                                       "Dan Mensah", "Ella Wood", "Grace Mills"]
    assert len({a.password for a in first}) == 1
    password_file = instance / "demo-password.txt"
    assert password_file.read_text().strip() == first[0].password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600

    organisation = db.scalars(select(Organisation).where(Organisation.name == "London Borough of Havering (demo)")).one()
    assert organisation.template_pack == "havering"
    sam, jo = by_email(db, "sam.taylor@havering.example"), by_email(db, "jo.obrien@havering.example")
    assert sam.roles == {Role.SUPERVISOR, Role.SUPERVISEE} and jo.line_manager_id == sam.id
    assert jo.staff_category == "all_staff"
    _the_demo_has_supervision_to_try(db, sam, jo)
    pairs = {(r.supervisor.name, r.supervisee.name, r.starts_on) for r in db.scalars(select(SupervisionRelationship))}
    assert pairs == {("Morgan Lee", "Sam Taylor", dt.date(2026, 1, 5)), ("Sam Taylor", "Jo O'Brien", dt.date(2026, 1, 5)),
                     ("Sam Taylor", "Ravi Shah", dt.date(2026, 1, 5)), ("Tom Reilly", "Priya Nair", dt.date(2026, 1, 5)),
                     ("Priya Nair", "Dan Mensah", dt.date(2026, 1, 5)), ("Priya Nair", "Ella Wood", dt.date(2026, 1, 5))}
    bd = db.scalars(select(Organisation).where(Organisation.name == "London Borough of Barking and Dagenham (demo)")).one()
    assert bd.template_pack == "barking-dagenham" and by_email(db, "dan.mensah@lbbd.example").organisation_id == bd.id
    assert all(first[0].password not in (p.password_hash or "") for p in db.scalars(select(Staff)))

    db.rollback()  # end this test's read: on SQLite it holds the write lock the first request's checks need
    for account in first:
        browser = app.test_client()
        login(browser, account, password=account.password)
    assert client.get("/admin/staff").status_code == 302  # not signed in in this client
    login(client, first[0], password=first[0].password)
    assert client.get("/admin/staff").status_code == 200


def test_seed_demo_makes_a_different_password_per_install(app, db, tmp_path):
    first = seed_demo(tmp_path / "one")[0].password
    second = seed_demo(tmp_path / "two")[0].password  # the same database, a new install folder
    assert first != second
    assert seed_demo(tmp_path / "two")[0].password == second


# --- what sets how often someone is supervised ---


def test_admin_form_offers_the_policys_categories_and_saves_qualification_and_flags(admin_client, db):
    page = admin_client.get("/admin/staff/new").get_data(as_text=True)
    assert '<option value="newly_qualified_non_registered">Newly qualified staff (non-registered)</option>' in page
    assert 'name="part_time"' in page and 'name="appointed_from_overseas"' in page
    response = admin_client.post("/admin/staff/new", data={
        "name": "Kim Nguyen", "email": "kim@havering.example", "roles": ["supervisee"], "profession": "Social worker",
        "staff_category": "newly_qualified_non_registered", "start_date": "2026-02-02", "qualified_on": "2025-12-15",
        "part_time": "yes", "appointed_from_overseas": "yes",
    })
    assert response.status_code == 302
    kim = by_email(db, "kim@havering.example")
    assert (kim.staff_category, kim.qualified_on, kim.part_time, kim.appointed_from_overseas) == (
        "newly_qualified_non_registered", dt.date(2025, 12, 15), True, True)
    staff_page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "Newly qualified staff (non-registered) · part time · appointed from outside the UK" in staff_page


def test_new_persons_dates_are_read_from_the_day_month_and_year_boxes(admin_client, db):
    response = admin_client.post("/admin/staff/new", data={
        "name": "Kim Nguyen", "email": "kim@havering.example", "roles": ["supervisee"], "profession": "Social worker",
        "staff_category": "newly_qualified_non_registered", "start_date": ["2", "2", "2026"],
        "qualified_on": ["15", "12", "2025"],
    })
    assert response.status_code == 302
    kim = by_email(db, "kim@havering.example")
    assert (kim.start_date, kim.qualified_on) == (dt.date(2026, 2, 2), dt.date(2025, 12, 15))


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"staff_category": "Astronaut"}, "staff_category", "Choose a staff category from your supervision policy"),
    ({"staff_category": "newly_qualified_non_registered"}, "qualified_on", "Enter the date they qualified"),
    ({"qualified_on": "2025-13-01"}, "qualified_on", "Enter the date they qualified as a real date"),
])
def test_a_category_outside_the_policy_or_a_missing_qualification_date_is_refused(admin_client, db, change, field,
                                                                                    message):
    form = {"name": "Kim Nguyen", "email": "kim@havering.example", "roles": ["supervisee"],
            "profession": "Social worker", "staff_category": "all_staff", **change}
    response = admin_client.post("/admin/staff/new", data=form)
    html = html_text.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and f'id="{field}-error"' in html and message in html
    assert by_email(db, "kim@havering.example") is None


def test_csv_import_reads_qualification_date_and_yes_no_flags(admin_client, db, people):
    text = ("name,email,roles,profession,staff_category,start_date,qualified_on,part_time,appointed_from_overseas\n"
            "Ama Osei,ama.osei@havering.example,supervisee,Social worker,Newly qualified social worker,2026-03-02,"
            "2026-01-10,no,yes\n"
            "Ben Ali,ben.ali@havering.example,supervisee,Support worker,Apprentice,2026-03-02,,Y,\n")
    response = upload(admin_client, text.encode())
    assert response.status_code == 302, response.get_data(as_text=True)
    ama, ben = by_email(db, "ama.osei@havering.example"), by_email(db, "ben.ali@havering.example")
    assert (ama.staff_category, ama.qualified_on, ama.part_time, ama.appointed_from_overseas) == (
        "newly_qualified_social_worker", dt.date(2026, 1, 10), False, True)
    assert (ben.staff_category, ben.part_time, ben.appointed_from_overseas) == ("apprentice", True, False)


def test_csv_with_an_unknown_category_or_flag_is_refused_whole(admin_client, db, people):
    text = ("name,email,roles,profession,staff_category,part_time\n"
            "Ama Osei,ama.osei@havering.example,supervisee,Social worker,Astronaut,\n"
            "Ben Ali,ben.ali@havering.example,supervisee,Support worker,Apprentice,sometimes\n")
    response = upload(admin_client, text.encode())
    html = html_text.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Row 2: Choose a staff category from your supervision policy" in html and "“Astronaut” is not one" in html
    assert "Row 3: Enter yes or no for part time" in html
    assert by_email(db, "ben.ali@havering.example") is None


def _the_demo_has_supervision_to_try(db, sam, jo):
    """Ravi (an occupational therapist whose line manager is a social worker) has a professional supervisor and a
    signed professional agreement, and Ella in Barking and Dagenham; Sam has this year's quality assurance with one observation signed; Jo has a
    reflection; a cancelled session and a cover arrangement are there to see. The signed ones are sealed."""
    ravi, olivia = by_email(db, "ravi.shah@havering.example"), by_email(db, "olivia.thomas@havering.example")
    assert (ravi.profession, sam.profession, olivia.profession) == ("Occupational therapist", "Social worker",
                                                                    "Occupational therapist")
    assert ravi.line_manager_id == sam.id
    ella, grace = by_email(db, "ella.wood@lbbd.example"), by_email(db, "grace.mills@lbbd.example")
    assert {(n.supervisee_id, n.professional_supervisor_id) for n in db.scalars(select(ProfessionalSupervision))} == {
        (ravi.id, olivia.id), (ella.id, grace.id)}
    agreements = db.scalars(select(Document).where(Document.kind == "professional_agreement")
                            .order_by(Document.id)).all()
    observation = db.scalars(select(Document).where(Document.kind == "observation")).one()
    for document in (*agreements, observation):
        assert document.state is DocumentState.LOCKED and document.final_pdf_sha256, document.pdf_error
    assert [(a.supervisor_id, a.supervisee_id, a.template_key) for a in agreements] == [
        (olivia.id, ravi.id, "havering/professional-supervision-agreement"),
        (grace.id, ella.id, "barking-dagenham/professional-supervision-agreement")]
    activities = db.scalars(select(QualityActivity).where(QualityActivity.supervisor_id == sam.id)).all()
    assert len(activities) == 8 and {a.year for a in activities} == {dt.date.today().year}
    done = [a for a in activities if a.done_on]
    assert [(a.kind, a.document_id) for a in done] == [("observation", observation.id)]
    reflection = db.scalars(select(Reflection)).one()
    assert reflection.staff_id == jo.id and reflection.in_portfolio
    cancelled = db.scalars(select(CancelledSession)).one()
    assert (cancelled.supervisor_id, cancelled.supervisee_id) == (sam.id, jo.id) and cancelled.reason
    arrangement = db.scalars(select(CoverArrangement)).one()
    assert (arrangement.supervisor_id, arrangement.cover.name) == (sam.id, "Morgan Lee")
    assert arrangement.starts_on <= dt.date.today() <= arrangement.ends_on
    assert verify_chain(db).ok  # made by the workflows: each step is in the council's audit chain
    events = set(db.scalars(select(AuditEvent.event)))
    assert {"signed", "quality_picked", "reflection_written", "session_cancelled", "cover_arranged"} <= events
