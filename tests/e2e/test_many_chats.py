"""Many chats at once: a hundred people booking together, a crash, and nothing lost or mixed."""

from __future__ import annotations

import asyncio

from bot.runtime.services import pseudonym
from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, has_data

PEOPLE = 100
WAIT = 180.0  # two shared cores, a hundred chats: generous, never part of what is asserted


async def to_summary(user: FakeUser, n: int) -> BotMessage:
    """/book → Ufirst → Rome → Registry office → a day and slot of its own → phone."""
    user.send_command("/book")
    screen = await user.wait_screen(lambda m: has_data("bk:biz:")(m) or has_data("bk:site:")(m),
                                    timeout=WAIT)
    if has_data("bk:biz:")(screen):
        user.press("Ufirst Demo", message_id=screen.message_id)
        screen = await user.wait_screen(has_data("bk:site:"), timeout=WAIT)
    user.press("Roma Termini", message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:svc:"), timeout=WAIT)
    user.press("Registry office", message_id=screen.message_id)
    days = await user.wait_screen(has_data("bk:day:"), timeout=WAIT)
    day_labels = [label for row, data in zip(days.buttons, days.callback_data, strict=True)
                  for label, d in zip(row, data, strict=True) if d and d.startswith("bk:day:")]
    user.press(day_labels[n % len(day_labels)], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"), timeout=WAIT)
    slot_labels = [label for row, data in zip(slots.buttons, slots.callback_data, strict=True)
                   for label, d in zip(row, data, strict=True) if d and d.startswith("bk:slot:")]
    # Spread over days and slots so that every booking finds room.
    user.press(slot_labels[(n // len(day_labels)) % len(slot_labels)], message_id=slots.message_id)
    await user.wait_screen(lambda m: bool(m.reply_keyboard), timeout=WAIT)
    user.share_contact(f"+39333{1000000 + n}")
    return await user.wait_screen(has_data("bk:ok:"), timeout=WAIT)


async def test_a_hundred_chats_booking_at_once_all_finish_after_a_crash(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    sim = world.simulators["ufirst"]
    users = [world.telegram.user(7000 + n, first_name=f"P{n}", language_code="en")
             for n in range(PEOPLE)]
    summaries = await asyncio.gather(*(to_summary(u, n) for n, u in enumerate(users)))

    # Every chat's conversation and draft, written concurrently, survive kill -9.
    await bot_process.wait_processed(world)
    await bot_process.kill()
    await bot_process.start(world)

    for user, summary in zip(users, summaries, strict=True):
        user.press("Confirm", message_id=summary.message_id)
    receipts = await asyncio.gather(*(
        u.wait_screen(lambda m: "You are booked" in (m.text or ""), timeout=WAIT) for u in users))

    for user, receipt in zip(users, receipts, strict=True):
        [reservation] = sim.reservations_for(pseudonym(bot_process.env["BOT_SECRET_KEY"], user.id))
        assert reservation.label in receipt.text
        # nobody's data mixed: the phone this user shared, on this user's reservation
        assert any(v.endswith(str(1000000 + user.id - 7000)) for v in reservation.values.values())
    assert sum(len(sim.reservations_for(pseudonym(bot_process.env["BOT_SECRET_KEY"], u.id)))
               for u in users) == PEOPLE

    for user in users[:10]:  # the bot's own records agree with the vendor's
        user.send_command("/my")
    for user in users[:10]:
        listing = await user.wait_screen(has_data("my:cancel:"), timeout=WAIT)
        assert [label for label in listing.labels if "Cancel #" in label] == ["✖ Cancel #1"]
