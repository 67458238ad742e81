"""ufirst tells the bot about its bookings through the point's one webhook.

The bot registers the webhook when it has a booking at the point, re-reads
the reservations when called, and tells the user once per change (called,
moved, cancelled) within a second of the call; the webhook goes when no
booking is left there.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.fake_telegram import FakeUser
from bot.i18n import format_time
from bot.sandbox.world import LocalWorld
from bot.vendors.ufirst.simulator import Simulator
from tests.conftest import wait_until
from tests.e2e.booking_steps import POINT, book_in_rome, day_ahead, public_env, ufirst
from tests.e2e.queue_steps import running_bot


def _ours(world: LocalWorld, env: dict[str, str]) -> list[str]:
    return [h["url"] for h in ufirst(world).webhooks_for(POINT)
            if h["url"].startswith(env["PUBLIC_URL"] + "/vendors/ufirst/events/")]


def _stored(env: dict[str, str]) -> list[str]:
    """The scopes of the subscriptions the bot has stored."""
    with contextlib.closing(sqlite3.connect(env["DATABASE_PATH"])) as db:
        return [row[0] for row in db.execute("SELECT scope FROM subscriptions")]


def _texts(user: FakeUser, word: str) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if word in (m.text or "")]


async def _told_after_the_call(sim: Simulator, user: FakeUser, change,  # type: ignore[no-untyped-def]
                                word: str) -> None:
    loop = asyncio.get_running_loop()
    calls = len(sim.webhook_calls)
    started = loop.time()
    assert change() == 1  # the point's webhook was called
    await user.wait_message(timeout=5, predicate=lambda m: word in (m.text or ""))
    elapsed = loop.time() - started
    assert len(sim.webhook_calls) > calls
    # The one second is a figure for a quiet machine; a test only checks that
    # the webhook (not a later poll) told the user, with a deadline a loaded CI survives.
    print(f"told {elapsed:.2f}s after the vendor's webhook call")


async def test_called_moved_cancelled_each_told_once_and_the_webhook_follows_the_bookings(
    world: LocalWorld, tmp_path: Path
) -> None:
    sim = ufirst(world)
    env = public_env(world, tmp_path)
    async with running_bot(world, env):
        user = world.telegram.user(411, language_code="en")
        at = day_ahead(2).replace(hour=11)
        reservation = await book_in_rome(user, env, sim, at)
        await wait_until(lambda: len(_ours(world, env)) == 1, timeout=10)

        await _told_after_the_call(sim, user, lambda: sim.call_reservation(reservation.id),
                                    "being called")
        # the same change reported again (a second call, no change): not told again
        again = len(sim.webhook_calls)
        sim.call_reservation(reservation.id)
        await wait_until(lambda: len(sim.webhook_calls) > again, timeout=5)
        assert sim.webhook_calls[-1][2] == 200

        later = at + timedelta(hours=2)
        await _told_after_the_call(sim, user, lambda: sim.move_reservation(reservation.id, later),
                                    "was moved")
        assert format_time(later, "Europe/Rome", "en") in _texts(user, "was moved")[0]
        await _told_after_the_call(sim, user, lambda: sim.cancel_reservation(reservation.id),
                                    "cancelled your booking")
        assert len(_texts(user, "being called")) == 1
        assert len(_texts(user, "was moved")) == 1
        assert len(_texts(user, "cancelled your booking")) == 1

        # no booking left at the point: the webhook is removed
        await wait_until(lambda: _ours(world, env) == [], timeout=10)
        user.send_command("/my")
        await user.wait_screen(lambda m: "no upcoming bookings" in (m.text or ""))


async def test_a_forged_secret_is_refused_and_a_restart_reuses_the_webhook(
    world: LocalWorld, tmp_path: Path
) -> None:
    import httpx

    sim = ufirst(world)
    env = public_env(world, tmp_path)
    async with running_bot(world, env):
        user = world.telegram.user(412, language_code="en")
        await book_in_rome(user, env, sim, day_ahead(2).replace(hour=12))
        await wait_until(lambda: len(_ours(world, env)) == 1, timeout=10)
        [url] = _ours(world, env)
        async with httpx.AsyncClient() as client:
            forged = await client.post(url.rsplit("/", 1)[0] + "/not-the-secret", json={})
        assert forged.status_code == 404
        await wait_until(lambda: _stored(env) == [f"bookings:{POINT}"])  # before stopping
    posts = sim.statuses("POST", f"/{POINT}/webhooks")
    async with running_bot(world, env):
        async with httpx.AsyncClient() as client:
            assert (await client.post(url, json={"pointID": POINT})).status_code == 200
    assert sim.statuses("POST", f"/{POINT}/webhooks") == posts  # reused, not created again
    assert _ours(world, env) == [url]
