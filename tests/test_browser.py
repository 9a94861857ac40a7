"""The whole round in a real browser: Debian's Chromium, the app on a real HTTP port, mail through a real SMTP server.

The supervisor signs in, writes an agreement and sends it; the signing links are read out of the messages an
aiosmtpd server on loopback received; the supervisee and then the supervisor sign in their own browser contexts;
both then see the agreement locked and download the signed PDF.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import pathlib
import re
import shutil
import socket
import subprocess
import threading
import time
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import make_server

from storage import db as database

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SIGN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/sign/\d+/\S+")
ABSENCE_COVER = "Morgan O'Brien & <Sons>, Team Manager"
# The PDF is made by LibreOffice in the background worker; the page refreshes itself until it is there.
PDF_WAIT_MS = 60_000
MAIL_WAIT_S = 30
# Set to a folder to keep the screenshots of the signing page and the locked document page for a look.
KEEP_SCREENSHOTS = pathlib.Path(os.environ["BROWSER_SCREENSHOTS"]) if os.environ.get("BROWSER_SCREENSHOTS") else None
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in PDF viewer


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
    before = set(threading.enumerate())
    stop = background.start_in_thread(app, poll_seconds=0.5)
    (worker,) = [t for t in threading.enumerate() if t not in before and t.name == "countersign-worker"]
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
    expect.set_options(timeout=15_000)
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


# Chromium's PDF viewer is an out-of-process frame. Headless, after a scroll or a full-page screenshot, its stale
# hit-test area can swallow mouse clicks meant for the page below the iframe: the page never sees them. Clicks
# there are made after two frames have been drawn, and if one still goes astray the keyboard does the same job.


def settle(locator: Locator) -> Locator:
    """Scroll to an element and let two frames be drawn before it is clicked."""
    locator.scroll_into_view_if_needed()
    locator.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return locator


def tick(checkbox: Locator) -> None:
    """Tick a checkbox below the PDF: a click, or the space bar if the click went astray."""
    try:
        settle(checkbox).check(timeout=5_000)
    except PlaywrightError as error:
        if "did not change its state" not in str(error):
            raise
        checkbox.press("Space")
    expect(checkbox).to_be_checked()


def submit(page: Page, button: Locator) -> None:
    """Press a form's button below the PDF: a click, or Enter if the click sent nothing."""
    posted = lambda r: r.method == "POST" and r.frame == page.main_frame  # noqa: E731
    try:
        # Generous: on a loaded 2-CPU machine Chromium can take seconds to act on a click.
        with page.expect_request(posted, timeout=10_000):
            settle(button).click()
    except PlaywrightTimeoutError:
        with page.expect_request(posted, timeout=3_000):
            button.press("Enter")


def wait_for_pdf_viewer(page: Page, timeout: float = 20) -> None:
    """Wait until Chromium's PDF viewer, in the page's iframe, has loaded the whole document."""
    deadline = time.monotonic() + timeout
    while not (viewer := next((f for f in page.frames if f.url.startswith(PDF_VIEWER)), None)):
        assert time.monotonic() < deadline, f"Chromium's PDF viewer never opened: {[f.url for f in page.frames]}"
        page.wait_for_timeout(100)
    viewer.wait_for_function(
        "() => document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar')?.loadProgress === 100",
        timeout=max(1, deadline - time.monotonic()) * 1000)


def sign(page: Page, link: str, person, shots: pathlib.Path | None = None) -> str:
    """Open a signing link, read, consent, type the name and sign; the heading of the page that says so."""
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("^Read and sign"))).to_be_visible()
    expect(page.get_by_text("You are signing as the")).to_contain_text(person.name)
    # The PDF being signed is on the page, and it is a PDF.
    frame = page.get_by_title("The document to sign")
    expect(frame).to_be_visible()
    assert frame.get_attribute("src").endswith("/document.pdf")
    pdf = page.request.get(page.url + "/document.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    wait_for_pdf_viewer(page)
    if shots:  # the top of the page: the PDF as the signer sees it
        page.screenshot(path=shots / "signing-page.png")
    tick(page.get_by_label("I agree to sign electronically"))
    page.get_by_label("Type your full name to sign").fill(person.name)
    if shots:  # the whole page, filled in (Chromium draws the PDF viewer badly in a full-page shot)
        page.screenshot(path=shots / "signing-form.png", full_page=True)
    submit(page, page.get_by_role("button", name="Sign", exact=True))
    done = page.get_by_role("heading", name=re.compile("^(You have signed|Signed by both)$"))
    confirm = page.get_by_role("heading", name="Confirm your signature")
    expect(done.or_(confirm)).to_be_visible()
    if confirm.is_visible():  # a second step, showing what is about to be recorded
        expect(page.get_by_role("main").get_by_text(person.name, exact=True)).to_be_visible()
        page.get_by_role("button", name="Confirm and sign").click()
    expect(done).to_be_visible()
    return done.inner_text()


def download_signed_pdf(page: Page, tmp_path, who: str, screenshot=None) -> str:
    """Download the signed PDF from the document page open in `page`; its text."""
    link = page.get_by_role("link", name="Download the signed PDF")
    expect(link).to_be_visible(timeout=PDF_WAIT_MS)  # the final PDF is made in the background
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    target = tmp_path / f"signed-{who}.pdf"
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-"), data[:40]
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())  # names wrap in the signature table's narrow cells


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
    submit(boss, send)
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
    assert sign(worker, supervisee_link, supervisee, shots=tmp_path) == "You have signed"

    # Then the supervisor, from theirs; that locks it.
    assert sign(boss, supervisor_link, supervisor) == "Signed by both"

    # Both are told, with a link to the document.
    locked_mail = smtp.wait_for("Signed by both:", 2)
    assert sorted(m["To"].addresses[0].addr_spec for m in locked_mail) == sorted([supervisor.email, supervisee.email])
    for message in locked_mail:
        assert document_url in message.get_content().split(), message.get_content()

    # The supervisor sees it locked and downloads the signed PDF once it has been made.
    boss.goto(document_url)
    expect(boss.get_by_role("heading", name="Signed by both")).to_be_visible()
    locked_shot = tmp_path / "locked-document.png"
    text = download_signed_pdf(boss, tmp_path, "supervisor", screenshot=locked_shot)
    assert f"Signed electronically by {supervisee.name}" in text, text
    assert f"Signed electronically by {supervisor.name}" in text, text
    assert "Morgan O'Brien & <Sons>" in text, text  # the form's text, escaped nowhere on its way to the PDF

    # The supervisee signs in, finds it on their home page and downloads it too.
    sign_in(worker, live_url, supervisee, people.password)
    worker.get_by_role("link", name=re.compile(re.escape(reference))).click()
    worker.wait_for_url(document_url)
    expect(worker.get_by_role("heading", name="Signed by both")).to_be_visible()
    assert f"Signed electronically by {supervisee.name}" in download_signed_pdf(worker, tmp_path, "supervisee")

    shots = [tmp_path / name for name in ("signing-page.png", "signing-form.png", locked_shot.name)]
    for shot in shots:
        assert shot.stat().st_size > 10_000, shot
    if KEEP_SCREENSHOTS:
        KEEP_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, KEEP_SCREENSHOTS / shot.name)
