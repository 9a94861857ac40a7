"""The organisation's digital seal: PAdES approval signatures with pyHanko, and checking them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import math
import pathlib
import threading
import urllib.error
import urllib.request

import fontTools.subset
import pikepdf
from asn1crypto import pem as asn1_pem
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import current_app
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, LayoutError, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.stamp import TextStamp, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing import dev_ca, long_term

log = logging.getLogger(__name__)
# An uploaded PDF sealed by someone else is an answer for the person checking it, not a fault: without
# this, pyHanko logs a warning with a full traceback for every untrusted signature.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)


class _NotFetchingIsIntended(logging.Filter):
    """The development CA's CRL is handed to pyHanko, not fetched: its warning about that is not a problem."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NotFetchingIsIntended())

SEAL_FIELD = "CountersignSeal"
# Room for the CMS signature, certificate chain and timestamp token. Fixing it skips pyHanko's trial
# signature (and, with a TSA, a trial timestamp request) that otherwise sizes it, halving the time to seal.
SIGNATURE_BYTES_RESERVED = 32 * 1024
DEV_PASSPHRASE_FILE = dev_ca.PASSPHRASE_FILE
DEV_PKCS12_FILE = dev_ca.PKCS12_FILE
DEV_CA_FILE = dev_ca.CA_FILE
# The development seal is made by signing.dev_ca; these names are where the rest of the app has always found it.
DevSeal = dev_ca.DevSeal
create_dev_seal = dev_ca.create_dev_seal
dev_timestamping_certificate = dev_ca.dev_timestamping_certificate


class SealError(Exception):
    """The seal could not be applied; the message says what to check."""


# -- configuration ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SealConfig:
    """Where the sealing key lives and what verification trusts."""

    pkcs12_path: pathlib.Path
    passphrase: bytes | None
    tsa_url: str
    trust_pem: pathlib.Path | None
    # The timestamp authority's root certificate(s), when they are not the seal's own.
    tsa_trust_pem: pathlib.Path | None = None
    # Where seal-dev-ca writes; its development timestamp authority and CRL serve a seal that CA issued.
    dev_dir: pathlib.Path | None = None
    renew_before: dt.timedelta = long_term.DEFAULT_RENEW_BEFORE


def config_from(app_config) -> SealConfig:
    """The seal's settings from the app's config, with the development seal in instance/seal as default."""
    path = pathlib.Path(app_config["SEAL_PKCS12"] or pathlib.Path(app_config["SEAL_DIR"]) / DEV_PKCS12_FILE)
    passphrase = app_config.get("SEAL_PASSPHRASE")
    if passphrase is None:
        # The development seal keeps its passphrase beside it; a real one comes from the environment.
        beside = path.parent / DEV_PASSPHRASE_FILE
        passphrase = beside.read_text().strip() if beside.exists() else None
    trust = app_config.get("SEAL_TRUST_PEM")
    tsa_trust = app_config.get("TSA_TRUST_PEM")
    return SealConfig(
        pkcs12_path=path,
        passphrase=passphrase.encode() if passphrase else None,
        tsa_url=app_config.get("TSA_URL") or "",
        trust_pem=pathlib.Path(trust) if trust else None,
        tsa_trust_pem=pathlib.Path(tsa_trust) if tsa_trust else None,
        dev_dir=pathlib.Path(app_config["SEAL_DIR"]) if app_config.get("SEAL_DIR") else None,
        renew_before=dt.timedelta(days=int(app_config.get("EVIDENCE_RENEW_BEFORE_DAYS") or 90)),
    )


class _Signer(signers.SimpleSigner):
    """pyHanko's SimpleSigner, holding the loaded RSA key instead of re-parsing and re-checking it per signature."""

    _rsa_key: rsa.RSAPrivateKey | None = None
    # Set once this key has sealed and verified a test PDF, so the start-up check runs once per key and process.
    checked_holder: str | None = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._rsa_key is None:
            # Loading checks the RSA key's consistency, which costs ~100 ms; once per process is enough.
            self._rsa_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        return self._rsa_key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


