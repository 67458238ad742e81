"""A call's deadline covers its wait for a request permit: with the minute's budget
spent, an interactive call answers (or fails) within FILEVIRTUELLE_DEADLINE_SECONDS,
the permit wait included, instead of up to the budget's 20 s plus the deadline.

The budget sleeps by moving the simulator's clock (real time plus an offset), so nothing
really waits for a permit: the time a call took is that wait plus what really passed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.vendors.errors import RateLimited, VendorTimeout
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.adapter import FileVirtuelleVendor
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget
from bot.vendors.filevirtuelle.simulator import Simulator

INTERACTIVE = Priority.INTERACTIVE


async def spent_at(vendor: FileVirtuelleVendor, sim: Simulator, sim_time: SimpleNamespace,
                   second: float) -> RequestBudget:
    """The budget (max_hits 5, told by /api_info) with this minute spent, the clock then
    at ``second`` past the minute."""
    sim.max_hits = 5
    await vendor.client.info()
    sim.clock.advance(seconds=60 - sim_time.now() % 60 + 30)  # :30, away from the edge
    budget = vendor.client.budget
    while await budget.try_acquire(INTERACTIVE):
        pass
    sim.clock.advance(seconds=second - 30)
    return budget


async def test_no_permit_within_the_deadline_gives_up_at_once_sending_nothing(
    make_vendor: Callable[..., FileVirtuelleVendor], sim: Simulator, sim_time: SimpleNamespace
) -> None:
    vendor = make_vendor(deadline_seconds=7.0)
    await spent_at(vendor, sim, sim_time, 45)  # a permit in 15 s: within the budget's 20
    sent, before = len(sim.log), sim_time.now()
    with pytest.raises(RateLimited) as refused:
        await vendor.client.customers(data.PARIS, sim.clock.now() - timedelta(hours=1), INTERACTIVE)
    assert sim_time.now() - before <= 7.0  # it used to wait the 15 s, then ask
    assert len(sim.log) == sent
    assert refused.value.retry_after and refused.value.retry_after <= 15.0


async def test_the_permit_wait_and_the_request_share_one_deadline(
    make_vendor: Callable[..., FileVirtuelleVendor], sim: Simulator, sim_time: SimpleNamespace
) -> None:
    vendor = make_vendor(deadline_seconds=2.0)
    await spent_at(vendor, sim, sim_time, 59.5)  # a permit in 0.5 s
    gate = sim.hold_responses("/customers", method="GET")  # then the vendor hangs
    try:
        before, started = sim_time.now(), time.monotonic()
        with pytest.raises(VendorTimeout):
            await vendor.client.customers(data.PARIS, sim.clock.now() - timedelta(hours=1),
                                          INTERACTIVE)
        asked = time.monotonic() - started  # real time: the request
        waited = sim_time.now() - before - asked  # the clock's own moves: the permit wait
    finally:
        gate.set()
    assert 0.4 <= waited <= 0.6  # waited for the permit, then asked
    assert asked < 1.85  # what was left of the 2 s (it used to get 2 s of its own)
