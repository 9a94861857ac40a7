"""Setting up a council: its organisation, how its staff sign in, and its first admin, emailed a link to start."""

from __future__ import annotations

import dataclasses
import email.utils
import pathlib
import re
from urllib.parse import urlsplit

import email_validator
from flask import current_app
from sqlalchemy import func, select

from doc_templates import PACKS
from signing import dev_ca, seal
from storage import audit
from storage.db import session as db
from storage.models import Organisation, RetentionPolicy, Role, Staff
from storage.outbox import queue_email
from workflows import links
from workflows.errors import InvalidInput
from workflows.passwords import email_password_link

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclasses.dataclass(frozen=True)
class SignInSettings:
    """How an organisation's staff sign in: its OpenID Connect provider, if any, and whether passwords work."""

    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    email_domains: str = ""
    password_sign_in: bool = True


@dataclasses.dataclass(frozen=True)
class CouncilSetUp:
    organisation: Organisation
    admin: Staff
    callback_url: str


def set_up_council(name: str, template_pack: str, admin_name: str, admin_email: str, sign_in: SignInSettings,
                   retention_years: int = 7) -> CouncilSetUp:
    """Create an organisation and its first admin, who is emailed how to sign in; all or nothing."""
    name = " ".join((name or "").split())
    admin_name = " ".join((admin_name or "").split())
    admin_email = (admin_email or "").strip().lower()
    errors: dict[str, str] = {}
    if not name or len(name) > 200:
        errors["name"] = "Give the council's name, of 200 characters or fewer"
    elif db.scalars(select(Organisation).where(func.lower(Organisation.name) == name.lower())).first():
        errors["name"] = f"{name} is already set up – choose another name"
    if template_pack not in PACKS:
        errors["template_pack"] = f"Choose a template pack: {', '.join(sorted(PACKS))}"
    if not admin_name or len(admin_name) > 200:
        errors["admin_name"] = "Give the first admin's full name, of 200 characters or fewer"
    if not _EMAIL.match(admin_email) or len(admin_email) > 320:
        errors["admin_email"] = "Give the first admin's work email address, like name@council.gov.uk"
    if not 7 <= retention_years <= 100:
        errors["retention_years"] = "Give a retention period of 7 to 100 years"
    errors.update(_check_sign_in(sign_in, admin_email))
    if errors:
        raise InvalidInput(errors)
    organisation = Organisation(name=name, template_pack=template_pack)
    _apply_sign_in(organisation, sign_in)
    admin = Staff(organisation=organisation, name=admin_name, email=admin_email)
    admin.grant(Role.ADMIN)
    db.add_all([organisation, admin,
                RetentionPolicy(organisation=organisation, staff_category="", years=retention_years,
                                basis="Set when the council was set up")])
    db.flush()
    if organisation.password_sign_in:
        email_password_link(admin, "welcome")
    else:
        _email_single_sign_on_welcome(admin)
    audit.record(db, "organisation_created", audit.SYSTEM, organisation_id=organisation.id, name=name,
                 template_pack=template_pack, single_sign_on=organisation.single_sign_on,
                 password_sign_in=organisation.password_sign_in)
    audit.record(db, "staff_added", audit.SYSTEM, organisation_id=organisation.id, staff_id=admin.id,
                 email=admin.email, roles=["admin"], password_set=False, via="council set-up")
    db.commit()
    return CouncilSetUp(organisation, admin, links.single_sign_on_callback_url())


def change_sign_in(name: str, sign_in: SignInSettings) -> Organisation:
    """Change how an organisation's staff sign in (its provider, allowed domains, whether passwords work)."""
    organisation = _named(name)
    errors = _check_sign_in(sign_in, None)
    if errors:
        raise InvalidInput(errors)
    _apply_sign_in(organisation, sign_in)
    audit.record(db, "sign_in_settings_changed", audit.SYSTEM, organisation_id=organisation.id,
                 oidc_issuer=organisation.oidc_issuer, oidc_client_id=organisation.oidc_client_id,
                 email_domains=organisation.oidc_email_domains, password_sign_in=organisation.password_sign_in)
    db.commit()
    return organisation


def verify_audit_log(name: str | None = None) -> audit.AuditReport:
    """Check every council's audit chain (or only the named council's), each on its own."""
    organisation = _named(name, field="organisation") if name is not None else None
    report = audit.verify_chain(db, organisation.id if organisation is not None else None)
    db.rollback()
    return report


def _named(name: str, field: str = "name") -> Organisation:
    organisation = db.scalars(select(Organisation).where(func.lower(Organisation.name) == " ".join(
        (name or "").split()).lower())).one_or_none()
    if organisation is None:
        raise InvalidInput({field: f"No organisation is called {name!r} – give its name as it was set up"})
    return organisation


def change_sender(name: str, mail_from: str) -> Organisation:
    """Set the address an organisation's email comes from; empty goes back to the install's COUNTERSIGN_MAIL_FROM."""
    organisation = _named(name)
    mail_from = " ".join((mail_from or "").split())
    if mail_from:
        display, address = email.utils.parseaddr(mail_from)
        try:
            email_validator.validate_email(address, check_deliverability=False)
        except email_validator.EmailNotValidError:
            raise InvalidInput({"mail_from": "Give an email address, with a name if you like, like "
                                             "\"Havering Supervision <supervision@havering.gov.uk>\""}) from None
        mail_from = email.utils.formataddr((display, address)) if display else address
    organisation.mail_from = mail_from or None
    audit.record(db, "sender_changed", audit.SYSTEM, organisation_id=organisation.id, mail_from=organisation.mail_from)
    db.commit()
    return organisation


