"""Bookings ONE on the spaces, events and reports roles, against its simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from bot.vendors import (
    EventsRole,
    InboundCall,
    NotFound,
    ReportsRole,
    SpacesRole,
    availability,
)
from bot.vendors.bookingsone import simulator_data as data
from bot.vendors.bookingsone.adapter import BookingsOneVendor
from bot.vendors.bookingsone.config import Settings
from bot.vendors.bookingsone.simulator import Simulator
from bot.vendors.registry import VENDORS, adapter_class


@pytest.fixture
async def vendor(sim: Simulator,
                 settings_for: Callable[..., Settings]) -> AsyncIterator[BookingsOneVendor]:
    made = BookingsOneVendor(settings_for(sim))
    yield made
    await made.aclose()


def test_registered_on_three_roles_and_no_booking() -> None:
    cls = adapter_class("bookingsone")
    assert "bookingsone" in VENDORS
    assert issubclass(cls, SpacesRole) and issubclass(cls, EventsRole)
    assert issubclass(cls, ReportsRole)
    from bot.vendors import BookingRole

    assert not issubclass(cls, BookingRole)


async def test_buildings_carry_the_configured_zones(vendor: BookingsOneVendor) -> None:
    buildings = await vendor.list_buildings()
    assert [(b.id, b.name, b.timezone) for b in buildings] == [
        ("1", "Zurich HQ", "Europe/Zurich"), ("2", "New York Office", "America/New_York")]
    assert vendor.title == "Demo Ltd."  # the system information was read first


async def test_rooms_for_six_free_now(vendor: BookingsOneVendor, sim: Simulator) -> None:
    spaces = await vendor.list_spaces("1", kind="room", min_capacity=6)
    assert sorted(s.name for s in spaces) == ["Alpha", "Beta", "Delta", "Zeta"]
    now = sim.clock.now()
    busy = await vendor.busy("1", now, now + timedelta(hours=12), [s.id for s in spaces])
    states = {s.name: availability(s, busy, now) for s in spaces}
    assert {n for n, a in states.items() if a.free} == {"Beta", "Zeta"}
    for space in spaces:
        expected = sim.free_until(int(space.id), now) if not sim.busy_now(int(space.id)) else None
        if states[space.name].free:
            assert states[space.name].until == expected
    # Delta's two touching meetings count as one
    t0 = sim.office.t0.replace(second=0, microsecond=0)
    assert states["Delta"].until == t0 + timedelta(minutes=60)


async def test_desks_and_other_building(vendor: BookingsOneVendor) -> None:
    desks = await vendor.list_spaces("1", kind="desk")
    assert [(s.name, s.capacity, s.floor) for s in desks] == [("Desk 1.01", 1, "1"),
                                                              ("Desk 1.02", 1, "1")]
    assert {s.name for s in await vendor.list_spaces("2")} == {
        "Hudson", "Liberty", "Brooklyn", "Desk 21.01"}
    with pytest.raises(NotFound):
        await vendor.list_spaces("99")


async def test_badges_by_code(vendor: BookingsOneVendor) -> None:
    badge = await vendor.badge("fjueiw")
    assert (badge.code, badge.state, badge.building_id) == ("FJUEIW", "visiting", "1")
    assert badge.valid_from and badge.valid_until and badge.valid_from < badge.valid_until
    assert (await vendor.badge("XCVBNM")).state == "no_show"
    with pytest.raises(NotFound):
        await vendor.badge("ZZZZZZ")


async def test_visits_of_a_visitor(vendor: BookingsOneVendor, sim: Simulator) -> None:
    now = sim.clock.now()
    visits = await vendor.visits("5002", now, now + timedelta(hours=6))
    assert [(v.subject, v.building_id, v.host) for v in visits] == [
        ("Visit of Alan Turing", "1", "Reception")]


async def test_daily_figures(vendor: BookingsOneVendor, sim: Simulator) -> None:
    from zoneinfo import ZoneInfo

    zone = "Europe/Zurich"
    today = sim.clock.now().astimezone(ZoneInfo(zone)).date()
    figures = await vendor.daily_figures(today, zone)
    counts = sim.visitors_on(today, zone)
    assert figures.figures == {"visitors_expected": counts["initial"],
                               "visitors_in": counts["visiting"],
                               "visitors_left": counts["visited"],
                               "no_shows": counts["noShow"]}
    assert (figures.day, figures.timezone) == (today, zone)
    empty = await vendor.daily_figures(date(2001, 1, 1), zone)
    assert set(empty.figures.values()) == {0}


async def test_subscribe_renew_and_calls(vendor: BookingsOneVendor, sim: Simulator,
                                         receiver: SimpleNamespace) -> None:
    sub = await vendor.subscribe("space", ["101"], receiver.url, timedelta(minutes=30))
    assert sub.expires_at - vendor.vendor_now() <= timedelta(minutes=30)
    assert [s.id for s in sim.live_subscriptions(101)] == [sub.external_id]
    sim.clock.advance(minutes=31)
    await vendor.list_buildings()  # any answer tells the vendor's clock
    assert vendor.vendor_now() > sub.expires_at
    renewed = await vendor.renew(sub, timedelta(days=3))  # capped at 1440 minutes
    assert renewed.external_id != sub.external_id and renewed.ids == ("101",)
    assert renewed.expires_at - vendor.vendor_now() <= timedelta(minutes=1440)
    sim.end_now(101)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    call = InboundCall(payload=receiver.got[0], received_at=datetime.now(timezone.utc))
    [reread] = vendor.parse_call(renewed, call)
    assert (reread.topic, reread.ids) == ("space", ("101",))
    await vendor.drop(renewed)


def test_garbled_or_foreign_calls_mean_reread_what_is_watched(
        vendor: BookingsOneVendor) -> None:
    from bot.vendors import EventSubscription

    sub = EventSubscription(vendor="bookingsone", external_id="x", topic="space",
                            ids=("101", "102"), callback_url="http://x",
                            expires_at=datetime.now(timezone.utc))
    now = datetime.now(timezone.utc)
    for payload in ({}, {"ids": 5}, {"ids": "999"}, {"ids": ["a", None]}):
        [reread] = vendor.parse_call(sub, InboundCall(payload=payload, received_at=now))
        assert reread.ids == ("101", "102")
    [reread] = vendor.parse_call(sub, InboundCall(payload={"ids": "102,999"}, received_at=now))
    assert reread.ids == ("102",)
