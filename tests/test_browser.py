"""The whole round in a real browser: Debian's Chromium, the app on a real HTTP port, mail through a real SMTP server.

The supervisor signs in, writes an agreement and sends it; the signing links are read out of the messages an
aiosmtpd server on loopback received; the supervisee and then the supervisor sign in their own browser contexts;
both then see the agreement locked and download the signed PDF.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import subprocess
import threading
import time
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from storage import db as database

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SIGN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/sign/\d+/\S+")
ABSENCE_COVER = "Morgan O'Brien & <Sons>, Team Manager"
# The PDF is made by LibreOffice in the background worker; the page refreshes itself until it is there.
PDF_WAIT_MS = 60_000
MAIL_WAIT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, subject_prefix: str, count: int, timeout: float = MAIL_WAIT_S) -> list[EmailMessage]:
        """The messages whose subject starts with `subject_prefix`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                # strip(): Python's folding of a long Subject can start it on a continuation line.
                found = [m for m in self.messages if str(m["Subject"]).strip().startswith(subject_prefix)]
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(found) == count, (
            f"expected {count} {subject_prefix!r} messages within {timeout}s, got "
            f"{[(str(m['To']), str(m['Subject'])) for m in self.messages]}")
        return found


@pytest.fixture
def smtp():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()  # raises, failing the test, if the server cannot start
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def live_url(app_config, people, smtp):
    """The app served over real HTTP on loopback, with its background worker, sending mail to `smtp`."""
    from app import create_app
    from workflows import background

    # The conftest app's session in this thread must go before the live app re-binds the shared session.
    database.session.remove()
    holder = {}
    # Bind first (port 0) so that the port is known, race-free, before BASE_URL is set.
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none",
                      "SMTP_TIMEOUT": 5, "BASE_URL": base_url})
    holder["app"] = app
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="live-http", daemon=True)
    serving.start()
    stop = background.start_in_thread(app, poll_seconds=0.5)
    worker = next(t for t in threading.enumerate() if t.name == "countersign-worker" and t.is_alive())
    try:
        yield base_url
    finally:
        stop.set()
        background.wake()
        server.shutdown()
        serving.join(10)
        server.server_close()
        worker.join(30)  # it may be finishing a LibreOffice conversion
        database.session.remove()
        app.extensions["countersign.engine"].dispose()
        assert not worker.is_alive(), "the background worker did not stop"


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        # No skip: a Chromium that cannot start fails the test.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in(page: Page, base_url: str, person, password: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=f"Hello, {person.name}")).to_be_visible()


def link_for(messages: list[EmailMessage], person) -> str:
    (message,) = [m for m in messages if m["To"].addresses[0].addr_spec == person.email]
    links = SIGN_LINK.findall(message.get_content())
    assert len(links) == 1, message.get_content()
    return links[0]


def sign(page: Page, link: str, person, screenshot=None) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("^Read and sign"))).to_be_visible()
    expect(page.get_by_text("You are signing as the")).to_contain_text(person.name)
    # The PDF being signed is on the page, and it is a PDF.
    frame = page.get_by_title("The document to sign")
    expect(frame).to_be_visible()
    pdf = page.request.get(page.url + "/document.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    assert frame.get_attribute("src").endswith("/document.pdf")
    page.get_by_label("I agree to sign electronically").check()
    page.get_by_label("Type your full name to sign").fill(person.name)
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    page.get_by_role("button", name="Sign", exact=True).click()


def download_signed_pdf(page: Page, tmp_path, who: str) -> str:
    """Download the signed PDF from the document page open in `page`; its text."""
    link = page.get_by_role("link", name="Download the signed PDF")
    expect(link).to_be_visible(timeout=PDF_WAIT_MS)  # the final PDF is made in the background
    with page.expect_download() as info:
        link.click()
    download = info.value
    target = tmp_path / f"signed-{who}.pdf"
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-"), data[:40]
    return subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True).stdout.decode()


def expected_expiry_dates(lifetime_days: int = 14) -> set[str]:
    """How the link's expiry day reads in the email (either side of a midnight passing during the test)."""
    uk = ZoneInfo("Europe/London")
    now = dt.datetime.now(dt.UTC)
    days = {(now + dt.timedelta(days=lifetime_days, minutes=m)).astimezone(uk) for m in (-5, 0, 5)}
    return {f"{d.day} {d:%B %Y}" for d in days}