_cache: dict[tuple, signers.SimpleSigner] = {}
_cache_lock = threading.Lock()


def load_signer(config: SealConfig) -> signers.SimpleSigner:
    """The organisation's signer from its PKCS#12 file (cached while the file is unchanged)."""
    try:
        stat = config.pkcs12_path.stat()
    except OSError as error:
        raise SealError(
            f"The sealing certificate {config.pkcs12_path} cannot be read ({error.strerror}). Set "
            "COUNTERSIGN_SEAL_PKCS12 to the organisation's PKCS#12 file, or run 'flask --app app seal-dev-ca' "
            "for a development seal."
        ) from None
    key = (str(config.pkcs12_path), stat.st_mtime_ns, stat.st_size, config.passphrase)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(config.pkcs12_path.read_bytes(), (), config.passphrase)
        signer = _Signer(signing_key=loaded.signing_key, signing_cert=loaded.signing_cert,
                         cert_registry=loaded.cert_registry)
    except ValueError as error:
        raise SealError(
            f"The sealing certificate {config.pkcs12_path} could not be opened: {error.__cause__ or error}. Check "
            "COUNTERSIGN_SEAL_PASSPHRASE and that the file is a PKCS#12 (.p12/.pfx) holding a key and certificate."
        ) from None
    with _cache_lock:
        _cache[key] = signer
    return signer


def current_config() -> SealConfig:
    """The deployment's seal: what a council without a seal of its own seals with."""
    return config_from(current_app.config)


def config_for(organisation) -> SealConfig:
    """The seal a council's documents are sealed with: its own (configure-seal), else the deployment's.

    `organisation` holds where its seal is (seal_pkcs12, seal_passphrase_file, seal_trust_pem): paths, never the key.
    The timestamp authority and renewal settings are the deployment's.
    """
    default = current_config()
    if organisation is None or not organisation.seal_pkcs12:
        return default
    path = pathlib.Path(organisation.seal_pkcs12)
    passphrase_file = pathlib.Path(organisation.seal_passphrase_file or path.parent / DEV_PASSPHRASE_FILE)
    try:
        passphrase = passphrase_file.read_text().strip() if passphrase_file.exists() else None
    except OSError as error:
        raise SealError(f"The passphrase file {passphrase_file} of {organisation.name}'s seal cannot be read "
                        f"({error.strerror}).") from None
    return dataclasses.replace(
        default, pkcs12_path=path, passphrase=passphrase.encode() if passphrase else None,
        trust_pem=pathlib.Path(organisation.seal_trust_pem) if organisation.seal_trust_pem else None,
        # A development CA beside the council's own development seal serves it (and only a seal it issued).
        dev_dir=path.parent)


def problem_with(config: SealConfig) -> str | None:
    """Why documents cannot be sealed with this seal (None when it works): checked once per key file and process."""
    try:
        check_seal(config)
    except SealError as error:
        return f"Documents cannot be sealed, so none can be sent for signature: {error}"
    return None


def _outside_event_loop(fn, *args, **kwargs):
    # pyHanko's synchronous calls use asyncio.run, which refuses to run inside a running event loop
    # (an async server, Playwright's sync API): then the call runs on a thread of its own.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# -- sealing -------------------------------------------------------------------------------------


