"""Watching a busy room until it frees up, through the fake Bot API and the simulator.

The bot gets a fixed web port and PUBLIC_URL, so the simulator's
subscriptions can call it back. Polling is slow (the default) unless a test
says otherwise, so a ping right after a change proves the callback did it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from bot.fake_telegram import FakeUser
from bot.i18n import format_time
from bot.sandbox.world import LocalWorld, free_port
from bot.vendors.bookingsone.simulator import Simulator
from tests.conftest import bot_env, wait_until
from tests.e2e.rooms_steps import rooms_now, sim_of
from tests.e2e.queue_steps import running_bot

ALPHA = 101  # busy when the simulator starts, until t0 + 45 min


def _env(world: LocalWorld, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = bot_env(world, tmp_path, **extra)
    port = free_port()
    env.update(WEB_PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")
    return env


async def _watch_alpha(user: FakeUser) -> None:
    answer = await rooms_now(user, "8")
    assert "Alpha" in answer.text.partition("Busy:")[2]
    user.press("🔔 Notify me when Alpha frees up", message_id=answer.message_id)
    assert "I will tell you when Alpha frees up" in (await user.wait_message()).text


def _ours(sim: Simulator, env: dict[str, str]) -> list[str]:
    return [s.id for s in sim.live_subscriptions(ALPHA) if s.url.startswith(env["PUBLIC_URL"])]


async def _called_back(sim: Simulator, status: int) -> None:
    """A change at the simulator reaches the bot's event route and gets ``status``."""
    called = len(sim.callbacks)
    sim.changed(ALPHA)
    await wait_until(lambda: len(sim.callbacks) > called, timeout=5)
    assert [c[2] for c in sim.callbacks[called:]] == [status] * (len(sim.callbacks) - called)


async def _freed_and_told(sim: Simulator, user: FakeUser, *, by_callback: bool) -> None:
    called = len(sim.callbacks)
    sim.end_now(ALPHA)
    if by_callback:
        await wait_until(lambda: len(sim.callbacks) > called, timeout=5)
        assert sim.callbacks[-1][2] == 200, sim.callbacks[-1]
    # right after the callback: the deadline allows for a loaded machine, and
    # polling (120 s by default) cannot be what sends it
    told = await user.wait_message(timeout=3)
    assert "Alpha at Zurich HQ is free now" in told.text
    until = sim.free_until(ALPHA, sim.clock.now())
    if until is not None:
        assert format_time(until, "Europe/Zurich", "en") in told.text


async def test_a_watched_room_that_frees_up_pings_after_the_callback(
        world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    env = _env(world, tmp_path)
    async with running_bot(world, env):
        user = world.telegram.user(401, language_code="en")
        await _watch_alpha(user)
        await wait_until(lambda: bool(_ours(sim, env)), timeout=5)
        await _called_back(sim, 200)  # still busy: re-read, nothing said
        url = next(s.url for s in sim.live_subscriptions(ALPHA) if s.url.startswith(env["PUBLIC_URL"]))
        async with httpx.AsyncClient() as raw:
            forged = await raw.post(url.rsplit("/", 1)[0] + "/not-the-secret", json={"ids": "101"})
            garbled = await raw.post(url, content=b"\x00not json")
            huge = await raw.post(url, content=b"[" + b"1," * 40_000 + b"1]")
        assert (forged.status_code, garbled.status_code, huge.status_code) == (404, 200, 413)
        await _freed_and_told(sim, user, by_callback=True)
        # told once: the watch ended and its secret is forgotten, so the
        # subscription's further calls are refused and cause no read
        sim.book(ALPHA, sim.clock.now(), sim.clock.now() + timedelta(minutes=5))
        await _called_back(sim, 404)
        sim.end_now(ALPHA)
        await _called_back(sim, 404)
        assert sum("free now" in (m.text or "") for m in user.bot_messages()) == 1


async def test_the_watch_outlives_expire_time_and_a_restart(world: LocalWorld,
                                                           tmp_path: Path) -> None:
    sim = sim_of(world)
    now = sim.clock.now()
    sim.book(ALPHA, now, now + timedelta(hours=4), "All-day workshop")  # stays busy
    # polling (every 0.3 s here) is how the bot sees the vendor's clock jump
    env = _env(world, tmp_path, SPACE_POLL_SECONDS="0.3")
    user = world.telegram.user(402, language_code="en")
    async with running_bot(world, env):
        await _watch_alpha(user)
        await wait_until(lambda: bool(_ours(sim, env)), timeout=5)
        first = _ours(sim, env)
        sim.clock.advance(minutes=61)  # past expireTime (60 minutes) on the vendor's clock
        assert _ours(sim, env) == []
        await wait_until(lambda: bool(_ours(sim, env)), timeout=10)  # renewed
        assert _ours(sim, env) != first
        await _called_back(sim, 200)  # the renewed subscription reaches the bot
    # stopped: the subscription and the watch are in the database; start again
    async with running_bot(world, env):
        await _called_back(sim, 200)  # the stored secret is known again
        sim.clock.advance(minutes=61)
        await wait_until(lambda: bool(_ours(sim, env)), timeout=10)  # renewed after restart
        await _freed_and_told(sim, user, by_callback=False)
    assert sum("free now" in (m.text or "") for m in user.bot_messages()) == 1