def test_whole_round_in_chromium(browser, live_url, smtp, people, tmp_path):
    supervisor, supervisee = people.supervisor, people.supervisee
    expiry_days = expected_expiry_dates()

    # The supervisor signs in, writes the agreement and previews it.
    boss = new_page(browser)
    sign_in(boss, live_url, supervisor, people.password)
    boss.get_by_role("link", name="New agreement").click()
    expect(boss.get_by_role("heading", name="Write a supervision agreement")).to_be_visible()
    boss.get_by_label("Supervisee", exact=True).select_option(label=supervisee.name)
    boss.get_by_label("How often you will meet").fill("4")
    boss.get_by_label("Minimum length of each session").fill("90")
    boss.get_by_label("Who will supervise if the supervisor is away").fill(ABSENCE_COVER)
    boss.get_by_label("Date supervision starts").fill("2026-12-01")
    boss.get_by_role("button", name="Save as draft and preview").click()
    boss.wait_for_url(re.compile(r"/documents/\d+$"))
    document_url = boss.url
    send = boss.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)  # the page refreshes itself until the PDF is made
    expect(boss.get_by_title(re.compile("^Preview of"))).to_be_visible()
    send.click()
    expect(boss.get_by_text("Sent. Each of you has been emailed a link to sign.")).to_be_visible()

    # Each party got their own link, saying who asked and when it stops working.
    please_sign = smtp.wait_for("Please sign:", 2)
    reference = re.search(r"\((\S+)\)$", str(please_sign[0]["Subject"]).strip()).group(1)
    for message in please_sign:
        body = message.get_content()
        assert f"{supervisor.name} ({supervisor.email}) has asked you to read and sign" in body, body
        expiry = re.search(r"It expires on (\d{1,2} \w+ \d{4}) at \d\d:\d\d \w+ \(UTC[+-]\d\d:\d\d\)\.", body)
        assert expiry and expiry.group(1) in expiry_days, body
    supervisee_link, supervisor_link = link_for(please_sign, supervisee), link_for(please_sign, supervisor)
    assert supervisee_link != supervisor_link

    # The supervisee signs from the link, without signing in.
    worker = new_page(browser)
    signing_shot = tmp_path / "signing-page.png"
    sign(worker, supervisee_link, supervisee, screenshot=signing_shot)
    expect(worker.get_by_role("heading", name="You have signed")).to_be_visible()

    # Then the supervisor, from theirs; that locks it.
    sign(boss, supervisor_link, supervisor)
    expect(boss.get_by_role("heading", name="Signed by both")).to_be_visible()

    # Both are told, with a link to the document.
    locked_mail = smtp.wait_for("Signed by both:", 2)
    assert sorted(m["To"].addresses[0].addr_spec for m in locked_mail) == sorted([supervisor.email, supervisee.email])
    for message in locked_mail:
        assert document_url in message.get_content().split(), message.get_content()

    # The supervisor sees it locked and downloads the signed PDF once it has been made.
    boss.goto(document_url)
    expect(boss.get_by_role("heading", name="Signed by both")).to_be_visible()
    text = download_signed_pdf(boss, tmp_path, "supervisor")
    assert f"Signed electronically by {supervisee.name}" in text, text
    assert f"Signed electronically by {supervisor.name}" in text, text
    assert "Morgan O'Brien & <Sons>" in text, text  # the form's text, escaped nowhere on its way to the PDF
    locked_shot = tmp_path / "locked-document.png"
    boss.screenshot(path=locked_shot, full_page=True)

    # The supervisee signs in, finds it on their home page and downloads it too.
    sign_in(worker, live_url, supervisee, people.password)
    worker.get_by_role("link", name=re.compile(re.escape(reference))).click()
    worker.wait_for_url(document_url)
    expect(worker.get_by_role("heading", name="Signed by both")).to_be_visible()
    assert f"Signed electronically by {supervisee.name}" in download_signed_pdf(worker, tmp_path, "supervisee")

    for shot in (signing_shot, locked_shot):
        assert shot.stat().st_size > 10_000, shot
