"""The free-slot watcher's reads: one per watch for all its watchers, backing off, within the
vendor's share, paused when the vendor says "slow down", and dropped with the day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.notifications import FreeSlotWatcher
from bot.storage import Storage
from bot.vendors import RateLimited, Slot

NOW = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
SITE = {"id": "s1", "name": "Town Hall", "timezone": "Europe/Rome"}


@dataclass
class FakeVendor:
    name: str = "acme"
    answers: list[Any] = field(default_factory=list)  # a list of slots, or an exception
    reads: list[tuple[str, date, int]] = field(default_factory=list)

    async def list_slots(self, customer, site_id, service_id, day):  # type: ignore[no-untyped-def]
        self.reads.append((service_id, day, customer.telegram_id))
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _setup(tmp_path: Path, per_minute: float = 600.0):  # type: ignore[no-untyped-def]
    storage = await Storage.open(tmp_path / "bot.sqlite3", "test-secret-key-0123456789abcdef",
                                 clock=Clock())
    vendor = FakeVendor()
    clock = Clock()
    services = SimpleNamespace(
        storage=storage, outbox=None, pseudonym=lambda user: f"p{user}",
        vendors=SimpleNamespace(playing_as=lambda role, name: vendor if name == vendor.name else None),
    )
    watcher = FreeSlotWatcher(SimpleNamespace(services=services),  # type: ignore[arg-type]
                              min_seconds=30, max_seconds=120, per_minute=per_minute, clock=clock)
    return storage, vendor, clock, watcher


async def _watch(storage: Storage, user: int, service: str = "svc", day: date = date(2030, 1, 16)):  # type: ignore[no-untyped-def]
    return await storage.slot_watches.watch(
        vendor="acme", site=SITE, service={"id": service, "site_id": "s1", "name": service},
        day=day, timezone="Europe/Rome", telegram_id=user, language="en", first_check=0)


async def test_one_read_serves_every_watcher_backs_off_and_tells_each_once(tmp_path: Path) -> None:
    storage, vendor, clock, watcher = await _setup(tmp_path)
    try:
        watch = await _watch(storage, 1)
        await _watch(storage, 2)
        await watcher._round()
        assert len(vendor.reads) == 1  # two watchers, one read
        waits = []
        for _ in range(4):
            clock.now += timedelta(minutes=5)
            await watcher._round()
            got = await storage.slot_watches.get(watch.id)
            assert got is not None
            waits.append(got.interval)
        assert waits == [60, 120, 120, 120]  # doubled from 30 s, capped at 120 s
        assert len(vendor.reads) == 5

        vendor.answers = [[Slot(id="x", start=datetime(2030, 1, 16, 10, tzinfo=UTC))]]
        clock.now += timedelta(minutes=5)
        await watcher._round()
        rows = await storage.db.fetchall("SELECT key, chat_id FROM outbox ORDER BY chat_id")
        assert [tuple(r) for r in rows] == [(f"slot:{watch.id}:1:1", 1), (f"slot:{watch.id}:2:1", 2)]
        clock.now += timedelta(minutes=5)
        await watcher._round()
        assert len(vendor.reads) == 6  # everyone told: nothing left to read for
    finally:
        await storage.close()


async def test_the_vendors_share_and_its_slow_down_hold_every_watch(tmp_path: Path) -> None:
    storage, vendor, clock, watcher = await _setup(tmp_path, per_minute=6)  # one read at a time
    try:
        for service in ("a", "b", "c"):
            await _watch(storage, 1, service)
        await watcher._round()
        assert len(vendor.reads) == 1  # the others stay due: the vendor's share is spent

        watcher._buckets.clear()  # as if the minute had passed
        vendor.answers = [RateLimited("slow down", retry_after=3600)]
        await watcher._round()
        assert len(vendor.reads) == 2
        watcher._buckets.clear()
        clock.now += timedelta(minutes=10)
        await watcher._round()
        assert len(vendor.reads) == 2  # paused for the hour the vendor asked
        assert await storage.slot_watches.due(clock.now) == []  # every watch of it waits
        assert await storage.slot_watches.due(clock.now + timedelta(hours=1)) != []
    finally:
        await storage.close()


async def test_a_watch_whose_day_is_over_is_dropped(tmp_path: Path) -> None:
    storage, vendor, clock, watcher = await _setup(tmp_path)
    try:
        watch = await _watch(storage, 1, day=date(2030, 1, 15))
        clock.now = datetime(2030, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 on the 16th in Rome
        await watcher._round()
        assert vendor.reads == [] and await storage.slot_watches.get(watch.id) is None
    finally:
        await storage.close()
