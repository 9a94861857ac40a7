"""What tests share that is not a fixture: the test password, an agreement's form, and who is acting."""

from __future__ import annotations

import functools

from werkzeug.security import generate_password_hash

from storage.audit import Actor

PASSWORD = "correct horse battery staple"

AGREEMENT_FORM = {
    "frequency_weeks": "4",
    "minimum_length_minutes": "90",
    "absence_cover": "Morgan Lee, Team Manager",
    "professional_supervision": "",
    "start_date": "2026-12-01",
}


@functools.cache
def password_hash() -> str:
    """The shared test password, hashed once: a strong hash is slow on purpose, and every test signs someone in."""
    return generate_password_hash(PASSWORD)


def actor_for(person, ip="203.0.113.7", user_agent="pytest") -> Actor:
    """A person acting, as the audit log records them."""
    return Actor(person.id, person.email, ip, user_agent)
