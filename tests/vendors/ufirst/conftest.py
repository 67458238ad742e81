"""Fixtures for the ufirst tests: a real simulator over HTTP, adapters on it.

Every test gets its own simulator on a free port (port 0), so tests run in
parallel without sharing state. Helpers are fixtures (not imports) so the
test modules work whatever pytest import mode is used.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.vendors import BookingDraft, Customer, Service, Site, Slot
from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.registry import VendorDeps
from bot.vendors.ufirst.adapter import UfirstVendor
from bot.vendors.ufirst.config import Settings
from bot.vendors.ufirst.simulator import Simulator
from tests.vendors._fixtures import serving, settings_from

ROME = "UFROM001"
REGISTRY = "UFROM001-registry"  # resources: Entrance (3 places), Desk 2 (4 places)
ENTRANCE = "UFROM001-T_entrance"
PHONE = "contact-phone-number"

_ids = itertools.count(1)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with serving(Simulator()) as simulator:
        yield simulator


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    def build(simulator: Simulator, **overrides: Any) -> Settings:
        return settings_from(Settings, "UFIRST_", simulator, **overrides)  # type: ignore[no-any-return]

    return build


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
async def make_vendor(
    sim: Simulator, store: MemoryTokenStore, settings_for: Callable[..., Settings]
) -> AsyncIterator[Callable[..., UfirstVendor]]:
    made: list[UfirstVendor] = []

    def build(*, tokens: Any = None, now: Any = None, transport: Any = None,
              **overrides: Any) -> UfirstVendor:
        deps = VendorDeps(tokens=tokens or store, transport=transport)
        kwargs = {"now": now} if now is not None else {}
        vendor = UfirstVendor(settings_for(sim, **overrides), deps, **kwargs)
        made.append(vendor)
        return vendor

    yield build
    for vendor in made:
        await vendor.aclose()


@pytest.fixture
def vendor(make_vendor: Callable[..., UfirstVendor]) -> UfirstVendor:
    return make_vendor()


@pytest.fixture
def customer() -> Callable[[str], Customer]:
    def build(name: str = "anna") -> Customer:
        return Customer(telegram_id=900_000 + next(_ids), pseudonym=f"psd-{name}-{next(_ids)}")

    return build


@pytest.fixture
def future_day() -> Callable[..., date]:
    """The first day at least two days ahead with that ISO weekday (and month)."""

    def find(iso_weekday: int = 3, months: set[int] | None = None) -> date:
        day = datetime.now(timezone.utc).date() + timedelta(days=2)
        while day.isoweekday() != iso_weekday or (months and day.month not in months):
            day += timedelta(days=1)
        return day

    return find


@pytest.fixture
def draft() -> Callable[..., BookingDraft]:
    def build(site: Site, service: Service, slot: Slot, key: str | None = None,
              **details: str) -> BookingDraft:
        values = {PHONE: "0612345678"} | {k.replace("_", "-"): v for k, v in details.items()}
        return BookingDraft(site=site, service=service, slot=slot, details=values,
                            idempotency_key=key or f"key-{next(_ids)}")

    return build


@pytest.fixture
def pick() -> Callable[..., Any]:
    """``await pick(vendor, customer, day, "1100", resource="Entrance")``: site, service, slot."""

    async def choose(vendor: UfirstVendor, who: Customer, day: date, hhmm: str,
                     site_id: str = ROME, service_id: str = REGISTRY,
                     resource: str | None = "Entrance") -> tuple[Site, Service, Slot]:
        site = await vendor.get_site(who, site_id)
        service = next(s for s in await vendor.list_services(who, site_id) if s.id == service_id)
        slots = await vendor.list_slots(who, site_id, service_id, day)
        wanted = f"{hhmm[:2]}:{hhmm[2:]}"
        slot = next(s for s in slots
                    if s.start.strftime("%H:%M") == wanted and s.resource == resource)
        return site, service, slot

    return choose
