"""Two bot processes on one PostgreSQL: the leader dies mid-booking, mid-broadcast or
while somebody waits in a queue; the standby takes over within 5 s and finishes: booked
once, told once, every broadcast recipient reached once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.fake_telegram.errors import too_many_requests
from bot.sandbox.world import LocalWorld
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import BotProcess, _polls, book_until_summary, bot_env, wait_until
from tests.e2e.queue_steps import desk_calls, join_by_name, more_rounds, notices, queue_env
from tests.e2e.test_broadcast import copies, customers, send_broadcast
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


async def _pair(world: LocalWorld, env: dict[str, str], tmp_path: Path) -> tuple[BotProcess, BotProcess]:
    leader = BotProcess(env, tmp_path / "leader.log")
    standby = BotProcess(env, tmp_path / "standby.log")
    await leader.start(world)
    await standby.start_until(world, lambda: "web server on" in standby.logs())
    return leader, standby


async def _kill_and_time_takeover(world: LocalWorld, leader: BotProcess, what: str) -> float:
    polls = _polls(world)
    await leader.kill()
    killed = time.monotonic()
    await wait_until(lambda: _polls(world) > polls, timeout=15)
    takeover = time.monotonic() - killed
    print(f"takeover after kill -9 of the leader {what}: {takeover:.2f} s")
    return takeover


async def _outbox(url: str, kind: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch("SELECT chat_id, state, updated_at FROM outbox WHERE kind = $1",
                                kind)
    finally:
        await conn.close()


async def _until_outbox(url: str, kind: str, done, timeout: float = 60):  # type: ignore[no-untyped-def]
    """Poll the outbox rows of ``kind`` until ``done(rows)``; the rows then."""
    deadline = time.monotonic() + timeout
    while not done(rows := await _outbox(url, kind)):
        assert time.monotonic() < deadline, f"outbox not settled: {[tuple(r) for r in rows]}"
        await asyncio.sleep(0.1)
    return rows


async def test_standby_finishes_the_broadcast_the_killed_leader_was_sending(
    world: LocalWorld, tmp_path: Path, pg_url: str
) -> None:
    """Killed halfway, while a flood wait holds the sender (nothing in flight): the
    standby sends the rest, and each of the 50 gets the message exactly once."""
    text = "Boiler repair on Friday"
    env = bot_env(world, tmp_path, DATABASE_URL=pg_url, BROADCAST_RATE="10")
    leader, standby = await _pair(world, env, tmp_path)
    try:
        ids = await customers(world, 7000, 50)
        await send_broadcast(world, text)
        delivered = lambda: sum(copies(world, u, text) for u in ids)  # noqa: E731
        await wait_until(lambda: delivered() >= 15, timeout=30)
        world.telegram.fail("sendMessage", too_many_requests(3))
        await wait_until(lambda: not world.telegram.faults.get("sendmessage"), timeout=20)
        await _until_outbox(pg_url, "broadcast", lambda rows: not any(
            r["state"] == "sending" for r in rows), timeout=20)
        before = delivered()
        assert 15 <= before < len(ids)  # really halfway
        assert await _kill_and_time_takeover(world, leader, "mid-broadcast") < 5

        await _until_outbox(pg_url, "broadcast", lambda rows: all(
            r["state"] not in ("queued", "sending") for r in rows))
        assert [copies(world, u, text) for u in ids] == [1] * len(ids)
        print(f"broadcast: {before} sent by the leader, {len(ids) - before} by the standby")
        assert "leader after" in standby.logs()
    finally:
        await leader.terminate()
        await standby.terminate()


async def test_a_kill_in_the_middle_of_a_send_loses_at_most_the_group_in_flight(
    world: LocalWorld, tmp_path: Path, pg_url: str
) -> None:
    """Killed wherever the sender is: nothing is sent twice; a recipient whose row the dead
    leader had claimed (two groups: one sending, the next claimed meanwhile; a quarter
    second of sending each) may go without, and that
    row stays claimed, then uncertain, never silently dropped; everyone else gets it once."""
    text = "Lift out of order"
    env = bot_env(world, tmp_path, DATABASE_URL=pg_url, BROADCAST_RATE="10")
    leader, standby = await _pair(world, env, tmp_path)
    try:
        ids = await customers(world, 7100, 50)
        await send_broadcast(world, text)
        await wait_until(lambda: sum(copies(world, u, text) for u in ids) >= 15, timeout=30)
        await leader.kill()
        killed = time.time()

        def settled(rows: list[asyncpg.Record]) -> bool:  # the standby's part is done
            return all(r["state"] != "queued" and not (
                r["state"] == "sending" and _stamp(r["updated_at"]) > killed) for r in rows)

        rows = await _until_outbox(pg_url, "broadcast", settled)
        claimed_by_the_dead = {r["chat_id"] for r in rows if r["state"] == "sending"}
        got = {u: copies(world, u, text) for u in ids}
        assert max(got.values()) == 1  # nothing doubled
        assert len(claimed_by_the_dead) <= 2 * 2  # two groups of two at 10/s
        assert all(n == 1 for u, n in got.items() if u not in claimed_by_the_dead)
        missed = [u for u, n in got.items() if n == 0]
        assert set(missed) <= claimed_by_the_dead
        print(f"kill mid-send: {len(claimed_by_the_dead)} in flight, {len(missed)} missed")
    finally:
        await leader.terminate()
        await standby.terminate()


def _stamp(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


async def test_standby_tells_the_waiting_customer_they_are_called_once(
    world: LocalWorld, tmp_path: Path, pg_url: str
) -> None:
    """In a FileVirtuelle queue when the leader dies; the desk calls them meanwhile; the
    standby takes over watching and tells them once (no near notice again)."""
    env = queue_env(world, tmp_path, callbacks=False, DATABASE_URL=pg_url)
    env["WEB_PORT"] = "0"  # two processes on one machine; polling alone follows the queue
    sim = world.simulators["filevirtuelle"]
    for n in range(3):
        sim.add_waiting(data.PARIS, f"Walk-in {n}")  # type: ignore[attr-defined]
    leader, standby = await _pair(world, env, tmp_path)
    try:
        user = world.telegram.user(712, first_name="Ada")
        card = await join_by_name(user)
        desk_calls(world)  # 2 before: the near notice
        await world.telegram.wait_until(lambda: notices(user, "near"), timeout=15)
        await _processed(pg_url, world.telegram.bot().next_update_id - 1)
        polls = _polls(world)
        await leader.kill()
        killed = time.monotonic()
        for _ in range(3):
            desk_calls(world)  # the last call is Ada's, while nobody leads
        await wait_until(lambda: _polls(world) > polls, timeout=15)
        takeover = time.monotonic() - killed
        print(f"takeover after kill -9 of the leader mid-queue-wait: {takeover:.2f} s")
        assert takeover < 5
        await world.telegram.wait_until(lambda: notices(user, "called"), timeout=20)
        await more_rounds(world)
        assert len(notices(user, "near")) == 1 and len(notices(user, "called")) == 1
        cards = [m for m in user.bot_messages() if any(
            d and d.startswith("tk:") for row in m.callback_data for d in row)]
        assert [c.message_id for c in cards] == [card.message_id]
    finally:
        await leader.terminate()
        await standby.terminate()
