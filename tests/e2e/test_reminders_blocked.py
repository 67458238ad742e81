"""Reminders of a user who blocked the bot and came back: those settled ``blocked``
go out again for a booking still ahead, once each, and no more than one late one.

The bot runs on the ufirst simulator's clock (see test_reminders.py); leads are
36 h, 24 h and 2 h, without quiet hours, for a booking the day after tomorrow at
11:00 in Rome."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from bot.fake_telegram import FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, bot_env, wait_until
from tests.e2e.booking_steps import book_in_rome, day_ahead, ufirst
from tests.e2e.queue_steps import marked_blocked, running_bot
from tests.e2e.test_forget import settled
from tests.e2e.test_reminders import _move_clock_to, _reminders

ENV = {"REMINDER_LEADS": "36h,24h,2h", "REMINDER_QUIET_HOURS": "off"}


def states(env: dict[str, str]) -> list[str]:
    """The states of the reminder rows, longest lead first (earliest due)."""
    with contextlib.closing(sqlite3.connect(env["DATABASE_PATH"], timeout=30)) as db:
        return [state for (state,) in db.execute(
            "SELECT state FROM outbox WHERE kind = 'reminder' ORDER BY due_at")]


async def book_then_block(bot: RunningBot, world: LocalWorld, env: dict[str, str],
                          user: FakeUser, at: datetime) -> None:
    """Book in Rome at ``at`` (three reminders queued), then block the bot (all three
    settled ``blocked``)."""
    await book_in_rome(user, env, ufirst(world), at)
    await wait_until(lambda: states(env) == ["queued"] * 3)
    user.block_bot()
    await marked_blocked(bot, user.id)
    await wait_until(lambda: states(env) == ["blocked"] * 3)


async def test_a_returning_user_gets_the_latest_missed_reminder_once_and_the_rest_on_time(
    world: LocalWorld, tmp_path: Path
) -> None:
    env = bot_env(world, tmp_path, **ENV)
    user = world.telegram.user(431, language_code="en")
    at = day_ahead(2).replace(hour=11)
    async with running_bot(world, env, ufirst(world).clock.now) as bot:
        await book_then_block(bot, world, env, user, at)
        _move_clock_to(world, at - timedelta(hours=24) + timedelta(minutes=1))  # 36 h and 24 h missed

        user.unblock_bot()
        late = await user.wait_message(predicate=lambda m: "Reminder" in (m.text or ""))
        assert "Registry office" in late.text
        await wait_until(lambda: states(env) == ["blocked", "sent", "queued"])

        user.unblock_bot()  # told again (or the update redelivered): nothing more
        await marked_blocked(bot, user.id, blocked=False)
        await settled(bot, world)
        assert states(env) == ["blocked", "sent", "queued"] and len(_reminders(user)) == 1

        _move_clock_to(world, at - timedelta(hours=2) + timedelta(minutes=1))
        await user.wait_message(predicate=lambda m: "Reminder" in (m.text or ""))
        await wait_until(lambda: states(env) == ["blocked", "sent", "sent"])
        assert len(_reminders(user)) == 2


async def test_writing_again_brings_the_reminders_back_when_the_member_update_was_lost(
    world: LocalWorld, tmp_path: Path
) -> None:
    """The user unblocks the bot but Telegram's ``my_chat_member`` never reaches it (and
    the bot restarted meanwhile): their next message is enough."""
    env = bot_env(world, tmp_path, **ENV)
    user = world.telegram.user(432, language_code="en")
    at = day_ahead(2).replace(hour=11)
    async with running_bot(world, env, ufirst(world).clock.now) as bot:
        await book_then_block(bot, world, env, user, at)

    async with running_bot(world, env, ufirst(world).clock.now) as bot:
        user.chat.blocked = False  # unblocked; the update saying so is lost
        user.send_command("/help")
        await user.wait_message(predicate=lambda m: "/book" in (m.text or ""))
        await marked_blocked(bot, user.id, blocked=False)
        await wait_until(lambda: states(env) == ["queued"] * 3)  # none due yet: all at their time
        user.send_text("hello")  # and later messages change nothing more
        await user.wait_message()
        assert states(env) == ["queued"] * 3
        _move_clock_to(world, at - timedelta(hours=36) + timedelta(minutes=1))
        await user.wait_message(predicate=lambda m: "Reminder" in (m.text or ""))
        await wait_until(lambda: states(env) == ["sent", "queued", "queued"])
