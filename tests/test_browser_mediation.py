"""The whole disagreement path in a real browser: sign with a disagreement, lock, escalate, mediate, both see it.

Reuses test_browser's Chromium, live app, SMTP server and helpers; the outcome ends up sealed into the PDF.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import check_page
from tests.support.browser import (
    ABSENCE_COVER,
    PDF_WAIT_MS,
    new_page,
    settle,
    sign,
    sign_in,
    submit,
    tick,
)

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

MEDIATE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/mediate/\d+/\S+")
SIGN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/sign/\d+/\S+")
DISAGREEMENT = "Cover should be by a qualified social worker, not any team manager."
OUTCOME = "Agreed at mediation: cover over a month is by a qualified social worker."


def _link(messages, person, pattern) -> str:
    (message,) = [m for m in messages if m["To"].addresses[0].addr_spec == person.email]
    (found,) = pattern.findall(message.get_content())
    return found


def _pdf_text(page, link_name: str, tmp_path, name: str) -> str:
    link = page.get_by_role("link", name=link_name)
    expect(link).to_be_visible(timeout=PDF_WAIT_MS)  # the page brings itself up to date once the copy is sealed
    with page.expect_download() as info:
        link.click()
    target = tmp_path / name
    info.value.save_as(target)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def test_disagreement_escalated_and_mediated_from_the_emailed_link_in_chromium(browser, live_url, smtp, people,  # noqa: F811
                                                                              tmp_path):
    supervisor, supervisee, manager = people.supervisor, people.supervisee, people.manager

    boss = new_page(browser)
    sign_in(boss, live_url, supervisor, people.password)
    boss.get_by_role("link", name="New agreement").click()
    boss.get_by_label("Supervisee", exact=True).select_option(label=supervisee.name)
    boss.get_by_label("How often you will meet").fill("4")
    boss.get_by_label("Minimum length of each session").fill("90")
    boss.get_by_label("Who will supervise if the supervisor is away").fill(ABSENCE_COVER)
    starts = boss.get_by_role("group", name="Date supervision starts")
    for box, typed in (("Day", "1"), ("Month", "12"), ("Year", "2026")):
        starts.get_by_label(box).fill(typed)
    boss.get_by_role("button", name="Save as draft and preview").click()
    boss.wait_for_url(re.compile(r"/documents/\d+$"))
    document_url = boss.url
    send = boss.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)
    submit(boss, send)
    please_sign = smtp.wait_for("Please sign:", 2)

    # The supervisee records a disagreement on the signing page, then signs with it recorded.
    worker = new_page(browser)
    worker.goto(_link(please_sign, supervisee, SIGN_LINK))
    expect(worker.locator("#document-text")).to_be_visible()
    summary = worker.get_by_text("Sign, but record a disagreement")
    section = worker.get_by_label("Which part of the document do you disagree with?")
    settle(summary).click()
    if not section.is_visible():  # the click went to the PDF viewer's stale hit-test area (see test_browser)
        summary.press("Enter")
    expect(section).to_be_visible()
    section.select_option(
        label="Who will supervise if the supervisor is away")
    worker.get_by_label("What do you disagree with?").fill(DISAGREEMENT)
    submit(worker, worker.get_by_role("button", name="Record my disagreement"))
    expect(worker.get_by_role("heading", name="Your recorded disagreements")).to_be_visible()
    tick(worker.get_by_label("I agree to sign electronically"))
    worker.get_by_label("Type your full name to sign").fill(supervisee.name)
    submit(worker, worker.get_by_role("button", name="Sign with my disagreement recorded"))
    confirm = worker.get_by_role("button", name="Confirm and sign")
    done = worker.get_by_role("heading", name="You have signed")
    expect(done.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    expect(done).to_be_visible()

    # The supervisor signs: it locks, with the disagreement printed in the signed document.
    assert sign(boss, _link(please_sign, supervisor, SIGN_LINK), supervisor) == "Signed by both"
    boss.goto(document_url)
    signed = _pdf_text(boss, "Download the signed PDF", tmp_path, "signed.pdf")
    assert "Areas of disagreement recorded before signing:" in signed and DISAGREEMENT in signed, signed

    # The supervisor escalates it; their line manager is emailed a mediation link.
    boss.get_by_role("link", name="Who will supervise if the supervisor is away").click()
    submit(boss, boss.get_by_role("button", name="Escalate for mediation"))
    (invite,) = smtp.wait_for("Please mediate:", 1)
    assert invite["To"].addresses[0].addr_spec == manager.email

    # The manager records the outcome from the emailed link, without signing in.
    mediator = new_page(browser)
    mediator.goto(_link([invite], manager, MEDIATE_LINK))
    expect(mediator.get_by_role("heading", name="Mediate a disagreement")).to_be_visible()
    expect(mediator.get_by_text(DISAGREEMENT, exact=True)).to_be_visible()
    # The document itself is in the page, and the page passes axe-core (WCAG 2.2 AA) at 1280 and 390 px.
    expect(mediator.locator("#document-text")).to_contain_text("Arrangements for supervision")
    expect(mediator.locator("iframe")).to_have_count(0)
    check_page(mediator, "the mediation page")
    mediator.get_by_label("What was agreed, or decided?").fill(OUTCOME)
    submit(mediator, mediator.get_by_role("button", name="Record the outcome"))
    expect(mediator.get_by_role("heading", name="Outcome recorded")).to_be_visible()
    told = smtp.wait_for("Mediation outcome recorded:", 3)
    assert {m["To"].addresses[0].addr_spec for m in told} == {supervisor.email, supervisee.email, manager.email}

    # Both parties see it on their document page and in the current copy's sealed stamp; the original stays.
    sign_in(worker, live_url, supervisee, people.password)
    for page, who in ((boss, "supervisor"), (worker, "supervisee")):
        page.goto(document_url)
        section = page.get_by_role("heading", name="Areas of disagreement / mediation")
        expect(section).to_be_visible()
        expect(page.get_by_text(OUTCOME)).to_be_visible()
        current = _pdf_text(page, "Download the signed PDF with its annotations", tmp_path, f"current-{who}.pdf")
        assert OUTCOME in current and "Annotations added after sealing" in current, current[-2000:]
        assert f"{manager.name} (mediator)" in current
        original = _pdf_text(page, "Download the original sealed document", tmp_path, f"original-{who}.pdf")
        assert OUTCOME not in original and DISAGREEMENT in original
