"""A group session in a real browser: Debian's Chromium, the app on a real HTTP port, mail through a real SMTP server.

The facilitator sets up group supervision with three attendees, writes its record and sends it; each attendee signs
from the link emailed to them (one on a phone); the facilitator signs last, which locks it; everyone who signed is
emailed the sealed PDF, which is PDF/A, validly sealed, and lists every signer on its certificate page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pikepdf
import pytest
from playwright.sync_api import expect

from storage.models import Organisation, Role
from tests.factories import StaffFactory
from tests.support.accessibility import check_page, scrolls_sideways
from tests.support.browser import KEEP_SCREENSHOTS, PDF_WAIT_MS, link_for, new_page, pdf_text, sign_in, submit, tick
from tests.support.pages import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DISCUSSION = "Lone working on late shifts & the <new> rota; case 123456 J.B."


@pytest.fixture
def attendees(db, people):
    """Three day opportunities staff in the facilitator's organisation, who sign only from their emailed links."""
    org = db.get(Organisation, people.org.id)
    made = [StaffFactory(organisation=org, name=name, email=email, staff_category="day_opportunities",
                         password_hash=None, roles=(Role.SUPERVISEE,))
            for name, email in (("Amara Okafor", "amara.okafor@havering.example"),
                                ("Ben Dunne-Smith", "ben.dunne-smith@havering.example"),
                                ("Chloé Martin", "chloe.martin@havering.example"))]
    return [type("Person", (), {"id": p.id, "name": p.name, "email": p.email}) for p in made]


