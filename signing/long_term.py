"""Evidence that outlives its certificates: PAdES B-LTA validation data, document timestamps, and checking them years on.

A seal made with a timestamp authority carries, in the document security store (DSS), the certificate chains and
CRLs (and OCSP responses) of the seal and of its timestamp, closed by a document timestamp. Before the newest
timestamp's certificate expires, or its algorithm is due for replacement, a renewal adds the validation data of that
timestamp and a fresh document timestamp over everything: incremental, so every earlier signature stays valid.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
import urllib.error
import urllib.request

import pikepdf
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfTimeStamper,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation, simulate_future_ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

log = logging.getLogger(__name__)

# The DSS goes into the document timestamp's own revision, before the timestamp: no DSS-only revision after it,
# so the file stays "total document signed" (pdfsig) and the last thing in it is a timestamp.
DSS_SETTINGS = DSSContentSettings(
    placement=SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS, include_vri=False,
    next_ts_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False))
RENEWAL_DSS_SETTINGS = TimestampDSSContentSettings(update_before_ts=True, include_vri=False)
RENEWAL_FIELD_PREFIX = "CountersignEvidenceRenewal"
# Room for a document timestamp token and its certificates; fixing it skips pyHanko's trial timestamp.
TIMESTAMP_BYTES_RESERVED = 16 * 1024
# The document timestamp that closes a seal's revision is named after the seal: "CountersignSealTimestamp".
TIMESTAMP_FIELD_SUFFIX = "Timestamp"
# How long before the newest timestamp's certificate expires it is renewed.
DEFAULT_RENEW_BEFORE = dt.timedelta(days=90)
# When an algorithm is due for replacement: RSA keys under 3072 bits after 2030 (NIST SP 800-131A), SHA-1 now.
RSA_3072_DUE = dt.datetime(2030, 12, 31, tzinfo=dt.UTC)
WEAK_DIGESTS = {"md5", "sha1"}


class EvidenceError(Exception):
    """Validation data or a timestamp could not be obtained; the message says what to check."""


# -- validation data for sealing and renewing ------------------------------------------------------


def crl_urls(cert: asn1_x509.Certificate) -> list[str]:
    """The HTTP addresses of the certificate's CRL distribution points."""
    urls = []
    for point in cert.crl_distribution_points or []:
        for name in point["distribution_point"].chosen if point["distribution_point"] else []:
            if name.name == "uniform_resource_identifier" and name.native.startswith(("http://", "https://")):
                urls.append(name.native)
    return urls


def fetch_crls(certs: list[asn1_x509.Certificate], timeout: float = 10) -> list[asn1_crl.CertificateList]:
    """Download the CRL each certificate names (once per address); CRLs are what keep validating for decades."""
    out, seen = [], set()
    for cert in certs:
        for url in crl_urls(cert):
            if url in seen:
                continue
            seen.add(url)
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a certificate's CRL
                    out.append(asn1_crl.CertificateList.load(response.read()))
            except (OSError, urllib.error.URLError, ValueError) as error:
                raise EvidenceError(f"The revocation list {url} could not be fetched: {error}") from error
    return out


def validation_context(roots: list[asn1_x509.Certificate], certs: list[asn1_x509.Certificate], *,
                       crls: list[asn1_crl.CertificateList], fetch: bool) -> ValidationContext:
    """A context that refuses to go on without revocation data, so what is embedded is complete."""
    return ValidationContext(trust_roots=roots, other_certs=certs, crls=crls, allow_fetching=fetch,
                             revocation_mode="require")


# -- every revision ---------------------------------------------------------------------------------


