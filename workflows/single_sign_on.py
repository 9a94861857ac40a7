"""Single sign-on with the organisation's own OpenID Connect provider (Microsoft Entra ID, Google Workspace, any
conforming one): the authorization code flow with state, nonce and PKCE; the ID token's signature is checked
against the provider's published keys, and its issuer, audience, expiry and nonce against what we sent.

Staff are matched by the email the provider says it has verified, at one of the organisation's allowed domains.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from storage import audit
from storage.db import session as db
from storage.models import Organisation, Staff
from storage.times import uk_date
from workflows.errors import NotAllowed
from workflows.sign_in import Opened, open_login

TIMEOUT_SECONDS = 10
# Clocks differ a little between the provider and us.
LEEWAY_SECONDS = 60
SCOPE = "openid email profile"


class SingleSignOnRefused(Exception):
    """Signing in through the provider did not work; the message says why, in words for the person."""


@dataclasses.dataclass(frozen=True)
class Started:
    """Where to send the browser, and what to keep (in the signed session) until it comes back."""

    url: str
    pending: dict


def organisations() -> list[Organisation]:
    """The organisations whose staff can sign in with their own accounts, by name."""
    return [org for org in db.scalars(select(Organisation).order_by(Organisation.name)) if org.single_sign_on]


def start(organisation_id: int, redirect_uri: str) -> Started:
    """Begin signing in with an organisation's provider: its authorization address, with fresh state and nonce."""
    organisation = _organisation(organisation_id)
    metadata = _metadata(organisation)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_token(64)
    with _client(organisation, redirect_uri) as client:
        url, _state = client.create_authorization_url(metadata["authorization_endpoint"], state=state, nonce=nonce,
                                                      code_verifier=verifier)
    db.rollback()
    return Started(url, {"organisation_id": organisation.id, "state": state, "nonce": nonce, "verifier": verifier})


def finish(pending: dict | None, answer: dict[str, str], redirect_uri: str, actor: audit.Actor,
           lifetime: dt.timedelta) -> Opened:
    """Complete signing in from the provider's answer: exchange the code, check the ID token, find the person."""
    if not pending or not isinstance(pending, dict) or "state" not in pending:
        raise SingleSignOnRefused("This sign-in was not started here, or took too long. Start again.")
    if not secrets.compare_digest(str(answer.get("state", "")), str(pending["state"])):
        raise SingleSignOnRefused("This sign-in does not match the one started in this browser. Start again.")
    if answer.get("error"):
        raise SingleSignOnRefused(f"Your organisation's sign-in service did not sign you in "
                                  f"({str(answer['error'])[:100]}). Start again, or ask your IT service desk.")
    organisation = _organisation(int(pending["organisation_id"]))
    metadata = _metadata(organisation)
    try:
        with _client(organisation, redirect_uri) as client:
            token = client.fetch_token(metadata["token_endpoint"], code=str(answer.get("code", "")),
                                       code_verifier=pending["verifier"], timeout=TIMEOUT_SECONDS)
        keys = requests.get(metadata["jwks_uri"], timeout=TIMEOUT_SECONDS).json()
    except (requests.RequestException, ValueError, KeyError) as error:
        raise SingleSignOnRefused(f"Your organisation's sign-in service could not be reached or refused the "
                                  f"sign-in ({type(error).__name__}). Try again in a moment.") from None
    except Exception as error:  # Authlib raises its own OAuthError family for a refused code
        raise SingleSignOnRefused(f"Your organisation's sign-in service refused the sign-in ({error}). "
                                  "Start again.") from None
    claims = verified_claims(str(token.get("id_token", "")), keys, issuer=_issuer(organisation),
                             client_id=organisation.oidc_client_id, nonce=pending["nonce"])
    staff = _person(organisation, claims, actor)
    opened = open_login(staff, audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent), lifetime,
                        how="single sign-on")
    db.commit()
    return opened


def verified_claims(id_token: str, keys: dict, *, issuer: str, client_id: str, nonce: str,
                    now: float | None = None) -> dict:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce are checked; else refused."""
    try:
        decoded = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=["RS256", "ES256", "PS256"])
        jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()), leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
            exp={"essential": True}, nonce={"essential": True, "value": nonce}, sub={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SingleSignOnRefused(f"The answer from your organisation's sign-in service could not be trusted "
                                  f"({getattr(error, 'error', type(error).__name__)}). Start again.") from None
    return decoded.claims


def _person(organisation: Organisation, claims: dict, actor: audit.Actor) -> Staff:
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:
        raise SingleSignOnRefused("Your organisation's sign-in service did not give a verified email address. "
                                  "Ask your IT service desk.")
    if email.rsplit("@", 1)[-1] not in organisation.email_domains:
        raise SingleSignOnRefused(f"{email} is not at one of {organisation.name}'s email domains. Sign in with "
                                  "your work account.")
    staff = db.scalars(select(Staff).where(func.lower(Staff.email) == email,
                                           Staff.organisation_id == organisation.id)).one_or_none()
    if staff is None:
        raise SingleSignOnRefused(f"There is no Countersign account for {email} at {organisation.name}. Ask your "
                                  "Countersign administrator to add you.")
    if staff.has_left(dt.date.today()):
        audit.record(db, "sign_in_refused", audit.Actor(staff.id, staff.email, actor.ip_address, actor.user_agent),
                     reason="left", how="single sign-on")
        db.commit()
        raise SingleSignOnRefused(f"Your Countersign account closed after your last working day, "
                                  f"{uk_date(staff.leaver_date)}. If that date is wrong, ask HR to correct it.")
    return staff


def _organisation(organisation_id: int) -> Organisation:
    # An id no database column can hold is simply not an organisation (and never reaches the database).
    organisation = db.get(Organisation, organisation_id) if 0 < organisation_id < 2**31 else None
    if organisation is None or not organisation.single_sign_on:
        raise NotAllowed()
    return organisation


def _issuer(organisation: Organisation) -> str:
    return organisation.oidc_issuer.rstrip("/")


def _metadata(organisation: Organisation) -> dict:
    issuer = _issuer(organisation)
    try:
        metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT_SECONDS).json()
    except (requests.RequestException, ValueError):
        raise SingleSignOnRefused(f"{organisation.name}'s sign-in service could not be reached. Try again in a "
                                  "moment, or sign in with your password if you have one.") from None
    if not isinstance(metadata, dict) or metadata.get("issuer", "").rstrip("/") != issuer or not all(
            metadata.get(key) for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        raise SingleSignOnRefused(f"{organisation.name}'s sign-in service is not set up as Countersign expects. "
                                  "Ask your Countersign administrator.")
    return metadata


def _client(organisation: Organisation, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(organisation.oidc_client_id, organisation.oidc_client_secret, scope=SCOPE,
                         redirect_uri=redirect_uri, code_challenge_method="S256")
