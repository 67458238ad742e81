"""A real bot process: kill -9 mid-conversation, restart, carry on; logs keep secrets."""

from __future__ import annotations

import re

from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, book_until_summary, has_data, start_booking, wait_until


async def test_kill_9_keeps_language_and_the_unfinished_booking(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    user = world.telegram.user(401, first_name="Gio", language_code="en")
    user.send_command("/language")
    menu = await user.wait_screen(has_data("lang:"))
    user.press("Italiano", message_id=menu.message_id)
    await user.wait_screen(lambda m: "italiano" in (m.text or "").lower())

    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))

    await bot_process.wait_processed(world)
    await bot_process.kill()
    await bot_process.start(world)

    user.press("Registry office")  # the flow goes on where it stopped
    days = await user.wait_screen(has_data("bk:day:"))
    assert days.message_id  # the day step, in the persisted conversation
    user.send_command("/start")
    assert (await user.wait_screen()).text.startswith("Ciao Gio")


async def test_logs_of_a_full_conversation_hold_no_secret(world: LocalWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import bot_env

    env = bot_env(world, tmp_path, LOG_LEVEL="DEBUG")
    process = BotProcess(env, tmp_path / "debug.log")
    await process.start(world)
    try:
        user = world.telegram.user(402, language_code="en")
        user.send_command("/start")
        await user.wait_screen()
        await start_booking(user, "Ufirst Demo")
        user.press("Roma Termini")
        await user.wait_screen(has_data("bk:svc:"))
        user.press("Registry office")
        await user.wait_screen(has_data("bk:day:"))
        user.send_command("/my")
        await user.wait_screen(lambda m: "bookings" in (m.text or ""))
    finally:
        await process.terminate()
    logs = process.logs()
    assert "update=" in logs and "vendor=ufirst" in logs  # the log did capture the conversation
    secrets = {name: value for name, value in env.items()
               if any(word in name for word in ("TOKEN", "SECRET", "KEY", "EMAIL"))}
    secrets["bot token secret part"] = env["TELEGRAM_BOT_TOKEN"].split(":", 1)[1]
    assert secrets
    for name, value in secrets.items():
        assert value not in logs, f"{name} leaked into the logs"
    raw_id = re.compile(r"(?<![\d,:.])402(?!\d)")  # not inside a timestamp's milliseconds
    assert not raw_id.search(logs), "raw Telegram user id in the logs"


async def test_crash_while_the_vendor_books_never_books_twice(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    """The vendor books but its answer never reaches us (kill -9 meanwhile):
    after restart the user taps Confirm again, and the bot finds that
    reservation instead of making a second one."""
    from bot.runtime import pseudonym

    sim = world.simulators["ufirst"]
    who = pseudonym(bot_process.env["BOT_SECRET_KEY"], 403)
    user = world.telegram.user(403, language_code="en")
    summary = await book_until_summary(user)

    gate = sim.hold_responses("/reservations")
    user.press("Confirm", message_id=summary.message_id)
    await wait_until(lambda: len(sim.reservations_for(who)) == 1, timeout=20)  # vendor state, polled
    await bot_process.kill()
    gate.set()

    await bot_process.start(world)
    user.press("Confirm", message_id=summary.message_id)
    receipt = await user.wait_screen(lambda m: "You are booked" in (m.text or ""), timeout=20)
    [reservation] = sim.reservations_for(who)
    assert reservation.label in receipt.text


async def test_a_booking_left_pending_by_a_crash_is_settled_after_restart(
    world: LocalWorld, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    """Without any tap: shortly after the restart the bot asks the vendor and
    sends the receipt the user missed."""
    from bot.runtime import pseudonym
    from tests.conftest import bot_env

    process = BotProcess(bot_env(world, tmp_path, PENDING_RECOVERY_DELAY="0.2"), tmp_path / "bot.log")
    await process.start(world)
    try:
        sim = world.simulators["ufirst"]
        who = pseudonym(process.env["BOT_SECRET_KEY"], 404)
        user = world.telegram.user(404, language_code="fr")
        summary = await book_until_summary(user, day=1)

        gate = sim.hold_responses("/reservations")
        user.press(summary.labels[0], message_id=summary.message_id)
        await wait_until(lambda: len(sim.reservations_for(who)) == 1, timeout=20)  # vendor state, polled
        await process.kill()
        gate.set()
        await process.start(world)

        [reservation] = sim.reservations_for(who)
        receipt = await user.wait_screen(lambda m: reservation.label in (m.text or ""), timeout=20)
        assert receipt.text.startswith("✅")
        assert len(sim.reservations_for(who)) == 1
    finally:
        await process.terminate()