class _UrllibTimeStamper(TimeStamper):
    """An RFC 3161 client over plain urllib, so no extra HTTP library is needed."""

    def __init__(self, url: str, timeout: float = 10):
        super().__init__()
        self.url, self.timeout = url, timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        def post() -> bytes:
            request = urllib.request.Request(
                self.url, data=req.dump(), headers={"Content-Type": "application/timestamp-query"}, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                    return response.read()
            except (OSError, urllib.error.URLError) as error:
                raise TimestampRequestError(f"The timestamp authority {self.url} did not answer: {error}") from error

        return tsp.TimeStampResp.load(await asyncio.to_thread(post))


@dataclasses.dataclass(frozen=True)
class Stamp:
    """A visible seal: its text, drawn in a box on one page, in an embedded font."""

    text: str
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in points from the page's bottom left
    page: int = -1
    font_size: int = 8


# PDF/A allows only embedded fonts, so stamps never use pyHanko's default standard-14 Courier.
STAMP_FONT = pathlib.Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")


def _dev_pki(config: SealConfig, signer: signers.SimpleSigner) -> dev_ca.DevPki | None:
    """The development CA in instance/seal, only when it issued the seal in use (never beside a real seal)."""
    pki = dev_ca.load(config.dev_dir)
    return pki if pki is not None and pki.issued(signer.signing_cert) else None


def timestamper_for(config: SealConfig) -> TimeStamper | None:
    """The configured timestamp authority; else the development one beside a development seal; else none."""
    if config.tsa_url:
        return _UrllibTimeStamper(config.tsa_url)
    pki = _dev_pki(config, load_signer(config))
    return pki.timestamper() if pki is not None else None


def evidence_context(config: SealConfig, certs: list[asn1_x509.Certificate]) -> ValidationContext:
    """Where a seal's validation data comes from: the development CA's own CRL, or each certificate's CRL and OCSP."""
    signer = load_signer(config)
    roots = trust_roots(config) + tsa_roots(config)
    chain = [signer.signing_cert, *signer.cert_registry, *certs]
    pki = _dev_pki(config, signer)
    if pki is not None:
        return long_term.validation_context(roots, chain, crls=[pki.crl()], fetch=False)
    try:
        crls = long_term.fetch_crls(chain)
    except long_term.EvidenceError as error:
        raise SealError(str(error)) from error
    return long_term.validation_context(roots, chain, crls=crls, fetch=True)


def development_crl(config: SealConfig | None = None) -> bytes | None:
    """Today's CRL from the development CA beside the seal (DER), for readers fetching the address it names."""
    config = config or current_config()
    pki = dev_ca.load(config.dev_dir)
    return pki.crl().dump() if pki is not None else None


def seal_pdf(pdf: bytes, *, field_name: str, reason: str, config: SealConfig | None = None,
             stamp: Stamp | None = None) -> bytes:
    """Append the organisation's PAdES approval signature as an incremental update (works on sealed PDFs too).

    With a timestamp authority the seal is PAdES B-LTA: timestamped, with the certificate chains and revocation data
    of the seal and of its timestamp in the DSS, closed by a document timestamp in the same revision.
    With a stamp, the signature is a visible one: a new signature field whose widget shows the stamp's text.
    That is a change pyHanko's diff policy accepts after earlier seals, where a plain comment annotation is not.
    """
    config = config or current_config()
    signer = load_signer(config)
    timestamper = timestamper_for(config)
    long_term_data = {}
    if timestamper is not None:
        long_term_data = {"embed_validation_info": True, "use_pades_lta": True, "dss_settings": long_term.DSS_SETTINGS,
                          "validation_context": evidence_context(config, []),
                          "timestamp_field_name": f"{field_name}{long_term.TIMESTAMP_FIELD_SUFFIX}"}
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        **long_term_data,
    )
    extra = {}
    if stamp is not None:
        extra = {"stamp_style": _stamp_style(stamp.font_size),
                 "new_field_spec": SigFieldSpec(field_name, on_page=stamp.page, box=stamp.box)}
    try:
        writer = long_term.writer_for(pdf)
        pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper, **extra)
        out = _outside_event_loop(
            pdf_signer.sign_pdf, writer, bytes_reserved=SIGNATURE_BYTES_RESERVED,
            appearance_text_params={"annotation": stamp.text} if stamp is not None else None)
    except (SigningError, TimestampRequestError, LayoutError, ValueError, OSError) as error:
        cause = f" ({error.__cause__})" if error.__cause__ is not None else ""
        raise SealError(f"The PDF could not be sealed: {error}{cause}") from error
    except Exception as error:  # pyHanko's validation errors: revocation data missing, a chain that does not build
        if type(error).__module__.startswith(("pyhanko_certvalidator", "pyhanko")):
            raise SealError(f"The seal's validation data could not be gathered: {error}. Check that the CRL and "
                            "OCSP addresses in the certificates answer, and COUNTERSIGN_TSA_TRUST_PEM.") from error
        raise
    return out.getvalue()


