"""The two-step token flow: one refresh token per module, one access token per organization."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.vendors.bookingtime import simulator_data as seed
from bot.vendors.errors import AuthFailed

BERLIN, ZURICH = seed.BERLIN.id, seed.ZURICH.id
HAIRCUT, MASSAGE = seed.HAIRCUT.id, seed.MASSAGE.id


def api(sim, org: str, tail: str = "bookingTemplate/list", locale: str = "de") -> str:
    return f"{sim.url}/api/module/v3/{locale}/organization/{org}/{tail}"


def tomorrow(zone: str = "Europe/Berlin") -> date:
    return datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)


async def first_day(vendor, who, org, template) -> date:
    return (await vendor.open_days(who, org, template, tomorrow(), 1))[0]


async def test_twenty_concurrent_users_cause_one_grant_of_each_kind(vendor, sim, store, customer):
    people = [customer(f"user{n}") for n in range(20)]

    async def browse(who):
        await vendor.list_slots(who, BERLIN, HAIRCUT, tomorrow())
        return await vendor.list_sites(who)

    results = await asyncio.gather(*(browse(who) for who in people))

    assert all(len(sites) == 2 for sites in results)
    assert sim.tokens.grants("refresh") == 1
    assert sim.tokens.grants("access", BERLIN) == 1 and sim.tokens.grants("access", ZURICH) == 1
    assert sim.errors == {}
    refresh = await store.load("bookingtime", seed.CLIENT_ID, "refresh")
    berlin = await store.load("bookingtime", BERLIN, "access")
    zurich = await store.load("bookingtime", ZURICH, "access")
    assert refresh and berlin and zurich and len({refresh.value, berlin.value, zurich.value}) == 3


async def test_tokens_are_reused_by_a_new_adapter_on_the_same_store(make_vendor, sim, customer):
    anna = customer()
    await make_vendor().list_services(anna, BERLIN)
    await make_vendor().list_services(anna, BERLIN)
    assert (sim.tokens.grants("refresh"), sim.tokens.grants("access")) == (1, 1)


async def test_an_expired_access_token_is_renewed_once_after_a_401(vendor, sim, customer):
    anna = customer()
    day = await first_day(vendor, anna, BERLIN, HAIRCUT)
    await vendor.list_slots(anna, BERLIN, HAIRCUT, day)
    sim.clock.advance(seconds=301)  # expired for the simulator; our cache still trusts it

    answers = await asyncio.gather(*(vendor.list_slots(customer(f"u{n}"), BERLIN, HAIRCUT, day)
                                     for n in range(20)))

    assert all(answers)
    assert sim.errors[401] >= 1
    assert sim.tokens.grants("access", BERLIN) == 2 and sim.tokens.grants("refresh") == 1
    await vendor.list_slots(anna, BERLIN, HAIRCUT, day)
    assert sim.tokens.grants("access", BERLIN) == 2


async def test_an_expired_refresh_token_is_renewed_once_and_the_exchange_retried(
    vendor, sim, customer
):
    anna = customer()
    day = await first_day(vendor, anna, ZURICH, MASSAGE)
    sim.clock.advance(seconds=1801)  # both tokens expired on the simulator

    assert await vendor.list_slots(anna, ZURICH, MASSAGE, day)

    assert sim.tokens.grants("refresh") == 2 and sim.tokens.grants("access", ZURICH) == 2
    assert sim.errors == {401: 1, 400: 1}  # the API call, then the refused exchange


async def test_our_clock_renews_before_expiry_without_a_refusal(make_vendor, sim, customer):
    vendor, anna = make_vendor(on_sim_clock=True), customer()
    await vendor.list_services(anna, BERLIN)
    sim.clock.advance(seconds=250)  # inside the 60 s margin of the 300 s access token
    await vendor.list_slots(anna, BERLIN, HAIRCUT, tomorrow())
    assert sim.errors == {} and sim.tokens.grants("access", BERLIN) == 2 and sim.tokens.grants("refresh") == 1


async def test_an_access_token_only_opens_its_own_organization(vendor, sim, store, customer):
    await vendor.list_services(customer(), BERLIN)
    token = (await store.load("bookingtime", BERLIN, "access")).value
    refresh = (await store.load("bookingtime", seed.CLIENT_ID, "refresh")).value
    async with httpx.AsyncClient() as http:
        own = await http.get(api(sim, BERLIN), headers={"Authorization": f"Bearer {token}"})
        other = await http.get(api(sim, ZURICH, locale="en"),
                               headers={"Authorization": f"Bearer {token}"})
        as_refresh = await http.get(api(sim, BERLIN),
                                    headers={"Authorization": f"Bearer {refresh}"})
        anonymous = await http.get(api(sim, BERLIN))
    assert own.status_code == 200 and own.json()["content"]["recordTotal"] == 3
    assert other.status_code == 403
    assert other.json() == {"messageList": [{"class": "MESSAGE", "type": "ERROR",
                                             "text": "No access to this organization."}],
                            "content": None}
    assert as_refresh.status_code == 401 and anonymous.status_code == 401


async def test_the_token_endpoint_accepts_json_and_form_bodies(vendor, sim, customer):
    token_url = f"{sim.url}/auth/oauth/token"
    async with httpx.AsyncClient() as http:
        as_json = await http.post(token_url, json={"grant_type": "client_credentials",
                                                   "client_id": seed.CLIENT_ID})
        as_form = await http.post(token_url, data={"grant_type": "client_credentials",
                                                   "client_id": seed.CLIENT_ID})
        mislabelled = await http.post(  # form fields with a JSON content type, as documented
            token_url, headers={"Content-Type": "application/json"},
            content=f"grant_type=client_credentials&client_id={seed.CLIENT_ID}")
        exchange = await http.post(token_url, json={
            "grant_type": "refresh_token", "client_id": seed.CLIENT_ID,
            "refresh_token": as_form.json()["refresh_token"], "organization_id": ZURICH})
    for answer in (as_json, as_form, mislabelled):
        assert answer.status_code == 200
        assert answer.json()["expires_in"] == 1800 and answer.json()["token_type"] == "Bearer"
    assert exchange.status_code == 200 and exchange.json()["expires_in"] == 300
    assert sim.tokens.encodings == {"json": 2, "form": 2}

    sim.tokens.encodings.clear()
    await vendor.list_services(customer(), BERLIN)
    assert sim.tokens.encodings == {"form": 2}  # the client sticks to one encoding


async def test_token_endpoint_refusals(sim):
    token_url = f"{sim.url}/auth/oauth/token"
    async with httpx.AsyncClient() as http:
        stranger = await http.post(token_url, data={"grant_type": "client_credentials",
                                                    "client_id": "someone-else"})
        bogus = await http.post(token_url, data={
            "grant_type": "refresh_token", "client_id": seed.CLIENT_ID,
            "refresh_token": "made-up", "organization_id": BERLIN})
        refresh = (await http.post(token_url, data={"grant_type": "client_credentials",
                                                    "client_id": seed.CLIENT_ID})).json()
        foreign = await http.post(token_url, data={
            "grant_type": "refresh_token", "client_id": seed.CLIENT_ID,
            "refresh_token": refresh["refresh_token"], "organization_id": "f6not0ours"})
        odd = await http.post(token_url, data={"grant_type": "password",
                                               "client_id": seed.CLIENT_ID})
    assert (stranger.status_code, stranger.json()["error"]) == (401, "invalid_client")
    assert (bogus.status_code, bogus.json()["error"]) == (400, "invalid_grant")
    assert (foreign.status_code, foreign.json()["error"]) == (403, "access_denied")
    assert (odd.status_code, odd.json()["error"]) == (400, "unsupported_grant_type")
    assert sim.tokens.grants("refresh") == 1 and sim.tokens.grants("access") == 0


async def test_a_client_secret_is_sent_only_when_configured(make_vendor, sim, customer):
    sim.tokens.client_secret = "s3cret-for-tests"
    assert sim.environment(sim.url)["BOOKINGTIME_CLIENT_SECRET"] == "s3cret-for-tests"
    with pytest.raises(AuthFailed):
        await make_vendor().list_services(customer(), BERLIN)  # none configured: none sent
    with pytest.raises(AuthFailed):
        await make_vendor(client_secret="wrong").list_services(customer(), BERLIN)
    assert sim.errors == {401: 2} and sim.tokens.grants("refresh") == 0
    configured = make_vendor(client_secret="s3cret-for-tests")
    assert len(await configured.list_services(customer(), BERLIN)) == 3
    assert sim.tokens.grants("refresh") == 1


async def test_an_organization_the_module_may_not_access_fails_without_retrying(
    make_vendor, sim, customer
):
    with pytest.raises(AuthFailed):
        await make_vendor(organization_ids="f6not0ours").list_sites(customer())
    assert sim.tokens.grants("refresh") == 1 and sim.errors == {403: 1}

    sites = await make_vendor(organization_ids=f"f6not0ours,{BERLIN}").list_sites(customer())
    assert [s.id for s in sites] == [BERLIN]  # the others are still offered
    assert sim.tokens.grants("refresh") == 1 and sim.errors == {403: 2}
