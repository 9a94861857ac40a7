"""What every response tells the browser: where scripts, frames and styles may come from, and what not to keep."""

from __future__ import annotations

import functools

from flask import Flask, Response, current_app, make_response, request

# No inline script or style anywhere: each page's JavaScript is a file under /static. The document pages show
# their PDF in an iframe from this site (frame-src, object-src), and no other site may frame any page.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'self'",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'none'",
])
# Only the stylesheets, scripts, fonts and images that are the same for everyone may be kept by the browser.
CACHEABLE_ENDPOINTS = frozenset({"static", "govuk_assets"})
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def no_referrer(view):
    """For a page reached from an emailed link (its token is in the address): never tell another site that address."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        response = make_response(view(**kwargs))
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


def add_headers(response: Response) -> Response:
    """The defences on every response; a page that sets its own stricter Referrer-Policy keeps it."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "SAMEORIGIN"  # frame-ancestors, for browsers that predate it
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    headers.setdefault("Referrer-Policy", "same-origin")  # the emailed-link pages say no-referrer
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        # Every page and download is someone's supervision paperwork: never kept by a browser or a proxy.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
    if current_app.config["BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return response
