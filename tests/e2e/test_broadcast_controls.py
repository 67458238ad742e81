"""Pause / Resume / Stop of a broadcast pressed late, from an older broadcast, or by a
customer: each press is answered, and acts on its own broadcast or on nothing.

The presses go through the fake Bot API as Telegram sends them (``press_data`` for
copied or forged payloads); what changed is read back from the database (the
broadcast's state, its outbox rows) and from what the fake Telegram delivered.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fake_telegram import BotMessage
from bot.sandbox.world import LocalWorld
from bot.ui.callbacks import BroadcastControl
from tests.conftest import RunningBot, bot_running, wait_until
from tests.e2e.button_steps import STALE, answers, only_toasts
from tests.e2e.test_broadcast import STAFF, copies, customers, send_broadcast

NOT_STAFF = "Sorry, this is only for staff."


def control(action: str, broadcast: int) -> str:
    return BroadcastControl(action=action, broadcast=broadcast).encode()  # type: ignore[arg-type]


def state(bot: RunningBot, broadcast: int) -> str:
    with contextlib.closing(sqlite3.connect(bot.env["DATABASE_PATH"], timeout=30)) as db:
        return db.execute("SELECT state FROM broadcasts WHERE id = ?", (broadcast,)).fetchone()[0]


def rows(bot: RunningBot, broadcast: int) -> dict[str, int]:
    """How many of the broadcast's outbox rows are in each state."""
    with contextlib.closing(sqlite3.connect(bot.env["DATABASE_PATH"], timeout=30)) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM outbox WHERE batch = ? GROUP BY state",
                               (f"broadcast:{broadcast}",)).fetchall())


def number_of(world: LocalWorld, progress: int) -> int:
    """The broadcast's id, read from its progress message ("📣 Broadcast #7: ...")."""
    match = re.search(r"#(\d+)", screen(world, progress).text or "")
    assert match is not None
    return int(match.group(1))


async def broadcast(world: LocalWorld, text: str) -> tuple[int, int]:
    """Staff broadcasts ``text``: its progress message, and the broadcast's id."""
    progress = await send_broadcast(world, text)
    return progress, number_of(world, progress)


def screen(world: LocalWorld, message_id: int) -> BotMessage:
    return next(m for m in world.telegram.user(STAFF).bot_messages() if m.message_id == message_id)


async def ended(world: LocalWorld, progress: int, label: str) -> None:
    """Until the progress message shows the broadcast ended: no more edits, no buttons."""
    await wait_until(lambda: label in (screen(world, progress).text or "")
                     and not screen(world, progress).buttons, timeout=30)


async def controls(world: LocalWorld, progress: int, action: str) -> str:
    """The callback data of the progress message's ``action`` button, once it shows."""
    def found() -> str | None:
        return next((d for row in screen(world, progress).callback_data for d in row
                     if d and d.startswith(f"bc:ctl:{action}:")), None)
    await wait_until(lambda: found() is not None, timeout=20)
    data = found()
    assert data is not None
    return data


