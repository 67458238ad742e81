"""Fixtures for the bookingtime tests: a real simulator over HTTP, adapters on it.

Every test gets its own simulator on a free port (port 0) and the
``BOOKINGTIME_*`` environment it announces, so adapters are configured the
way the bot configures them and tests run in parallel without sharing state.
Helpers are fixtures (not imports) so the test modules work whatever pytest
import mode is used.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.bookingtime.adapter import BookingtimeVendor
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.simulator import Simulator
from bot.vendors import BookingDraft, Customer, Service, Site, Slot
from bot.vendors.registry import VendorDeps

_serial = itertools.count(1)


@pytest.fixture
async def sim(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Simulator]:
    async with AsyncExitStack() as stack:
        simulator = Simulator()
        announced = await simulator.start()
        stack.push_async_callback(simulator.stop)
        monkeypatch.delenv("BOOKINGTIME_CLIENT_SECRET", raising=False)
        for name, value in announced.items():
            monkeypatch.setenv(name, value)
        yield simulator


@pytest.fixture
async def make_vendor(
    sim: Simulator, store: MemoryTokenStore
) -> AsyncIterator[Callable[..., BookingtimeVendor]]:
    """``make_vendor(on_sim_clock=True, client_secret=...)``: an adapter on the simulator.

    Settings come from the simulator's environment plus ``overrides``; with
    ``on_sim_clock`` the adapter judges time (tokens, lead times) as the
    simulator does, otherwise by the real clock.
    """
    async with AsyncExitStack() as stack:

        def build(*, on_sim_clock: bool = False, **overrides: Any) -> BookingtimeVendor:
            clock = {"now": sim.clock.now} if on_sim_clock else {}
            adapter = BookingtimeVendor(Settings(_env_file=None, **overrides),  # type: ignore[call-arg]
                             VendorDeps(tokens=store), **clock)
            stack.push_async_callback(adapter.aclose)
            return adapter

        yield build


@pytest.fixture
def vendor(make_vendor: Callable[..., BookingtimeVendor]) -> BookingtimeVendor:
    return make_vendor()


@pytest.fixture
def customer() -> Callable[..., Customer]:
    def build(name: str = "anna", language: str = "en") -> Customer:
        serial = next(_serial)
        return Customer(telegram_id=700_000 + serial, pseudonym=f"psd-{name}-{serial}",
                        language=language)

    return build


@pytest.fixture
def travel(sim: Simulator) -> Callable[..., datetime]:
    """Move the simulator's clock to the next ``weekday`` (ISO) at ``hh:mm`` in ``zone``."""

    def to(weekday: int, hour: int, minute: int = 0, zone: str = "Europe/Berlin") -> datetime:
        tz = ZoneInfo(zone)
        day = sim.clock.now().astimezone(tz).date() + timedelta(days=1)
        while day.isoweekday() != weekday:
            day += timedelta(days=1)
        target = datetime.combine(day, time(hour, minute), tzinfo=tz)
        sim.clock.advance(seconds=(target - sim.clock.now()).total_seconds())
        return target

    return to


@pytest.fixture
def wednesday(travel: Callable[..., datetime], make_vendor: Callable[..., BookingtimeVendor]
              ) -> tuple[BookingtimeVendor, date]:
    """An adapter on the simulator's clock, moved to a Wednesday 09:20 (Berlin and Zurich)."""
    today = travel(3, 9, 20).date()
    return make_vendor(on_sim_clock=True), today


@pytest.fixture
def draft() -> Callable[..., BookingDraft]:
    def build(site: Site, service: Service, slot: Slot, key: str | None = None,
              **details: str) -> BookingDraft:
        return BookingDraft(site=site, service=service, slot=slot, details=details,
                            idempotency_key=key or f"key-{next(_serial)}")

    return build


@pytest.fixture
def pick() -> Callable[..., Any]:
    """``await pick(vendor, who, org, template, day, "14:00")``: site, service and slot."""

    async def choose(vendor: BookingtimeVendor, who: Customer, org: str, template: str, day: date,
                     hhmm: str) -> tuple[Site, Service, Slot]:
        site = await vendor.get_site(who, org)
        service = next(s for s in await vendor.list_services(who, org) if s.id == template)
        slot = next(s for s in await vendor.list_slots(who, org, template, day)
                    if s.start.strftime("%H:%M") == hhmm)
        return site, service, slot

    return choose


@pytest.fixture
def store() -> MemoryTokenStore:
    """Where adapters keep tokens; tests read it to see what was cached."""
    return MemoryTokenStore()