def renew_evidence(pdf: bytes, config: SealConfig | None = None) -> bytes:
    """Add a fresh document timestamp over a sealed file, with the validation data of the timestamp before it."""
    config = config or current_config()
    timestamper = timestamper_for(config)
    if timestamper is None:
        raise SealError("Evidence cannot be renewed without a timestamp authority: set COUNTERSIGN_TSA_URL.")
    stamps = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures
    # The newest timestamp's certificates, whose CRLs go in beside it.
    certs = [c.chosen for s in stamps[-1:] for c in s.signed_data["certificates"] if c.name == "certificate"]
    context = evidence_context(config, certs)
    try:
        return _outside_event_loop(long_term.renew, pdf, stamps, timestamper, context)
    except (long_term.EvidenceError, SigningError, TimestampRequestError, ValueError, OSError) as error:
        raise SealError(f"The evidence could not be renewed: {error}") from error
    except Exception as error:
        if type(error).__module__.startswith(("pyhanko_certvalidator", "pyhanko")):
            raise SealError(f"The evidence could not be renewed: {error}") from error
        raise


_font_classes: dict = {}


def _font_factory(base):
    """pyHanko's GlyphAccumulatorFactory, reading the font from memory (pyHanko leaves its file handle open)."""
    if base not in _font_classes:
        class ThousandUnits(GlyphAccumulator):
            """pyHanko writes widths and TJ kerning in the font's own units, right only for 1000-unit fonts.

            Liberation's TrueType fonts have 2048 units to the em, so viewers spaced the letters out; here
            HarfBuzz positions and glyph widths are both given in PDF's 1000-unit glyph space.
            """

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._font_units = self.units_per_em
                self.units_per_em = 1000
                self.hb_font.scale = (1000, 1000)

            def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
                if glyph_id not in self._glyphs:
                    cid, width = super()._get_cid_and_width(glyph_id)
                    self._glyphs[glyph_id] = (cid, round(width * 1000 / self._font_units))
                return self._glyphs[glyph_id]

        @dataclasses.dataclass(frozen=True)
        class InMemory(base):
            def create_font_engine(self, writer, obj_stream=None):
                if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                    obj_stream = writer.prepare_object_stream()
                return ThousandUnits(
                    writer=writer, font_handle=io.BytesIO(_font_bytes(self.font_file)), font_size=self.font_size,
                    ot_script_tag=self.ot_script_tag, ot_language_tag=self.ot_language_tag,
                    writing_direction=self.writing_direction, bcp47_lang_code=self.bcp47_lang_code,
                    obj_stream=obj_stream)

        _font_classes[base] = InMemory
    return _font_classes[base]


_font_cache: dict[str, bytes] = {}


def _font_bytes(path: str) -> bytes:
    if path not in _font_cache:
        _font_cache[path] = pathlib.Path(path).read_bytes()
    return _font_cache[path]


def _stamp_style(font_size: int, *, border_width: int = 1):
    if not STAMP_FONT.exists():
        raise SealError(f"The stamp font {STAMP_FONT} is missing; install the Debian package fonts-liberation2.")
    font = _font_factory(GlyphAccumulatorFactory)(str(STAMP_FONT), font_size=font_size)
    # The text goes in as a parameter, never as the template, so a '%' someone typed is printed as typed.
    return TextStampStyle(stamp_text="%(annotation)s", border_width=border_width,
                          text_box_style=TextBoxStyle(font=font, font_size=font_size, leading=round(font_size * 1.25)))


