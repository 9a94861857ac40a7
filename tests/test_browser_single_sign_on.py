"""Signing in through the council's OpenID provider in a real browser: Debian's Chromium, the app on a real HTTP
port, and the provider (oidc-provider-mock) on another."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import new_page

pytestmark = [pytest.mark.browser]


def test_a_supervisor_signs_in_with_the_councils_account_in_chromium(browser, single_sign_on, people, live_url):
    page = new_page(browser)
    page.goto(f"{live_url}/sign-in")
    page.get_by_role("link", name=f"Sign in with {people.org.name}").click()

    # At the provider: it shows its own sign-in form, and who is signing in is chosen there.
    page.wait_for_url(f"{single_sign_on.url}/**")
    page.get_by_placeholder("sub").fill(people.supervisor.email)
    page.get_by_role("button", name="Authorize").click()

    # Back at Countersign, signed in, with no password typed here.
    expect(page.get_by_role("heading", name=f"Hello, {people.supervisor.name}")).to_be_visible()
    assert page.url.startswith(live_url)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Countersign")).to_be_visible()
