"""The simulator enforces the documented protocol; the client stays within it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bot.vendors.errors import AuthFailed, RateLimited, ServiceUnavailable
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.adapter import FileVirtuelleVendor
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget
from bot.vendors.filevirtuelle.signing import SignatureAuth
from bot.vendors.filevirtuelle.simulator import Simulator

ROOT = "/api/public/v2"


@pytest.fixture
async def raw(sim: Simulator, sim_time: SimpleNamespace) -> AsyncIterator[httpx.AsyncClient]:
    """A plain signed client, no budget: to poke the simulator directly."""
    auth = SignatureAuth(sim.api_key, sim.api_secret, clock=sim_time.now)
    async with httpx.AsyncClient(base_url=sim.url + ROOT, auth=auth) as client:
        yield client


def _align_to_minute(sim: Simulator, seconds_in: float = 5.0) -> None:
    now = sim.clock.now().timestamp()
    sim.clock.advance(seconds=(seconds_in - now % 60) % 60)


async def test_another_secret_is_refused(make_vendor: Callable[..., FileVirtuelleVendor],
                                         sim: Simulator) -> None:
    vendor = make_vendor(api_secret="0" * 40)
    with pytest.raises(AuthFailed):
        await vendor.queue_sites()
    assert [e.error for e in sim.log] == ["InvalidSignature"]


async def test_a_stale_timestamp_is_refused(make_vendor: Callable[..., FileVirtuelleVendor],
                                            sim: Simulator) -> None:
    vendor = make_vendor(clock=time.time)  # signs with real time
    sim.clock.advance(minutes=4)
    assert len(await vendor.queue_sites()) == 2  # within the window
    sim.clock.advance(minutes=2)
    with pytest.raises(ServiceUnavailable):
        await vendor.desks(data.PARIS)
    assert sim.log[-1].error == "InvalidTimestamp" and sim.log[-1].status == 403


@pytest.mark.parametrize(("headers", "error"), [
    ({}, "NoAuthorizationHeaderError"),
    ({"Authorization": "only-a-key"}, "NoTwoPartAuthorizationError"),
    ({"Authorization": "nobody:abc", "X-FV-TIMESTAMP": "1"}, "InvalidAPIKey"),
    ({"Authorization": f"{data.API_KEY}:abc"}, "InvalidTimestamp"),
    ({"Authorization": f"{data.API_KEY}:abc", "X-FV-TIMESTAMP": "1"}, "InvalidSignature"),
])
async def test_unsigned_requests_get_the_documented_bodies(
        sim: Simulator, headers: dict[str, str], error: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{sim.url}{ROOT}/api_info", headers=headers)
    assert response.status_code == data.ERRORS[error][0]
    assert response.json() == data.error_body(error)


async def test_max_hits_per_minute_then_the_documented_429(
        sim: Simulator, raw: httpx.AsyncClient) -> None:
    _align_to_minute(sim)
    sim.max_hits = 3
    statuses = [(await raw.get("/api_info/name")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    last = await raw.get("/devices/_id")
    assert last.json() == data.error_body("RateLimitExceeded")
    assert sim.rate_limited == 3
    assert list(sim.hits_per_minute().values()) == [6]
    sim.clock.advance(seconds=60)
    assert (await raw.get("/api_info/name")).status_code == 200


async def test_search_and_projection(sim: Simulator, raw: httpx.AsyncClient) -> None:
    first = sim.add_waiting(data.PARIS, "Ana", minutes_ago=5)
    sim.add_waiting(data.PARIS, "Bob")
    sim.add_waiting(data.LYON, "Cy", prequalification=data.INFO)
    found = (await raw.get(f"/customers/_id,ticket?search=suborganization%3D{data.PARIS}"
                           "%26ticket%3D1")).json()
    assert found == [{"_id": first, "ticket": "1"}]
    either = (await raw.get("/customers/name?search=name%3DAna%7Cname%3DCy")).json()
    assert sorted(c["name"] for c in either) == ["Ana", "Cy"]
    store = (await raw.get(f"/suborganization/{data.LYON}/sms.activated,tz")).json()
    assert store == {"_id": data.LYON, "sms": {"activated": True}, "tz": "Europe/Paris"}
    without = (await raw.get(f"/suborganization/{data.LYON}/-sms,-email")).json()
    assert "sms" not in without and without["langs"] == ["FR"]
    assert (await raw.get("/suborganizations/-sms,name")).status_code == 400
    assert (await raw.get("/customer/ffffffffffffffffffffffff")).json() == (
        data.error_body("InvalidEntity"))
    assert (await raw.get("/nowhere")).json() == data.error_body("InvalidRoute")


def _registration(**changes: Any) -> dict[str, Any]:
    body = {"lang": "FR", "name": "Ada", "prequalification": data.PICKUP,
            "prequalifications_path": [data.PICKUP], "suborganization": data.PARIS,
            "machine": data.MACHINE}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(("body", "error"), [
    (_registration(name=None, phone="0612345678"), "ContactModeUnavailable"),
    (_registration(suborganization=data.LYON, prequalification=data.INFO,
                   prequalifications_path=[data.INFO]), "ContactModeUnavailable"),
    (_registration(name=None, email="not-an-email"), "InvalidContactInformation"),
    (_registration(name=None, suborganization=data.LYON, prequalification=data.INFO,
                   prequalifications_path=[data.INFO], phone="06-CALL-ME"),
     "InvalidContactInformation"),
    (_registration(name=None), "InvalidContactInformation"),
    (_registration(lang="ENG"), "InvalidLang"),
    (_registration(meeting=True, mtimestamp="2030-06-25T17:15:00+02:00"), "InvalidIso8601"),
    (_registration(meeting=True, mtimestamp="tomorrow at five"), "InvalidIso8601"),
    (_registration(machine=data.PARIS_DESK_1), "InvalidDeviceType"),
    (_registration(machine="ffffffffffffffffffffffff"), "InvalidDevice"),
    (_registration(prequalification=data.INFO, prequalifications_path=[data.INFO]),
     "InvalidPrequalification"),
    (_registration(suborganization="ffffffffffffffffffffffff"), "InvalidSuborganization"),
])
async def test_register_refusals(raw: httpx.AsyncClient, body: dict[str, Any],
                                 error: str) -> None:
    response = await raw.post("/register", json=body)
    assert (response.status_code, response.json()) == (data.ERRORS[error][0],
                                                       data.error_body(error))


async def test_fair_use_in_testing_mode(sim: Simulator, raw: httpx.AsyncClient) -> None:
    sim.queues.testing, sim.queues.fairuse["email"] = True, 1
    ok = await raw.post("/register", json=_registration(name=None, email="a@example.com"))
    assert ok.status_code == 200
    again = await raw.post("/register", json=_registration(name=None, email="b@example.com"))
    assert again.json() == data.error_body("FairUseExceeded")
    assert (await raw.post("/register", json=_registration())).status_code == 200


async def test_desks_call_in_order_and_record_processing_times(
        sim: Simulator, raw: httpx.AsyncClient) -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    meeting = await raw.post("/register", json=_registration(
        prequalification=data.APPOINTMENT, prequalifications_path=[data.AFTER_SALES,
                                                                   data.APPOINTMENT],
        meeting=True, mtimestamp=later.strftime("%Y-%m-%dT%H:%M:%S.000Z")))
    first = sim.add_waiting(data.PARIS, "Ana", minutes_ago=10)
    second = sim.add_waiting(data.PARIS, "Bob", minutes_ago=2)
    assert [c["_id"] for c in sim.queue(data.PARIS)] == [first, second,
                                                         meeting.json()["entity"]["_id"]]
    desk = {"desk": data.PARIS_DESK_1, "suborganization": data.PARIS}
    assert (await raw.post("/next", json=desk)).json()["entity"]["_id"] == first
    sim.clock.advance(minutes=7)
    assert (await raw.post("/next", json=desk)).json()["entity"]["_id"] == second
    done = sim.customer(first)
    assert done is not None and done["processed"] and done["ttp"] == 7
    assert (await raw.post("/next", json=desk)).json()["entity"] is None  # too early
    sim.clock.advance(hours=2)
    assert (await raw.post("/next", json=desk)).json()["entity"]["meeting"] is True
    wrong = await raw.post("/next", json={"desk": data.LYON_DESK,
                                          "suborganization": data.PARIS})
    assert wrong.json() == data.error_body("InvalidDesk")


async def test_a_429_pauses_all_calls_and_is_never_retried(
        make_vendor: Callable[..., FileVirtuelleVendor], sim: Simulator, sim_time: SimpleNamespace) -> None:
    _align_to_minute(sim)
    budget = RequestBudget(clock=sim_time.now, sleep=sim_time.sleep)
    vendor = make_vendor(budget=budget)
    await vendor.queue_sites()  # api_info + suborganizations
    sim.max_hits = 3  # as if another process had used the key this minute
    await vendor.desks(data.PARIS)  # the third request
    with pytest.raises(RateLimited) as limited:
        await vendor.choices(data.PARIS, None, "en")
    assert limited.value.retry_after == pytest.approx(55.0, abs=2.0)
    sent = len(sim.log)
    for call in (vendor.choices(data.LYON, None, "fr"), vendor.call_next(data.PARIS,
                                                                          data.PARIS_DESK_1),
                 vendor.snapshot(data.PARIS)):
        with pytest.raises(RateLimited):
            await call
    assert len(sim.log) == sent == 4  # nothing more reached the server
    assert sim.rate_limited == budget.rate_limited == 1
    sim.clock.advance(seconds=57)
    assert [c.name for c in await vendor.choices(data.LYON, None, "fr")] == [
        "Retours", "Informations"]


async def test_the_client_never_exceeds_a_small_max_hits(
        make_vendor: Callable[..., FileVirtuelleVendor], sim: Simulator, sim_time: SimpleNamespace) -> None:
    sim.max_hits = 5
    budget = RequestBudget(clock=sim_time.now, sleep=sim_time.sleep)
    vendor = make_vendor(budget=budget)
    since = sim.clock.now() - timedelta(hours=1)
    done = 0
    while done < 12:
        try:
            await vendor.client.customers(data.PARIS, since, Priority.INTERACTIVE)
            done += 1
        except RateLimited as refused:  # no permit within the call's deadline: later
            assert refused.retry_after is not None
            await sim_time.sleep(refused.retry_after)
    assert budget.max_hits == 5 and budget.limit == 4
    assert sim.rate_limited == 0
    assert sum(sim.hits_per_minute().values()) == 13
    assert max(sim.hits_per_minute().values()) <= 5
    assert all(e.content_type == "application/json" for e in sim.log)
