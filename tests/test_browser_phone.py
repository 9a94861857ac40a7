"""Signing from a phone, in Debian's Chromium at 390 px, with mail through a real SMTP server on loopback.

The supervisee opens the emailed link, reads the document's text in the page, asks for a code, reads it from the
mail server and signs; the supervisor signs from the document's page, signed in; the supervisee, who has no
password, downloads the signed copy from the "Signed by both" email. Each signing page is checked with axe-core
(WCAG 2.2 AA) at 1280 and 390 px, and for sideways scrolling at 320 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from storage.models import Organisation, Staff
from tests.support.accessibility import check_page, scrolls_sideways
from tests.support.browser import (
    ABSENCE_COVER,
    PDF_WAIT_MS,
    link_for,
    new_page,
    pdf_text,
    sign_in,
    submit,
    tick,
)

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
COPY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/copy/\d+/\S+")


@pytest.fixture
def app_config(app_config):
    # Every signed copy comes as a one-time link, so the test downloads it as a party with no password would.
    return {**app_config, "COPY_ATTACHMENT_MAX_BYTES": 0}


@pytest.fixture
def phone_ready(db, people):
    """The organisation asks signers for an emailed code; the supervisee signs only from links (no password)."""
    db.get(Organisation, people.org.id).signing_code_required = True
    db.get(Staff, people.supervisee.id).password_hash = None
    db.commit()


def _phone(browser):
    context = browser.new_context(accept_downloads=True, **PHONE)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_signing_on_a_phone_with_an_emailed_code_and_a_copy_without_a_password(browser, phone_ready, live_url, smtp,
                                                                               people, tmp_path):
    supervisor, supervisee = people.supervisor, people.supervisee

    # The supervisor writes and sends the agreement at their desk.
    desk = new_page(browser)
    sign_in(desk, live_url, supervisor, people.password)
    desk.get_by_role("link", name="New agreement").click()
    desk.get_by_label("Supervisee", exact=True).select_option(label=supervisee.name)
    desk.get_by_label("How often you will meet").fill("4")
    desk.get_by_label("Minimum length of each session").fill("90")
    desk.get_by_label("Who will supervise if the supervisor is away").fill(ABSENCE_COVER)
    starts = desk.get_by_role("group", name="Date supervision starts")
    for box, typed in (("Day", "1"), ("Month", "12"), ("Year", "2026")):
        starts.get_by_label(box).fill(typed)
    desk.get_by_role("button", name="Save as draft and preview").click()
    desk.wait_for_url(re.compile(r"/documents/\d+$"))
    document_url = desk.url
    send = desk.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)
    submit(desk, send)
    please_sign = smtp.wait_for("Please sign:", 2)
    reference = re.search(r"\((\S+)\)$", str(please_sign[0]["Subject"]).strip()).group(1)

    # On their phone, the supervisee reads the document's own text in the page, not a PDF in a frame.
    phone = _phone(browser)
    phone.goto(link_for(please_sign, supervisee))
    expect(phone.get_by_role("heading", name=re.compile("^Read and sign"))).to_be_visible()
    text = phone.locator("#document-text")
    expect(text).to_contain_text(ABSENCE_COVER)
    expect(text.get_by_role("heading", name="Arrangements for supervision")).to_be_visible()
    expect(phone.locator("iframe")).to_have_count(0)
    expect(phone.get_by_role("link", name="Open the PDF")).to_be_visible()
    assert not scrolls_sideways(phone)
    font_px = float(text.locator("p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)"))
    assert font_px >= 16, font_px
    check_page(phone, "the signing page")

    # They ask for a code; it arrives through the mail server, and they type it with their name.
    phone.get_by_role("button", name="Email me a code").click()
    expect(phone.get_by_text("We have emailed a code to j\u2022\u2022\u2022@havering.example")).to_be_visible()
    (code_mail,) = smtp.wait_for("Your code to sign", 1)
    assert code_mail["To"].addresses[0].addr_spec == supervisee.email
    code = re.search(r"^\s+(\d{6})\s*$", code_mail.get_content(), re.M).group(1)
    phone.get_by_label("Code from the email").fill(code)
    tick(phone.get_by_label("I agree to sign electronically"))
    phone.get_by_label("Type your full name to sign").fill(supervisee.name)
    submit(phone, phone.get_by_role("button", name="Sign", exact=True))
    expect(phone.get_by_role("heading", name="Check before you sign")).to_be_visible()
    expect(phone.get_by_text("The code emailed to j\u2022\u2022\u2022@havering.example")).to_be_visible()
    check_page(phone, "the check page")
    phone.get_by_role("button", name="Confirm and sign").click()
    expect(phone.get_by_role("heading", name="You have signed")).to_be_visible()
    check_page(phone, "the done page")

    # The supervisor is told, and signs from the document's page on their phone, signed in.
    smtp.wait_for(f"{supervisee.name} has signed", 1)
    boss = _phone(browser)
    sign_in(boss, live_url, supervisor, people.password)
    boss.goto(document_url)
    expect(boss.get_by_role("heading", name="Sign this document")).to_be_visible()
    check_page(boss, "the document page with its signing form")
    tick(boss.get_by_label("I agree to sign electronically"))
    boss.get_by_label("Type your full name to sign").fill(supervisor.name)
    submit(boss, boss.get_by_role("button", name="Sign", exact=True))
    expect(boss.get_by_role("heading", name="Check before you sign")).to_be_visible()
    boss.get_by_role("button", name="Confirm and sign").click()
    expect(boss.get_by_role("heading", name="Signed by both")).to_be_visible()

    # The "Signed by both" email brings each their copy; the supervisee, with no password, downloads theirs.
    final = smtp.wait_for("Signed by both:", 2, timeout=120)
    (to_supervisee,) = [m for m in final if m["To"].addresses[0].addr_spec == supervisee.email]
    copy_link = COPY_LINK.search(to_supervisee.get_content()).group(0)
    reader = _phone(browser)
    reader.goto(copy_link)
    expect(reader.get_by_role("heading", name="Your signed copy")).to_be_visible()
    with reader.expect_download() as info:
        reader.get_by_role("button", name="Download your signed copy (PDF)").click()
    assert info.value.suggested_filename == f"{reference}-signed.pdf"
    copy = (tmp_path / "copy.pdf")
    info.value.save_as(copy)
    signed = pdf_text(copy.read_bytes())
    assert f"Signed electronically by {supervisee.name}" in signed and "one-time code emailed to" in signed, signed
    assert "from the document's page in Countersign" in signed, signed