def _sign_as_attendee(page, link: str, person, shots=None) -> str:
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("^Read and sign"))).to_be_visible()
    expect(page.get_by_text("By signing you confirm that you attended")).to_contain_text(person.name)
    expect(page.locator("#document-text")).to_contain_text(DISCUSSION)
    expect(page.get_by_text("I did not attend this session")).to_be_visible()
    if shots is not None:
        check_page(page, "the group record's signing page")
        page.screenshot(path=shots, full_page=True)
    tick(page.get_by_label("I agree to sign electronically"))
    page.get_by_label("Type your full name to sign").fill(person.name)
    submit(page, page.get_by_role("button", name="Sign", exact=True))
    done = page.get_by_role("heading", name=re.compile("^(You have signed|Signed by everyone)$"))
    confirm = page.get_by_role("heading", name="Check before you sign")
    expect(done.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        page.get_by_role("button", name="Confirm and sign").click()
    expect(done).to_be_visible()
    return done.inner_text()


def test_a_group_session_with_three_attendees_each_signing_from_their_email(browser, attendees, live_url, smtp,
                                                                            people, tmp_path, dev_seal):
    facilitator = people.supervisor
    held_on = dt.date.today() - dt.timedelta(days=1)

    # The facilitator sets up the session and chooses who attended.
    desk = new_page(browser)
    sign_in(desk, live_url, facilitator, people.password)
    desk.locator("#navigation").get_by_role("link", name="Group sessions").click()
    desk.get_by_role("button", name="Set up a group session").click()
    expect(desk.get_by_role("heading", name="Set up a group session")).to_be_visible()
    check_page(desk, "the new group session page")
    desk.screenshot(path=tmp_path / "group-new-1280.png", full_page=True)
    desk.get_by_label("Group supervision", exact=True).check()
    when = desk.get_by_role("group", name="Date of the session")
    for box, typed in (("Day", str(held_on.day)), ("Month", str(held_on.month)), ("Year", str(held_on.year))):
        when.get_by_label(box).fill(typed)
    desk.get_by_label("Length of the session").fill("90")
    for person in attendees:
        desk.get_by_label(person.name, exact=True).check()
    desk.get_by_role("button", name="Continue to the record").click()

    # Then writes the record of the discussion and an action.
    expect(desk.get_by_role("heading", name="Record of the group's discussion")).to_be_visible()
    check_page(desk, "the group record form")
    desk.get_by_label("Group discussion", exact=True).fill(DISCUSSION)
    desk.get_by_label("Action 1: what").fill("Share the new rota with the day centre")
    desk.get_by_label("Action 1: who").fill("Sam Taylor")
    due = desk.get_by_role("group", name="Action 1: by when")
    for box, typed in (("Day", "18"), ("Month", "12"), ("Year", "2026")):
        due.get_by_label(box).fill(typed)
    desk.get_by_role("button", name="Save and preview").click()
    desk.wait_for_url(re.compile(r"/groups/\d+$"))
    session_url = desk.url
    send = desk.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)
    check_page(desk, "the group session page before it is sent")
    submit(desk, send)
    expect(desk.get_by_text("Everyone who attended has been emailed their own link")).to_be_visible()

    # Everyone, facilitator included, is emailed their own link.
    please_sign = smtp.wait_for("Please sign:", 4)
    links = {person.email: link_for(please_sign, person) for person in [*attendees, facilitator]}
    assert len(set(links.values())) == 4
    reference = re.search(r"\((GRP-\d+)\)$", str(please_sign[0]["Subject"]).strip()).group(1)

    # Each attendee signs in their own browser, from their email; the first on a phone.
    phone = browser.new_context(**PHONE).new_page()
    assert _sign_as_attendee(phone, links[attendees[0].email], attendees[0],
                             shots=tmp_path / "group-signing-390.png") == "You have signed"
    assert not scrolls_sideways(phone)
    for person in attendees[1:]:
        assert _sign_as_attendee(new_page(browser), links[person.email], person) == "You have signed"

    # The facilitator's page shows who has signed; they sign last, from their own email, which locks it.
    desk.goto(session_url)
    for person in attendees:
        expect(desk.get_by_role("row", name=re.compile(re.escape(person.name)))).to_contain_text("Signed")
    assert _sign_as_attendee_or_facilitator(desk, links[facilitator.email], facilitator) == "Signed by everyone"

    # Everyone who signed is emailed the sealed record.
    locked_mail = smtp.wait_for("Signed by everyone:", 4, timeout=PDF_WAIT_MS / 1000 * 2)
    assert sorted(m["To"].addresses[0].addr_spec for m in locked_mail) == sorted(
        p.email for p in [*attendees, facilitator])
    (copy,) = list(locked_mail[0].iter_attachments())
    assert copy.get_filename() == f"{reference}-signed.pdf"
    pdf = copy.get_content()
    (tmp_path / "group-record.pdf").write_bytes(pdf)

    # The evidence: sealed, valid, PDF/A, and a certificate page listing every signer.
    pdfsig = subprocess.run(["pdfsig", str(tmp_path / "group-record.pdf")], capture_output=True, text=True).stdout
    assert "Signature is Valid." in pdfsig and "CountersignSeal" in pdfsig, pdfsig
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
    text = pdf_text(pdf)
    assert DISCUSSION in text, text  # the form's text, escaped nowhere on its way to the PDF
    assert "Audit certificate" in text or "certificate" in text.lower(), text
    # pdftotext joins a word hyphenated at a line's end ("Dunne-Smith" wrapped reads "DunneSmith").
    flat = text.replace("-", "")
    for person in [*attendees, facilitator]:
        assert f"Signed electronically by {person.name.replace('-', '')}" in flat, (person.name, text)
        assert flat.count(person.name.replace("-", "")) >= 3, person.name  # the record, the certificate, events
    assert "Facilitator" in text and text.count("Attendee") >= 3, text
    from signing.seal import verify_pdf

    report = verify_pdf(pdf, long_term_check=False)
    assert report.unaltered and report.sealed_by_organisation, report

    # The locked session page, on a desk and a phone.
    desk.goto(session_url)
    expect(desk.get_by_role("heading", name="Signed by everyone")).to_be_visible()
    expect(desk.get_by_role("link", name="Download the signed PDF")).to_be_visible(timeout=PDF_WAIT_MS)
    check_page(desk, "the locked group session page")
    for width in (1280, 390):
        desk.set_viewport_size({"width": width, "height": 900})
        desk.screenshot(path=tmp_path / f"group-locked-{width}.png", full_page=True)
    desk.set_viewport_size({"width": 1280, "height": 900})

    # HR finds it in the archive.
    hr = new_page(browser)
    sign_in_as(hr, live_url, people.hr, people.password)  # HR has a second factor
    hr.goto(f"{live_url}/archive?q={reference}")
    hr.get_by_role("link", name=re.compile(reference)).click()
    expect(hr.get_by_role("heading", name=re.compile("^Group supervision on"))).to_be_visible()

    if KEEP_SCREENSHOTS:
        KEEP_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("group-*"):
            shutil.copy(shot, KEEP_SCREENSHOTS / shot.name)


def _sign_as_attendee_or_facilitator(page, link: str, person) -> str:
    page.goto(link)
    expect(page.get_by_text("You are signing as the facilitator")).to_contain_text(person.name)
    expect(page.get_by_text("I did not attend this session")).to_have_count(0)
    tick(page.get_by_label("I agree to sign electronically"))
    page.get_by_label("Type your full name to sign").fill(person.name)
    submit(page, page.get_by_role("button", name="Sign", exact=True))
    confirm = page.get_by_role("heading", name="Check before you sign")
    done = page.get_by_role("heading", name="Signed by everyone")
    expect(done.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        page.get_by_role("button", name="Confirm and sign").click()
    expect(done).to_be_visible()
    return done.inner_text()
