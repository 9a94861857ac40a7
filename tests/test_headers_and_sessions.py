"""The browser's defences on every response, no inline script anywhere, nothing personal cached, and idle sign-out."""

from __future__ import annotations

import pathlib
import re
import time

import pytest

from storage.models import DocumentState
from web.headers import CONTENT_SECURITY_POLICY, no_referrer

TEMPLATES = pathlib.Path(__file__).parent.parent / "web" / "templates"


@pytest.fixture
def settings():
    """Settings a test adds to the app's (parametrize it)."""
    return {}


@pytest.fixture
def app_config(app_config, settings):
    return {**app_config, **settings}


def test_no_template_has_an_inline_script_or_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"{template.name}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "style=" not in text and "javascript:" not in text, template.name


def test_the_policy_allows_no_inline_script_and_no_framing_by_other_sites():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'self'"
    # The document pages show their PDF in an iframe from this site.
    assert directives["frame-src"] == "'self'" and directives["object-src"] == "'self'"


def test_every_page_has_the_headers_and_no_inline_script(client, people, login, document_in):
    document_id = document_in(DocumentState.OUT_FOR_SIGNATURE)
    pages = ["/sign-in"]
    login(client, people.supervisor)
    pages += ["/", f"/documents/{document_id}", "/agreements/new", "/verify", "/due"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Strict-Transport-Security"].startswith("max-age=")  # the base URL is https
        for tag in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True)):
            assert "src=" in tag, (path, tag)


def test_the_document_page_opens_its_pdf_from_this_site_without_a_frame(client, people, login, document_in):
    document_id = document_in(DocumentState.DRAFT)
    login(client, people.supervisor)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "<iframe" not in page  # the document is read in the page itself
    href = re.search(r'<a class="govuk-link" href="([^"]+/files/pdf)"', page).group(1)
    assert href.startswith("/documents/")  # same site
    opened = client.get(href.replace("&amp;", "&"))
    assert opened.status_code == 200 and opened.mimetype == "application/pdf"
    assert opened.headers["Cache-Control"] == "no-store" and "frame-ancestors 'self'" in opened.headers[
        "Content-Security-Policy"]


def test_no_download_or_document_page_is_kept_by_the_browser(client, people, login, document_in):
    document_id = document_in(DocumentState.LOCKED)
    login(client, people.supervisee)
    for which in ("pdf", "word", "signed-pdf", "signed-word"):
        response = client.get(f"/documents/{document_id}/files/{which}")
        assert response.status_code == 200, which
        assert response.headers["Cache-Control"] == "no-store", which
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    login(client, people.hr)
    with client.post(f"/archive/people/{people.supervisee.id}/export") as export:
        assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"


def test_the_emailed_link_pages_send_no_referrer(client, people, make_agreement, signing_link):
    make_agreement()
    path = signing_link(people.supervisee)
    for response in (client.get(path), client.get(f"{path}/document.pdf")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


def test_a_page_marked_as_reached_from_an_emailed_link_sends_no_referrer(app, client):
    @no_referrer
    def reset_page(token):
        return f"reset {token}"

    app.add_url_rule("/reset-for-this-test/<token>", view_func=reset_page)
    response = client.get("/reset-for-this-test/secret")
    assert response.get_data(as_text=True) == "reset secret"
    assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["Cache-Control"] == "no-store"


def test_stylesheets_and_scripts_may_be_cached(client):
    for path in ("/static/countersign.css", "/static/govuk-init.js", "/static/js-enabled.js"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers.get("Cache-Control") != "no-store", path
        response.close()


@pytest.mark.parametrize("settings", [{"BASE_URL": "http://127.0.0.1:5000"}])
def test_no_hsts_when_the_base_url_is_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def _idle_for(client, seconds: float) -> None:
    with client.session_transaction() as session:
        session["seen"] = time.time() - seconds


def test_a_browser_idle_for_half_an_hour_is_signed_out_for_good(client, people, login):
    login(client, people.supervisor)
    assert client.get("/").status_code == 200
    _idle_for(client, 29 * 60)
    assert client.get("/").status_code == 200  # still within the half hour; and this request counts as use
    with client.session_transaction() as session:
        saved = dict(session)
    _idle_for(client, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert "not used for 30 minutes" in client.get(response.headers["Location"]).get_data(as_text=True)
    # The same login, presented again with a fresh last-seen time, is ended: nothing brings it back.
    with client.session_transaction() as session:
        session.update(saved)
        session["seen"] = time.time()
    assert client.get("/").status_code == 302


def test_a_login_cookie_never_stamped_as_seen_is_refused(client, people, login):
    login(client, people.supervisor)
    with client.session_transaction() as session:
        assert time.time() - session["seen"] < 60  # stamped when the login opened
        del session["seen"]
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("settings", [{"IDLE_MINUTES": 5}])
def test_the_idle_time_is_a_setting(client, people, login):
    login(client, people.supervisor)
    assert client.get("/").status_code == 200
    _idle_for(client, 6 * 60)
    assert client.get("/").status_code == 302
