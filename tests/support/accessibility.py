"""Checking a page in the browser with axe-core (WCAG 2.2 AA) at a desktop and a phone width, and that nothing makes
the page scroll sideways on the narrowest phone."""

from __future__ import annotations

import json
import pathlib

from playwright.sync_api import Page

# npm puts it here (package.json); `make test` runs npm ci first. Missing, the test fails rather than skips.
AXE = pathlib.Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1280, 390)
NARROWEST = 320


def axe_violations(page: Page) -> list[dict]:
    """What axe-core finds against WCAG 2.2 A and AA on the page as it is now."""
    assert AXE.is_file(), f"axe-core is not installed at {AXE}: run npm ci (make setup does)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's own tooling, which the page's Content-Security-Policy (no inline script) does not
        # govern; a <script> tag added to the page would be refused by it, as it should be.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def check_page(page: Page, what: str) -> None:
    """No axe violations at 1280 and 390 px, and no sideways scrolling at 320 px; the page's size is put back."""
    before = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            found = axe_violations(page)
            assert found == [], f"{what} at {width} px: {json.dumps(found, indent=1)}"
        page.set_viewport_size({"width": NARROWEST, "height": 900})
        assert not scrolls_sideways(page), f"{what} scrolls sideways at {NARROWEST} px"
    finally:
        page.set_viewport_size(before)
