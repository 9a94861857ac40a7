"""A real OpenID Connect provider on loopback (oidc-provider-mock), and signing in through it as a browser would:
our app redirects to it, it asks who is signing in, and sends the browser back with a code."""

from __future__ import annotations

import types
import warnings
from urllib.parse import quote, urlsplit

import pytest
import requests
from sqlalchemy import update

from storage.models import Organisation

with warnings.catch_warnings():
    # The provider is built on Authlib's older JOSE module, which warns that it is deprecated when imported.
    warnings.simplefilter("ignore")
    import oidc_provider_mock

CLIENT_ID = "countersign-test"
CLIENT_SECRET = "a-client-secret-for-tests"
DOMAIN = "havering.example"


@pytest.fixture
def identity_provider():
    """The provider, running for one test: its issuer URL and a way to say who its users are."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        url = f"http://localhost:{server.server_port}"

        def add_user(email: str, verified: bool = True, **claims) -> None:
            answer = requests.put(f"{url}/users/{quote(email)}",
                                  json={"email": email, "email_verified": verified, **claims}, timeout=10)
            assert answer.status_code == 204, answer.text

        yield types.SimpleNamespace(url=url, add_user=add_user)


@pytest.fixture
def single_sign_on(db, people, identity_provider):
    """The test council signs in through the provider; the provider knows everyone in the people fixture."""
    db.execute(update(Organisation).where(Organisation.id == people.org.id).values(
        oidc_issuer=identity_provider.url, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
        oidc_email_domains=DOMAIN))
    db.commit()
    for person in (people.supervisor, people.supervisee, people.hr, people.admin, people.manager):
        identity_provider.add_user(person.email)
    return identity_provider


def through_provider(client, organisation_id: int, email: str):
    """Start signing in at Countersign, choose who signs in at the provider, come back: Countersign's last answer."""
    started = client.get(f"/sign-in/sso/{organisation_id}")
    assert started.status_code == 302, started.get_data(as_text=True)
    chosen = requests.post(started.location, data={"sub": email}, allow_redirects=False, timeout=10)
    assert chosen.status_code == 302, chosen.text
    back = urlsplit(chosen.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
