"""Single sign-on against a real OpenID Connect provider on loopback: the whole redirect, code, token and ID-token
exchange, with state, nonce and signature checked, and every refusal."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select, update

from storage.models import AuditEvent, LoginSession, Organisation, Staff
from tests.support.data import PASSWORD
from tests.support.identity_provider import CLIENT_ID, through_provider
from workflows.single_sign_on import SingleSignOnRefused, verified_claims


def test_a_supervisor_signs_in_through_the_councils_provider(client, people, single_sign_on, db):
    page = client.get("/sign-in").get_data(as_text=True)
    assert f"Sign in with {people.org.name}" in page

    started = client.get(f"/sign-in/sso/{people.org.id}")
    query = parse_qs(urlsplit(started.location).query)
    assert started.location.startswith(single_sign_on.url)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert "openid" in query["scope"][0] and query["state"][0] and query["nonce"][0]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://countersign.test/sign-in/sso/callback"]

    chosen = requests.post(started.location, data={"sub": people.supervisor.email}, allow_redirects=False, timeout=10)
    back = urlsplit(chosen.headers["Location"])
    signed_in = client.get(f"{back.path}?{back.query}")
    assert signed_in.status_code == 302 and signed_in.location == "/"
    assert f"Hello, {people.supervisor.name}" in client.get("/").get_data(as_text=True)
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "signed_in")).one()
    assert event.actor_id == people.supervisor.id and event.detail["how"] == "single sign-on"

    # The answer is good once: the same code and state again are refused (the pending sign-in is gone).
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 403 and "not started here" in again.get_data(as_text=True)


def test_hr_signs_in_through_the_provider_without_a_second_code(app, people, single_sign_on):
    client = app.test_client()
    assert through_provider(client, people.org.id, people.hr.email).status_code == 302
    assert client.get("/records/people").status_code == 200


def test_a_forged_state_is_refused(client, people, single_sign_on, db):
    started = client.get(f"/sign-in/sso/{people.org.id}")
    chosen = requests.post(started.location, data={"sub": people.supervisor.email}, allow_redirects=False, timeout=10)
    back = urlsplit(chosen.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    refused = client.get(f"{back.path}?code={code}&state=someone-elses-state")
    assert refused.status_code == 403 and "does not match" in refused.get_data(as_text=True)
    assert db.scalars(select(LoginSession)).first() is None


def test_a_code_from_another_browsers_sign_in_is_refused(app, people, single_sign_on, db):
    # An attacker starts a sign-in, then tricks the victim's browser into finishing it: no pending state there.
    attacker = app.test_client()
    started = attacker.get(f"/sign-in/sso/{people.org.id}")
    chosen = requests.post(started.location, data={"sub": people.supervisor.email}, allow_redirects=False, timeout=10)
    back = urlsplit(chosen.headers["Location"])
    victim = app.test_client()
    assert victim.get(f"{back.path}?{back.query}").status_code == 403
    assert db.scalars(select(LoginSession)).first() is None


def test_unknown_email_is_refused(client, people, single_sign_on, db):
    single_sign_on.add_user("stranger@havering.example")
    refused = through_provider(client, people.org.id, "stranger@havering.example")
    assert refused.status_code == 403
    assert "no Countersign account for stranger@havering.example" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_unverified_email_is_refused(client, people, single_sign_on):
    single_sign_on.add_user(people.supervisee.email, verified=False)
    refused = through_provider(client, people.org.id, people.supervisee.email)
    assert refused.status_code == 403 and "verified email" in refused.get_data(as_text=True)


def test_an_email_outside_the_councils_domains_is_refused(client, people, single_sign_on):
    single_sign_on.add_user(people.outsider.email)
    refused = through_provider(client, people.org.id, people.outsider.email)
    assert refused.status_code == 403 and "is not at one of" in refused.get_data(as_text=True)


def test_a_leaver_is_refused(client, people, single_sign_on, db):
    import datetime as dt

    db.execute(update(Staff).where(Staff.id == people.supervisee.id).values(
        leaver_date=dt.date.today() - dt.timedelta(days=1)))
    db.commit()
    refused = through_provider(client, people.org.id, people.supervisee.email)
    assert refused.status_code == 403 and "account closed" in refused.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.event == "sign_in_refused")).one().detail["reason"] == "left"


def test_password_sign_in_can_be_switched_off(app, people, single_sign_on, db):
    db.execute(update(Organisation).where(Organisation.id == people.org.id).values(password_sign_in=False))
    db.commit()
    refused = app.test_client().post("/sign-in", data={"email": people.supervisor.email, "password": PASSWORD})
    assert refused.status_code == 200 and "signs in with its own accounts" in refused.get_data(as_text=True)
    assert through_provider(app.test_client(), people.org.id, people.supervisor.email).status_code == 302


def _real_id_token(identity_provider, nonce: str) -> tuple[str, dict]:
    """An ID token issued by the provider through the code flow, and its published keys."""
    metadata = requests.get(f"{identity_provider.url}/.well-known/openid-configuration", timeout=10).json()
    identity_provider.add_user("jo@havering.example")
    authorize = requests.post(metadata["authorization_endpoint"], params={
        "client_id": CLIENT_ID, "response_type": "code", "scope": "openid email", "state": "s", "nonce": nonce,
        "redirect_uri": "https://countersign.test/sign-in/sso/callback"}, data={"sub": "jo@havering.example"},
        allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token = requests.post(metadata["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": "https://countersign.test/sign-in/sso/callback"},
        auth=(CLIENT_ID, "secret"), timeout=10).json()
    return token["id_token"], requests.get(metadata["jwks_uri"], timeout=10).json()


def test_the_id_tokens_signature_issuer_audience_expiry_and_nonce_are_checked(identity_provider):
    id_token, keys = _real_id_token(identity_provider, nonce="the-nonce")
    good = {"issuer": identity_provider.url, "client_id": CLIENT_ID, "nonce": "the-nonce"}
    assert verified_claims(id_token, keys, **good)["email"] == "jo@havering.example"

    refusals = {
        "wrong audience": dict(good, client_id="another-app"),
        "wrong issuer": dict(good, issuer="https://login.example"),
        "wrong nonce": dict(good, nonce="a-replayed-nonce"),
    }
    for why, checks in refusals.items():
        with pytest.raises(SingleSignOnRefused):
            verified_claims(id_token, keys, **checks)
            pytest.fail(why)
    with pytest.raises(SingleSignOnRefused, match="could not be trusted"):  # expired: checked two hours later
        verified_claims(id_token, keys, **good, now=time.time() + 2 * 3600)
    header, payload, signature = id_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(SingleSignOnRefused):
        verified_claims(tampered, keys, **good)
    # Keys of an impostor: the provider's signature does not verify with them.
    impostor = KeySet([RSAKey.generate_key(2048)]).as_dict()
    with pytest.raises(SingleSignOnRefused):
        verified_claims(id_token, impostor, **good)


def test_an_organisation_without_single_sign_on_or_that_does_not_exist_is_not_found(client, people):
    for organisation_id in (people.org.id, 99, 10**25):
        assert client.get(f"/sign-in/sso/{organisation_id}").status_code == 404


def test_a_provider_that_cannot_be_reached_is_explained(client, people, db):
    db.execute(update(Organisation).where(Organisation.id == people.org.id).values(
        oidc_issuer="http://127.0.0.1:9", oidc_client_id=CLIENT_ID, oidc_client_secret="x",
        oidc_email_domains="havering.example"))
    db.commit()
    response = client.get(f"/sign-in/sso/{people.org.id}")
    assert response.status_code == 502 and "could not be reached" in response.get_data(as_text=True)


def test_someone_who_declines_at_the_provider_is_not_signed_in(client, people, single_sign_on, db):
    started = client.get(f"/sign-in/sso/{people.org.id}")
    denied = requests.post(started.location, data={"action": "deny"}, allow_redirects=False, timeout=10)
    back = urlsplit(denied.headers["Location"])
    assert "error=access_denied" in back.query
    refused = client.get(f"{back.path}?{back.query}")
    assert refused.status_code == 403 and "You could not be signed in" in refused.get_data(as_text=True)
    # A provider that sends the state back with its refusal gets its reason shown.
    client.get(f"/sign-in/sso/{people.org.id}")
    with client.session_transaction() as session:
        state = session["single_sign_on"]["state"]
    explained = client.get(f"{back.path}?error=access_denied&state={state}")
    assert "did not sign you in (access_denied)" in explained.get_data(as_text=True)
    assert db.scalars(select(LoginSession)).first() is None
