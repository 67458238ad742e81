"""/forget through the fake Bot API: after "Yes, forget me" no table holds a row about the
user, and the next /start is a first contact; "No" and someone else's press change nothing;
"Cancel my N upcoming bookings first" cancels at the vendors."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from bot.fake_telegram import BotMessage, FakeUser
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from bot.storage import SecretBox
from bot.vendors.bookingtime import simulator_data as seed
from tests.conftest import RunningBot, book_until_summary, has_data
from tests.e2e.button_steps import NOT_YOURS, STALE, data_of, only_toasts
from tests.e2e.queue_steps import join_by_name, sim_of
from tests.e2e.rooms_steps import rooms_now
from tests.e2e.test_bookingtime_booking import confirm, give_details, labels_of, open_template

ADA = 864209753  # an id no other number in the database spells
PHONE = "393331234567"  # shared by book_until_summary's contact
TYPED = ["Quirina", "Kowalczykowa", "quirina@example.org"]


def rows_about(database: Path, key: str, needles: list[str]) -> list[str]:
    """Every row of every table holding one of ``needles``, the personal data rows
    (encrypted) read in clear with the bot's key: ``table: row``."""
    box = SecretBox(key)
    found = []
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the schema
                text = " ".join(str(value) for value in row)
                if table in ("ptb_user_data", "ptb_chat_data", "ptb_singletons"):
                    kind = {"ptb_user_data": "user", "ptb_chat_data": "chat"}.get(table, "single")
                    text += " " + box.decrypt(row[1], context=f"ptb:{kind}:{row[0]}")
                if any(needle in text for needle in needles):
                    found.append(f"{table}: {text[:300]}")
    return found


async def settled(bot: RunningBot, world: LocalWorld) -> None:
    """Until every update sent so far is processed and its persistence committed."""
    last = world.telegram.bot().next_update_id - 1

    def done() -> bool:
        with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
            (seen,) = db.execute("SELECT MAX(update_id) FROM processed_updates").fetchone()
        return seen is not None and seen >= last

    async def check() -> None:
        while not await asyncio.to_thread(done):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(check(), timeout=10)


async def about(bot: RunningBot, world: LocalWorld, user: FakeUser, extra: list[str]) -> list[str]:
    await settled(bot, world)
    who = pseudonym(bot.env["BOT_SECRET_KEY"], user.id)
    return await asyncio.to_thread(rows_about, bot.database, bot.env["BOT_SECRET_KEY"],
                                   [str(user.id), who, user.user.first_name, *extra])


async def forget_screen(user: FakeUser) -> BotMessage:
    user.send_command("/forget")
    return await user.wait_screen(has_data("fg:yes:"))


async def book_ufirst(user: FakeUser) -> None:
    summary = await book_until_summary(user)
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_message(predicate=has_data("my:cancel:"))


async def test_forget_leaves_no_row_about_the_user_and_start_greets_them_as_new(
    world: LocalWorld, bot: RunningBot
) -> None:
    ada = world.telegram.user(ADA, first_name=TYPED[0], language_code="en")
    await book_ufirst(ada)  # a booking, reminders, her own vendor login (ufirst), her phone
    days = await open_template(ada, "Salon Mitte", seed.HAIRCUT.names["en"])
    ada.press(labels_of(days, "bk:day:")[1], message_id=days.message_id)
    slots = await ada.wait_screen(has_data("bk:slot:"))
    ada.press(labels_of(slots, "bk:slot:")[0], message_id=slots.message_id)
    await confirm(ada, await give_details(ada, TYPED))  # typed details, the adapter's refs
    await join_by_name(ada)  # a ticket and its card
    answer = await rooms_now(ada, "8")  # a room watch (bot_data)
    ada.press("🔔 Notify me when Alpha frees up", message_id=answer.message_id)
    await ada.wait_message(predicate=lambda m: "I will tell you when Alpha" in (m.text or ""))
    ada.send_command("/language")
    ada.press("Deutsch", message_id=(await ada.wait_screen(has_data("lang:"))).message_id)
    await ada.wait_screen(lambda m: "Deutsch" in (m.text or ""))
    ada.send_command("/book")  # and in the middle of a booking
    await ada.wait_screen(has_data("bk:biz:"))

    before = await about(bot, world, ada, [PHONE, *TYPED[1:]])
    for table in ("users", "bookings", "tickets", "vendor_tokens", "vendor_refs", "ptb_user_data", "ptb_conversations", "ptb_singletons"):
        assert any(row.startswith(table + ":") for row in before), (table, before)

    screen = await forget_screen(ada)
    assert has_data("fg:cancel:")(screen) and "Buchungen" in screen.text  # German, 3 ahead
    ada.press_data(data_of(screen, "fg:yes:")[1], message_id=screen.message_id)
    done = await ada.wait_screen(lambda m: m.message_id == screen.message_id and not m.buttons)
    assert done.text.startswith("Erledigt"), done.text
    assert await about(bot, world, ada, [PHONE, *TYPED[1:]]) == []

    ada.send_command("/start")  # Telegram says "en": her German is forgotten
    assert (await ada.wait_message()).text.startswith(f"Hello {TYPED[0]}!")
    ada.send_text("Piazza")  # no booking conversation waiting for a site any more
    assert (await ada.wait_message()).text.startswith("I did not understand that.")
    assert sim_of(world).queues.customers  # nothing cancelled at the vendors: she was told


