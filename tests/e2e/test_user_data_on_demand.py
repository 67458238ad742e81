"""User data on demand: an idle user's data leaves memory and comes back intact."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import pytest

from bot.app.durable import DurableApplication
from bot.sandbox.world import LocalWorld
from bot.storage import DatabasePersistence
from tests.conftest import RunningBot, has_data, wait_until


async def settled(world: LocalWorld, bot: RunningBot) -> None:
    """Until every update sent so far is processed and committed (its user idle again)."""
    last = world.telegram.bot().next_update_id - 1

    def done() -> bool:  # a read (WAL): it never waits on the bot's writes
        with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
            row = db.execute("SELECT MAX(update_id) FROM processed_updates").fetchone()
        return row[0] is not None and row[0] >= last

    await wait_until(done, timeout=30, interval=0.02)


async def test_drafts_and_language_survive_being_dropped_from_memory(
    world: LocalWorld, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    forgotten: list[int] = []
    forget = DatabasePersistence.forget

    def spy(self: DatabasePersistence, kind: str, item_id: int, data: Any) -> bool:
        done = forget(self, kind, item_id, data)
        if done and kind == "user":
            forgotten.append(item_id)
        return done

    monkeypatch.setattr(DatabasePersistence, "forget", spy)
    # Only the latest user's data stays in memory: the other one's is dropped after
    # each of their steps and read again at their next.
    monkeypatch.setattr(DurableApplication, "resident_limit", 2)
    anna = world.telegram.user(501, first_name="Anna", language_code="en")
    ben = world.telegram.user(502, first_name="Ben", language_code="en")
    anna.send_command("/language")
    menu = await anna.wait_screen(has_data("lang:"))
    anna.press("Italiano", message_id=menu.message_id)
    await anna.wait_screen(lambda m: "italiano" in (m.text or "").lower())

    for user in (anna, ben):
        user.send_command("/book")
    screens = {}
    for user in (anna, ben):
        screen = await user.wait_screen(lambda m: has_data("bk:biz:")(m) or has_data("bk:site:")(m))
        if has_data("bk:biz:")(screen):
            user.press("Ufirst Demo", message_id=screen.message_id)
            screen = await user.wait_screen(has_data("bk:site:"))
        screens[user.id] = screen
    await settled(world, bot)
    for user in (anna, ben):  # each step of one follows a step of the other
        user.press("Roma Termini", message_id=screens[user.id].message_id)
        screens[user.id] = await user.wait_screen(has_data("bk:svc:"))
        await settled(world, bot)
    for user in (anna, ben):
        user.press("Registry office", message_id=screens[user.id].message_id)
        screens[user.id] = await user.wait_screen(has_data("bk:day:"))
        await settled(world, bot)
    for user in (anna, ben):
        days = screens[user.id]
        user.press(days.labels[0], message_id=days.message_id)
        screens[user.id] = await user.wait_screen(has_data("bk:slot:"))  # the draft was read back

    assert {anna.id, ben.id} <= set(forgotten)
    anna.send_command("/start")
    assert (await anna.wait_screen()).text.startswith("Ciao Anna")
    ben.send_command("/start")
    assert (await ben.wait_screen()).text.startswith("Hello Ben")
