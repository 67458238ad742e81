"""Polling keeps in the inbox only the updates still running when it confirms them.

A quick step is committed as processed before its batch is confirmed to Telegram, so
it needs no inbox transaction; a step still waiting on a vendor then is kept, and
confirmed only once kept (tests/e2e/test_received_updates.py kills the bot then).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest

from bot.app import receiving
from bot.sandbox.world import LocalWorld
from bot.storage import Inbox
from tests.conftest import RunningBot, wait_until


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the updates written to the inbox, in order."""
    ids: list[int] = []
    receive = Inbox.receive

    async def spy(self: Inbox, updates: Sequence[tuple[int, dict[str, Any]]],
                  settled: Sequence[int] = ()) -> None:
        await receive(self, updates, settled)
        ids.extend(update_id for update_id, _ in updates)

    monkeypatch.setattr(Inbox, "receive", spy)
    return ids


async def test_a_quick_step_skips_the_inbox_and_a_slow_one_is_kept_before_confirmed(
    world: LocalWorld, bot: RunningBot, kept: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Quick" is a matter of the deadline: 25 ms is long for /start on a loaded test
    # machine (a first /start is the slowest step), 2 s is not.
    monkeypatch.setattr(receiving, "KEEP_AFTER_SECONDS", 2.0)
    telegram = world.telegram.bot()
    user = world.telegram.user(3201)
    user.send_command("/start")
    await user.wait_message()
    quick = telegram.next_update_id - 1
    await wait_until(lambda: not telegram.pending_updates, timeout=10)  # confirmed
    assert quick not in kept

    sim = world.simulators["ufirst"]
    gate = sim.hold_responses("/reservations", method="GET")  # /my waits on the vendor
    answered = len(user.bot_messages())
    user.send_command("/my")
    slow = telegram.next_update_id - 1
    await wait_until(lambda: not telegram.pending_updates, timeout=10)
    assert slow in kept  # kept before Telegram was told it arrived
    assert len(user.bot_messages()) == answered  # still running
    assert inbox_ids(bot) == [slow]
    gate.set()
    await wait_until(lambda: len(user.bot_messages()) > answered, timeout=15)
    await wait_until(lambda: not inbox_ids(bot), timeout=15)  # its commit took it out
    assert kept.count(slow) == 1


def inbox_ids(bot: RunningBot) -> list[int]:
    with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
        return [row[0] for row in db.execute("SELECT update_id FROM inbox")]
