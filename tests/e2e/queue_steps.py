"""Shared steps of the queue end-to-end tests (not collected: no ``test_`` prefix)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld, free_port
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.simulator import Simulator
from tests.conftest import RunningBot, bot_env, has_data, wait_until

PARIS, LYON = "Maison Exemple Paris", "Maison Exemple Lyon"
STAFF_ID = 900  # in STAFF_IDS of every test bot
POLL = "0.2"  # QUEUE_POLL_MIN_SECONDS in these tests


def sim_of(world: LocalWorld) -> Simulator:
    return world.simulators["filevirtuelle"]  # type: ignore[return-value]


def queue_env(world: LocalWorld, tmp_path: Path, *, callbacks: bool = True, **extra: str) -> dict[str, str]:
    """A bot environment with fast polling and a fixed web port; the simulator's
    ``next_url`` points at the bot's callback route (or nowhere)."""
    env = bot_env(world, tmp_path, QUEUE_POLL_MIN_SECONDS=POLL, **extra)
    port = free_port()
    env.update(WEB_PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")
    if callbacks:
        world.point_callbacks(env["PUBLIC_URL"], env["BOT_SECRET_KEY"])
    else:
        sim_of(world).next_url = ""
    return env


@asynccontextmanager
async def running_bot(world: LocalWorld, env: dict[str, str],
                      clock: Callable[[], datetime] | None = None) -> AsyncIterator[RunningBot]:
    """The bot in the test's loop (like the ``bot`` fixture) with ``env`` (and ``clock``)."""
    saved = {name: os.environ.get(name) for name in env}
    bot = RunningBot(env, Path(env["DATABASE_PATH"]), clock)
    await bot.start(world)
    try:
        yield bot
    finally:
        await bot.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def join_by_name(user: FakeUser, store: str = PARIS, path: tuple[str, ...] = ("Order pickup",)) -> BotMessage:
    """/queue → store → choices → the one-tap name: the ticket card."""
    user.send_command("/queue")
    screen = await user.wait_screen(has_data("q:site:"))
    user.press(store, message_id=screen.message_id)
    for label in path:
        screen = await user.wait_screen(has_data("q:ch:"))
        user.press(label, message_id=screen.message_id)
    prompt = await user.wait_screen(has_data("q:use:"))
    user.press(f"Use “{user.user.first_name}”", message_id=prompt.message_id)
    return await user.wait_message(predicate=has_data("tk:refresh:"))


async def staff_next(staff: FakeUser, *, desk: str | None = None) -> BotMessage:
    """/next; the first time, pick Paris and ``desk``. The answer to the staff member."""
    staff.send_command("/next")
    if desk is not None:
        sites = await staff.wait_screen(has_data("st:s:"))
        staff.press(PARIS, message_id=sites.message_id)
        desks = await staff.wait_screen(has_data("st:d:"))
        staff.press(desk, message_id=desks.message_id)
    return await staff.wait_screen(has_data("st:next"))


def current(user: FakeUser, message_id: int) -> BotMessage:
    return next(m for m in user.bot_messages(include_deleted=True) if m.message_id == message_id)


async def card_says(world: LocalWorld, user: FakeUser, card_id: int, words: str, timeout: float = 10) -> BotMessage:
    await world.telegram.wait_until(lambda: words in (current(user, card_id).text or ""), timeout=timeout)
    return current(user, card_id)


def notices(user: FakeUser, kind: str) -> list[BotMessage]:
    """Turn notices received: ``near`` or ``called``."""
    words = {"near": "your turn is near (ticket", "called": ": it's your turn! Ticket"}[kind]
    return [m for m in user.bot_messages() if words in (m.text or "")]


def snapshots(world: LocalWorld) -> Callable[[], int]:
    """How many queue snapshots the bot took so far (GET /customers)."""
    sim = sim_of(world)
    return lambda: len(sim.requests("GET", "/customers"))


def desk_calls(world: LocalWorld, desk: str = data.PARIS_DESK_1, store: str = data.PARIS) -> dict:
    """A desk calls the next customer at the vendor, as a desk device would (not via the bot)."""
    return sim_of(world).queues.next({"desk": desk, "suborganization": store})


async def more_rounds(world: LocalWorld, count: int = 3) -> None:
    """Until the bot took ``count`` more snapshots of the queue (the way to let time pass)."""
    polls = snapshots(world)
    seen = polls()
    await wait_until(lambda: polls() >= seen + count, timeout=15)


async def join_behind(world: LocalWorld, user: FakeUser, walk_ins: int) -> BotMessage:
    """``walk_ins`` people registered at the Paris kiosk, then ``user`` joins: their card,
    once it shows the people before them."""
    for n in range(walk_ins):
        sim_of(world).add_waiting(data.PARIS, f"Walk-in {n}")
    card = await join_by_name(user)
    ahead = "1 person before you" if walk_ins == 1 else f"{walk_ins} people before you"
    return await card_says(world, user, card.message_id, ahead)


async def marked_blocked(bot: RunningBot, user_id: int, blocked: bool = True) -> None:
    """Until the bot's database says ``user_id`` blocked the bot (or no longer has)."""
    def read() -> bool:
        with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
            row = db.execute("SELECT blocked_bot FROM users WHERE telegram_id = ?", (user_id,)).fetchone()
        return row is not None and bool(row[0]) == blocked

    async def poll() -> None:
        while not await asyncio.to_thread(read):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout=10)


def notices_claimed(bot: RunningBot, ticket_owner: int) -> list[str]:
    """The turn notices claimed for ``ticket_owner``'s tickets (sent or refused)."""
    with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
        rows = db.execute("SELECT n.notice FROM ticket_notices n JOIN tickets t ON t.id = n.ticket_id"
                          " WHERE t.owner = ?", (ticket_owner,)).fetchall()
    return sorted(notice for (notice,) in rows)
