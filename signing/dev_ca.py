"""The development PKI that `seal-dev-ca` makes: a CA, the organisation's seal, a timestamp authority and a CRL.

Everything runs inside the app from the files in instance/seal, so `make run` seals PAdES B-LTA on one machine with
no service to start: the timestamps are made in-process and the CRL is issued fresh from the CA key when a seal needs
it (the app also publishes it at the address the certificates name, /pki/dev-ca.crl).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pathlib
import secrets

from asn1crypto import cms, core
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

PASSPHRASE_FILE = "passphrase"
PKCS12_FILE = "seal.p12"
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
TSA_FILE = "tsa.pem"
TSA_KEY_FILE = "tsa-key.pem"
CRL_PATH = "/pki/dev-ca.crl"
# A development CRL is issued fresh for every seal; a week is how long a reader may rely on one.
CRL_LIFETIME = dt.timedelta(days=7)


@dataclasses.dataclass(frozen=True)
class DevSeal:
    """Where a development seal was written, with its CA's certificate and key (to issue a CRL and a TSA)."""

    pkcs12_path: pathlib.Path
    ca_path: pathlib.Path
    passphrase: str
    ca_cert: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    crl_url: str | None = None


def _name(organisation: str | None, common_name: str) -> x509.Name:
    # X.509 names hold at most 64 characters: a long council name stays whole in the organisation attribute.
    if len(common_name) > 64 and organisation:
        common_name = common_name.removeprefix(f"{organisation} ")
        common_name = common_name[:1].upper() + common_name[1:]
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64])] if organisation else []
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})


def _issued(ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey, name: x509.Name, key: rsa.RSAPrivateKey, *,
            until: dt.datetime, usage: x509.KeyUsage, extended: list, crl_url: str | None,
            critical_eku: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(extended), critical=critical_eku)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def create_dev_seal(directory: pathlib.Path, organisation: str, *, years: int = 10,
                    crl_url: str | None = None) -> DevSeal:
    """Make a development CA, a sealing certificate and a timestamping certificate it issued, in `directory`.

    The seal is a PKCS#12 with its passphrase beside it; the CA key stays beside them so the app can issue the CRL
    that the certificates name (`crl_url`), which long-term validation data needs.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=365 * years)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(organisation, f"{organisation} Countersign development CA")
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    seal_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    seal_cert = _issued(
        ca_cert, ca_key, _name(organisation, f"{organisation} document seal (development)"), seal_key, until=until,
        usage=_key_usage(digital_signature=True, content_commitment=True),
        extended=[ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")],
        crl_url=crl_url)
    passphrase = secrets.token_urlsafe(24)
    p12 = pkcs12.serialize_key_and_certificates(
        b"countersign-seal", seal_key, seal_cert, [ca_cert],
        serialization.BestAvailableEncryption(passphrase.encode()))
    seal = DevSeal(directory / PKCS12_FILE, directory / CA_FILE, passphrase, ca_cert, ca_key, crl_url)
    tsa_cert, tsa_key = dev_timestamping_certificate(seal)
    private = serialization.PrivateFormat.PKCS8
    for path, data, secret in (
        (seal.pkcs12_path, p12, True),
        (directory / PASSPHRASE_FILE, passphrase.encode() + b"\n", True),
        (seal.ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), False),
        (directory / CA_KEY_FILE, ca_key.private_bytes(serialization.Encoding.PEM, private,
                                                       serialization.NoEncryption()), True),
        (directory / TSA_FILE, x509.load_der_x509_certificate(tsa_cert).public_bytes(serialization.Encoding.PEM),
         False),
        (directory / TSA_KEY_FILE, serialization.load_der_private_key(tsa_key, None).private_bytes(
            serialization.Encoding.PEM, private, serialization.NoEncryption()), True),
    ):
        path.write_bytes(data)
        if secret:
            path.chmod(0o600)
    return seal


def dev_timestamping_certificate(seal: DevSeal) -> tuple[bytes, bytes]:
    """A timestamping certificate and key (DER) issued by a development CA, for a local timestamp authority."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _issued(seal.ca_cert, seal.ca_key, _name(None, "Countersign development timestamp authority"), key,
                   until=seal.ca_cert.not_valid_after_utc, usage=_key_usage(digital_signature=True),
                   extended=[ExtendedKeyUsageOID.TIME_STAMPING], crl_url=seal.crl_url, critical_eku=True)
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.DER), key_der


