"""Walking the signed-in pages in the browser as each role: signing in (with the authenticator code HR and admins
need), and the pages a person reaches from the menu and from the pages it leads to."""

from __future__ import annotations

import re
import urllib.parse

import pyotp
from playwright.sync_api import Page, expect

from tests.support.identity import TOTP_SECRET

# Addresses that act or download rather than show a page; the rest are checked as pages.
NOT_PAGES = re.compile(r"/(sign-out|dev/|static/|files/)|\.(pdf|docx|zip|csv|json|eml)$|/download|/export|/copy/")


def sign_in_as(page: Page, base_url: str, person, password: str) -> None:
    """Sign in with a password, and the authenticator code when the person's role asks for one."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if "/sign-in/code" in page.url:
        # Straight from the key, not from the database: the live server's worker is writing to it.
        page.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Hello, {person.name}")).to_be_visible()


def shape(path: str) -> str:
    """A page's address with its numbers taken out: /documents/12 and /documents/13 are one page to check."""
    return re.sub(r"\d+", "N", urllib.parse.urlsplit(path).path)


def links_on(page: Page, base_url: str, within: str) -> list[str]:
    """The same-site pages linked from a part of the page, each address once, in page order."""
    hrefs = page.eval_on_selector_all(f"{within} a[href]", "links => links.map(a => a.href)")
    found: list[str] = []
    for href in hrefs:
        href = href.split("#")[0]
        if href.startswith(base_url) and not NOT_PAGES.search(urllib.parse.urlsplit(href).path) and href not in found:
            found.append(href)
    return found


def wider_than_the_screen(page: Page) -> list[str]:
    """What sticks out past the right of the screen, to say in a failed check what to put right."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""")
