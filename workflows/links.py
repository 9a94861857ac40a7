"""Every address that goes into an email, built from the configured base URL, never from the request's Host."""

from __future__ import annotations

from flask import current_app


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def home_url() -> str:
    return _base() + "/"


def document_url(document_id: int) -> str:
    return _base() + f"/documents/{document_id}"


def signing_url(document_id: int, token: str) -> str:
    """A party's own link to read and sign a document."""
    return _base() + f"/sign/{document_id}/{token}"


def mediation_url(document_id: int, token: str) -> str:
    """A mediator's own link to read a document and record the outcome of a disagreement."""
    return _base() + f"/mediate/{document_id}/{token}"


def copy_url(document_id: int, token: str) -> str:
    """A party's one-time link to download their signed copy."""
    return _base() + f"/copy/{document_id}/{token}"


def disagreement_url(disagreement_id: int) -> str:
    return _base() + f"/disagreements/{disagreement_id}"


def admin_mediator_url(disagreement_id: int) -> str:
    return _base() + f"/admin/disagreements/{disagreement_id}/mediator"


def verify_url() -> str:
    return _base() + "/verify"


def development_crl_url(organisation_id: int) -> str:
    """Where a council's own development CA's revocation list is served (its certificates name it)."""
    return f"{_base()}/pki/organisations/{organisation_id}/dev-ca.crl"


def due_url() -> str:
    """A supervisor's page of what is due."""
    return _base() + "/due"


def password_url(token: str) -> str:
    """A person's own link to set their password (a reset, or a new account's welcome)."""
    return _base() + f"/password/{token}"


def forgotten_password_url() -> str:
    return _base() + "/password/forgotten"


def sign_in_url() -> str:
    return _base() + "/sign-in"


def single_sign_on_callback_url() -> str:
    """Where an organisation's OpenID provider sends the browser back to (register it with the provider)."""
    return _base() + "/sign-in/sso/callback"
