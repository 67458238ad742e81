"""Many chats at once: a hundred people booking together, a crash, and nothing lost or mixed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.runtime.services import pseudonym
from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, has_data

PEOPLE = 100
WAIT = 180.0  # two shared cores, a hundred chats: generous, never part of what is asserted


def is_slow(message: BotMessage) -> bool:
    """The vendor missed its deadline or its connect timeout (a loaded machine): the step
    is kept and the user may simply try again."""
    text = message.text or ""
    return "is slow to answer" in text or "is not answering right now" in text


async def until_answered(user: FakeUser, act: Callable[[], object],
                         wanted: Callable[[BotMessage], bool]) -> BotMessage:
    """Do ``act`` and wait for ``wanted``; when the booking system is slow, do it again.

    On a loaded machine a vendor call may pass its deadline; a person would tap
    again, and so does this walk. What the test asserts about the end state is
    unchanged: one booking per person, with their own details.
    """
    while True:
        act()
        screen = await user.wait_screen(lambda m: wanted(m) or is_slow(m), timeout=WAIT)
        if not is_slow(screen):
            return screen


async def to_summary(user: FakeUser, n: int) -> BotMessage:
    """/book → Ufirst → Rome → Registry office → a day and slot of its own → phone."""
    screen = await until_answered(user, lambda: user.send_command("/book"),
                                  lambda m: has_data("bk:biz:")(m) or has_data("bk:site:")(m))
    if has_data("bk:biz:")(screen):
        biz = screen.message_id
        # Ufirst's button: titled by the vendor, or by its name when the title was slow to come
        ufirst = next(label for label in screen.labels if label in ("Ufirst Demo", "ufirst"))
        screen = await until_answered(user, lambda: user.press(ufirst, message_id=biz),
                                      has_data("bk:site:"))
    site = screen.message_id
    screen = await until_answered(user, lambda: user.press("Roma Termini", message_id=site),
                                  has_data("bk:svc:"))
    svc = screen.message_id
    days = await until_answered(user, lambda: user.press("Registry office", message_id=svc),
                                has_data("bk:day:"))
    day_labels = [label for row, data in zip(days.buttons, days.callback_data, strict=True)
                  for label, d in zip(row, data, strict=True) if d and d.startswith("bk:day:")]
    # Not the first day: it may be today, with only the hours left of it (in the evening
    # two slots shared by fifteen people overbooked them; the test failed after 15:00).
    day_labels = day_labels[1:] or day_labels
    day = day_labels[n % len(day_labels)]
    slots = await until_answered(user, lambda: user.press(day, message_id=days.message_id),
                                 has_data("bk:slot:"))
    slot_labels = [label for row, data in zip(slots.buttons, slots.callback_data, strict=True)
                   for label, d in zip(row, data, strict=True) if d and d.startswith("bk:slot:")]
    # Spread over days and slots so that every booking finds room.
    slot = slot_labels[(n // len(day_labels)) % len(slot_labels)]
    await until_answered(user, lambda: user.press(slot, message_id=slots.message_id),
                         lambda m: bool(m.reply_keyboard))
    return await until_answered(user, lambda: user.share_contact(f"+39333{1000000 + n}"),
                                has_data("bk:ok:"))


async def booked(user: FakeUser, summary: BotMessage) -> BotMessage:
    """Confirm; a retry after "slow" is safe: the bot looks at the vendor before booking again."""
    return await until_answered(user, lambda: user.press("Confirm", message_id=summary.message_id),
                                lambda m: "You are booked" in (m.text or ""))


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

    receipts = await asyncio.gather(*(booked(u, s) for u, s in zip(users, summaries, strict=True)))

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