def draw_text(pdf: bytes, text: str, *, page: int, x: float, y: float, font_size: int = 8) -> bytes:
    """The PDF with `text` drawn on one page as part of its content (not a signature), bottom left at (x, y) in
    points, in the stamps' embedded font: selectable, searchable, and allowed in PDF/A. Done before sealing, it is
    simply part of what the seal covers."""
    # No border and no padding: the first line's baseline is at y, with room below it for descenders.
    descent = math.ceil(font_size * 0.25)
    text_at = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MIN,
                                  margins=Margins(bottom=descent))
    style = _stamp_style(font_size, border_width=0)
    font = _font_factory(GlyphAccumulatorFactory)(_font_with(set(text)), font_size=font_size)
    style = dataclasses.replace(style, inner_content_layout=text_at, text_box_style=dataclasses.replace(
        style.text_box_style, font=font, box_layout_rule=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MIN, margins=Margins())))
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        TextStamp(writer, style, text_params={"annotation": text}).apply(page, x, y - descent)
        out = io.BytesIO()
        writer.write(out)
    except (LayoutError, PdfError, ValueError, IndexError, OSError) as error:
        raise SealError(f"The text could not be drawn on page {page + 1} of the PDF: {error}") from error
    return out.getvalue()


# Drawn text is set in the stamp font cut down to these characters (and any others the text has), made once: pyHanko
# embeds only the glyphs used, but finding them in the whole font reads all its tables, about 0.2 s every time.
DRAWN_CHARACTERS = frozenset(map(chr, range(0x20, 0x7F))) | {"\u2013", "\u2019", "\u201c", "\u201d", "\u00b7"}
_DRAWN_FONT_TABLES_DROPPED = ["FFTM"]  # FontForge's timestamps: fontTools cannot cut them down, and PDF needs none


def _font_with(characters: set[str]) -> str:
    """The key in the font cache of the stamp font cut down to the drawn characters and `characters`."""
    extra = "".join(sorted(set(characters) - DRAWN_CHARACTERS))
    key = f"{STAMP_FONT}#drawn{extra}"
    if key not in _font_cache:
        font = TTFont(io.BytesIO(_font_bytes(str(STAMP_FONT))))
        options = fontTools.subset.Options(drop_tables=[*fontTools.subset.Options().drop_tables,
                                                        *_DRAWN_FONT_TABLES_DROPPED], name_IDs=["*"])
        subsetter = fontTools.subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in DRAWN_CHARACTERS | set(extra)])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        _font_cache[key] = out.getvalue()
    return key


def check_seal(config: SealConfig) -> str:
    """Load the key and seal a one-page PDF with it; returns the seal's holder, or raises SealError."""
    signer = load_signer(config)
    if signer.checked_holder is not None:  # this key, loaded from this very file, already sealed and checked
        return signer.checked_holder
    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    # The timestamp authority is not asked here: being offline delays sealing, it does not make it wrong.
    sealed = seal_pdf(buffer.getvalue(), field_name="StartupCheck", reason="Start-up check",
                      config=dataclasses.replace(config, tsa_url="", dev_dir=None))
    signature = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_signatures[0]
    status = _outside_event_loop(
        validate_pdf_signature, signature, ValidationContext(trust_roots=[load_signer(config).signing_cert]),
        skip_diff=True)
    if not (status.intact and status.valid):
        raise SealError("The sealing key signed a test PDF but the signature did not check out; the key and "
                        "certificate in the PKCS#12 file do not belong together.")
    signer.checked_holder = signer.signing_cert.subject.human_friendly
    return signer.checked_holder


