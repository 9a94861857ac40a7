"""Throttling (Flask-Limiter), per IP address: each named limit is a setting, and a decorator for the views it guards.

Counters are kept in memory by default (one app process), or in Redis with COUNTERSIGN_RATELIMIT_STORAGE_URI, so
every app process shares them. A refused request gets the "Too many attempts" page saying when to try again.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from flask import Flask, current_app, render_template
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from storage.times import uk_time

# Each limit by name, and the setting that holds it in Flask-Limiter's words ("10 per minute; 100 per hour").
LIMITS = {
    "sign-in": "THROTTLE_SIGN_IN",
    "password-reset": "THROTTLE_PASSWORD_RESET",
    "verify": "THROTTLE_VERIFY",
    "emailed-links": "THROTTLE_EMAILED_LINKS",
}

# Keyed by the address a request came from: the client's own once COUNTERSIGN_PROXY_COUNT trusts the proxies in
# front. With Redis down it still throttles, per process, from memory, and never answers 500.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=True,
                  in_memory_fallback_enabled=True, key_prefix="countersign")


def _limit(name: str) -> str:
    return current_app.config[LIMITS[name]]


def _posts(name: str):
    # One counter per name, shared by every view it guards; only what is posted counts, never reading a page.
    return limiter.shared_limit(lambda: _limit(name), scope=name, methods=["POST"])


sign_in = _posts("sign-in")
password_reset = _posts("password-reset")
verify_upload = _posts("verify")
emailed_link_post = _posts("emailed-links")


def init_app(app: Flask) -> None:
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_error: RateLimitExceeded):
        wait = _seconds_to_wait()
        again_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
        return render_template("errors/too_many_requests.html", wait=_in_words(wait), again_at=uk_time(again_at)), 429, {"Retry-After": str(wait)}


def _seconds_to_wait() -> int:
    limit = limiter.current_limit
    return max(1, math.ceil(limit.reset_at - time.time())) if limit is not None else 60


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    # To the nearest minute: a minute's window ends a moment past 60 seconds, which is still "1 minute".
    minutes = max(1, round(seconds / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
