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
from tests.conftest import RunningBot, book_until_summary, has_data
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