def seal_problem(app, organisation=None) -> str | None:
    """Why a council's documents cannot be sealed right now (None when its seal works): the deployment's seal as
    checked at start-up, or the council's own seal, checked when first needed."""
    if organisation is not None and organisation.seal_pkcs12:
        try:
            return problem_with(config_for(organisation))
        except SealError as error:
            return f"Documents cannot be sealed, so none can be sent for signature: {error}"
    return app.extensions.get("countersign.seal_problem")


def init_app(app) -> None:
    """Check at start-up that the sealing key loads and signs; remember why not, so sending is refused."""
    try:
        holder = check_seal(config_from(app.config))
    except SealError as error:
        problem = f"Documents cannot be sealed, so none can be sent for signature: {error}"
        app.logger.error("%s", problem)
        app.extensions["countersign.seal_problem"] = problem
        return
    app.logger.info("Sealing certificate loaded and working: %s", holder)
    app.extensions["countersign.seal_problem"] = None


# -- verification --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SignatureCheck:
    """One signature in a PDF, as a person checking the file needs to know it."""

    field_name: str
    reason: str
    signer: str
    signed_at: dt.datetime | None
    timestamped: bool
    intact: bool
    valid: bool
    # Its certificate chains to the organisation's, as of when it sealed.
    trusted: bool
    covers_whole_file: bool
    revision: int
    revision_sha256: str
    # pyHanko's difference analysis of what came after this signature: None (nothing after it), NONE,
    # LTA_UPDATES, FORM_FILLING (later seals and signature fields), ANNOTATIONS or OTHER (not allowed).
    modification_level: str | None = None
    docmdp_ok: bool | None = None
    # pyHanko's PAdES long-term validation (None when the seal was not checked that way: it is broken or foreign).
    long_term: long_term.LongTermCheck | None = None
    certificate_expires: dt.datetime | None = None

    @property
    def suspicious(self) -> bool:
        """pyHanko found changes after this signature that a seal does not allow."""
        return self.docmdp_ok is False or self.modification_level == "OTHER"


@dataclasses.dataclass(frozen=True)
class SealReport:
    """What a PDF proves: who sealed it, whether it changed since, and the revision to look it up by."""

    readable: bool
    problem: str | None
    signatures: list[SignatureCheck]
    bytes_after_last_signature: bool
    file_sha256: str
    evidence: long_term.Evidence | None = None
    # The file as first sealed: up to the first seal, or to the document timestamp that closed it (B-LTA).
    first_sealed_sha256: str | None = None
    # Why the evidence no longer holds as of the moment checked (None when it does, or nothing was checked).
    evidence_problem: str | None = None

    @property
    def sealed_by_organisation(self) -> bool:
        return bool(self.signatures) and all(s.trusted for s in self.signatures)

    @property
    def unaltered(self) -> bool:
        return bool(self.signatures) and all(s.intact and s.valid and not s.suspicious for s in self.signatures) \
            and not self.bytes_after_last_signature

    @property
    def suspicious_modification(self) -> bool:
        return any(s.suspicious for s in self.signatures)

    @property
    def valid_long_term(self) -> bool:
        """The seals still prove themselves: each passes long-term validation, or is still valid as it stands."""
        return self.evidence_problem is None

    @property
    def ok(self) -> bool:
        return self.readable and self.sealed_by_organisation and self.unaltered and self.valid_long_term

    @property
    def sealed_revision_sha256(self) -> str | None:
        """The SHA-256 of the file as first sealed: what Countersign stored as the document's signed PDF."""
        return self.first_sealed_sha256 or (self.signatures[0].revision_sha256 if self.signatures else None)

    @property
    def annotations(self) -> list[SignatureCheck]:
        """Sealed revisions added after the first seal (annotations)."""
        return self.signatures[1:]

    @property
    def renewals(self) -> list[long_term.Timestamp]:
        """Document timestamps added after the seals' own (evidence renewals)."""
        if self.evidence is None:
            return []
        return [t for t in self.evidence.timestamps if t.field_name.startswith(long_term.RENEWAL_FIELD_PREFIX)]

    @property
    def valid_until(self) -> dt.datetime | None:
        """Until when the evidence holds without renewal: the newest timestamp's certificate's expiry."""
        newest = self.evidence.newest if self.evidence is not None else None
        return newest.certificate_expires if newest is not None else (
            self.signatures[0].certificate_expires if self.signatures else None)


