"""Setting up a council from the command line, and an admin keeping everyone's details right."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from storage.models import AuditEvent, LoginSession, Organisation, RetentionPolicy, Role, Staff, SupervisionRelationship
from tests.support.data import PASSWORD
from tests.support.identity import code_for
from tests.support.links import mails_to

NEW = "tangerine kettle obscure meadow"


def _create(app, *extra):
    return app.test_cli_runner().invoke(args=[
        "create-organisation", "--name", "London Borough of Redbridge", "--template-pack", "havering",
        "--admin-name", "Rae Admin", "--admin-email", "rae.admin@redbridge.gov.uk", *extra])


def test_a_council_and_its_first_admin_are_set_up_and_the_admin_starts_from_an_emailed_link(app, db):
    result = _create(app, "--retention-years", "8")
    assert result.exit_code == 0, result.output
    assert "Rae Admin (rae.admin@redbridge.gov.uk) has been emailed a link to set their password" in result.output
    organisation = db.scalars(select(Organisation).where(Organisation.name == "London Borough of Redbridge")).one()
    assert organisation.template_pack == "havering" and organisation.password_sign_in
    assert db.scalars(select(RetentionPolicy).where(RetentionPolicy.organisation_id == organisation.id)).one().years == 8
    admin = db.scalars(select(Staff).where(Staff.email == "rae.admin@redbridge.gov.uk")).one()
    assert admin.roles == {Role.ADMIN} and admin.password_hash is None
    assert {e.event for e in db.scalars(select(AuditEvent))} >= {"organisation_created", "staff_added"}

    (welcome,) = mails_to(db, admin, "Your Countersign account")
    link = re.search(r"https://countersign\.test(/password/\S+)", welcome.body_text).group(1)
    client = app.test_client()
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    signed = client.post("/sign-in", data={"email": admin.email, "password": NEW})
    assert signed.location.startswith("/sign-in/set-up-code")  # an admin must set up the second factor
    client.get(signed.location)
    assert client.post(signed.location, data={"code": code_for(admin.email)}).status_code == 200
    assert client.get("/admin/staff").status_code == 200


def test_setting_up_refuses_mistakes_and_saves_nothing(app, db, people):
    result = app.test_cli_runner().invoke(args=[
        "create-organisation", "--name", people.org.name, "--template-pack", "croydon",
        "--admin-name", "X", "--admin-email", people.hr.email, "--oidc-issuer", "http://login.example"])
    assert result.exit_code != 0
    for message in ("is already set up", "Choose a template pack: barking-dagenham, havering",
                    "already belongs to someone on record", "starting https://", "--oidc-client-id",
                    "--email-domains"):
        assert message in result.output, result.output
    assert db.scalars(select(Organisation)).all().__len__() == 2


def test_a_council_with_single_sign_on_only(app, db):
    result = _create(app, "--oidc-issuer", "https://login.microsoftonline.com/tenant/v2.0", "--oidc-client-id",
                     "app-id", "--oidc-client-secret", "s3cret", "--email-domains", "redbridge.gov.uk",
                     "--no-password-sign-in")
    assert result.exit_code == 0, result.output
    assert "how to sign in with single sign-on" in result.output
    assert "https://countersign.test/sign-in/sso/callback" in result.output
    organisation = db.scalars(select(Organisation).where(Organisation.name == "London Borough of Redbridge")).one()
    assert organisation.single_sign_on and not organisation.password_sign_in
    assert organisation.email_domains == ["redbridge.gov.uk"]
    admin = db.scalars(select(Staff).where(Staff.email == "rae.admin@redbridge.gov.uk")).one()
    (welcome,) = mails_to(db, admin, "Your Countersign account")
    assert "Sign in with London Borough of Redbridge" in welcome.body_text and "/password/" not in welcome.body_text


def test_password_sign_in_cannot_be_switched_off_without_single_sign_on(app, people):
    result = app.test_cli_runner().invoke(args=["configure-sign-in", "--name", people.org.name,
                                                "--no-password-sign-in"])
    assert result.exit_code != 0 and "Set up single sign-on before switching password sign-in off" in result.output
    changed = app.test_cli_runner().invoke(args=[
        "configure-sign-in", "--name", people.org.name, "--oidc-issuer", "https://accounts.google.com",
        "--oidc-client-id", "id", "--oidc-client-secret", "secret", "--email-domains", "havering.example"])
    assert changed.exit_code == 0 and "single sign-on and passwords" in changed.output


# --- an admin keeps people's details right -------------------------------------------------------


def test_an_admin_chooses_the_supervisor_when_adding_someone(client, people, login, db):
    login(client, people.admin)
    response = client.post("/admin/staff/new", data={
        "name": "Kim Nguyen", "email": "kim.nguyen@havering.example", "roles": ["supervisee"],
        "profession": "Social worker", "staff_category": "Qualified social worker", "start_date": "2026-02-02",
        "supervisor_id": str(people.supervisor.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    kim = db.scalars(select(Staff).where(Staff.email == "kim.nguyen@havering.example")).one()
    (relationship,) = db.scalars(select(SupervisionRelationship).where(SupervisionRelationship.supervisee_id == kim.id))
    assert relationship.supervisor_id == people.supervisor.id and relationship.starts_on == dt.date(2026, 2, 2)


def test_an_admin_changes_every_field_of_a_person(client, people, login, db):
    login(client, people.admin)
    form = client.get(f"/admin/staff/{people.supervisee.id}/edit").get_data(as_text=True)
    assert people.supervisee.email in form and "Save changes" in form
    response = client.post(f"/admin/staff/{people.supervisee.id}/edit", data={
        "name": "Jo O'Brien-Smith", "email": "jo.smith@havering.example", "roles": ["supervisee", "supervisor"],
        "profession": "Occupational therapist", "staff_category": "Newly qualified social worker",
        "qualified_on": "2026-01-10", "start_date": "2026-01-12", "part_time": "y",
        "line_manager_id": str(people.manager.id), "supervisor_id": str(people.other_supervisor.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    jo = db.get(Staff, people.supervisee.id)
    assert (jo.name, jo.email, jo.profession, jo.staff_category) == (
        "Jo O'Brien-Smith", "jo.smith@havering.example", "Occupational therapist", "newly_qualified_social_worker")
    assert jo.roles == {Role.SUPERVISOR, Role.SUPERVISEE} and jo.part_time and jo.line_manager_id == people.manager.id
    current = [r for r in db.scalars(select(SupervisionRelationship).where(
        SupervisionRelationship.supervisee_id == jo.id)) if r.is_current(dt.date.today())]
    assert [r.supervisor_id for r in current] == [people.other_supervisor.id]
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "transferred")).one()
    changed = db.scalars(select(AuditEvent).where(AuditEvent.event == "staff_changed")).one().detail["changed"]
    assert {"name", "email", "roles", "profession", "line_manager", "supervisor"} <= set(changed)


def test_editing_refuses_mistakes_with_messages(client, people, login):
    login(client, people.admin)
    response = client.post(f"/admin/staff/{people.supervisee.id}/edit", data={
        "name": "", "email": people.hr.email, "roles": ["supervisee"], "profession": "Social worker",
        "staff_category": "Qualified social worker", "line_manager_id": str(people.supervisee.id),
        "supervisor_id": str(people.hr.id)})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter the person&#39;s full name", "already belongs to someone on record",
                    "cannot be their own line manager", "does not have it"):
        assert message in text, message
    assert client.get(f"/admin/staff/{people.outsider.id}/edit").status_code == 404


def test_giving_someone_the_hr_role_is_audited_emailed_and_signs_them_out(app, client, people, login, db):
    theirs = app.test_client()
    login(theirs, people.supervisee)
    login(client, people.admin)
    response = client.post(f"/admin/staff/{people.supervisee.id}/edit", data={
        "name": people.supervisee.name, "email": people.supervisee.email, "roles": ["supervisee", "hr"],
        "profession": "Social worker", "staff_category": "Qualified social worker",
        "supervisor_id": str(people.supervisor.id), "line_manager_id": str(people.supervisor.id),
        "start_date": "2025-09-01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "privileged_roles_changed")).one()
    assert event.detail["roles"] == ["hr", "supervisee"] and event.actor_id == people.admin.id
    (mail,) = mails_to(db, people.supervisee, "Your Countersign account has been changed")
    assert "Ade Adebayo" in mail.body_text and "HR" in mail.body_text
    assert theirs.get("/").status_code == 302  # signed out: next time, with the second factor HR needs
    signed = app.test_client().post("/sign-in", data={"email": people.supervisee.email, "password": PASSWORD})
    assert signed.location.startswith("/sign-in/set-up-code")


def test_an_admin_setting_an_hr_password_is_audited_and_the_person_emailed(client, people, login, db):
    login(client, people.admin)
    assert client.post(f"/admin/staff/{people.hr.id}/password", data={"password": NEW}).status_code == 302
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "password_set")).one().detail["privileged"]
    (mail,) = mails_to(db, people.hr, "Your Countersign account has been changed")
    assert "a new password has been set" in mail.body_text
    assert db.scalars(select(LoginSession).where(LoginSession.staff_id == people.hr.id,
                                                 LoginSession.ended_at.is_(None))).first() is None
    common = client.post(f"/admin/staff/{people.hr.id}/password", data={"password": "password123456"})
    assert common.status_code == 400 and "less common" in common.get_data(as_text=True)


def test_an_admin_adds_someone_who_sets_their_own_password_from_an_emailed_link(app, client, people, login, db):
    login(client, people.admin)
    response = client.post("/admin/staff/new", data={
        "name": "Kim Nguyen", "email": "kim.nguyen@havering.example", "roles": ["supervisee"],
        "profession": "Social worker", "staff_category": "Qualified social worker", "send_link": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    kim = db.scalars(select(Staff).where(Staff.email == "kim.nguyen@havering.example")).one()
    (welcome,) = mails_to(db, kim, "Your Countersign account")
    link = re.search(r"https://countersign\.test(/password/\S+)", welcome.body_text).group(1)
    newcomer = app.test_client()
    assert newcomer.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert newcomer.post("/sign-in", data={"email": kim.email, "password": NEW}).location == "/"
