"""A test PKI on loopback: certomancer's animator serving a CA's OCSP responder, CRL and RFC 3161 timestamp authorities.

The seal certificate lasts two years; the timestamp authority that stamps at lock lasts three ("tsa"); a second one
("tsa-long") lasts forty, for renewals. `revoke("seal")` revokes the seal from now on, as a CA would after signing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import threading

import yaml
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server

ARCH = "countersign-test"
PASSPHRASE = b"test-seal-passphrase"


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _config(url: str, now: dt.datetime, revoked: dict[str, dt.datetime]) -> dict:
    def valid(days_before: int, days_after: int) -> dict:
        return {"valid-from": _when(now - dt.timedelta(days=days_before)),
                "valid-to": _when(now + dt.timedelta(days=days_after))}

    key_usage = {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage"}}
    crl_point = {"id": "crl_distribution_points",
                 "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}}
    ocsp_url = {"id": "authority_information_access",
                "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}}}

    def usage(*names):
        return {**key_usage, "smart-value": {**key_usage["smart-value"], "params": list(names)}}

    seal = {"subject": "seal", "issuer": "root", "validity": valid(1, 730),
            "extensions": [usage("digital_signature", "non_repudiation"), crl_point, ocsp_url]}
    tsa = {"subject": "tsa", "issuer": "root", "validity": valid(1, 3 * 365),
           "extensions": [usage("digital_signature"), {"id": "extended_key_usage", "critical": True,
                                                       "value": ["time_stamping"]}, crl_point]}
    certs = {
        "root": {"subject": "root", "issuer": "root", "validity": valid(1, 60 * 365), "extensions": [
            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
            usage("digital_signature", "key_cert_sign", "crl_sign")]},
        "seal": seal,
        "seal-revoked": {**seal, "subject": "seal-revoked", "subject-key": "seal-revoked"},
        "tsa": tsa,
        "tsa-long": {**tsa, "subject": "tsa-long", "subject-key": "tsa-long", "validity": valid(1, 40 * 365)},
        "ocsp": {"subject": "ocsp", "issuer": "root", "validity": valid(1, 60 * 365), "extensions": [
            usage("digital_signature"), {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
            {"id": "ocsp_no_check"}]},
    }
    for label, since in revoked.items():
        certs[label] = {**certs[label], "revocation": {"revoked-since": _when(since), "reason": "key_compromise"}}
    labels = ("root", "seal", "seal-revoked", "tsa", "tsa-long", "ocsp")
    return {
        "external-url-prefix": url,
        "keysets": {"keys": {"path-prefix": "keys", "keys": {label: {"path": f"{label}.pem"} for label in labels}}},
        "pki-architectures": {ARCH: {
            "keyset": "keys",
            "entity-defaults": {"country-name": "GB", "organization-name": "Countersign Test Council"},
            "entities": {"root": {"common-name": "Test Council Root CA"},
                         "seal": {"common-name": "Test Council document seal"},
                         "seal-revoked": {"common-name": "Test Council revoked seal"},
                         "tsa": {"common-name": "Test timestamp authority"},
                         "tsa-long": {"common-name": "Test timestamp authority (renewed)"},
                         "ocsp": {"common-name": "Test OCSP responder"}},
            "certs": certs,
            "services": {
                "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp",
                                  "validity-period": {"days": 7}}},
                "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                      "simulated-update-schedule": "P7D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"},
                                  "tsa-long": {"signing-key": "tsa-long", "signing-cert": "tsa-long"}},
            },
        }},
    }


@dataclasses.dataclass
class TestPki:
    """The running PKI: its service addresses, and the files a Countersign app is configured with."""

    directory: pathlib.Path
    url: str
    now: dt.datetime
    animator: Animator
    revoked: dict[str, dt.datetime] = dataclasses.field(default_factory=dict)

    @property
    def arch(self):
        return self.animator.architectures[ArchLabel(ARCH)]

    def tsa_url(self, label: str = "tsa") -> str:
        return f"{self.url}/{ARCH}/tsa/{label}"

    @property
    def crl_url(self) -> str:
        return f"{self.url}/{ARCH}/crls/root/latest.crl"

    def seal_p12(self, label: str = "seal") -> pathlib.Path:
        path = self.directory / f"{label}.p12"
        if not path.exists():
            path.write_bytes(self.arch.package_pkcs12(CertLabel(label), password=PASSPHRASE))
        return path

    @property
    def root_pem(self) -> pathlib.Path:
        path = self.directory / "root.pem"
        if not path.exists():
            cert = self.arch.get_cert(CertLabel("root"))
            path.write_bytes(b"-----BEGIN CERTIFICATE-----\n" + __import__("base64").encodebytes(cert.dump())
                             + b"-----END CERTIFICATE-----\n")
        return path

    def cert(self, label: str):
        return self.arch.get_cert(CertLabel(label))

    def app_settings(self, seal: str = "seal", tsa: str = "tsa") -> dict:
        """The COUNTERSIGN_* settings of an organisation using this PKI's seal and timestamp authority."""
        return {"SEAL_PKCS12": str(self.seal_p12(seal)), "SEAL_PASSPHRASE": PASSPHRASE.decode(),
                "SEAL_TRUST_PEM": str(self.root_pem), "TSA_URL": self.tsa_url(tsa),
                "SEAL_DIR": str(self.directory / "no-dev-seal")}

    def revoke(self, label: str, since: dt.datetime | None = None) -> None:
        """Revoke a certificate from `since` (now): the CRL and OCSP responder say so from then on."""
        self.revoked[label] = since or dt.datetime.now(dt.UTC)
        self._load()

    def _load(self) -> None:
        config = CertomancerConfig(_config(self.url, self.now, self.revoked), key_search_dir=str(self.directory))
        self.animator.architectures = AnimatorArchStore({ArchLabel(ARCH): config.get_pki_arch(ArchLabel(ARCH))})


def start(directory: pathlib.Path, *, revoked_before: bool = True):
    """Generate the keys, start the animator on a free loopback port; returns (TestPki, stop)."""
    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for label in ("root", "seal", "seal-revoked", "tsa", "tsa-long", "ocsp"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keys / f"{label}.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server = make_server("127.0.0.1", 0, lambda environ, start_response: None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    revoked = {"seal-revoked": now - dt.timedelta(days=1)} if revoked_before else {}
    config = CertomancerConfig(_config(url, now, revoked), key_search_dir=str(directory))
    animator = Animator(AnimatorArchStore({ArchLabel(ARCH): config.get_pki_arch(ArchLabel(ARCH))}),
                        with_web_ui=False)
    server.app = animator
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="test-pki")
    thread.start()
    pki = TestPki(directory, url, now, animator, revoked)

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return pki, stop


def dump_config(pki: TestPki) -> str:
    """The certomancer configuration as YAML, for reading when a test fails."""
    return yaml.safe_dump(_config(pki.url, pki.now, pki.revoked))