def trust_roots(config: SealConfig) -> list[asn1_x509.Certificate]:
    """The certificates a seal must chain to: COUNTERSIGN_SEAL_TRUST_PEM, else the seal's own CA and certificate."""
    if config.trust_pem is not None:
        data = config.trust_pem.read_bytes()
        return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]
    signer = load_signer(config)
    roots = [c for c in signer.cert_registry if c.self_signed]
    return roots or [signer.signing_cert]


def tsa_roots(config: SealConfig) -> list[asn1_x509.Certificate]:
    """The timestamp authority's roots (COUNTERSIGN_TSA_TRUST_PEM), which long-term validation must also trust."""
    if config.tsa_trust_pem is None:
        return []
    data = config.tsa_trust_pem.read_bytes()
    return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]


def verify_pdf(pdf: bytes, config: SealConfig | None = None, *, at: dt.datetime | None = None,
               long_term_check: bool = True) -> SealReport:
    """Check every seal in a PDF against the organisation's trusted certificates, and its long-term evidence.

    `at` checks the evidence as of a future moment (pyHanko's simulation, plus whether the newest timestamp's
    certificate still lasts then); by default, as of now. Without `long_term_check` only the seals themselves are
    checked (no revocation data is fetched), as a page showing a stored copy needs.
    """
    config = config or current_config()
    file_sha = hashlib.sha256(pdf).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
        seals = reader.embedded_regular_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        return SealReport(False, f"This is not a readable PDF ({type(error).__name__}: {error}).", [], False,
                             file_sha)
    if not seals:
        return SealReport(True, "This PDF has no digital signature, so it is not a sealed Countersign document.",
                            [], False, file_sha)
    roots = trust_roots(config) + tsa_roots(config)
    fresh = _fresh_crls(config) if long_term_check else []
    checks = [_check(signature, pdf, roots, at=at, fresh_crls=fresh, long_term_check=long_term_check)
              for signature in sorted(seals, key=lambda s: s.signed_revision)]
    last_end = max(_end_of(s) for s in embedded)
    evidence = long_term.evidence_of(pdf)
    return SealReport(True, None, checks, last_end < len(pdf.rstrip(b"\r\n\x00 ")), file_sha, evidence,
                      hashlib.sha256(pdf[:_first_sealed_end(embedded)]).hexdigest(),
                      _evidence_problem(checks, evidence, at or dt.datetime.now(dt.UTC)))


def sealed_hashes(pdf: bytes) -> set[str]:
    """The SHA-256 of the file and of the file as first sealed, read without checking any seal (empty if unreadable)."""
    try:
        embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        first = hashlib.sha256(pdf[:_first_sealed_end(embedded)]).hexdigest() if embedded else None
    except Exception:  # noqa: BLE001 - any parse failure: nothing to look up, and verify_pdf says why
        return set()
    return {hashlib.sha256(pdf).hexdigest(), *([first] if first else [])}


def _first_sealed_end(embedded) -> int:
    in_order = sorted(embedded, key=lambda s: s.signed_revision)
    first = next(i for i, s in enumerate(in_order) if s.sig_object.get("/Type") != "/DocTimeStamp")
    after = in_order[first + 1] if first + 1 < len(in_order) else None
    if after is not None and after.sig_object.get("/Type") == "/DocTimeStamp":
        return _end_of(after)
    return _end_of(in_order[first])


def _fresh_crls(config: SealConfig) -> list:
    # Today's CRL from the development CA, for the newest timestamp; a real CA's is fetched when checking.
    try:
        pki = _dev_pki(config, load_signer(config))
    except SealError:
        return []
    return [pki.crl()] if pki is not None else []


