"""Driving the app in Debian's Chromium, with mail caught by a real SMTP server on loopback: the helpers the browser
tests share. The fixtures that start the server, the mail server and the browser are in conftest.py."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import pathlib
import re
import socket
import subprocess
import threading
import time
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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


def new_page(browser: Browser) -> Page:
    expect.set_options(timeout=15_000)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in(page: Page, base_url: str, person, password: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(password)
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


def sign(page: Page, link: str, person, shots: pathlib.Path | None = None) -> str:
    """Open a signing link, read, consent, type the name and sign; the heading of the page that says so."""
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("^Read and sign"))).to_be_visible()
    expect(page.get_by_text("You are signing as the")).to_contain_text(person.name)
    # The document's text is in the page; the PDF being signed is beside it, and it is a PDF.
    expect(page.locator("#document-text")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    opener = page.get_by_role("link", name="Open the PDF")
    assert opener.get_attribute("href").endswith("/document.pdf")
    pdf = page.request.get(page.url + "/document.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    if shots:  # the top of the page: the document as the signer sees it
        page.screenshot(path=shots / "signing-page.png")
    tick(page.get_by_label("I agree to sign electronically"))
    page.get_by_label("Type your full name to sign").fill(person.name)
    if shots:  # the whole page, filled in
        page.screenshot(path=shots / "signing-form.png", full_page=True)
    submit(page, page.get_by_role("button", name="Sign", exact=True))
    done = page.get_by_role("heading", name=re.compile("^(You have signed|Signed by both)$"))
    confirm = page.get_by_role("heading", name="Check before you sign")
    expect(done.or_(confirm)).to_be_visible()
    if confirm.is_visible():  # a second step, showing what is about to be recorded
        expect(page.get_by_role("main").get_by_text(person.name, exact=True)).to_be_visible()
        page.get_by_role("button", name="Confirm and sign").click()
    expect(done).to_be_visible()
    return done.inner_text()


def pdf_text(data: bytes) -> str:
    """A PDF's text, on one line (names wrap in the signature table's narrow cells)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


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
