"""The small pieces every adapter shares: the structure cache and the timezone rule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.vendors._cache import TtlCache
from bot.vendors._zones import country_zone, first_zone, in_zone, zone_or_none


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_misses_share_one_load_and_the_value_lives_ttl_seconds() -> None:
    clock, loads, gate = Clock(), [], asyncio.Event()
    cache: TtlCache[str, str] = TtlCache(30.0, clock=clock)

    async def load() -> str:
        loads.append(1)
        await gate.wait()
        return f"value {len(loads)}"

    waiting = [asyncio.create_task(cache.get("k", load)) for _ in range(5)]
    while not loads:
        await asyncio.sleep(0)  # one loop turn: every caller runs until it waits
    assert len(loads) == 1 and not any(task.done() for task in waiting)
    gate.set()
    assert await asyncio.gather(*waiting) == ["value 1"] * 5 and len(loads) == 1
    clock.now += 29.9
    assert cache.peek("k") == "value 1" and await cache.get("k", load) == "value 1"
    clock.now += 0.2
    assert cache.peek("k") is None
    assert await cache.get("k", load) == "value 2" and await cache.get("other", load) == "value 3"


async def test_a_failed_load_caches_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(30.0)

    async def broken() -> int:
        raise RuntimeError("vendor down")

    async def working() -> int:
        return 7

    with pytest.raises(RuntimeError):
        await cache.get("k", broken)
    assert cache.peek("k") is None and await cache.get("k", working) == 7


def test_the_first_known_zone_wins() -> None:
    assert zone_or_none("Mars/Olympus") is None and zone_or_none(None) is None
    assert first_zone("Mars/Olympus", None, "Europe/Rome").key == "Europe/Rome"
    assert first_zone("nonsense").key == "UTC"
    assert first_zone(None, default="Europe/Berlin").key == "Europe/Berlin"
    assert country_zone("ch") == "Europe/Zurich" and country_zone(None) is None


def test_a_timestamp_without_offset_is_local_time_there() -> None:
    zurich = first_zone("Europe/Zurich")
    naive = in_zone(datetime(2030, 6, 25, 10, 0), zurich)
    assert naive.utcoffset() is not None and naive.hour == 10
    aware = in_zone(datetime(2030, 6, 25, 10, 0, tzinfo=timezone.utc), zurich)
    assert aware.hour == 12


async def test_callers_waiting_on_a_load_that_fails_all_fail_with_it_at_once() -> None:
    """Three users on a hung vendor: one load, one deadline, not three in a row."""
    cache: TtlCache[str, int] = TtlCache(30.0)
    loads, gate = [], asyncio.Event()

    async def hanging() -> int:
        loads.append(1)
        await gate.wait()
        raise TimeoutError("vendor deadline")

    waiting = [asyncio.create_task(cache.get("k", hanging)) for _ in range(3)]
    while not loads:
        await asyncio.sleep(0)
    waiting[0].cancel()  # one caller giving up does not end the others' wait
    gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(isinstance(r, TimeoutError) for r in results[1:]) and len(loads) == 1
    assert cache.peek("k") is None  # and the next caller tries afresh


async def test_a_steps_vendor_calls_share_one_budget_but_tasks_it_starts_do_not() -> None:
    """Two calls to a vendor that never answers, each with a 0.6 s deadline, inside a
    0.9 s budget: together they end with the budget, not after 1.2 s. A task started
    inside (a watcher outlives the step) keeps its own full deadline."""
    import time

    from bot.vendors import VendorTimeout, calls_within
    from bot.vendors._http import VendorHttp

    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # reads nothing, answers nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    http = VendorHttp("v", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}",
                      deadline=0.6, transport_retries=0)
    try:
        started = time.monotonic()
        with calls_within(0.9):
            for _ in range(2):
                with pytest.raises(VendorTimeout):
                    await http.request("GET", "/slow")
            inner = asyncio.create_task(http.request("GET", "/watch"))
        assert time.monotonic() - started < 1.1  # 1.2 s and more without the budget
        with pytest.raises(VendorTimeout, match="within 0.6s"):
            await inner
    finally:
        await http.aclose()
        for writer in held:
            writer.close()
        server.close()
