"""Per-user JWTs: one login per user, shared by concurrent calls, renewed on 401."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from bot.vendors.errors import AuthFailed
from bot.vendors.ufirst.client import token_expiry

BASE = "/v1/organizations/ufirst-demo"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_one_login_per_user_across_many_calls(vendor, sim, store, customer, future_day):
    anna, bruno = customer(), customer("bruno")
    for who in (anna, bruno, anna, anna, bruno):
        await vendor.list_sites(who)
        await vendor.list_bookings(who)
        await vendor.list_slots(who, "UFROM001", "UFROM001-registry", future_day(3))
    assert sim.login_count(anna.pseudonym) == 1 and sim.login_count(bruno.pseudonym) == 1
    stored_anna = await store.load("ufirst", anna.pseudonym)
    stored_bruno = await store.load("ufirst", bruno.pseudonym)
    assert stored_anna and stored_bruno and stored_anna.value != stored_bruno.value
    assert claims(stored_anna.value)["sub"] == anna.pseudonym  # bound to its user
    assert claims(stored_bruno.value)["sub"] == bruno.pseudonym


async def test_twenty_concurrent_calls_share_one_login(vendor, sim, customer):
    anna = customer()
    results = await asyncio.gather(*(vendor.list_bookings(anna) for _ in range(20)))
    assert results == [[]] * 20
    assert sim.login_count(anna.pseudonym) == 1
    assert sim.statuses("GET", f"/users/{anna.pseudonym}/reservations") == [200] * 20


async def test_a_stored_token_survives_a_restart(make_vendor, sim, customer):
    anna = customer()
    await make_vendor().list_bookings(anna)
    await make_vendor().list_bookings(anna)  # new adapter, same token store
    assert sim.login_count(anna.pseudonym) == 1


async def test_expired_token_is_renewed_once_and_the_call_retried(vendor, sim, customer):
    anna = customer()
    await vendor.list_bookings(anna)
    sim.clock.advance(minutes=61)  # the simulator now sees the JWT as expired

    assert await vendor.list_bookings(anna) == []

    assert sim.login_count(anna.pseudonym) == 2
    assert sim.statuses("GET", "/reservations") == [200, 401, 200]
    await vendor.list_bookings(anna)
    assert sim.login_count(anna.pseudonym) == 2  # the new token is kept


async def test_a_token_refused_after_renewal_is_auth_failed(vendor, sim, customer):
    sim.token_lifetime = timedelta(0)  # every JWT is born expired
    anna = customer()
    with pytest.raises(AuthFailed):
        await vendor.list_bookings(anna)
    assert sim.login_count(anna.pseudonym) == 2  # one renewal, never a loop
    assert sim.statuses("GET", "/reservations") == [401, 401]


async def test_wrong_server_credentials_are_auth_failed(make_vendor, sim, customer):
    impostor = make_vendor(private_key_id="not-the-key")
    with pytest.raises(AuthFailed):
        await impostor.list_sites(customer())
    assert sim.statuses("POST", "/login") == [403]


async def test_simulator_refuses_bad_server_credentials(sim):
    env = sim.environment(sim.url)
    good = {"x-privatekeyid": env["UFIRST_PRIVATE_KEY_ID"],
            "x-clientemail": env["UFIRST_CLIENT_EMAIL"]}
    async with httpx.AsyncClient(base_url=sim.url) as http:
        login = f"{BASE}/users/someone/login"
        missing = await http.post(login)
        wrong = await http.post(login, headers=good | {"x-clientemail": "evil@example.com"})
        hooks = await http.get(f"{BASE}/points/UFROM001/webhooks",
                               headers=good | {"x-privatekeyid": "guess"})
        ok = await http.post(login, headers=good)
        other_org = await http.post("/v1/organizations/other/users/someone/login", headers=good)
    assert missing.status_code == 401 and "x-privatekeyid" in missing.json()["message"]
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
    assert hooks.status_code == 403
    assert ok.status_code == 200 and claims(ok.json())["sub"] == "someone"
    assert other_org.status_code == 404
    assert sim.login_count("someone") == 1


async def test_a_users_token_is_refused_on_another_users_paths(vendor, sim, customer):
    anna, bruno = customer(), customer("bruno")
    token = await vendor.client.tokens.get(anna.pseudonym)
    as_anna = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=sim.url, headers=as_anna) as http:
        own = await http.get(f"{BASE}/users/{anna.pseudonym}/reservations")
        listing = await http.get(f"{BASE}/users/{bruno.pseudonym}/reservations")
        deleting = await http.delete(f"{BASE}/users/{bruno.pseudonym}/reservations/abc")
        login = await http.post(f"{BASE}/users/{bruno.pseudonym}/login")
    assert own.status_code == 200
    assert (listing.status_code, deleting.status_code, login.status_code) == (403, 403, 403)
    assert "another user" in listing.json()["message"]


async def test_garbled_and_foreign_tokens_are_unauthorized(sim):
    forged = sim.issue_token("x").rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    async with httpx.AsyncClient(base_url=sim.url) as http:
        for header in ("Bearer not.a.jwt", "Bearer abc", f"Bearer {forged}", "Basic abc", ""):
            answer = await http.get(BASE, headers={"authorization": header} if header else {})
            assert answer.status_code == 401, header
        expired_soon = sim.issue_token("x")
        sim.clock.advance(minutes=60)
        late = await http.get(BASE, headers={"authorization": f"Bearer {expired_soon}"})
    assert late.status_code == 401 and late.json()["error"] == "token_expired"


def test_token_expiry_reads_exp_but_never_beyond_sixty_minutes():
    now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)

    def jwt(payload: dict) -> str:
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        return f"eyJhbGciOiJIUzI1NiJ9.{body}.sig"

    soon = now + timedelta(minutes=20)
    assert token_expiry(jwt({"exp": soon.timestamp()}), now) == soon
    late = now + timedelta(hours=3)  # a server clock ahead of ours
    assert token_expiry(jwt({"exp": late.timestamp()}), now) == now + timedelta(minutes=60)
    assert token_expiry("garbage", now) == now + timedelta(minutes=60)
    assert token_expiry(jwt({"sub": "x"}), now) == now + timedelta(minutes=60)
