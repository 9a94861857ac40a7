"""A supervision record in a real browser: written with two actions (saved as it is typed), both sign, and the
next record brings those actions back for review. Reuses test_browser's Chromium, live server and SMTP set-up."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    PDF_WAIT_MS,
    link_for,
    new_page,
    sign,
    sign_in,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

ACTIONS = [("team_actions", "Book the safeguarding refresher", "Jo O'Brien", "2027-01-15"),
           ("learning_actions", "Share the MCA case law article", "Sam Taylor", "2027-01-08")]


def fill_date(page, field: str, iso: str) -> None:
    """Type a year-month-day date into the day, month and year boxes of a date field."""
    year, month, day = iso.split("-")
    for box, typed in (("day", day), ("month", month), ("year", year)):
        page.locator(f"{field}-{box}").fill(typed)


def test_record_with_two_actions_is_signed_and_its_actions_come_back_next_time(browser, live_url, smtp,  # noqa: F811
                                                                               people):
    supervisor, supervisee = people.supervisor, people.supervisee
    boss = new_page(browser)
    sign_in(boss, live_url, supervisor, people.password)
    boss.get_by_role("main").get_by_role("link", name="New record").click()
    expect(boss.get_by_role("heading", name="Write a supervision record")).to_be_visible()
    boss.get_by_label("Supervisee", exact=True).select_option(label=supervisee.name)
    boss.get_by_role("button", name="Start the record").click()
    expect(boss.get_by_role("heading", name=f"Supervision record for {supervisee.name}")).to_be_visible()

    # The policy's prompts are the form's help text.
    expect(boss.get_by_text("Remember to ensure the ‘complexity flag’ is activated in LAS", exact=False)).to_be_visible()
    fill_date(boss, "#supervision_date", "2026-12-01")
    boss.locator("#session_length").fill("60")
    boss.locator("#wellbeing").fill("Settled after the move to the locality team")
    boss.locator("#caseload_current").fill("14")
    boss.locator("#cases_discussed-0-reference").fill("LAS-123456 J.B.")
    for field, what, who, by_when in ACTIONS:
        boss.locator(f"#{field}-0-what").fill(what)
        boss.locator(f"#{field}-0-who").fill(who)
        fill_date(boss, f"#{field}-0-by_when", by_when)
    expect(boss.get_by_role("status")).to_contain_text("Draft saved", timeout=15_000)

    # Nothing typed is lost: a fresh browser finds it all on the server.
    elsewhere = new_page(browser)
    sign_in(elsewhere, live_url, supervisor, people.password)
    elsewhere.get_by_role("link", name=f"Carry on with the record for {supervisee.name}").click()
    expect(elsewhere.locator("#team_actions-0-what")).to_have_value(ACTIONS[0][1])
    expect(elsewhere.locator("#wellbeing")).to_have_value("Settled after the move to the locality team")
    elsewhere.context.close()

    # A name where only an ID and initials belong is refused, saying why; the rest is kept.
    boss.locator("#cases_discussed-1-reference").fill("654321 Mary Jones")
    boss.get_by_role("button", name="Save and preview").click()
    expect(boss.get_by_role("alert")).to_contain_text("looks like it contains a name (Mary, Jones)")
    expect(boss.get_by_role("alert")).to_contain_text("ID and initials only (Havering policy 7.2 e)")
    expect(boss.locator("#team_actions-0-what")).to_have_value(ACTIONS[0][1])
    boss.locator("#cases_discussed-1-reference").fill("654321 M.J.")
    boss.get_by_role("button", name="Save and preview").click()
    boss.wait_for_url(re.compile(r"/documents/\d+$"))
    send = boss.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)
    submit(boss, send)
    expect(boss.get_by_text("Sent. Each of you will be emailed a link to sign in the next few minutes.")).to_be_visible()

    please_sign = smtp.wait_for("Please sign:", 2)
    worker = new_page(browser)
    assert sign(worker, link_for(please_sign, supervisee), supervisee) == "You have signed"
    assert sign(boss, link_for(please_sign, supervisor), supervisor) == "Signed by both"
    smtp.wait_for("Signed by both:", 2, timeout=PDF_WAIT_MS / 1000)

    # The next record lists both actions under review, to be marked done or carried on.
    boss.goto(f"{live_url}/records/new?supervisee={supervisee.id}")
    boss.get_by_role("button", name="Start the record").click()
    review = boss.locator("#action_review")
    expect(review).to_be_visible()
    for _field, what, who, _by_when in ACTIONS:
        expect(review.get_by_role("group", name=what)).to_be_visible()
        expect(review).to_contain_text(who)
    boss.locator("#action_review-0-done").check()
    boss.locator("#action_review-1-carried").check()
    fill_date(boss, "#supervision_date", "2027-01-05")
    boss.locator("#session_length").fill("90")
    boss.get_by_role("button", name="Save and preview").click()
    boss.wait_for_url(re.compile(r"/documents/\d+$"))
    expect(boss.get_by_role("heading", name=f"Supervision record for {supervisee.name}")).to_be_visible()
