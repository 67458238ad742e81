"""Who booked what survives a restart when the application lends a database."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.vendors._tokens import MemoryTokenStore
from bot.vendors.bookingtime import simulator_data as seed
from bot.vendors.bookingtime.adapter import BookingtimeVendor
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.index import MemoryAppointmentIndex, StoredAppointmentIndex
from bot.vendors.errors import NotFound, ServiceUnavailable
from bot.vendors.registry import VendorDeps, build_enabled

BERLIN, HAIRCUT = seed.BERLIN.id, seed.HAIRCUT.id
SECRET = "bookingtime-index-test-secret-0123456789"


async def _adapter(stack: AsyncExitStack, path: Path, sim) -> BookingtimeVendor:  # type: ignore[no-untyped-def]
    """An adapter as run_bot builds it: tokens and references in the database."""
    storage = await Storage.open(path, SECRET)
    stack.push_async_callback(storage.close)
    deps = VendorDeps(tokens=storage.tokens, refs=storage.vendor_refs)
    adapter = BookingtimeVendor(Settings(_env_file=None), deps, now=sim.clock.now)  # type: ignore[call-arg]
    stack.push_async_callback(adapter.aclose)
    return adapter


async def test_appointments_are_listed_moved_and_cancelled_after_a_restart(
    tmp_path, sim, travel, customer, pick, draft  # type: ignore[no-untyped-def]
) -> None:
    thursday = travel(3, 9, 20).date() + timedelta(days=1)
    anna, bruno = customer("anna"), customer("bruno")
    path = tmp_path / "bot.sqlite3"
    async with AsyncExitStack() as stack:
        before = await _adapter(stack, path, sim)
        assert isinstance(before.index, StoredAppointmentIndex)
        assert await before.list_bookings(anna) == []  # known to have none, not "unknown"
        site, service, slot = await pick(before, anna, BERLIN, HAIRCUT, thursday, "15:00")
        booked = await before.book(anna, draft(site, service, slot, first_name="Anna",
                                               last_name="Schmidt", email="anna@example.org"))

    async with AsyncExitStack() as stack:  # a new process: nothing in memory
        after = await _adapter(stack, path, sim)
        assert await after.list_bookings(anna) == [booked]
        assert await after.list_bookings(bruno) == []
        with pytest.raises(NotFound):  # the owner is known after the restart too
            await after.cancel(bruno, booked)
        later = next(s for s in await after.list_slots(anna, BERLIN, HAIRCUT, thursday)
                     if s.start.strftime("%H:%M") == "16:00")
        moved = await after.reschedule(anna, booked, later)
        assert sim.appointment(booked.external_id).start == later.start

    async with AsyncExitStack() as stack:
        again = await _adapter(stack, path, sim)
        assert [b.start for b in await again.list_bookings(anna)] == [moved.start]
        await again.cancel(anna, moved)
        assert sim.appointment(booked.external_id).status == "CANCELED"
        assert await again.list_bookings(anna) == []
        assert await again.index.refs(anna.pseudonym) == []


async def test_the_registry_uses_the_database_only_when_lent_one(
    tmp_path, sim, customer  # type: ignore[no-untyped-def]
) -> None:
    async with await Storage.open(tmp_path / "bot.sqlite3", SECRET) as storage:
        durable = build_enabled(VendorDeps(tokens=storage.tokens, refs=storage.vendor_refs),
                                names=("bookingtime",))
        memory = build_enabled(VendorDeps(tokens=MemoryTokenStore()), names=("bookingtime",))
        try:
            assert isinstance(durable.get("bookingtime").index, StoredAppointmentIndex)
            assert isinstance(memory.get("bookingtime").index, MemoryAppointmentIndex)
            with pytest.raises(ServiceUnavailable):  # memory cannot know about before start
                await memory.get("bookingtime").list_bookings(customer())
        finally:
            await durable.aclose()
            await memory.aclose()
