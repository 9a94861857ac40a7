"""The wording of every email Countersign sends."""

from __future__ import annotations

import datetime as dt

from storage.models import Document, Staff
from storage.times import uk_date, uk_time


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

The link is for you only and can be used once. It expires on {uk_time(expires_at, with_offset=True)}.
If it has expired or does not work, ask {requester.name} to send you a new one.

Countersign
"""
    return subject, body


def signing_code(document: Document, person: Staff, code: str, expires_at: dt.datetime) -> tuple[str, str]:
    subject = f"Your code to sign {document.reference}: {code}"
    body = f"""Dear {person.name},

Your code to confirm it is you signing {document.title} ({document.reference}) is:

  {code}

Type it on the signing page. It works until {uk_time(expires_at, with_offset=True)}.

If you did not ask for this code, someone may have your signing link. Do not share the code, and tell
{document.supervisor.name} ({document.supervisor.email}).

Countersign
"""
    return subject, body


def other_signed(document: Document, person: Staff, signer: Staff, link: str) -> tuple[str, str]:
    subject = f"{signer.name} has signed: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{signer.name} has signed {document.title} ({document.reference}).

It is waiting for your signature. Use the link in the email that asked you to sign, or sign in and sign it
from the document's page:

{link}

Countersign
"""
    return subject, body


def your_turn(document: Document, person: Staff, signer: Staff, link: str, expires_at: dt.datetime) -> tuple[str, str]:
    subject = f"Please sign: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{signer.name} has signed {document.title} ({document.reference}). It is now your turn to read and sign it.

Open this link to read it and sign it, or to decline it and say why:

{link}

The link is for you only and can be used once. It expires on {uk_time(expires_at, with_offset=True)}.
You can also sign in to Countersign and sign it from the document's page.

Countersign
"""
    return subject, body


def locked(document: Document, person: Staff, *, attached: str | None = None, copy_link: str | None = None,
           copy_expires_at: dt.datetime | None = None) -> tuple[str, str]:
    """"Signed by both", with the person's signed copy: attached (its file name), or a one-time download link."""
    subject = f"Signed by both: {document.title} ({document.reference})"
    if attached:
        copy = f"""Your signed copy is attached to this email ({attached}). Keep it somewhere safe."""
    else:
        copy = f"""Download your signed copy from this link. It works once, until
{uk_time(copy_expires_at, with_offset=True)}, and needs no password:

{copy_link}"""
    body = f"""Dear {person.name},

{document.title} ({document.reference}) has now been signed by {document.supervisor.name} and {document.supervisee.name}.
It is locked: its content can no longer change.

{copy}

The copy is sealed by {document.organisation.name}: anyone can check it is genuine and unaltered
on the "Check a signed PDF" page of Countersign.

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

{supervisee.name} has been transferred to you for supervision from {uk_date(starts_on)}.

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
             f"From {uk_date(starts_on)}, {new_supervisor.name} supervises {supervisee.name}. "
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


# --- Disagreements and mediation ---

def _about(disagreement) -> str:
    document = disagreement.document
    return f"""  Document:    {document.title}
  Reference:   {document.reference}
  Section:     {disagreement.section_label}
  Raised by:   {disagreement.raised_by.name} ({disagreement.party.value}) on {uk_time(disagreement.raised_at, with_offset=True)}

What they disagree with, in their words:
{disagreement.text}"""


def disagreement_raised(disagreement, person: Staff, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Disagreement recorded: {document.title} ({document.reference})"
    when = "after it was locked, as an annotation on the signed copy" if disagreement.raised_after_lock else \
        "on the version sent for signature"
    body = f"""Dear {person.name},

A disagreement has been recorded with {document.title} ({document.reference}), {when}.

{_about(disagreement)}

The policy asks the supervisor and supervisee to try to resolve a disagreement between themselves first.
If you cannot, the supervisor can escalate it to their own line manager, who will mediate.

See it here:

{link}

Countersign
"""
    return subject, body


def disagreement_resolved(disagreement, person: Staff, resolution: str, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Disagreement resolved: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{document.supervisor.name} has recorded that the disagreement below was resolved between the supervisor and supervisee.
This is added to the document's record as an annotation; the signed document itself does not change.

{_about(disagreement)}

How it was resolved:
{resolution}
{chr(10) + "Any mediation link that was sent for it no longer works." + chr(10) if disagreement.mediator else ""}
{link}

Countersign
"""
    return subject, body


