"""The client speaks the documented protocol; the simulator enforces it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.vendors.bookingsone import simulator_data as data
from bot.vendors.bookingsone.client import PATHS, BookingsOneClient, day_start
from bot.vendors.bookingsone.config import Settings
from bot.vendors.bookingsone.models import text_of
from bot.vendors.bookingsone.simulator import Simulator
from bot.vendors.errors import AuthFailed, InputRejected, NotFound


@pytest.mark.parametrize("auth", ["basic", "header"])
async def test_either_auth_mode_is_accepted(make_client: Callable[..., BookingsOneClient],
                                            auth: str) -> None:
    info = await make_client(auth=auth).information()
    assert (info.name, info.version) == ("Bookings ONE", "2.2.0")


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "wrong"}, {"Authorization": "Basic d3Jvbmc6"},  # wrong:
    {"Authorization": "Basic " + base64.b64encode(f"{data.API_KEY}:pw".encode()).decode()},
])
async def test_the_simulator_refuses_without_the_key(sim: Simulator, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=sim.url) as raw:
        response = await raw.get(PATHS["information"], headers=headers)
    assert response.status_code == 401


async def test_a_wrong_key_is_auth_failed(make_client: Callable[..., BookingsOneClient]) -> None:
    with pytest.raises(AuthFailed):
        await make_client(api_key="nope").buildings()


async def test_information_is_read_once_and_logged(client: BookingsOneClient, sim: Simulator,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bot.vendors.bookingsone")
    await client.information()
    await client.information()
    assert [p for _, p, _ in sim.requests] == [PATHS["information"]]
    assert "version=2.2.0" in caplog.text


async def test_buildings_and_names(client: BookingsOneClient) -> None:
    buildings = await client.buildings()
    assert [b.id for b in buildings] == [data.ZURICH, data.NEW_YORK]
    assert text_of(buildings[0].name, "de") == "Hauptsitz Zürich"
    assert text_of(buildings[0].name, "it") == "Zurich HQ"
    assert [f.id for f in buildings[0].floors] == [11, 12]
    assert (await client.building(data.NEW_YORK)).short_name == "NYC"
    with pytest.raises(NotFound):
        await client.building(99)


async def test_resources_filter_by_floor_type_and_capacity(client: BookingsOneClient) -> None:
    rooms = await client.resources(floor_ids=[11, 12], types=("room",), min_capacity=6)
    # minCapacity is asked one lower and filtered here: capacity exactly 6 is included
    assert sorted(r.id for r in rooms) == [101, 102, 104, 106]
    assert all(r.type == "room" and not r.is_deleted for r in rooms)
    desks = await client.resources(floor_ids=[11], types=("desk",))
    assert [(r.id, r.capacity, r.floor.id if r.floor else None) for r in desks] == [
        (111, 1, 11), (112, 1, 11)]
    everything = await client.resources(include_deleted=True)
    assert 105 in {r.id for r in everything}
    assert 105 not in {r.id for r in await client.resources()}


async def test_paging_reads_every_page(client: BookingsOneClient, sim: Simulator,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.vendors.bookingsone.client as module

    monkeypatch.setattr(module, "ROWS", 5)
    found = await client.resources()
    assert len(found) == len([r for r in data.RESOURCES if not r["isDeleted"]])
    pages = [p for _, p, _ in sim.requests if p == PATHS["resources"]]
    assert len(pages) == 3


async def test_appointments_now_and_by_interval(client: BookingsOneClient, sim: Simulator) -> None:
    now = await client.appointments("now", "now", states=("booked", "using", "waitingCheckIn"))
    assert sorted({a.bookable_resource.id for a in now}) == [101, 104, 111, 202]
    later = sim.clock.now() + timedelta(minutes=100)
    window = await client.appointments(later, later + timedelta(minutes=10),
                                       resource_ids=[102], types=("room",))
    assert [a.subject for a in window] == ["Board prep"]
    sim.clock.advance(minutes=50)  # Alpha's meeting ends, as time passes
    now = await client.appointments("now", "now", resource_ids=[101])
    assert now == []


async def test_a_naive_or_garbled_time_is_refused(sim: Simulator) -> None:
    async with httpx.AsyncClient(base_url=sim.url, auth=(data.API_KEY, "")) as raw:
        response = await raw.get(PATHS["appointments"], params={"from": "yesterday"})
        naive = await raw.get(PATHS["appointments"], params={"from": "2024-01-01T10:00:00"})
    assert response.status_code == naive.status_code == 400


async def test_the_client_follows_the_vendor_clock(client: BookingsOneClient,
                                                   sim: Simulator) -> None:
    sim.clock.advance(hours=3)
    await client.buildings()
    assert abs(client.now() - sim.clock.now()) < timedelta(seconds=2)


async def test_badges_by_id_and_search(client: BookingsOneClient) -> None:
    [badge] = await client.search_badges(codes=("FJUEIW",))
    assert badge.state == "visiting" and badge.period is not None
    assert badge.building is not None and badge.building.id == data.ZURICH
    assert (await client.badge(badge.id)).registration_code == "FJUEIW"
    assert (await client.badge(f"uid-{badge.id}")).id == badge.id
    assert await client.search_badges(codes=("NOSUCH",)) == []
    with pytest.raises(NotFound):
        await client.badge(999)
    expected = await client.search_badges(states=("initial",), building_ids=(str(data.NEW_YORK),))
    assert [b.registration_code for b in expected] == ["QWERTY"]


async def test_visits_of_a_visitor(client: BookingsOneClient, sim: Simulator) -> None:
    now = sim.clock.now()
    visits = await client.visits(now - timedelta(hours=1), now + timedelta(hours=4),
                                 visitor_ids=("5002",))
    assert [v.subject for v in visits] == ["Visit of Alan Turing"]


async def test_daily_visitors_use_the_building_offset(client: BookingsOneClient,
                                                      sim: Simulator) -> None:
    assert day_start(date(2022, 1, 5), "Asia/Hong_Kong") == "2022-01-05T00:00:00+08:00"
    zone = data.ZONES[data.ZURICH]
    today = sim.clock.now().astimezone(ZoneInfo(zone)).date()
    figures = await client.daily_visitors(today, zone)
    expected = sim.visitors_on(today, zone)
    assert (figures.initial, figures.visiting, figures.visited, figures.no_show) == (
        expected["initial"], expected["visiting"], expected["visited"], expected["noShow"])
    assert sum(expected.values()) >= 1


async def test_subscriptions_call_back_and_expire(client: BookingsOneClient, sim: Simulator,
                                                  receiver: SimpleNamespace) -> None:
    sid = await client.subscribe([101, 102], receiver.url, 30)
    assert [s.id for s in sim.live_subscriptions(101)] == [sid]
    assert sim.end_now(101) == 1
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert receiver.got == [{"subscriptionId": sid, "ids": "101",
                             "event": "resourceAppointmentChanged"}]
    sim.clock.advance(minutes=31)
    assert sim.live_subscriptions(101) == [] and sim.end_now(102) == 0


@pytest.mark.parametrize("minutes", [0, 1441])
async def test_expire_time_is_bounded(client: BookingsOneClient, sim: Simulator,
                                      minutes: int) -> None:
    with pytest.raises(ValueError):
        await client.subscribe([101], "http://x/y", minutes)
    async with httpx.AsyncClient(base_url=sim.url, auth=(data.API_KEY, "")) as raw:
        response = await raw.post(PATHS["subscribe"],
                                  json={"ids": "101", "callbackUrl": "http://x/y",
                                        "expireTime": minutes})
    assert response.status_code == 400


async def test_subscribing_to_an_unknown_resource_is_refused(client: BookingsOneClient) -> None:
    with pytest.raises((NotFound, InputRejected)):
        await client.subscribe([999], "http://127.0.0.1:9/x", 10)


def test_settings_need_url_and_key_and_check_zones() -> None:
    assert not Settings(_env_file=None).enabled  # type: ignore[call-arg]
    settings = Settings(_env_file=None, base_url="https://b1.example", api_key="k",  # type: ignore[call-arg]
                        building_timezones="1=Europe/Zurich, 2=America/New_York",
                        timezone="Asia/Tokyo")
    assert settings.enabled
    assert settings.zone_of("2") == "America/New_York" and settings.zone_of("7") == "Asia/Tokyo"
    with pytest.raises(ValueError):
        Settings(_env_file=None, building_timezones="1=Mars/Base")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, subscription_minutes=2000)  # type: ignore[call-arg]
