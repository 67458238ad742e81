"""The agency's company directory over client credentials, within the rate limits."""

from __future__ import annotations

import pytest

from bot.vendors.errors import AuthFailed, InputRejected, RateLimited
from bot.vendors.faces.oauth import authorize_url, new_state

from .conftest import REDIRECT

ACME = "b9321d7e-9d72-4e80-ac49-d3aa38169175"


@pytest.fixture
def sim_sleep(sim):  # type: ignore[no-untyped-def]
    """A sleep that moves the simulator's clock (and the pacer's) instead of waiting."""
    clock = {"now": 0.0, "slept": []}

    async def sleep(seconds: float) -> None:
        clock["slept"].append(seconds)
        clock["now"] += seconds
        sim.clock.advance(seconds=seconds)

    clock["sleep"] = sleep
    return clock


@pytest.fixture
def paced(make_client, sim_sleep):  # type: ignore[no-untyped-def]
    return make_client(sleep=sim_sleep["sleep"], monotonic=lambda: sim_sleep["now"])


async def test_search_with_contact_details_and_paging(client, sim):
    first = await client.search_companies("acme", page_size=5)
    assert first.more_results and len(first.results) == 5
    acme = next(c for c in first.results if c.uuid == ACME)
    assert acme.name == "ACME Inc." and acme.contact and acme.contact.place == "Zürich"
    second = await client.search_companies("acme", page=1, page_size=5)
    assert not second.more_results and len(second.results) == 1
    assert sim.grant_count("client_credentials") == 1  # one token for all calls


async def test_without_details_only_uuid_and_name(client):
    found = await client.search_companies("demo", details=False)
    assert [(c.uuid, c.name, c.data) for c in found.results] == [
        ("dba95fe6-873c-4499-be0c-d3aa38169175", "Demo GmbH", None)]


async def test_create_patch_once_and_delete(client, sim):
    created = await client.create_company({
        "externalNr": "1337", "name": "Umbrella Organisation U+O AG", "shortname": "UMBRELLA",
        "data": {"contact": {"street": "Binzstrasse 33", "zipCode": "8620", "place": "Wetzikon",
                             "countryCode": "CH"}, "genericValues": {"costCenter": "1230A"}}})
    assert created.uuid and created.contact and created.contact.place == "Wetzikon"

    updated = await client.update_company(created.uuid, {
        "shortname": "U+O", "data": {"memberships": {"airline": [
            {"alliance": "LH", "memberNumber": "DEMODEMO123", "type": "SPECIAL_KEYWORD"}]},
            "genericValues": {"costCenter": None}}})

    assert sim.patches[created.uuid] == 1  # every change of the edit in one PATCH
    assert updated and updated.shortname == "U+O"
    stored = sim.companies[created.uuid]
    assert stored["data"]["genericValues"] == {}
    assert stored["data"]["memberships"]["airline"][0]["memberNumber"] == "DEMODEMO123"

    await client.delete_company(created.uuid)
    assert created.uuid not in sim.companies
    assert sim.statuses("DELETE", created.uuid) == [204]


async def test_create_without_shortname_is_refused_before_sending(client, sim):
    with pytest.raises(InputRejected):
        await client.create_company({"name": "No Short"})
    assert sim.statuses("POST", "/company") == []


async def test_a_traveller_token_gets_no_company_data(client, sim, consent):
    import httpx

    back = await consent(authorize_url(client.settings, REDIRECT, new_state()))
    await client.exchange("anna", back["code"], REDIRECT)
    stored = await client._store.load("faces", "anna")
    async with httpx.AsyncClient(base_url=sim.url) as http:
        answer = await http.get("/api/v1/profiles/companies", params={"q": "acme"},
                                headers={"Authorization": f"Bearer {stored.value}"})
    assert answer.status_code == 403


async def test_a_429_is_waited_out_then_sent_once_more(paced, sim, sim_sleep):
    sim.throttle(retry_after=2)
    found = await paced.search_companies("acme")
    assert found.results
    assert sim_sleep["slept"] == [2.0]
    assert sim.statuses("GET", "/companies") == [429, 200]
    assert sim.early == 0


async def test_a_spent_budget_waits_for_the_reset_instead_of_collecting_429s(
        make_client, settings_for, sim, sim_sleep):
    paced = make_client(settings=settings_for(sim, max_retry_wait=90),
                        sleep=sim_sleep["sleep"], monotonic=lambda: sim_sleep["now"])
    sim.rate_limit = 3
    for _ in range(5):
        await paced.search_companies("acme")
    assert 429 not in sim.statuses("GET", "/companies")
    assert len(sim_sleep["slept"]) == 1 and 0 < sim_sleep["slept"][0] <= 60


async def test_a_retry_after_beyond_the_patience_fails_fast(make_client, settings_for, sim,
                                                             sim_sleep):
    client = make_client(settings=settings_for(sim, max_retry_wait=5),
                         sleep=sim_sleep["sleep"], monotonic=lambda: sim_sleep["now"])
    sim.throttle(retry_after=120)
    with pytest.raises(RateLimited) as caught:
        await client.search_companies("acme")
    assert caught.value.retry_after and caught.value.retry_after > 5
    assert sim_sleep["slept"] == [] and sim.statuses("GET", "/companies") == [429]


async def test_wrong_client_secret_is_auth_failed(make_client, settings_for, sim):
    client = make_client(settings=settings_for(sim, client_secret="wrong"))
    with pytest.raises(AuthFailed):
        await client.search_companies("acme")
