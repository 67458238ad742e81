"""The per-minute request budget, on a fake clock (nothing really sleeps)."""

from __future__ import annotations

import asyncio

import pytest

from bot.vendors.errors import RateLimited
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget

INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND
MINUTE = 1_699_999_980.0  # a Unix time on a minute boundary


class FakeTime:
    def __init__(self, start: float = MINUTE + 10) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def budget_on(clock: FakeTime, max_hits: int = 100, **kwargs: float) -> RequestBudget:
    return RequestBudget(max_hits, clock=clock, sleep=clock.sleep, **kwargs)


def test_limits_keep_a_margin_and_a_reserve() -> None:
    budget = budget_on(FakeTime(), 100, reserve=0.25)
    assert budget.limit == 98  # never the server's exact max_hits
    assert budget.background_limit == 98 - 25
    budget.configure(420)
    assert (budget.limit, budget.background_limit) == (412, 309)


async def test_background_stops_at_its_share_interactive_uses_the_reserve() -> None:
    clock = FakeTime()
    budget = budget_on(clock, 100)
    taken = 0
    while await budget.try_acquire(BACKGROUND):
        taken += 1
    assert taken == budget.background_limit == budget.used()
    assert budget.remaining(BACKGROUND) == 0
    with pytest.raises(RateLimited):
        await budget.acquire(BACKGROUND)  # skipped, not delayed
    assert clock.slept == []
    for _ in range(budget.limit - taken):
        await budget.acquire(INTERACTIVE)
    assert budget.used() == budget.limit
    assert clock.slept == []


async def test_interactive_waits_for_the_next_calendar_minute() -> None:
    clock = FakeTime(MINUTE + 10)
    budget = budget_on(clock, 10)
    for _ in range(budget.limit):
        await budget.acquire(INTERACTIVE)
        clock.now += 5.0
    await budget.acquire(INTERACTIVE)  # the vendor counts afresh when the minute turns
    assert clock.slept == [pytest.approx(5.0)]
    assert clock.now == pytest.approx(MINUTE + 60.0)
    assert budget.used() == 1  # never more than the limit in one calendar minute


async def test_a_request_at_the_end_of_a_minute_counts_in_the_next_one_too() -> None:
    clock = FakeTime(MINUTE + 59.5)  # it may reach the server after the minute turned
    budget = budget_on(clock, 10)
    assert await budget.try_acquire(INTERACTIVE)
    clock.now = MINUTE + 60.5
    assert budget.used() == 1
    clock.now = MINUTE + 120.0
    assert budget.used() == 0


async def test_interactive_gives_up_after_its_wait() -> None:
    clock = FakeTime()
    budget = budget_on(clock, 10, interactive_wait=5.0)
    for _ in range(budget.limit):
        await budget.acquire(INTERACTIVE)
    with pytest.raises(RateLimited) as refused:
        await budget.acquire(INTERACTIVE)
    assert refused.value.retry_after == pytest.approx(50.0)  # when the minute turns
    assert clock.slept == []


async def test_background_yields_while_an_interactive_call_waits() -> None:
    clock, gate = FakeTime(), asyncio.Event()

    async def held_sleep(seconds: float) -> None:
        clock.slept.append(seconds)
        await gate.wait()

    budget = RequestBudget(10, clock=clock, sleep=held_sleep, interactive_wait=120.0)
    while await budget.try_acquire(INTERACTIVE):
        pass
    waiting = asyncio.create_task(budget.acquire(INTERACTIVE))
    await asyncio.sleep(0)
    assert clock.slept == [pytest.approx(50.0)]  # a person waits for the next minute
    clock.now += 61.0  # permits are free again...
    assert budget.remaining(INTERACTIVE) == budget.limit
    assert budget.remaining(BACKGROUND) == 0  # ...but the person goes first
    assert not await budget.try_acquire(BACKGROUND)
    with pytest.raises(RateLimited):
        await budget.acquire(BACKGROUND)
    gate.set()
    await waiting
    assert budget.used() == 1
    assert await budget.try_acquire(BACKGROUND)


async def test_a_429_pauses_everything_until_the_next_minute() -> None:
    clock = FakeTime(MINUTE + 10)  # 10 s into a minute
    budget = budget_on(clock, 100)
    await budget.acquire(INTERACTIVE)
    pause = budget.rate_limit_hit()
    assert pause == pytest.approx(50.0 + 1.0)  # to the next minute, plus grace
    assert budget.rate_limited == 1
    assert budget.remaining(INTERACTIVE) == budget.remaining(BACKGROUND) == 0
    assert not await budget.try_acquire(INTERACTIVE)
    with pytest.raises(RateLimited) as background:
        await budget.acquire(BACKGROUND)
    assert background.value.retry_after == pytest.approx(51.0)
    with pytest.raises(RateLimited):
        await budget.acquire(INTERACTIVE, max_wait=10.0)  # no loop of attempts
    assert clock.slept == []
    clock.now += 51.0
    assert await budget.try_acquire(BACKGROUND)


async def test_an_interactive_call_may_wait_out_a_short_pause() -> None:
    clock = FakeTime(MINUTE + 55)  # 5 s before the minute ends
    budget = budget_on(clock, 100, interactive_wait=20.0)
    budget.rate_limit_hit()
    await budget.acquire(INTERACTIVE)
    assert clock.slept == [pytest.approx(6.0)]
    assert clock.now == pytest.approx(MINUTE + 61)
