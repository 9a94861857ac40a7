"""A QR code of an address, drawn as inline SVG, for a phone's camera to read from the screen."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_code(address: str, title: str) -> Markup:
    """The address as an SVG QR code with an accessible title; nothing outside the page is loaded."""
    code = segno.make(address, error="m")
    return Markup(code.svg_inline(scale=5, border=2, dark="#0b0c0c", light="#ffffff", title=title,
                                  svgclass="cs-qr", omitsize=False))
