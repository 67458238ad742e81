"""The process's budget for a key lives as long as a client uses it.

Clients of one key at one server share one budget (the limit is the key's). Once the last
of them closes, the budget goes: a later client (a test's bot after another's, on a
simulator that got the same port) must not inherit a minute the previous one spent.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.vendors.filevirtuelle.budget import Priority
from bot.vendors.filevirtuelle.client import FileVirtuelleClient
from bot.vendors.filevirtuelle.config import Settings
from bot.vendors.filevirtuelle.simulator import Simulator


async def test_clients_share_a_budget_and_the_last_one_out_drops_it(
    sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(sim)
    first, second = FileVirtuelleClient(settings), FileVirtuelleClient(settings)
    assert first.budget is second.budget  # one key, one limit
    spent = first.budget
    spent.limit = 3
    while await spent.try_acquire(Priority.INTERACTIVE):
        pass
    await first.aclose()
    meanwhile = FileVirtuelleClient(settings)
    assert meanwhile.budget is spent  # still in use by the second
    await meanwhile.aclose()
    await second.aclose()
    third = FileVirtuelleClient(settings)
    try:
        assert third.budget is not spent
        third.budget.limit = 3
        assert await third.budget.try_acquire(Priority.INTERACTIVE)  # a fresh minute
    finally:
        await third.aclose()
