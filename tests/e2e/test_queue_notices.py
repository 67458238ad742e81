"""Turn notices: exactly once across kill -9, by polling alone, and the callback routes' guard."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.notifications import callback_path, event_callback_path
from bot.sandbox.world import LocalWorld
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import BotProcess, has_data, wait_until
from tests.e2e.queue_steps import (
    card_says,
    desk_calls,
    join_by_name,
    notices,
    queue_env,
    running_bot,
    sim_of,
    snapshots,
)


async def test_kill_9_while_watched_resumes_and_sends_nothing_twice(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    for n in range(3):
        sim.add_waiting(data.PARIS, f"Walk-in {n}")
    process = BotProcess(queue_env(world, tmp_path), tmp_path / "bot.log")
    await process.start(world)
    try:
        user = world.telegram.user(611, first_name="Kim")
        card = await join_by_name(user)
        await card_says(world, user, card.message_id, "3 people before you")
        desk_calls(world)  # 2 before: Paris calls back at 2
        await world.telegram.wait_until(lambda: notices(user, "near"), timeout=10)

        await process.kill()
        desk_calls(world)
        desk_calls(world)  # Kim is next; the callbacks find nobody listening
        await process.start(world)
        await card_says(world, user, card.message_id, "You are next!", timeout=15)  # watching resumed
        desk_calls(world)
        await world.telegram.wait_until(lambda: notices(user, "called"), timeout=10)

        await process.kill()
        await process.start(world)
        polls = snapshots(world)
        seen = polls()
        await wait_until(lambda: polls() >= seen + 3, timeout=15)  # Kim is called: still watched
        assert len(notices(user, "near")) == 1 and len(notices(user, "called")) == 1
        cards = [m for m in user.bot_messages() if has_data("tk:")(m)]
        assert [c.message_id for c in cards] == [card.message_id]
        assert "Guichet 1" in notices(user, "called")[0].text
    finally:
        await process.terminate()


async def test_polling_alone_delivers_the_called_notice(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    sim.add_waiting(data.PARIS, "Walk-in")
    async with running_bot(world, queue_env(world, tmp_path, callbacks=False)):
        user = world.telegram.user(612, first_name="Pol")
        card = await join_by_name(user)
        await card_says(world, user, card.message_id, "1 person before you")
        desk_calls(world, data.PARIS_DESK_2)
        desk_calls(world, data.PARIS_DESK_1)  # Pol, at the first desk
        [called] = await world.telegram.wait_until(lambda: notices(user, "called"), timeout=10)
        assert "Guichet 1" in called.text
        await card_says(world, user, card.message_id, "Please go to Guichet 1")
    assert sim.callbacks == []  # no callback was involved


async def test_the_callback_route_wants_the_secret_and_only_triggers_a_poll(
    world: LocalWorld, tmp_path: Path
) -> None:
    env = queue_env(world, tmp_path)
    async with running_bot(world, env):
        user = world.telegram.user(613, first_name="Cal")
        card = await join_by_name(user)
        await card_says(world, user, card.message_id, "You are next!")
        base = env["PUBLIC_URL"]
        path = callback_path(env["BOT_SECRET_KEY"], "filevirtuelle")
        polls = snapshots(world)
        async with httpx.AsyncClient() as client:
            wrong = f"{base}/vendors/filevirtuelle/next/{'0' * 40}"
            assert (await client.post(wrong, json={"suborganization": data.PARIS})).status_code == 404
            assert (await client.post(f"{base}/vendors/other/next/x", json={})).status_code == 404
            assert (await client.post(f"{base}/vendors/filevirtuelle/next/é", json={})).status_code == 404
            assert (await client.get(base + path)).status_code == 405
            assert (await client.post(base + path, content=b"not json")).status_code == 400
            assert (await client.post(base + path, content=b"[" * 70_000)).status_code == 413
            seen = polls()
            odd = {"whatever": [1, {"nested": data.PARIS}], "ticket": "<script>"}
            answer = await client.post(base + path, json=odd)
            assert answer.status_code == 200
            await wait_until(lambda: polls() > seen, timeout=5)  # a trigger, nothing else
        assert not any("<script>" in (m.text or "") for m in user.bot_messages())  # data, never shown
        desk_calls(world)  # a real call: the simulator's callback reaches the bot
        await world.telegram.wait_until(lambda: notices(user, "called"), timeout=10)
        await wait_until(lambda: sim_of(world).callbacks, timeout=5)
        assert sim_of(world).callbacks[0][1] == 200


async def test_queue_callbacks_arrive_on_the_generic_route_and_the_older_one_still_answers(
    world: LocalWorld, tmp_path: Path
) -> None:
    env = queue_env(world, tmp_path)
    sim = sim_of(world)
    sim.add_waiting(data.PARIS, "Walk-in")
    key, base = env["BOT_SECRET_KEY"], env["PUBLIC_URL"]
    new, old = event_callback_path(key, "filevirtuelle"), callback_path(key, "filevirtuelle")
    assert new.startswith("/vendors/filevirtuelle/events/") and old.startswith("/vendors/filevirtuelle/next/")
    assert new.rsplit("/", 1)[1] == old.rsplit("/", 1)[1]  # one per-vendor secret, two paths
    assert sim.next_url == base + new  # what the sandbox configures is the generic route
    async with running_bot(world, env):
        user = world.telegram.user(614, first_name="Gen")
        card = await join_by_name(user)
        await card_says(world, user, card.message_id, "1 person before you")
        polls = snapshots(world)
        async with httpx.AsyncClient() as client:
            other = f"{base}/vendors/bookingsone/events/{new.rsplit('/', 1)[1]}"
            assert (await client.post(other, json={})).status_code == 404  # the secret is per vendor
            assert (await client.post(base + new, content=b"[" * 70_000)).status_code == 413
            for path in (new, old):
                seen = polls()
                answer = await client.post(base + path, json={"store": data.PARIS, "x": "<b>"})
                assert answer.status_code == 200
                await wait_until(lambda: polls() > seen, timeout=5)  # a re-poll, nothing else
        desk_calls(world, data.PARIS_DESK_2)
        desk_calls(world, data.PARIS_DESK_1)  # Gen: the simulator's own callback, on the new path
        [called] = await world.telegram.wait_until(lambda: notices(user, "called"), timeout=10)
        assert "Guichet 1" in called.text
        assert sim.callbacks and all(status == 200 for _, status in sim.callbacks)
    assert not any("<b>" in (m.text or "") for m in user.bot_messages())