async def test_cancel_first_cancels_at_the_vendors_then_forgets(world: LocalWorld, bot: RunningBot) -> None:
    ufirst = world.simulators["ufirst"]
    bob = world.telegram.user(ADA + 1, first_name="Bob", language_code="en")
    who = pseudonym(bot.env["BOT_SECRET_KEY"], bob.id)
    await book_ufirst(bob)
    await join_by_name(bob)
    [ticket] = [c for c in sim_of(world).queues.customers.values() if c.get("name") == "Bob"]
    assert [r.state for r in ufirst.reservations_for(who)] == ["waiting"]

    screen = await forget_screen(bob)
    assert "Cancel my 2 upcoming bookings first" in screen.labels, screen.labels
    assert "stay booked at the businesses" in screen.text
    bob.press("Cancel my 2 upcoming bookings first", message_id=screen.message_id)
    again = await bob.wait_screen(lambda m: "Cancelled at the businesses: 2 of 2." in (m.text or ""))
    assert ufirst.reservations_for(who) == []
    assert sim_of(world).customer(ticket["_id"]) is None
    assert not has_data("fg:cancel:")(again)  # nothing ahead any more
    await only_toasts(bob, [(screen.message_id, data_of(screen, "fg:yes:")[1])], STALE)  # the first screen's

    bob.press("Yes, forget me", message_id=again.message_id)
    await bob.wait_screen(lambda m: (m.text or "").startswith("Done: I have forgotten you"))
    assert await about(bot, world, bob, [PHONE]) == []


async def test_no_and_copied_or_stale_presses_change_nothing(world: LocalWorld, bot: RunningBot) -> None:
    ada = world.telegram.user(ADA + 2, first_name="Ada", language_code="en")
    eve = world.telegram.user(ADA + 3, first_name="Eve", language_code="en")
    await book_ufirst(ada)
    eve.send_command("/help")  # her own /forget screen, from the button under /help
    help_screen = await eve.wait_screen(has_data("fg:open"))
    eve.press("🗑 Forget me", message_id=help_screen.message_id)
    eves = await eve.wait_screen(has_data("fg:yes:"))
    screen = await forget_screen(ada)
    before = [row for row in await about(bot, world, ada, [PHONE]) if "ptb_user_data" not in row]

    copied = [data_of(screen, prefix)[1] for prefix in ("fg:yes:", "fg:cancel:", "fg:no:")]
    await only_toasts(eve, [(eves.message_id, data) for data in copied], NOT_YOURS)
    _, eve_yes = data_of(eves, "fg:yes:")
    forged = eve_yes.rsplit(":", 1)[0] + ":" + data_of(screen, "fg:yes:")[1].rsplit(":", 1)[1]
    await only_toasts(eve, [(eves.message_id, forged)], STALE)  # her id, Ada's screen
    garbage = ["fg:yes:0:abcdef", "fg:yes:" + "9" * 54 + ":abcdef", "fg:no:1", "fg:open:1", "fg:"]
    await only_toasts(eve, [(eves.message_id, data) for data in garbage], STALE)

    ada.press("No", message_id=screen.message_id)
    await ada.wait_screen(lambda m: "nothing was deleted" in (m.text or ""))
    await only_toasts(ada, [(screen.message_id, data) for data in copied], STALE)
    after = [row for row in await about(bot, world, ada, [PHONE]) if "ptb_user_data" not in row]
    assert after == before and any(row.startswith("bookings:") for row in after)
    ada.send_command("/my")
    assert (await ada.wait_screen(has_data("my:cancel:"))).text.startswith("Your upcoming bookings")
    eve.press("No", message_id=eves.message_id)
    await eve.wait_screen(lambda m: "nothing was deleted" in (m.text or ""))


async def test_privacy_says_what_is_kept_and_offers_forget(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(ADA + 4, language_code="it")
    user.send_command("/privacy")
    answer = await user.wait_message()
    assert "/forget" in answer.text and has_data("fg:open")(answer)
    assert not answer.text.startswith("What I keep"), "not translated"
