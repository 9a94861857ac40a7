"""Checking a PDF someone holds: is it sealed by this organisation, unaltered, and which document it is."""

from __future__ import annotations

import dataclasses

from sqlalchemy import or_, select

from signing.seal import SealError, SealReport, verify_pdf
from storage.db import session as db
from storage.models import Document
from storage.times import uk_time
from workflows.errors import InvalidInput


@dataclasses.dataclass(frozen=True)
class KnownDocument:
    """The document a sealed PDF belongs to, as far as a holder of the file may learn."""

    reference: str
    title: str
    organisation: str
    supervisor: str
    supervisee: str
    locked_at: str


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    """A verdict on an uploaded PDF, in the words shown on the page and by the CLI."""

    check: SealReport
    document: KnownDocument | None

    @property
    def ok(self) -> bool:
        return self.check.ok and self.document is not None

    @property
    def headline(self) -> str:
        if not self.check.readable or not self.check.signatures:
            return "Not a sealed document"
        if self.check.suspicious_modification and all(s.intact and s.valid for s in self.check.signatures):
            return "Altered: this PDF was changed after it was sealed in a way a seal does not allow"
        if not self.check.unaltered:
            return "Altered: this PDF has been changed since it was sealed"
        if not self.check.sealed_by_organisation:
            return "Not sealed by this organisation"
        if self.document is None:
            return "Sealed by this organisation, but not a document Countersign holds"
        return "Valid: sealed by this organisation and unaltered"

    @property
    def sealed_by_words(self) -> str:
        """Whose seal it is, in words; on an altered file whose seal no longer checks, that cannot be told."""
        check = self.check
        if not check.signatures:
            return "No – it has no digital seal"
        if check.sealed_by_organisation:
            return "Yes"
        if not check.unaltered:
            return "Cannot tell – the file was altered after sealing, so its seal cannot be checked"
        return "No – the seal's certificate is not this organisation's"

    def lines(self) -> list[str]:
        """The findings as plain sentences, for the CLI and for the page's summary."""
        check = self.check
        out = [self.headline + "."]
        if check.problem:
            out.append(check.problem)
        if check.signatures:
            out.append("Sealed by this organisation: " + self.sealed_by_words.lower())
            out.append("Unaltered since sealing: " + ("yes" if check.unaltered else "no"))
            if check.bytes_after_last_signature:
                out.append("Bytes were added after the last seal, outside any signature.")
        if self.document:
            d = self.document
            out.append(f"Document: {d.reference} - {d.title} ({d.organisation})")
            out.append(f"Parties: {d.supervisor} (supervisor) and {d.supervisee} (supervisee); locked {d.locked_at}")
        for number, sig in enumerate(check.signatures, start=1):
            kind = "Seal" if number == 1 else "Annotation seal"
            when = uk_time(sig.signed_at, with_offset=True) if sig.signed_at else "time not recorded"
            state = ("intact and valid" if sig.intact and sig.valid else "BROKEN") + (
                ", trusted" if sig.trusted else ", not trusted")
            stamp = ", timestamped" if sig.timestamped else ""
            out.append(f"{kind} {number} ({sig.field_name}): {when}{stamp}; {state}; {sig.reason or 'no reason given'}")
            if number < len(check.signatures) or sig.modification_level not in (None, "NONE"):
                out.append(f"Changes after this seal: {CHANGES.get(sig.modification_level, 'not checked')}")
        return out


# pyHanko's modification levels, in words: what was added to the file after a seal.
CHANGES = {
    None: "not checked",
    "NONE": "none",
    "LTA_UPDATES": "only validation data and timestamps (allowed)",
    "FORM_FILLING": "a later seal or signature, with its box (allowed)",
    "ANNOTATIONS": "comments or other annotations (not allowed after a Countersign seal)",
    "OTHER": "SUSPICIOUS - content changed in a way a seal does not allow",
}


def check_upload(pdf: bytes) -> VerificationResult:
    """Check a PDF someone uploaded; InvalidInput if nothing was sent or it is not a PDF at all."""
    if not pdf:
        raise InvalidInput({"file": "Choose the PDF file you want to check"})
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise InvalidInput({"file": "The file must be a PDF: choose the signed PDF you downloaded"})
    return check_pdf(pdf)


def check_pdf(pdf: bytes) -> VerificationResult:
    """Verify an uploaded PDF's seals and find the document it is, by the SHA-256 of its sealed revision."""
    try:
        check = verify_pdf(pdf)
    except SealError as error:
        raise SealNotConfigured(str(error)) from error
    hashes = {h for h in (check.file_sha256, check.sealed_revision_sha256) if h}
    document = None
    if check.signatures and check.signatures[0].intact:
        found = db.scalars(select(Document).where(or_(*(Document.final_pdf_sha256 == h for h in hashes)))).first()
        if found is not None:
            document = KnownDocument(found.reference, found.title, found.organisation.name, found.supervisor.name,
                                     found.supervisee.name, uk_time(found.locked_at, with_offset=True))
    db.rollback()
    return VerificationResult(check, document)


class SealNotConfigured(Exception):
    """Verification needs the organisation's certificate, and it could not be loaded."""
