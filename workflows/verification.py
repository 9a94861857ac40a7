"""Checking a PDF someone holds: is it sealed by this organisation, unaltered, and which document it is."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import or_, select

from signing.seal import SealError, SealReport, config_for, development_crl, sealed_hashes, verify_pdf
from storage.db import session as db
from storage.models import Document, Organisation
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
            others = sorted({s.signer for s in self.check.signatures if not s.trusted})
            return f"Not sealed by this organisation: sealed by {', '.join(others)}"
        if not self.check.valid_long_term:
            return f"No longer valid as evidence: {self.check.evidence_problem}"
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

    def timeline(self) -> list[tuple[str, str]]:
        """The file's evidence in order: sealed on, by whom, timestamped by, validation data, renewed on, valid until."""
        check = self.check
        if not check.signatures:
            return []
        seal = check.signatures[0]
        out = [("Sealed on", _when(seal.signed_at)), ("Sealed by", seal.signer)]
        evidence = check.evidence
        renewals = {t.field_name for t in check.renewals}
        if evidence is not None:
            for stamp in evidence.timestamps:
                if stamp.field_name not in renewals:
                    out.append(("Timestamped by", f"{_name(stamp.authority)}, {_when(stamp.at)}"))
            if evidence.long_term:
                out.append(("Validation data embedded", f"{evidence.certificates} certificates, {evidence.crls} "
                            f"revocation lists (CRLs), {evidence.ocsps} OCSP responses"))
            else:
                out.append(("Validation data embedded", "none: this file cannot prove itself once its "
                            "certificates expire"))
            for stamp in check.renewals:
                out.append(("Renewed on", f"{_when(stamp.at)} by {_name(stamp.authority)}"))
        if check.valid_until is not None:
            out.append(("Valid until", f"{_when(check.valid_until)}, unless the evidence is renewed before then"
                        if evidence is not None and evidence.long_term else _when(check.valid_until)))
        return out

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
        out.extend(f"{label}: {text}" for label, text in self.timeline())
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


def _when(moment) -> str:
    return uk_time(moment, with_offset=True) if moment is not None else "time not recorded"


def _name(distinguished: str) -> str:
    """A certificate holder's common name, from pyHanko's "Common Name: …, Organization: …" form."""
    for part in distinguished.split(", "):
        if part.startswith("Common Name: "):
            return part.removeprefix("Common Name: ")
    return distinguished


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


def check_pdf(pdf: bytes, *, as_of: dt.datetime | None = None) -> VerificationResult:
    """Verify an uploaded PDF's seals and find the document it is, by the SHA-256 of its sealed revision.

    `as_of` asks whether the evidence would still hold at a later moment, if nothing were added to the file.
    """
    hashes = sealed_hashes(pdf)
    found = db.scalars(select(Document).where(or_(*(Document.final_pdf_sha256 == h for h in hashes)))).first() \
        if hashes else None
    try:
        if found is not None:
            # Checked against the seal of the council whose document it is.
            check = verify_pdf(pdf, config_for(found.organisation), at=as_of)
        else:
            check = _check_against_every_seal(pdf, as_of)
    except SealError as error:
        raise SealNotConfigured(str(error)) from error
    document = None
    if found is not None and check.signatures and check.signatures[0].intact:
        document = KnownDocument(found.reference, found.title, found.organisation.name, found.supervisor.name,
                                 found.supervisee.name, uk_time(found.locked_at, with_offset=True))
    db.rollback()
    return VerificationResult(check, document)


def _check_against_every_seal(pdf: bytes, as_of: dt.datetime | None) -> SealReport:
    """A file of no document held here: the deployment's seal, else the first council's own seal that sealed it."""
    problem = None
    try:
        check = verify_pdf(pdf, at=as_of)
        if check.sealed_by_organisation or not check.signatures:
            return check
    except SealError as error:
        check, problem = None, error
    for organisation in db.scalars(select(Organisation).where(Organisation.seal_pkcs12.is_not(None))
                                   .order_by(Organisation.id)):
        try:
            theirs = verify_pdf(pdf, config_for(organisation), at=as_of)
        except SealError:
            continue
        if theirs.sealed_by_organisation or check is None:
            check = theirs
        if theirs.sealed_by_organisation:
            break
    if check is None:
        raise problem
    return check


class SealNotConfigured(Exception):
    """Verification needs the organisation's certificate, and it could not be loaded."""


def development_revocation_list(organisation_id: int | None = None) -> bytes:
    """The development CA's CRL (the deployment's, or a council's own), as its certificates name it; NoDevelopmentCa
    when there is none."""
    config = None
    if organisation_id is not None:
        organisation = db.get(Organisation, organisation_id)
        db.rollback()
        if organisation is None or not organisation.seal_pkcs12:
            raise NoDevelopmentCa()
        try:
            config = config_for(organisation)
        except SealError:
            raise NoDevelopmentCa() from None
    crl = development_crl(config)
    if crl is None:
        raise NoDevelopmentCa()
    return crl


class NoDevelopmentCa(Exception):
    """No development CA is set up here (a real seal is configured, or seal-dev-ca has not been run)."""
