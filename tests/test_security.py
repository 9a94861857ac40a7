"""Sign-in, sign-out, CSRF and the refusals that keep documents need-to-know."""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.links import csrf_token


def test_wrong_password_is_refused_with_a_message(client, people):
    response = client.post("/sign-in", data={"email": people.supervisor.email, "password": "wrong"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the email address and password for your Countersign account" in page
    assert client.get("/").status_code == 302


def test_an_old_session_cookie_stops_working_after_sign_out(client, people, login):
    login(client, people.supervisor)
    assert client.get("/").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    saved = cookie.value
    client.post("/sign-out")
    client.set_cookie("session", saved, domain=cookie.domain)
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_pages_need_a_signed_in_person(client, people):
    for path in ("/", "/agreements/new", "/documents/1", "/admin/staff"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_sign_in_never_redirects_to_another_site(client, people):
    response = client.post("/sign-in?next=//evil.example/x", data={"email": people.supervisor.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.post("/sign-in?next=https://evil.example/", data={"email": people.supervisor.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client, people):
    response = client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD})
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def _csrf_token(client, path):
    page = client.get(path).get_data(as_text=True)
    return csrf_token(page)


def test_every_form_needs_its_csrf_token(csrf_client, people, make_agreement, signing_link, agreement_form):
    client = csrf_client
    # Sign-in itself is protected.
    refused = client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD})
    assert refused.status_code == 400 and "The form had expired" in refused.get_data(as_text=True)
    token = _csrf_token(client, "/sign-in")
    assert client.post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD,
                                         "csrf_token": token}).status_code == 302
    document_id = make_agreement(send=False)
    posts = [
        ("/agreements/new", {**agreement_form, "supervisee": people.supervisee.id}),
        (f"/documents/{document_id}/edit", agreement_form),
        (f"/documents/{document_id}/send", {}),
        (f"/documents/{document_id}/void", {"reason": "x"}),
        (f"/documents/{document_id}/amend", {}),
        (f"/documents/{document_id}/resend/supervisee", {}),
        ("/sign-out", {}),
    ]
    for path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
    # The signing page's forms too.
    client.post("/sign-out", data={"csrf_token": _csrf_token(client, "/")})
    make_agreement()
    path = signing_link(people.supervisee)
    response = client.post(path, data={"decision": "sign", "consent": "yes", "typed_name": people.supervisee.name})
    assert response.status_code == 400
    response = client.post(path, data={"decision": "decline", "reason": "no"})
    assert response.status_code == 400
    assert client.get(path).status_code == 200  # nothing was used up


def test_unknown_document_and_someone_elses_look_the_same(client, people, make_agreement, login):
    document_id = make_agreement(send=False)
    login(client, people.other_supervisor)
    theirs = client.get(f"/documents/{document_id}")
    missing = client.get("/documents/999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_data(as_text=True) == missing.get_data(as_text=True)