# -- the development PKI at work ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DevPki:
    """The development CA's key and certificate, and its timestamp authority, as read from instance/seal."""

    ca_cert: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    tsa_cert: x509.Certificate | None
    tsa_key: rsa.RSAPrivateKey | None

    def issued(self, cert: asn1_x509.Certificate) -> bool:
        """Whether this CA issued the certificate (so the CRL comes from here, not from the network)."""
        return cert.issuer.dump() == asn1_x509.Certificate.load(
            self.ca_cert.public_bytes(serialization.Encoding.DER)).subject.dump()

    def crl(self, now: dt.datetime | None = None) -> asn1_crl.CertificateList:
        """A fresh CRL from the development CA: nothing is ever revoked by it."""
        now = now or dt.datetime.now(dt.UTC)
        built = (
            x509.CertificateRevocationListBuilder().issuer_name(self.ca_cert.subject)
            .last_update(now - dt.timedelta(minutes=1)).next_update(now + CRL_LIFETIME)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                           critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        return asn1_crl.CertificateList.load(built.public_bytes(serialization.Encoding.DER))

    def timestamper(self) -> DummyTimeStamper | None:
        """The development timestamp authority, in-process, or None if seal-dev-ca made none."""
        if self.tsa_cert is None or self.tsa_key is None:
            return None
        if id(self) in _stampers:
            return _stampers[id(self)]
        der = serialization.Encoding.DER
        _stampers[id(self)] = _DevTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.tsa_cert.public_bytes(der)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(self.tsa_key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            certs_to_embed=[asn1_x509.Certificate.load(self.ca_cert.public_bytes(der))])
        return _stampers[id(self)]


class _DevTimeStamper(DummyTimeStamper):
    """pyHanko's in-process timestamper, keeping its loaded key: pyHanko re-parses (and re-checks) it per timestamp."""

    _key = None

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime):
        if self._key is None:
            self._key = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
        digest = get_pyca_cryptography_hash(md_algorithm)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            simple_cms_attribute("message_digest", hashlib.new(md_algorithm, tst_info_data).digest()),
        ])
        return self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), digest), signed_attrs


_loaded: dict[tuple, DevPki] = {}
# One timestamper per loaded PKI (kept alive by _loaded), so its key is parsed once.
_stampers: dict[int, DummyTimeStamper] = {}


def load(directory: pathlib.Path | None) -> DevPki | None:
    """The development PKI in `directory`, or None when there is none (a real seal is configured)."""
    if directory is None or not (directory / CA_KEY_FILE).exists():
        return None
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None
                  for p in (directory / CA_KEY_FILE, directory / TSA_FILE, directory / TSA_KEY_FILE))
    key = (str(directory), stamp)
    if key not in _loaded:
        _loaded[key] = _read(directory)
    return _loaded[key]


def _read(directory: pathlib.Path) -> DevPki:
    ca_cert = x509.load_pem_x509_certificate((directory / CA_FILE).read_bytes())
    ca_key = serialization.load_pem_private_key((directory / CA_KEY_FILE).read_bytes(), None)
    tsa_cert = tsa_key = None
    if (directory / TSA_FILE).exists() and (directory / TSA_KEY_FILE).exists():
        tsa_cert = x509.load_pem_x509_certificate((directory / TSA_FILE).read_bytes())
        tsa_key = serialization.load_pem_private_key((directory / TSA_KEY_FILE).read_bytes(), None)
    return DevPki(ca_cert, ca_key, tsa_cert, tsa_key)
