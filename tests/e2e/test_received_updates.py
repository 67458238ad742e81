"""kill -9 while an update is being handled, after Telegram was told it arrived.

Chats run concurrently, so the bot confirms a batch of updates to Telegram before
handling them (polling's next ``getUpdates``; a webhook's 200). The inbox keeps each
one from before that confirmation until it is processed, so the process that starts
next (or a standby) handles what the dead one held: the user is answered without
sending anything again.
"""

from __future__ import annotations

from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, wait_until


async def test_a_command_confirmed_to_telegram_then_killed_is_answered_after_the_restart(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    process = bot_process
    sim = world.simulators["ufirst"]
    user = world.telegram.user(3101)
    user.send_command("/start")
    await user.wait_message()
    await process.wait_processed(world)

    gate = sim.hold_responses("/reservations", method="GET")  # /my reads the vendor's list
    listed = len([r for r in sim.log if r[0] == "GET" and r[1].endswith("/reservations")])
    answered = len(user.bot_messages())
    user.send_command("/my")
    await wait_until(lambda: len([r for r in sim.log if r[0] == "GET"
                                  and r[1].endswith("/reservations")]) > listed, timeout=15)
    # Telegram has forgotten /my: the bot confirmed it with its next getUpdates
    await wait_until(lambda: not world.telegram.bot().pending_updates, timeout=10)
    assert len(user.bot_messages()) == answered  # and it is still being handled
    await process.kill()
    gate.set()

    await process.start(world)
    answer = await user.wait_message(timeout=20)
    assert "booking" in (answer.text or "").lower()  # the /my answer, nothing sent again
    await process.wait_processed(world)
    assert len(user.bot_messages()) == answered + 1  # answered once
