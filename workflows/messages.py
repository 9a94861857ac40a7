"""The wording of every email Countersign sends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from storage.models import Document, Staff

UK = ZoneInfo("Europe/London")


def uk_time(moment: dt.datetime) -> str:
    """A moment as people in the UK read it, with the offset from UTC."""
    local = moment.astimezone(UK)
    offset = local.strftime("%z")
    return f"{local.day} {local:%B %Y} at {local:%H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def please_sign(document: Document, person: Staff, requester: Staff, link: str, expires_at: dt.datetime) -> tuple[str, str]:
    subject = f"Please sign: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{requester.name} ({requester.email}) has asked you to read and sign a {document.KIND_TITLES[document.kind].lower()}.

  Document:    {document.title}
  Reference:   {document.reference}
  Supervisor:  {document.supervisor.name}
  Supervisee:  {document.supervisee.name}
  Organisation: {document.organisation.name}

Open this link to read it and sign it, or to decline it and say why:

{link}

The link is for you only and can be used once. It expires on {uk_time(expires_at)}.
If it has expired or does not work, ask {requester.name} to send you a new one.

Countersign
"""
    return subject, body


def locked(document: Document, person: Staff, link: str) -> tuple[str, str]:
    subject = f"Signed by both: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{document.title} ({document.reference}) has now been signed by {document.supervisor.name} and {document.supervisee.name}.
It is locked: its content can no longer change.

Sign in to download your copy:

{link}

Countersign
"""
    return subject, body


def declined(document: Document, by: Staff, reason: str, link: str) -> tuple[str, str]:
    subject = f"Declined: {document.title} ({document.reference})"
    body = f"""Dear {document.supervisor.name},

{by.name} has declined to sign {document.title} ({document.reference}).

Their reason:
{reason}

You can amend the document and send it again, or void it:

{link}

Countersign
"""
    return subject, body


def voided(document: Document, person: Staff, by: Staff, reason: str) -> tuple[str, str]:
    subject = f"Withdrawn: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{by.name} has withdrawn {document.title} ({document.reference}). Any link you were sent to sign it no longer works.

Their reason:
{reason}

You do not need to do anything.

Countersign
"""
    return subject, body


def transferred_in(supervisee: Staff, supervisor: Staff, starts_on: dt.date, link: str) -> tuple[str, str]:
    subject = f"Write a supervision agreement for {supervisee.name}"
    body = f"""Dear {supervisor.name},

{supervisee.name} has been transferred to you for supervision from {starts_on.day} {starts_on:%B %Y}.

Their past supervision agreements and records have passed to you: you can read them in Countersign.
Please write a supervision agreement with {supervisee.name}. Until you do, your home page will remind you.

{link}

Countersign
"""
    return subject, body


def transferred_out(supervisee: Staff, supervisor: Staff, new_supervisor: Staff, starts_on: dt.date,
                    voided: list[Document], kept: list[Document]) -> tuple[str, str]:
    subject = f"{supervisee.name} has moved to {new_supervisor.name} for supervision"
    lines = [f"Dear {supervisor.name},", "",
             f"From {starts_on.day} {starts_on:%B %Y}, {new_supervisor.name} supervises {supervisee.name}. "
             f"Their records have passed to {new_supervisor.name}; you no longer see them in Countersign.", ""]
    if kept:
        lines += ["These documents are still out for signature. They stay with you and "
                  f"{supervisee.name} so you can both finish signing them from your emailed links:", ""]
        lines += [f"  {d.reference}  {d.title}" for d in kept] + [""]
    if voided:
        lines += ["These unsent or declined documents were voided, because the new supervisor writes their own:", ""]
        lines += [f"  {d.reference}  {d.title}" for d in voided] + [""]
    lines += ["Countersign", ""]
    return subject, "\n".join(lines)