def _evidence_problem(checks: list[SignatureCheck], evidence: long_term.Evidence, at: dt.datetime) -> str | None:
    newest = evidence.newest
    if newest is not None and newest.certificate_expires < at:
        return (f"the newest timestamp's certificate expired on {newest.certificate_expires:%d %B %Y} before the "
                "evidence was renewed, so nothing proves the seal was valid when it was made")
    if not evidence.long_term:
        # Sealed without long-term data (B-B, or before it existed): good while its certificate is, unless revoked.
        for check in checks:
            if check.long_term is not None and check.long_term.indication in ("REVOKED", "REVOKED_NO_POE"):
                return f"the seal {check.field_name} no longer proves itself: {check.long_term.reason}"
            if check.certificate_expires is not None and check.certificate_expires < at:
                return (f"the seal {check.field_name}'s certificate expired on {check.certificate_expires:%d %B %Y} "
                        "and the file has no long-term validation data to prove it was valid when it sealed")
        return None
    for check in checks:
        if check.long_term is not None and not check.long_term.passed:
            return f"the seal {check.field_name} no longer proves itself: {check.long_term.reason}"
    return None


def _end_of(signature) -> int:
    start, length = signature.byte_range[2], signature.byte_range[3]
    return start + length


def _check(signature, pdf: bytes, roots, *, at: dt.datetime | None = None, fresh_crls=(),
           long_term_check: bool = True) -> SignatureCheck:
    try:
        signed_at = _signing_time(signature)
        # Whether it is this organisation's seal is decided as of when it sealed; whether it still proves itself
        # years on is the long-term check's question, below.
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail",
                                    moment=signed_at, best_signature_time=signed_at)
        status = _outside_event_loop(validate_pdf_signature, signature, context)
        intact, valid, trusted = status.intact, status.valid, status.trusted
        signer = status.signing_cert.subject.human_friendly
        expires = status.signing_cert["tbs_certificate"]["validity"]["not_after"].native
        stamp = status.timestamp_validity
        signed_at = stamp.timestamp if stamp is not None else status.signer_reported_dt
        timestamped = stamp is not None
        level = status.modification_level.name if status.modification_level is not None else None
        docmdp_ok = status.docmdp_ok
    except Exception as error:  # noqa: BLE001 - a mangled signature is reported as invalid, not a crash
        log.info("Signature %s could not be validated: %s", signature.field_name, error)
        intact = valid = trusted = timestamped = False
        signer, signed_at, expires = "unknown", None, None
        level, docmdp_ok = None, False
    checked = None
    if intact and valid and trusted and long_term_check:
        checked = _outside_event_loop(long_term.long_term_check, signature, roots, at=at, fresh_crls=fresh_crls,
                                      fetch=not fresh_crls)
    reason = str(signature.sig_object.get("/Reason", ""))
    end = _end_of(signature)
    return SignatureCheck(
        field_name=signature.field_name,
        reason=reason,
        signer=signer,
        signed_at=signed_at,
        timestamped=timestamped,
        intact=intact,
        valid=valid,
        trusted=trusted,
        covers_whole_file=end >= len(pdf.rstrip(b"\r\n\x00 ")),
        revision=signature.signed_revision,
        revision_sha256=hashlib.sha256(pdf[:end]).hexdigest(),
        modification_level=level,
        docmdp_ok=docmdp_ok,
        long_term=checked,
        certificate_expires=expires,
    )


def _signing_time(signature) -> dt.datetime:
    """When a seal was made: its timestamp's time, else the time it claims, else now."""
    try:
        for token in extract_tst_data_iter(signature.signer_info, signed=False):
            return token["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:  # noqa: BLE001 - an unreadable timestamp leaves the claimed time
        pass
    return signature.self_reported_timestamp or dt.datetime.now(dt.UTC)
