"""/my → Cancel while ufirst hangs on the DELETE: the user is told the system is slow,
and the retry once the vendor answers (a 404: the first call did cancel) says it is
cancelled, and the bot's own record and reminders are cancelled with it."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, RunningBot, book_until_summary, has_data, wait_until
from tests.e2e.test_forget import settled


def states(database: Path) -> tuple[list[str], list[str]]:
    """The states of the stored bookings and of their reminders in the outbox."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        bookings = [s for (s,) in db.execute("SELECT state FROM bookings")]
        reminders = [s for (s,) in db.execute("SELECT state FROM outbox WHERE kind = 'reminder'")]
    return bookings, reminders


async def test_a_cancel_whose_answer_was_lost_is_cancelled_on_the_retry(
    world: LocalWorld, bot: RunningBot
) -> None:
    ufirst = world.simulators["ufirst"]
    lena = world.telegram.user(864209811, first_name="Lena", language_code="en")
    who = pseudonym(bot.env["BOT_SECRET_KEY"], lena.id)
    summary = await book_until_summary(lena, day=2)  # far enough for pending reminders
    lena.press(summary.labels[0], message_id=summary.message_id)
    await lena.wait_message(predicate=has_data("my:cancel:"))
    await settled(bot, world)
    assert states(bot.database)[0] == ["confirmed"] and states(bot.database)[1]
    assert "cancelled" not in states(bot.database)[1]

    lena.send_command("/my")
    listing = await lena.wait_screen(lambda m: "upcoming bookings" in (m.text or ""))
    lena.press("✖ Cancel #1", message_id=listing.message_id)
    confirm = await lena.wait_screen(has_data("my:cancel!:"))
    gate = ufirst.hold_responses("/reservations/", method="DELETE")  # cancelled, no answer
    try:
        pressed = time.monotonic()
        lena.press("Yes, cancel it", message_id=confirm.message_id)
        slow = await lena.wait_screen(lambda m: "slow" in (m.text or ""), timeout=10)
        assert time.monotonic() - pressed < 10 and not gate.is_set()
        assert "Traceback" not in slow.text
    finally:
        gate.set()
    assert [r for r in ufirst.reservations_for(who) if r.state != "cancelled"] == []  # done there

    lena.press("✖ Cancel #1", message_id=listing.message_id)  # the retry: /my's button again
    confirm = await lena.wait_screen(has_data("my:cancel!:"))
    lena.press("Yes, cancel it", message_id=confirm.message_id)
    done = await lena.wait_screen(lambda m: m.message_id == confirm.message_id and not m.buttons)
    assert done.text.startswith("Cancelled"), done.text  # not "no longer available"
    await settled(bot, world)
    bookings, reminders = states(bot.database)
    assert bookings == ["cancelled"] and reminders and set(reminders) == {"cancelled"}

    lena.send_command("/my")
    assert "no upcoming bookings" in (await lena.wait_message()).text


async def test_a_cancel_killed_inside_the_vendor_call_is_cancelled_after_the_restart(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    """kill -9 while ufirst holds the DELETE it has done: the press was kept in the inbox,
    so after the restart it runs again without the user doing anything, the vendor's 404
    counts as cancelled, and the user hears it once; record and reminders follow."""
    ufirst = world.simulators["ufirst"]
    database = Path(bot_process.env["DATABASE_PATH"])
    mia = world.telegram.user(864209812, first_name="Mia", language_code="en")
    who = pseudonym(bot_process.env["BOT_SECRET_KEY"], mia.id)
    summary = await book_until_summary(mia, day=2)
    mia.press(summary.labels[0], message_id=summary.message_id)
    await mia.wait_message(predicate=has_data("my:cancel:"))

    mia.send_command("/my")
    listing = await mia.wait_screen(lambda m: "upcoming bookings" in (m.text or ""))
    mia.press("✖ Cancel #1", message_id=listing.message_id)
    confirm = await mia.wait_screen(has_data("my:cancel!:"))
    gate = ufirst.hold_responses("/reservations/", method="DELETE")
    try:
        mia.press("Yes, cancel it", message_id=confirm.message_id)
        await wait_until(lambda: not [r for r in ufirst.reservations_for(who)
                                      if r.state != "cancelled"], timeout=15)  # done there
        await bot_process.kill()
    finally:
        gate.set()
    await bot_process.start(world)

    done = await mia.wait_screen(lambda m: m.message_id == confirm.message_id and not m.buttons,
                                 timeout=20)
    assert done.text.startswith("Cancelled"), done.text
    def all_cancelled() -> bool:
        bookings, reminders = states(database)
        return bookings == ["cancelled"] and bool(reminders) and set(reminders) == {"cancelled"}

    await wait_until(all_cancelled, timeout=15)
    assert len([m for m in mia.bot_messages() if (m.text or "").startswith("Cancelled")]) == 1
    mia.send_command("/my")
    assert "no upcoming bookings" in (await mia.wait_message()).text
