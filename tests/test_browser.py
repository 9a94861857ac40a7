"""The whole round in a real browser: Debian's Chromium, the app on a real HTTP port, mail through a real SMTP server.

The supervisor signs in, writes an agreement and sends it; the signing links are read out of the messages an
aiosmtpd server on loopback received; the supervisee and then the supervisor sign in their own browser contexts;
both then see the agreement locked and download the signed PDF.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    ABSENCE_COVER,
    KEEP_SCREENSHOTS,
    PDF_WAIT_MS,
    download_signed_pdf,
    expected_expiry_dates,
    link_for,
    new_page,
    sign,
    sign_in,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

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
    starts = boss.get_by_role("group", name="Date supervision starts")
    for box, typed in (("Day", "1"), ("Month", "12"), ("Year", "2026")):
        starts.get_by_label(box).fill(typed)
    boss.get_by_role("button", name="Save as draft and preview").click()
    boss.wait_for_url(re.compile(r"/documents/\d+$"))
    document_url = boss.url
    send = boss.get_by_role("button", name="Send for signature")
    expect(send).to_be_enabled(timeout=PDF_WAIT_MS)  # the page brings itself up to date once the PDF is made
    expect(boss.locator("#document-text")).to_contain_text("Morgan O'Brien & <Sons>")
    submit(boss, send)
    expect(boss.get_by_text("Sent. Each of you will be emailed a link to sign in the next few minutes.")).to_be_visible()

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

    # Both are told, each with their signed copy attached, once it has been sealed.
    locked_mail = smtp.wait_for("Signed by both:", 2, timeout=PDF_WAIT_MS / 1000)
    assert sorted(m["To"].addresses[0].addr_spec for m in locked_mail) == sorted([supervisor.email, supervisee.email])
    for message in locked_mail:
        (copy,) = list(message.iter_attachments())
        assert copy.get_filename() == f"{reference}-signed.pdf" and copy.get_content().startswith(b"%PDF-")

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
