"""What a signer agrees to, and how their typed name is checked."""

from __future__ import annotations

import unicodedata

CONSENT_TEXT = (
    "I agree to sign this document electronically. I understand that typing my full name and "
    "selecting 'Sign' has the same effect as my handwritten signature, that my name, email address, "
    "the time, my IP address and browser, and a fingerprint (SHA-256) of the document I reviewed "
    "will be recorded as evidence of my signature, and that once both parties have signed the "
    "document is locked and cannot be changed."
)


def _normal(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    # Curly and straight apostrophes are the same letter to the person typing.
    folded = folded.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(folded.split())


def name_matches(typed: str, expected: str) -> bool:
    """True if the typed name is the person's name, ignoring case and spacing."""
    return bool(typed.strip()) and _normal(typed) == _normal(expected)


def short_fingerprint(sha256: str) -> str:
    """The start of a SHA-256 in groups of four, to read and compare by eye ("3F2A 91C0 B7D4")."""
    head = (sha256 or "")[:12].upper()
    return " ".join(head[i:i + 4] for i in range(0, len(head), 4))
