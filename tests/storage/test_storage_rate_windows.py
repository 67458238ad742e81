"""Shared limits in the database: counts per key and window, never past the limit,
whoever takes, on both engines."""

from __future__ import annotations

import asyncio

from bot.storage import Database, RateWindowRepo, Storage
from bot.throttle import LocalCounter, SharedRate


async def test_a_window_counts_up_to_its_limit_and_refuses_past_it(storage: Storage) -> None:
    windows = storage.rate_windows
    assert await windows.take("k", 60, 2, limit=5) == 2
    assert await windows.take("k", 60, 3, limit=5) == 5
    assert await windows.take("k", 60, 1, limit=5) is None  # refused: nothing added
    assert await windows.count("k", 60) == 5
    assert await windows.take("k", 60, 1) == 6  # no limit: always added
    assert await windows.take("k", 120, 6, limit=5) is None  # more than the limit at once
    assert await windows.take("k", 120, 1, limit=5) == 1  # each window its own count
    assert await windows.take("other", 60, 1, limit=5) == 1  # each key too
    assert await windows.count("k", 180) == 0
    assert await windows.prune(before=120) == 2
    assert await windows.count("k", 60) == 0 and await windows.count("k", 120) == 1


async def test_two_processes_taking_at_once_never_pass_the_limit(db_url: str) -> None:
    """Two Database objects stand for a leader and a standby on the same data (their own
    engines and connections): 2 x 40 takes race for a limit of 25."""
    first, second = await Database.open(db_url), await Database.open(db_url)
    try:
        granted: list[int] = []

        async def taker(db: Database) -> None:
            repo = RateWindowRepo(db)

            async def one() -> None:
                used = await repo.take("fv:key", 1_700_000_040, 1, limit=25)
                if used is not None:
                    granted.append(used)

            await asyncio.gather(*(one() for _ in range(40)))

        await asyncio.gather(taker(first), taker(second))
        assert sorted(granted) == list(range(1, 26))  # each count handed out once
        assert await RateWindowRepo(first).count("fv:key", 1_700_000_040) == 25
    finally:
        await first.close()
        await second.close()


async def test_a_shared_rate_claims_blocks_and_two_processes_share_one_limit(db_url: str) -> None:
    """Telegram's 30 a second across processes: each claims 10 at a time, so 30 sends of
    one process cost 3 writes, and a second process in the same second gets nothing."""
    first, second = await Database.open(db_url), await Database.open(db_url)
    now = [1_700_000_000.25]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    try:
        rates = [SharedRate(RateWindowRepo(db), "telegram:1", 30, block=10,
                            clock=lambda: now[0], sleep=sleep) for db in (first, second)]
        for _ in range(30):
            await rates[0].acquire()
        assert rates[0].claims == 3 and slept == []
        await rates[1].acquire()  # the second's turn comes when the second is over
        assert slept == [0.75]
        assert await RateWindowRepo(first).count("telegram:1", 1_700_000_000) == 30
        assert await RateWindowRepo(first).count("telegram:1", 1_700_000_001) == 10
    finally:
        await first.close()
        await second.close()


async def test_the_local_counter_keeps_the_same_promises() -> None:
    counter = LocalCounter()
    assert await counter.take("k", 60, 5, limit=5) == 5
    assert await counter.take("k", 60, 1, limit=5) is None
    assert await counter.count("k", 60) == 5
    assert await counter.take("k", 60, 1) == 6
