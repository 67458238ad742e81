"""One API key, two processes: their FileVirtuelle budgets count together in the
database, so the vendor never sees more than ``max_hits`` in a minute from both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.storage import Database, RateWindowRepo
from bot.vendors.errors import RateLimited
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.adapter import FileVirtuelleVendor
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget, counter_key
from bot.vendors.filevirtuelle.simulator import Simulator
from tests.storage.engines import ENGINES, postgres_database


@pytest.fixture(params=ENGINES)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
    else:
        async with postgres_database() as url:
            yield url


async def test_two_processes_sharing_a_key_stay_within_max_hits(
    db_url: str, sim: Simulator, sim_time: SimpleNamespace,
    make_vendor: Callable[..., FileVirtuelleVendor],
) -> None:
    sim.clock.advance(seconds=(5.0 - sim_time.now() % 60) % 60)  # 55 s of one minute ahead
    sim.max_hits = 10
    first, second = await Database.open(db_url), await Database.open(db_url)
    try:
        vendors = []
        for db in (first, second):  # each its own engine and connections, as two processes
            budget = RequestBudget(10, clock=sim_time.now, sleep=sim_time.sleep,
                                   interactive_wait=0.0, counter=RateWindowRepo(db),
                                   key=counter_key("shared-key"))
            vendors.append(make_vendor(budget=budget))
        since = sim.clock.now() - timedelta(hours=1)
        refused = 0

        async def ask(vendor: FileVirtuelleVendor) -> None:
            nonlocal refused
            try:
                await vendor.client.customers(data.PARIS, since, Priority.INTERACTIVE)
            except RateLimited:
                refused += 1

        await asyncio.gather(*(ask(vendor) for _ in range(12) for vendor in vendors))
        limit = vendors[0].client.budget.limit
        hits = sim.hits_per_minute()
        print(f"hits per minute: {hits}, refused before sending: {refused}")
        assert list(hits.values()) == [limit] and limit < sim.max_hits  # the whole share, no more
        assert sim.rate_limited == 0
        assert refused == 24 + 2 - limit  # 24 asked, plus each one's /api_info
    finally:
        await first.close()
        await second.close()
