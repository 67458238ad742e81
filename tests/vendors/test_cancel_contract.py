"""The booking role's cancel contract, checked on every registered vendor that cancels.

:meth:`BookingRole.cancel` is idempotent: a booking the vendor no longer has
(cancelled already, or unknown to it: a 404) is done, not an error. Each
vendor in the registry whose adapter plays the booking role with
:attr:`Capability.CANCEL` is built from its simulator's environment, as the
bot builds it, so a vendor registered later is checked without a line here.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.vendors import BookingDraft, BookingRole, Capability, Customer, DetailField
from bot.vendors._tokens import MemoryTokenStore, utcnow
from bot.vendors.registry import VENDORS, VendorDeps, adapter_class, build_enabled, simulator_class
from tests.vendors._fixtures import serving

_serial = itertools.count(1)

#: Values of each kind of detail that a person could type; the first the field accepts is sent.
_SAMPLES = {"first_name": ["Anna"], "last_name": ["Rossi"], "email": ["anna@example.org"],
            "phone": ["+393331234567", "3331234567"], "address": ["Via Roma 1, 00100 Roma"],
            "text": ["Anna", "3331234567"]}


def _cancelling() -> list[str]:
    """The registered vendors whose adapter plays the booking role and can cancel."""
    classes = {name: adapter_class(name) for name in VENDORS}
    return [name for name, cls in classes.items()
            if isinstance(cls, type) and issubclass(cls, BookingRole)
            and Capability.CANCEL in cls.capabilities]


@pytest.fixture(params=_cancelling())
async def vendor(request: pytest.FixtureRequest,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BookingRole]:
    """The adapter of ``request.param``, built by the registry on its own simulator."""
    name = request.param
    async with serving(simulator_class(name)()) as simulator:
        for key, value in simulator.environment(simulator.url).items():
            monkeypatch.setenv(key, value)
        vendors = build_enabled(VendorDeps(tokens=MemoryTokenStore()), names=(name,))
        adapter = vendors.get(name)
        assert adapter is not None, f"{name} is not enabled by its simulator's environment"
        yield adapter
        await vendors.aclose()


def _value(field: DetailField) -> str:
    return next(v for v in [*_SAMPLES[field.kind], field.placeholder or ""] if field.accepts(v))


def _details(fields: list[DetailField]) -> dict[str, str]:
    return {f.id: _value(f) for f in fields if f.required}


async def _draft(vendor: BookingRole, who: Customer) -> BookingDraft:
    """The first slot the vendor offers, with the details its service requires."""
    start = (utcnow() + timedelta(days=1)).date()
    for site in await vendor.list_sites(who):
        for service in await vendor.list_services(who, site.id):
            for day in await vendor.open_days(who, site.id, service.id, start, 5):
                for slot in await vendor.list_slots(who, site.id, service.id, day):
                    details = _details(await vendor.required_details(who, site.id, service.id))
                    return BookingDraft(site=site, service=service, slot=slot, details=details,
                                        idempotency_key=f"contract-{next(_serial)}")
    raise AssertionError(f"{vendor.name} offers no slot to book")


@pytest.fixture
def anna() -> Customer:
    serial = next(_serial)
    return Customer(telegram_id=600_000 + serial, pseudonym=f"psd-anna-{serial}")


async def test_cancelling_twice_is_done_both_times(vendor: BookingRole, anna: Customer) -> None:
    """A replayed cancel (its first answer lost) returns normally; the booking stays cancelled."""
    booking = await vendor.book(anna, await _draft(vendor, anna))

    await vendor.cancel(anna, booking)
    await vendor.cancel(anna, booking)

    assert all(b.state == "cancelled" for b in await vendor.list_bookings(anna)
               if b.external_id == booking.external_id)


async def test_cancelling_a_booking_the_vendor_never_had_is_done(vendor: BookingRole,
                                                                 anna: Customer) -> None:
    """Unknown to the vendor (a 404): what the user asked for is already so."""
    booking = await vendor.book(anna, await _draft(vendor, anna))
    gone = booking.model_copy(update={"external_id": f"{booking.external_id}0404"})

    await vendor.cancel(anna, gone)

    active = [b.external_id for b in await vendor.list_bookings(anna) if b.state != "cancelled"]
    assert active == [booking.external_id]  # the real booking was left alone
