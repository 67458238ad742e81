"""A full day watched at ufirst: the freed time reaches each watcher once, and books.

Two users find Passport pickup full on a day and ask to be told (a third
asks and stops); the point
cancels one walk-in's reservation at 11:00. Each watcher gets one notice (the
watch is read for both at once); the first books 11:00 from it (one reservation
at the simulator, and the receipt); the second, pressing later, is told it was
taken meanwhile and sees the day's times. A restart tells nobody again.
Polling is fast here (SLOT_WATCH_MIN_SECONDS) so the test waits on state briefly.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.fake_telegram import FakeUser
from bot.i18n import format_time
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import bot_env, has_data, start_booking, wait_until
from tests.e2e.booking_steps import POINT, day_ahead, ufirst
from tests.e2e.test_crash_exactly_once import tap_again
from tests.e2e.queue_steps import running_bot

SERVICE = "UFROM001-passport"
ENV = {"SLOT_WATCH_MIN_SECONDS": "0.2", "SLOT_WATCH_MAX_SECONDS": "0.5"}


def _query(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(env["DATABASE_PATH"])) as db:
        return db.execute(sql).fetchall()


def _notices(user: FakeUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if has_data("sw:book:")(m)]


async def _watch_full_day(user: FakeUser, day: str) -> None:
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Passport pickup")
    await user.wait_screen(has_data("bk:day:"))
    user.send_text(day)
    full = await user.wait_screen(has_data("bk:watch:"))
    assert "No free times left" in (full.text or "")
    user.press("🔔 Tell me if a time frees up", message_id=full.message_id)
    done = await user.wait_screen(has_data("sw:stop:"))
    assert "I will tell you if a time frees up" in (done.text or "")


async def test_a_freed_slot_reaches_each_watcher_once_and_its_button_books_it(
    world: LocalWorld, tmp_path: Path
) -> None:
    sim = ufirst(world)
    env = bot_env(world, tmp_path, **ENV)
    day = day_ahead(2)
    walk_ins = sim.fill_day(POINT, SERVICE, day.date())
    assert walk_ins and sim.remaining(POINT, "UFROM001-T_passport", day.date(), "1100") == 0
    first = world.telegram.user(441, language_code="en")
    second = world.telegram.user(442, language_code="en")
    quitter = world.telegram.user(443, language_code="en")
    async with running_bot(world, env):
        for user in (first, second, quitter):
            await _watch_full_day(user, f"{day:%Y-%m-%d}")
        done = quitter.last_bot_message()
        assert done is not None
        quitter.press("🔕 Stop watching", message_id=done.message_id)
        await quitter.wait_screen(lambda m: "stopped watching" in (m.text or ""))
        assert _query(env, "SELECT count(*) FROM slot_watches") == [(1,)]  # one watch for both
        assert _query(env, "SELECT count(*) FROM slot_watchers WHERE notified_at IS NULL") == [(2,)]
        # the empty day is read again and again, backing off, without telling anyone
        await wait_until(lambda: _query(env, "SELECT interval_ms FROM slot_watches") == [(500,)])
        assert _notices(first) == [] and _notices(second) == []

        freed = next(r for r in walk_ins if r.start.hour == 11)
        sim.cancel_reservation(freed.id)
        notice = await first.wait_message(predicate=has_data("sw:book:"), timeout=15)
        other = await second.wait_message(predicate=has_data("sw:book:"), timeout=15)
        button = "Book " + format_time(freed.start, "Europe/Rome", "en")
        assert "A time freed up" in (notice.text or "") and notice.labels == [button]
        await wait_until(lambda: _query(
            env, "SELECT state, count(*) FROM outbox WHERE kind = 'slot' GROUP BY state"
        ) == [("sent", 2)])

        # the quitter pressing a copy of the notice's button books nothing
        copied = next(d for row in notice.callback_data for d in row if d and d.startswith("sw:book:"))
        tap_again(quitter, done, copied)
        await quitter.wait_message(predicate=lambda m: "no longer valid" in (m.text or ""))
        assert sim.reservations_for(pseudonym(env["BOT_SECRET_KEY"], quitter.id)) == []

        first.press(button, message_id=notice.message_id)
        await first.wait_screen(lambda m: bool(m.reply_keyboard))
        first.share_contact("+393331234567")
        summary = await first.wait_screen(has_data("bk:ok:"))
        assert "11:00" in (summary.text or "")
        first.press(summary.labels[0], message_id=summary.message_id)
        await first.wait_document()
        [booked] = sim.reservations_for(pseudonym(env["BOT_SECRET_KEY"], first.id))
        assert booked.start == freed.start and booked.service.id == SERVICE
        assert sim.remaining(POINT, "UFROM001-T_passport", day.date(), "1100") == 0

        # the second watcher was told too, but the time is gone now: said so, the day shown
        second.press(button, message_id=other.message_id)
        await second.wait_message(predicate=lambda m: "taken meanwhile" in (m.text or ""))
        again = await second.wait_screen(has_data("bk:watch:"))
        assert "No free times left" in (again.text or "")
        assert sim.reservations_for(pseudonym(env["BOT_SECRET_KEY"], second.id)) == []

    async with running_bot(world, env):  # a restart tells nobody again
        first.send_command("/help")
        await first.wait_message(predicate=lambda m: "/book" in (m.text or ""))
        assert _query(env, "SELECT count(*) FROM slot_watchers WHERE notified_at IS NULL") == [(0,)]
    assert len(_notices(first)) == 1 and len(_notices(second)) == 1 and _notices(quitter) == []
