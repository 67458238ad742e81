"""ID tokens: verified against the SAML metadata certificate, nothing else."""

from __future__ import annotations

import time

import jwt
import pytest

from bot.vendors.errors import AuthFailed
from bot.vendors.faces.idtoken import IdTokenVerifier, signing_keys
from bot.vendors.faces.oauth import authorize_url, new_state
from bot.vendors.faces.simulator_keys import SigningKey, metadata

from .conftest import REDIRECT


def token(key: SigningKey, **claims: object) -> str:
    body = {"openid": "uuid-1", "aud": "booking-bot-demo", "iat": int(time.time()),
            "exp": int(time.time()) + 600} | claims
    return jwt.encode(body, key.pem(), algorithm="RS256")


@pytest.fixture
def verifier(client):  # type: ignore[no-untyped-def]
    return client.verifier


async def test_metadata_publishes_the_signing_certificate(sim):
    import httpx

    async with httpx.AsyncClient(base_url=sim.url) as http:
        xml = (await http.get("/saml/metadata")).content
    keys = signing_keys(xml)
    assert [k.public_numbers() for k in keys] == [
        sim.oauth.key.private.public_key().public_numbers()]


async def test_a_token_of_the_published_key_verifies_and_unknown_claims_are_ignored(sim, verifier):
    claims = await verifier.verify(token(sim.oauth.key, shoeSize=44, profile={"phone": "+41"}))
    assert claims.openid == "uuid-1" and claims.profile and claims.profile.phone == "+41"


async def test_a_token_signed_by_another_key_is_rejected(sim, client, consent):
    sim.oauth.foreign_key = SigningKey("intruder")
    back = await consent(authorize_url(client.settings, REDIRECT, new_state()))
    with pytest.raises(AuthFailed):
        await client.exchange("anna", back["code"], REDIRECT)
    assert await client.claims("anna") is None


@pytest.mark.parametrize("claims", [
    {"exp": int(time.time()) - 3600},  # expired
    {"aud": "someone-else"},  # issued for another client
    {"openid": None},  # no subject
])
async def test_expired_foreign_audience_or_subjectless_tokens_are_rejected(sim, verifier, claims):
    with pytest.raises(AuthFailed):
        await verifier.verify(token(sim.oauth.key, **claims))


async def test_hs256_with_the_public_key_as_secret_is_rejected(sim, verifier):
    forged = jwt.encode({"openid": "x"}, "s" * 32, algorithm="HS256")
    with pytest.raises(AuthFailed):
        await verifier.verify(forged)


async def test_a_rolled_certificate_is_fetched_again_but_not_for_every_forgery(sim, client):
    now = [1000.0]
    verifier = IdTokenVerifier(client.http, "booking-bot-demo", monotonic=lambda: now[0])
    await verifier.verify(token(sim.oauth.key))
    sim.oauth.rotate_key()
    with pytest.raises(AuthFailed):  # within a minute of the last fetch: no refetch
        await verifier.verify(token(sim.oauth.key))
    now[0] += 61
    assert (await verifier.verify(token(sim.oauth.key))).openid == "uuid-1"


def test_metadata_without_a_signing_certificate_is_refused():
    from bot.vendors.errors import ServiceUnavailable

    with pytest.raises(ServiceUnavailable):
        signing_keys(metadata("e", "a", []).encode())