@dataclasses.dataclass(frozen=True)
class SealSettings:
    """Where a council's own seal is: its PKCS#12 file, the file holding its passphrase, the CA it chains to."""

    pkcs12: str = ""
    passphrase_file: str = ""
    trust_pem: str = ""


def change_seal(name: str, settings: SealSettings) -> tuple[Organisation, str | None]:
    """Give a council its own seal (paths to its files, never the key itself), checked by sealing a test PDF first;
    an empty PKCS#12 path goes back to the deployment's seal. The council, and who the seal names (None: default)."""
    organisation = _named(name)
    paths = {"pkcs12": settings.pkcs12.strip(), "passphrase_file": settings.passphrase_file.strip(),
             "trust_pem": settings.trust_pem.strip()}
    errors = {field: f"Give the full path of the file, starting with / (not {path!r})"
              for field, path in paths.items() if path and not pathlib.Path(path).is_absolute()}
    errors.update({field: f"There is no file at {path}" for field, path in paths.items()
                   if path and field not in errors and not pathlib.Path(path).is_file()})
    if not paths["pkcs12"] and (paths["passphrase_file"] or paths["trust_pem"]):
        errors["pkcs12"] = "Give the seal's PKCS#12 file too"
    if errors:
        raise InvalidInput(errors)
    organisation.seal_pkcs12 = paths["pkcs12"] or None
    organisation.seal_passphrase_file = paths["passphrase_file"] or None
    organisation.seal_trust_pem = paths["trust_pem"] or None
    holder = None
    if organisation.seal_pkcs12:
        try:
            holder = seal.check_seal(seal.config_for(organisation))
        except seal.SealError as error:
            db.rollback()
            raise InvalidInput({"pkcs12": f"This seal does not work, so nothing was changed: {error}"}) from None
    audit.record(db, "seal_changed", audit.SYSTEM, organisation_id=organisation.id, pkcs12=organisation.seal_pkcs12,
                 passphrase_file=organisation.seal_passphrase_file, trust_pem=organisation.seal_trust_pem,
                 holder=holder)
    db.commit()
    return organisation, holder


def own_seals() -> list[tuple[str, str | None]]:
    """Each council with a seal of its own, and why its documents cannot be sealed (None: its seal works)."""
    councils = db.scalars(select(Organisation).where(Organisation.seal_pkcs12.is_not(None)).order_by(Organisation.name))
    checked = [(c.name, seal.seal_problem(current_app, c)) for c in councils]
    db.rollback()
    return checked


def make_development_seal(name: str) -> tuple[Organisation, dev_ca.DevSeal]:
    """A development CA and seal of the council's own, in a folder of its own beside the deployment's, and in use."""
    organisation = _named(name, field="for_organisation")
    directory = pathlib.Path(current_app.config["SEAL_DIR"]) / f"organisation-{organisation.id}"
    made = dev_ca.create_dev_seal(directory, organisation.name, crl_url=links.development_crl_url(organisation.id))
    db.rollback()
    change_seal(organisation.name, SealSettings(pkcs12=str(made.pkcs12_path)))
    return organisation, made


def _check_sign_in(settings: SignInSettings, admin_email: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    issuer, client_id = settings.oidc_issuer.strip(), settings.oidc_client_id.strip()
    domains = settings.email_domains.lower().replace(",", " ").split()
    if issuer or client_id or settings.oidc_client_secret:
        parts = urlsplit(issuer)
        loopback = parts.hostname in ("localhost", "127.0.0.1")
        if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            errors["oidc_issuer"] = ("Give the identity provider's issuer address, starting https://, like "
                                     "https://login.microsoftonline.com/<tenant id>/v2.0")
        if not client_id or len(client_id) > 200:
            errors["oidc_client_id"] = "Give the client (application) ID the identity provider gave Countersign"
        if not settings.oidc_client_secret or len(settings.oidc_client_secret) > 500:
            errors["oidc_client_secret"] = "Give the client secret the identity provider gave Countersign"
        if not domains or not all(_DOMAIN.match(d) for d in domains):
            errors["email_domains"] = ("Give the council's email domains whose staff may sign in this way, like "
                                       "havering.gov.uk")
        elif admin_email and admin_email.rsplit("@", 1)[-1] not in domains:
            errors["admin_email"] = f"Give an admin email address at one of {', '.join(domains)}"
    elif not settings.password_sign_in:
        errors["password_sign_in"] = "Set up single sign-on before switching password sign-in off, or nobody can sign in"
    return errors


def _apply_sign_in(organisation: Organisation, settings: SignInSettings) -> None:
    organisation.oidc_issuer = settings.oidc_issuer.strip().rstrip("/") or None
    organisation.oidc_client_id = settings.oidc_client_id.strip() or None
    organisation.oidc_client_secret = settings.oidc_client_secret or None
    organisation.oidc_email_domains = " ".join(settings.email_domains.lower().replace(",", " ").split())
    organisation.password_sign_in = settings.password_sign_in


def _email_single_sign_on_welcome(admin: Staff) -> None:
    body = f"""Dear {admin.name},

You are the first Countersign administrator for {admin.organisation.name}. Sign in with your
{admin.organisation.name} account: open

{links.sign_in_url()}

and choose “Sign in with {admin.organisation.name}”. Then add your staff under Staff.

Countersign
"""
    queue_email(db, to=admin.email, organisation_id=admin.organisation_id, subject="Your Countersign account", body=body)