def writer_for(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer whose revision keeps the document info and the XMP metadata in agreement.

    pyHanko writes "pyHanko x.y" as the XMP producer but appends it to the info dictionary's ("LibreOffice 7.4;
    pyHanko x.y"); PDF/A wants the two to agree, so the info dictionary says what the XMP says.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        info = writer.trailer["/Info"]
    except KeyError:
        info = None
    if info is not None and "/Metadata" in writer.root:
        if str(info.get("/Producer", "")) != VENDOR:
            info["/Producer"] = generic.TextStringObject(VENDOR)
            writer.update_container(info)
    return writer


# -- renewal ------------------------------------------------------------------------------------------


def renew(pdf: bytes, stamps: list, timestamper: TimeStamper, context: ValidationContext) -> bytes:
    """Add the newest timestamp's validation data and a fresh document timestamp, as one incremental revision.

    `stamps` are the file's document timestamps, as read by the caller (reading them parses every signature).
    """
    md_algorithm = "sha256"
    writer = writer_for(pdf)
    if stamps:
        status = validate_pdf_timestamp(stamps[-1], validation_context=context)
        if not (status.intact and status.valid and status.trusted):
            raise EvidenceError(f"The newest timestamp does not validate now ({status.summary()}), so it cannot be "
                                "renewed; check the timestamp authority's trusted roots.")
        DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=(status.validation_path,),
                                                   validation_context=context)
    field_name = f"{RENEWAL_FIELD_PREFIX}{len(stamps) + 1}"
    result = PdfTimeStamper(timestamper, field_name=field_name).timestamp_pdf(
        writer, md_algorithm, validation_context=context, dss_settings=RENEWAL_DSS_SETTINGS,
        bytes_reserved=TIMESTAMP_BYTES_RESERVED)
    return result.getvalue()


# -- what a file holds ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Timestamp:
    """One document timestamp: when, by which authority, and until when its certificate lasts."""

    field_name: str
    at: dt.datetime
    authority: str
    certificate_expires: dt.datetime
    digest: str
    key_bits: int | None


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The long-term evidence in a sealed file: its document timestamps and validation data."""

    timestamps: list[Timestamp]
    certificates: int
    crls: int
    ocsps: int

    @property
    def long_term(self) -> bool:
        return bool(self.timestamps) and (self.crls + self.ocsps) > 0

    @property
    def newest(self) -> Timestamp | None:
        return self.timestamps[-1] if self.timestamps else None

    def renew_by(self, before: dt.timedelta = DEFAULT_RENEW_BEFORE) -> dt.datetime | None:
        """When a fresh timestamp must be added: before the newest one's certificate expires or its algorithm ages."""
        newest = self.newest
        if newest is None:
            return None
        due = newest.certificate_expires - before
        if newest.digest in WEAK_DIGESTS:
            due = min(due, newest.at)
        if newest.key_bits is not None and newest.key_bits < 3072:
            due = min(due, RSA_3072_DUE)
        return due


def evidence_of(pdf: bytes) -> Evidence:
    """The document timestamps and the validation data a sealed file carries.

    Read with pikepdf rather than pyHanko's reader, which parses every signature's reserved room byte by byte: this
    runs after every seal and renewal, and for each file checked.
    """
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        fields = opened.Root.get("/AcroForm", {}).get("/Fields", [])
        for field in _signature_fields(fields):
            value = field.get("/V")
            if value is None or value.get("/Type") != "/DocTimeStamp":
                continue
            content = cms.ContentInfo.load(bytes(value.Contents), strict=False)
            found.append((int(value.ByteRange[2]), str(field.get("/T", "")), content["content"]))
        dss = opened.Root.get("/DSS")
        counts = [len(dss.get(key, [])) if dss is not None else 0 for key in ("/Certs", "/CRLs", "/OCSPs")]
    stamps = []
    for _, name, signed_data in sorted(found, key=lambda item: item[0]):
        token = signed_data["encap_content_info"]["content"].parsed
        signer = signed_data["signer_infos"][0]["sid"]
        certs = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        cert = next((c for c in certs if signer.name == "issuer_and_serial_number"
                     and c.serial_number == signer.chosen["serial_number"].native), certs[0])
        public_key = cert.public_key
        stamps.append(Timestamp(
            field_name=name, at=token["gen_time"].native, authority=cert.subject.human_friendly,
            certificate_expires=cert["tbs_certificate"]["validity"]["not_after"].native,
            digest=token["message_imprint"]["hash_algorithm"]["algorithm"].native,
            key_bits=public_key.bit_size if public_key.algorithm == "rsa" else None))
    return Evidence(stamps, *counts)


def _signature_fields(fields):
    """Every terminal form field, through the field tree (signature fields may sit under a parent)."""
    for field in fields:
        kids = field.get("/Kids")
        if kids is not None and "/V" not in field:
            yield from _signature_fields(kids)
        else:
            yield field


