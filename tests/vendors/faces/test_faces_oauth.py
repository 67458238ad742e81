"""Linking over OAuth 2.0: authorize page, code exchange, refresh rotation, refusals."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.vendors.errors import AuthFailed
from bot.vendors.faces import simulator_data as data
from bot.vendors.faces.oauth import authorize_url, challenge, new_state, new_verifier

from .conftest import REDIRECT


def link(client, state=None, verifier=None):  # type: ignore[no-untyped-def]
    return authorize_url(client.settings, REDIRECT, state or new_state(), verifier)


async def test_the_link_carries_state_scope_and_an_s256_challenge(client):
    verifier = new_verifier()
    query = parse_qs(urlsplit(link(client, "st-1", verifier)).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [data.CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT] and query["state"] == ["st-1"]
    assert set(query["scope"][0].split()) >= {"openid", "profile", "email"}
    assert query["code_challenge"] == [challenge(verifier)]
    assert query["code_challenge_method"] == ["S256"]
    assert 43 <= len(verifier) <= 128


async def test_approve_exchange_and_verified_profile(client, sim, store, consent):
    verifier = new_verifier()
    back = await consent(link(client, "st-2", verifier))
    assert back["state"] == "st-2"

    claims = await client.exchange("anna", back["code"], REDIRECT, verifier)

    assert claims.openid == data.TRAVELLERS["remo"].uuid
    assert claims.profile and claims.profile.displayname == "Herr Remo Räber"
    assert claims.email == "remo.test@umbrella.ch"
    assert (await client.claims("anna")) == claims
    refresh = await store.load("faces", "anna", "refresh")
    assert refresh and refresh.value in sim.valid_refresh_tokens()


async def test_a_code_works_once(client, sim, consent):
    back = await consent(link(client))
    await client.exchange("anna", back["code"], REDIRECT)
    with pytest.raises(AuthFailed):
        await client.exchange("bruno", back["code"], REDIRECT)
    assert sim.valid_refresh_tokens() == set()  # the replay revoked what the code gave


async def test_pkce_verifier_must_match(client, consent):
    back = await consent(link(client, verifier=new_verifier()))
    with pytest.raises(AuthFailed):
        await client.exchange("anna", back["code"], REDIRECT, new_verifier())


async def test_redirect_uri_must_match_the_authorize_request(client, consent):
    back = await consent(link(client))
    with pytest.raises(AuthFailed):
        await client.exchange("anna", back["code"], "https://evil.example/cb")


async def test_denied_consent_comes_back_as_access_denied(client, consent):
    back = await consent(link(client, "st-3"), decision="deny")
    assert back == {"error": "access_denied", "state": "st-3"}


async def test_unregistered_redirect_is_never_followed(client, sim):
    sim.oauth.redirect_uris = {"https://bot.example/other"}
    async with httpx.AsyncClient() as http:
        page = await http.get(link(client))
    assert page.status_code == 400 and "location" not in page.headers


async def test_token_endpoint_needs_basic_client_auth(sim):
    async with httpx.AsyncClient(base_url=sim.url) as http:
        anonymous = await http.post("/oauth/token", data={"grant_type": "client_credentials"})
        wrong = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(data.CLIENT_ID, "nope"))
        right = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(data.CLIENT_ID, data.CLIENT_SECRET))
    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
    body = right.json()
    assert right.status_code == 200 and "refresh_token" not in body and "id_token" not in body


async def test_refresh_rotates_and_the_old_token_is_dead(client, sim, store, consent):
    back = await consent(link(client))
    await client.exchange("anna", back["code"], REDIRECT)
    first = await store.load("faces", "anna", "refresh")

    await client.refresh("anna")

    second = await store.load("faces", "anna", "refresh")
    assert first and second and first.value != second.value
    assert sim.valid_refresh_tokens() == {second.value}
    assert sim.grant_count("refresh_token") == 1


async def test_expired_access_token_is_refreshed_once_on_the_next_call(client, sim, store,
                                                                       consent):
    back = await consent(link(client))
    claims = await client.exchange("anna", back["code"], REDIRECT)
    sim.expire_access_tokens()

    await client.check("anna", claims.openid)
    await client.check("anna", claims.openid)

    assert sim.grant_count("refresh_token") == 1
    assert sim.statuses("GET", "/traveller/") == [401, 200, 200]
    stored = await store.load("faces", "anna", "refresh")
    assert stored and sim.valid_refresh_tokens() == {stored.value}


async def test_revoked_refresh_token_fails_the_call(client, sim, consent):
    back = await consent(link(client))
    claims = await client.exchange("anna", back["code"], REDIRECT)
    sim.revoke("remo")
    with pytest.raises(AuthFailed):
        await client.check("anna", claims.openid)
    assert sim.grant_count("refresh_token", "invalid_grant") == 1


async def test_unlink_forgets_tokens_and_profile(client, store, consent):
    back = await consent(link(client))
    await client.exchange("anna", back["code"], REDIRECT)
    await client.unlink("anna")
    for kind in ("access", "refresh", "profile"):
        assert await store.load("faces", "anna", kind) is None
    assert await client.claims("anna") is None


async def test_id_token_has_the_documented_shape(client, sim, consent):
    back = await consent(link(client))
    async with httpx.AsyncClient(base_url=sim.url) as http:
        answer = (await http.post("/oauth/token", auth=(data.CLIENT_ID, data.CLIENT_SECRET), data={
            "grant_type": "authorization_code", "code": back["code"],
            "redirect_uri": REDIRECT})).json()
    header, payload, _ = answer["id_token"].split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    assert json.loads(base64.urlsafe_b64decode(pad(header)))["alg"] == "RS256"
    claims = json.loads(base64.urlsafe_b64decode(pad(payload)))
    assert claims["profile"] == {"firstname": "Remo", "name": "Räber",
                                 "displayname": "Herr Remo Räber", "phone": "+41441234567"}
    assert answer["expires_in"] == 3599 and answer["token_type"] == "bearer"