@pytest.fixture
async def slow_bot(world: LocalWorld, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    """One message a second: a broadcast to a few people is still sending while we press."""
    async with bot_running(world, tmp_path, monkeypatch, BROADCAST_RATE="1") as running:
        yield running


async def test_controls_of_a_finished_broadcast_are_stale_and_change_nothing(
        world: LocalWorld, bot: RunningBot) -> None:
    ids = await customers(world, 7000, 5)
    staff = world.telegram.user(STAFF)
    progress, finished = await broadcast(world, "Open late tonight")
    await ended(world, progress, "Finished.")
    assert state(bot, finished) == "done"
    sent = rows(bot, finished)
    assert sent == {"sent": len(ids) + 1}
    presses = [(None, control(action, finished)) for action in ("pause", "stop", "resume")]
    await only_toasts(staff, presses, STALE)
    assert state(bot, finished) == "done" and rows(bot, finished) == sent
    assert [copies(world, u, "Open late tonight") for u in ids] == [1] * len(ids)


async def test_controls_of_a_stopped_broadcast_are_stale_and_change_nothing(
        world: LocalWorld, slow_bot: RunningBot) -> None:
    ids = await customers(world, 7100, 6)
    staff = world.telegram.user(STAFF)
    progress, stopped = await broadcast(world, "Never mind")
    pause, stop = await controls(world, progress, "pause"), await controls(world, progress, "stop")
    assert await answers(staff, stop, progress) == "Stopped."
    assert state(slow_bot, stopped) == "stopped"
    before = rows(slow_bot, stopped)
    assert before.get("cancelled", 0) > 0 and not before.get("held") and not before.get("queued")
    await wait_until(lambda: not rows(slow_bot, stopped).get("sending"), timeout=20)
    await ended(world, progress, "Stopped.")
    before = rows(slow_bot, stopped)
    delivered = [copies(world, u, "Never mind") for u in ids]
    presses = [(progress, pause), (progress, stop), (progress, control("resume", stopped))]
    await only_toasts(staff, presses, STALE)
    assert state(slow_bot, stopped) == "stopped" and rows(slow_bot, stopped) == before
    assert [copies(world, u, "Never mind") for u in ids] == delivered


async def test_an_older_broadcasts_controls_never_touch_the_newer_one(
        world: LocalWorld, slow_bot: RunningBot) -> None:
    ids = await customers(world, 7200, 6)
    staff = world.telegram.user(STAFF)
    first, older = await broadcast(world, "First notice")
    older_pause = await controls(world, first, "pause")
    assert await answers(staff, older_pause, first) == "Paused."
    assert state(slow_bot, older) == "paused"
    older_resume, older_stop = await controls(world, first, "resume"), await controls(world, first, "stop")

    second, newer = await broadcast(world, "Second notice")
    assert newer != older
    await controls(world, second, "pause")
    assert state(slow_bot, newer) == "sending"

    # The older one's Stop stops the older one only.
    assert await answers(staff, older_stop, first) == "Stopped."
    assert state(slow_bot, older) == "stopped"
    assert state(slow_bot, newer) == "sending"
    assert not {"held", "cancelled"} & set(rows(slow_bot, newer))
    # Its Pause and Resume (from before and after the pause) are stale now.
    for data in (older_pause, older_resume, older_stop):
        assert await answers(staff, data, first) == STALE, data
        assert state(slow_bot, older) == "stopped"
        assert state(slow_bot, newer) in ("sending", "done")
        assert not {"held", "cancelled"} & set(rows(slow_bot, newer))

    # The newer one went on to everybody, exactly once.
    await wait_until(lambda: state(slow_bot, newer) == "done", timeout=40)
    assert set(rows(slow_bot, newer)) == {"sent"}
    assert [copies(world, u, "Second notice") for u in ids] == [1] * len(ids)


async def test_a_customer_pressing_copied_controls_is_refused_and_changes_nothing(
        world: LocalWorld, slow_bot: RunningBot) -> None:
    ids = await customers(world, 7300, 6)
    staff, customer = world.telegram.user(STAFF), world.telegram.user(ids[0])
    progress, running = await broadcast(world, "Staff only controls")
    pause, stop = await controls(world, progress, "pause"), await controls(world, progress, "stop")
    for data in (pause, stop):
        assert await answers(customer, data) == NOT_STAFF, data
        assert state(slow_bot, running) == "sending"
        assert not {"held", "cancelled"} & set(rows(slow_bot, running))

    assert await answers(staff, pause, progress) == "Paused."
    held = rows(slow_bot, running)
    resume = await controls(world, progress, "resume")
    for data in (resume, stop):
        assert await answers(customer, data) == NOT_STAFF, data
        assert state(slow_bot, running) == "paused"
        assert not rows(slow_bot, running).get("cancelled")
        assert rows(slow_bot, running).get("held") == held.get("held")

    assert await answers(staff, resume, progress) == "Sending…"
    await wait_until(lambda: state(slow_bot, running) == "done", timeout=40)
    assert [copies(world, u, "Staff only controls") for u in ids] == [1] * len(ids)