# -- checking it, years on ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LongTermCheck:
    """pyHanko's PAdES long-term (AdES LTA) validation of one signature, as of a moment."""

    passed: bool
    indication: str
    reason: str
    signed_at: dt.datetime | None


# Each AdES outcome in the words of someone checking a record.
REASONS = {
    AdESFailure.REVOKED: "its certificate was revoked before it sealed the document",
    AdESFailure.HASH_FAILURE: "the document was altered after it was sealed",
    AdESFailure.SIG_CRYPTO_FAILURE: "the seal's cryptography does not check out: the document was altered",
    AdESFailure.FORMAT_FAILURE: "the seal is not a well-formed signature",
    AdESIndeterminate.REVOKED_NO_POE: "its certificate was revoked and nothing proves it sealed before that",
    AdESIndeterminate.EXPIRED: "its certificate has expired and the file lacks the long-term validation data that "
                               "would prove it was valid when it sealed",
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: "its certificate has expired and no timestamp proves it sealed while "
                                            "the certificate was valid",
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: "its certificate has expired and the file lacks the long-term "
                                                 "validation data that would prove it was valid when it sealed",
    AdESIndeterminate.NO_POE: "the newest timestamp's certificate expired before the evidence was renewed",
    AdESIndeterminate.TRY_LATER: "its revocation data is not available",
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: "it was sealed by someone else: its certificate does not chain "
                                                  "to this organisation's",
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE: "it was sealed by someone else: its certificate does not chain "
                                                 "to this organisation's",
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE: "its certificate chain could not be checked",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "its algorithm is no longer accepted and no timestamp "
                                                         "proves it sealed before that",
}


def _spec(roots: list[asn1_x509.Certificate], *, fresh_crls: list[asn1_crl.CertificateList],
          fetch: bool) -> PdfSignatureValidationSpec:
    rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(
                ee_certificate_rule=rule, intermediate_ca_cert_rule=rule))),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            # Only the newest timestamp is checked against today's revocation data; the rest is what the file holds.
            online_fetching_rule=RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH if fetch
            else RevinfoOnlineFetchingRule.LOCAL_ONLY),
        local_knowledge=LocalKnowledge(known_crls=[CRLContainer(crl) for crl in fresh_crls])))


def long_term_check(embedded_signature, roots: list[asn1_x509.Certificate], *, at: dt.datetime | None = None,
                    fresh_crls: list[asn1_crl.CertificateList] = (), fetch: bool = False) -> LongTermCheck:
    """Validate a seal as PAdES B-LTA (pyHanko's AdES LTA validation).

    Now: with what the file carries, plus today's revocation data for the newest timestamp (`fresh_crls`, or
    fetched). At a future moment `at`: as pyHanko simulates it, assuming nothing is added to the file until then.
    """
    spec = _spec(roots, fresh_crls=list(fresh_crls), fetch=fetch and at is None)
    try:
        if at is None:
            now = dt.datetime.now(dt.UTC)
            timing = ValidationTimingInfo(validation_time=now, best_signature_time=now, point_in_time_validation=False)
            result = asyncio.run(ades_lta_validation(embedded_signature, spec, timing_info=timing))
        else:
            result = asyncio.run(simulate_future_ades_lta_validation(embedded_signature, spec, at))
    except Exception as error:  # noqa: BLE001 - an unreadable signature is a failed check, with its reason
        log.info("Long-term validation of %s failed to run: %s", embedded_signature.field_name, error)
        return LongTermCheck(False, "FAILED", f"it could not be checked ({error})", None)
    indication = result.ades_subindic
    if indication is AdESPassed.OK:
        api = result.api_status
        signed_at = api.timestamp_validity.timestamp if api is not None and api.timestamp_validity else None
        return LongTermCheck(True, "PASSED", "valid", signed_at)
    api = result.api_status
    if getattr(api, "revoked", False) and indication not in REASONS:
        indication = AdESFailure.REVOKED
    elif api is not None and getattr(api, "trust_problem_indic", None) in REASONS and indication not in REASONS:
        indication = api.trust_problem_indic
    reason = REASONS.get(indication, f"pyHanko's long-term validation says {indication.name.lower()}")
    if result.failure_msg and indication not in REASONS:
        reason += f" ({result.failure_msg})"
    return LongTermCheck(False, indication.name, reason, None)
