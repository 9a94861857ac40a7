"""Using the links people are emailed, as they would: read the page, sign, disagree; and finding the emails."""

from __future__ import annotations

import re

from storage.models import OutboxMessage

# The section a party disagrees with in these tests: the Havering agreement's cover arrangement.
SECTION = "absence_cover"


def reviewed_sha256(page: str) -> str:
    """The fingerprint of the PDF a signing page asks the party to sign."""
    return page.split('name="reviewed_sha256" value="')[1].split('"')[0]


def post_signature(client, path: str, name: str, **headers):
    """Open the signing link, agree and sign with a typed name: the response, whatever it is."""
    sha = reviewed_sha256(client.get(path).get_data(as_text=True))
    return client.post(path, data={"decision": "sign", "consent": "yes", "confirmed": "yes", "typed_name": name,
                                   "reviewed_sha256": sha}, headers=headers)


def sign(client, path: str, name: str):
    """Sign from the link; the page that says it is done."""
    response = post_signature(client, path, name)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def disagree_on_link(client, path: str, text: str = "Cover should be by a qualified social worker",
                     section: str = SECTION):
    """Record a disagreement from the signing page."""
    return client.post(path, data={"decision": "disagree", "section": section, "disagreement": text})


def mails_to(db, person, subject_start: str) -> list[OutboxMessage]:
    """The emails queued for a person whose subject starts so, oldest first."""
    return [m for m in db.query(OutboxMessage).filter_by(to_address=person.email).order_by(OutboxMessage.id)
            if m.subject.startswith(subject_start)]


def mediation_link(db, person) -> str:
    """The newest mediation link emailed to a person, as a path (/mediate/<id>/<token>)."""
    for row in db.query(OutboxMessage).filter_by(to_address=person.email).order_by(OutboxMessage.id.desc()):
        found = re.search(r"https://countersign\.test(/mediate/\d+/\S+)", row.body_text)
        if found:
            return found.group(1)
    raise AssertionError(f"no mediation link was emailed to {person.email}")


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
