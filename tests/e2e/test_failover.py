"""Two bot processes on one PostgreSQL: the leader dies mid-booking, the standby
takes over within 5 s and the user finishes the booking, booked once, told once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, _polls, book_until_summary, bot_env, wait_until
from tests.storage.engines import postgres_database


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url


async def test_standby_finishes_the_booking_the_killed_leader_started(
    world: LocalWorld, tmp_path: Path, pg_url: str
) -> None:
    from bot.runtime import pseudonym

    env = bot_env(world, tmp_path, DATABASE_URL=pg_url)
    leader = BotProcess(env, tmp_path / "leader.log")
    standby = BotProcess(env, tmp_path / "standby.log")
    try:
        await leader.start(world)
        await standby.start_until(world, lambda: "web server on" in standby.logs())
        sim = world.simulators["ufirst"]
        who = pseudonym(env["BOT_SECRET_KEY"], 405)
        user = world.telegram.user(405, language_code="en")
        summary = await book_until_summary(user)
        assert "leader after" not in standby.logs()  # it stood by all along
        # Killed between two steps, once the last one is durable: PTB's polling confirms
        # an update to Telegram when it fetches the next ones, so a kill inside a step
        # may lose that step with any process, leader or not.
        await _processed(pg_url, world.telegram.bot().next_update_id - 1)

        polls = _polls(world)
        await leader.kill()
        killed = time.monotonic()
        await wait_until(lambda: _polls(world) > polls, timeout=15)
        takeover = time.monotonic() - killed
        print(f"takeover after kill -9 of the leader: {takeover:.2f} s")
        assert takeover < 5

        user.press("Confirm", message_id=summary.message_id)
        receipt = await user.wait_screen(lambda m: "You are booked" in (m.text or ""), timeout=20)
        [reservation] = sim.reservations_for(who)
        assert reservation.label in receipt.text
        receipts = [m for m in user.bot_messages() if "You are booked" in (m.text or "")]
        assert len(receipts) == 1
    finally:
        await leader.terminate()
        await standby.terminate()


async def _processed(url: str, update_id: int, timeout: float = 10) -> None:
    """Until the bot marked ``update_id`` processed (its effects are committed)."""
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout
        while (await conn.fetchval("SELECT MAX(update_id) FROM processed_updates") or 0) < update_id:
            assert time.monotonic() < deadline, f"update {update_id} not processed in time"
            await asyncio.sleep(0.02)
    finally:
        await conn.close()
