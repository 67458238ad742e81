"""Reminders before a booking, on the vendor simulator's movable clock.

The bot runs with the ufirst simulator's clock (reminders are scheduled and
the outbox sends by it), so moving that clock a day ahead makes tomorrow's
reminder due now. Quiet hours are 21:00-09:30 in Rome here, so the 2-hour
reminder of an 11:00 booking (9:00) goes at 9:30.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.fake_telegram import FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import bot_env, has_data, wait_until
from tests.e2e.booking_steps import ROME, book_in_rome, day_ahead, ufirst
from tests.e2e.queue_steps import running_bot

ENV = {"REMINDER_LEADS": "24h,2h", "REMINDER_QUIET_HOURS": "21:00-09:30"}


def _rows(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(key, due_at, state) of the reminder rows in the bot's outbox."""
    with contextlib.closing(sqlite3.connect(env["DATABASE_PATH"])) as db:
        return db.execute("SELECT key, due_at, state FROM outbox WHERE kind = 'reminder'"
                          " ORDER BY due_at").fetchall()


def _due(env: dict[str, str]) -> list[datetime]:
    return [datetime.fromisoformat(due).astimezone(ROME) for _, due, _ in _rows(env)]


def _reminders(user: FakeUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if "Reminder" in (m.text or "")]


def _move_clock_to(world: LocalWorld, moment: datetime) -> None:
    clock = ufirst(world).clock
    clock.advance(seconds=(moment - clock.now()).total_seconds())


async def test_quiet_hours_move_a_reminder_to_their_end_and_restarts_lose_or_double_none(
    world: LocalWorld, tmp_path: Path
) -> None:
    env = bot_env(world, tmp_path, **ENV)
    clock = ufirst(world).clock.now
    user = world.telegram.user(421, language_code="en")
    at = day_ahead(2).replace(hour=11)
    async with running_bot(world, env, clock):
        await book_in_rome(user, env, ufirst(world), at)
        await wait_until(lambda: len(_rows(env)) == 2, timeout=10)
    day_before = at - timedelta(hours=24)
    quiet_end = at.replace(hour=9, minute=30)
    assert _due(env) == [day_before, quiet_end]  # 9:00 was quiet: moved to 9:30

    async with running_bot(world, env, clock):  # a restart queues nothing twice
        assert len(_rows(env)) == 2
        _move_clock_to(world, day_before + timedelta(seconds=1))
        first = await user.wait_message(predicate=lambda m: "Reminder" in (m.text or ""))
        assert "Registry office" in first.text and "A1" in first.text
        assert first.labels == ["👍 Keep", "✖ Cancel"]  # ufirst cannot move bookings

    async with running_bot(world, env, clock):  # the next one survives another restart
        _move_clock_to(world, quiet_end + timedelta(seconds=1))
        second = await user.wait_message(predicate=lambda m: "Reminder" in (m.text or ""))
        await wait_until(lambda: [state for _, _, state in _rows(env)] == ["sent", "sent"])
        assert len(_reminders(user)) == 2
        # its Cancel button cancels the booking
        user.press(next(label for label in second.labels if "Cancel" in label),
                   message_id=second.message_id)
        confirm = await user.wait_screen(has_data("my:cancel!:"))
        user.press("Yes, cancel it", message_id=confirm.message_id)
        await user.wait_screen(lambda m: (m.text or "").startswith("Cancelled"))


async def test_cancelling_a_booking_cancels_its_reminders(world: LocalWorld, tmp_path: Path) -> None:
    env = bot_env(world, tmp_path, **ENV)
    clock = ufirst(world).clock.now
    user = world.telegram.user(422, language_code="en")
    at = day_ahead(3).replace(hour=10)  # Saturdays close at 13:00
    async with running_bot(world, env, clock):
        await book_in_rome(user, env, ufirst(world), at)
        await wait_until(lambda: len(_rows(env)) == 2, timeout=10)
        user.send_command("/my")
        listing = await user.wait_screen(lambda m: "upcoming bookings" in (m.text or ""))
        user.press("✖ Cancel #1", message_id=listing.message_id)
        confirm = await user.wait_screen(has_data("my:cancel!:"))
        user.press("Yes, cancel it", message_id=confirm.message_id)
        await user.wait_screen(lambda m: (m.text or "").startswith("Cancelled"))
        assert [state for _, _, state in _rows(env)] == ["cancelled", "cancelled"]

        _move_clock_to(world, at - timedelta(minutes=30))  # past both reminders' times
        user.send_command("/help")
        await user.wait_message(predicate=lambda m: "/book" in (m.text or ""))
        assert _reminders(user) == []
        assert datetime.now(timezone.utc) < at  # the booking was really ahead
