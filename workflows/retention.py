"""How long a document is kept and why (the i5-retention slice replaces this with leaver dates and holds)."""

from __future__ import annotations

from storage.models import Document

# Both shipped policies say the same thing in the same section: kept seven years after the person leaves.
POLICY_SECTIONS = {"havering": "Havering 9.4"}
DEFAULT_SECTION = "Barking and Dagenham 9.4"


def retention_statement(document: Document) -> str:
    """One sentence for an export: how long this document is kept and under which policy section."""
    section = POLICY_SECTIONS.get(document.organisation.template_pack, DEFAULT_SECTION)
    return (f"Kept while {document.supervisee.name} is employed, then seven years after they leave "
            f"({section}); nothing is deleted before then.")