def escalated(disagreement, person: Staff, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Disagreement escalated for mediation: {document.title} ({document.reference})"
    if disagreement.mediator is not None:
        who = f"{disagreement.mediator.name}, {document.supervisor.name}'s line manager, has been asked to mediate."
    else:
        who = (f"{document.supervisor.name} has no line manager on record, so a Countersign administrator has been "
               "asked to name another senior manager to mediate. You will be told who.")
    body = f"""Dear {person.name},

{document.supervisor.name} has escalated a disagreement with {document.title} ({document.reference}).
{who}

{_about(disagreement)}

{link}

Countersign
"""
    return subject, body


def needs_mediator(disagreement, admin: Staff, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"A disagreement needs a mediator: {document.reference}"
    body = f"""Dear {admin.name},

{document.supervisor.name} has escalated a disagreement with {document.title} ({document.reference}) for mediation,
but has no line manager on record. The policy says another senior manager should mediate instead.

Choose who will mediate here; they will be emailed a link:

{link}

Countersign
"""
    return subject, body


def mediator_named(disagreement, person: Staff, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Mediator named: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{disagreement.mediator.name} has been asked to mediate the disagreement with {document.title} ({document.reference}).

{_about(disagreement)}

{link}

Countersign
"""
    return subject, body


def please_mediate(disagreement, mediator: Staff, link: str, expires_at: dt.datetime) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Please mediate: {document.title} ({document.reference})"
    body = f"""Dear {mediator.name},

{document.supervisor.name} and {document.supervisee.name} have not been able to resolve a disagreement about
their {document.KIND_TITLES[document.kind].lower()}, and you have been asked to mediate.

{_about(disagreement)}

Open this link to read the document and the disagreement, and to record the outcome of the mediation:

{link}

The link is for you only and can be used once, to record the outcome. It expires on {uk_time(expires_at, with_offset=True)}.

Countersign
"""
    return subject, body


def mediated(disagreement, person: Staff, outcome: str, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Mediation outcome recorded: {document.title} ({document.reference})"
    body = f"""Dear {person.name},

{disagreement.mediator.name} has recorded the outcome of mediating the disagreement below. It is added to the
document's record as an annotation; the signed document itself does not change.

{_about(disagreement)}

Outcome of mediation:
{outcome}

{link}

Countersign
"""
    return subject, body


def note_added(disagreement, person: Staff, by: Staff, note: str, link: str) -> tuple[str, str]:
    document = disagreement.document
    subject = f"Note added to a disagreement: {document.reference}"
    body = f"""Dear {person.name},

{by.name} has added a note to the disagreement about "{disagreement.section_label}" in {document.title} ({document.reference}):

{note}

{link}

Countersign
"""
    return subject, body


# --- group sessions ----------------------------------------------------------------------------


def group_please_sign(document: Document, session, person: Staff, link: str,
                      expires_at: dt.datetime) -> tuple[str, str]:
    """An attendee (or the facilitator) is asked to confirm they attended a group session and sign its record."""
    subject = f"Please sign: {session.kind.label} record, {uk_date(session.held_on)} ({document.reference})"
    body = f"""Dear {person.name},

{document.supervisor.name} ({document.supervisor.email}) has written the record of a group session
and asked everyone who attended to sign it.

  Session:      {session.kind.label}, {uk_date(session.held_on)}
  Facilitator:  {document.supervisor.name}
  Reference:    {document.reference}
  Organisation: {document.organisation.name}

Open this link to read the record and sign it to confirm you attended. If you did not attend,
the same page lets you say so; if something in the record is wrong, you can decline and say why.

{link}

The link is for you only and can be used once. It expires on {uk_time(expires_at, with_offset=True)}.
If it has expired or does not work, ask {document.supervisor.name} to send you a new one.

Countersign
"""
    return subject, body


def group_absence_said(document: Document, person: Staff, note: str, link: str) -> tuple[str, str]:
    """The facilitator is told that an attendee says they did not attend."""
    subject = f"{person.name} did not attend: {document.title} ({document.reference})"
    said = f"\nThey said: \u201c{note}\u201d\n" if note else ""
    body = f"""Dear {document.supervisor.name},

{person.name} has said, from their signing link, that they did not attend this group session.
It is recorded on the record as an absence; the record locks when everyone else has answered.
{said}
{link}

Countersign
"""
    return subject, body


def group_absence_recorded(document: Document, person: Staff, note: str) -> tuple[str, str]:
    """An attendee is told the facilitator recorded them as not attending; their signing link stops working."""
    subject = f"Recorded as not attending: {document.title} ({document.reference})"
    said = f"\nThey noted: \u201c{note}\u201d\n" if note else ""
    body = f"""Dear {person.name},

{document.supervisor.name} has recorded that you did not attend this group session, so you are not
asked to sign its record. The link you were sent no longer works.
{said}
If you did attend, tell {document.supervisor.name} ({document.supervisor.email}).

Countersign
"""
    return subject, body


def group_locked(document: Document, person: Staff, *, attached: str | None = None, copy_link: str | None = None,
                 copy_expires_at: dt.datetime | None = None) -> tuple[str, str]:
    """"Signed by everyone": each person who signed a group record gets their copy."""
    subject = f"Signed by everyone: {document.title} ({document.reference})"
    if attached:
        copy = f"Your signed copy is attached to this email ({attached}). Keep it somewhere safe."
    else:
        copy = f"""Download your signed copy from this link. It works once, until
{uk_time(copy_expires_at, with_offset=True)}, and needs no password:

{copy_link}"""
    body = f"""Dear {person.name},

{document.title} ({document.reference}) has now been signed by everyone who attended
(anyone who did not attend is recorded as absent). It is locked: its content can no longer change.

{copy}

The copy is sealed by {document.organisation.name}: anyone can check it is genuine and unaltered
on the "Check a signed PDF" page of Countersign.

Countersign
"""
    return subject, body
