"""Stale, garbage and copied buttons in booking and /my: answered once, acting on nothing.

The payloads are sent as a modified client would (``press_data``): the bot
must answer each query, never raise, and never act on a flow that ended or
on somebody else's summary or booking.
"""

from __future__ import annotations

from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, book_until_summary, has_data
from tests.e2e.button_steps import NOT_YOURS, STALE, data_of, only_toasts

GARBAGE = ["", "unknown", "bk", "bk:site:" + "9" * 54, "bk:slot:zz:1", "my:cancel:" + "9" * 54,
           "my:cancel!:" + "9" * 54, "my:move:" + "9" * 54, "lang:xx", "lang:",
           "bk:ok:" + "9" * 54, "bk:mv:" + "9" * 54 + ":0123456789abcdef", "x" * 64]


async def test_booking_buttons_after_cancel_are_answered_as_stale(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(1201, language_code="en")
    seen: list[tuple[int | None, str]] = []
    user.send_command("/book")
    screen = await user.wait_screen(has_data("bk:biz:"))
    seen.append(data_of(screen, "bk:biz:"))
    user.press("Ufirst Demo", message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:site:"))
    seen += [data_of(screen, "bk:site:"), data_of(screen, "bk:back")]
    user.press("Roma Termini", message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:svc:"))
    seen += [data_of(screen, "bk:svc:"), data_of(screen, "bk:back")]
    user.press("Registry office", message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:day:"))
    seen += [data_of(screen, "bk:day:"), data_of(screen, "bk:back")]
    user.press(screen.labels[0], message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:slot:"))
    seen += [data_of(screen, "bk:slot:"), data_of(screen, "bk:back")]
    user.press(screen.labels[0], message_id=screen.message_id)
    await user.wait_screen(lambda m: bool(m.reply_keyboard))
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    seen += [data_of(summary, "bk:change"), data_of(summary, "bk:quit")]

    user.send_command("/cancel")
    await user.wait_screen(lambda m: "Nothing was booked" in (m.text or ""))
    await only_toasts(user, seen, STALE)

    # A new run of the flow: the old run's buttons still act on nothing.
    user.send_command("/book")
    fresh = await user.wait_screen(has_data("bk:biz:"))
    user.press("Ufirst Demo", message_id=fresh.message_id)
    fresh = await user.wait_screen(has_data("bk:site:"))
    await only_toasts(user, seen, STALE)
    user.press("Roma Termini", message_id=fresh.message_id)  # the new run goes on
    await user.wait_screen(has_data("bk:svc:"))


async def test_garbage_callback_data_is_answered_in_and_out_of_a_flow(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(1202, language_code="en")
    user.send_command("/start")
    await user.wait_message()
    await only_toasts(user, [(None, data) for data in GARBAGE], STALE)

    user.send_command("/book")
    screen = await user.wait_screen(has_data("bk:biz:"))
    user.press("Ufirst Demo", message_id=screen.message_id)
    sites = await user.wait_screen(has_data("bk:site:"))
    await only_toasts(user, [(sites.message_id, data) for data in GARBAGE], STALE)
    user.press("Roma Termini", message_id=sites.message_id)  # the flow is where it was
    await user.wait_screen(has_data("bk:svc:"))


async def test_a_confirm_copied_from_another_user_books_nothing_and_says_so(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    ada = world.telegram.user(1203, first_name="Ada", language_code="en")
    bob = world.telegram.user(1204, first_name="Bob", language_code="en")
    ada_summary = await book_until_summary(ada)
    bob_summary = await book_until_summary(bob, day=1)  # another day: no race for a seat
    _, ada_confirm = data_of(ada_summary, "bk:ok:")

    await only_toasts(bob, [(bob_summary.message_id, ada_confirm)], NOT_YOURS)  # not for Bob to book

    ada.press("Confirm", message_id=ada_summary.message_id)
    ada_receipt = await ada.wait_message(predicate=has_data("my:cancel:"))
    await only_toasts(bob, [(bob_summary.message_id, ada_confirm)], NOT_YOURS)  # ...nor her receipt

    bob.press("Confirm", message_id=bob_summary.message_id)  # Bob's own summary still books
    bob_receipt = await bob.wait_message(predicate=has_data("my:cancel:"))
    await bob.wait_document()  # the receipt's calendar file: all Bob's Confirm sends
    assert bob_receipt.text != ada_receipt.text
    ada_who = pseudonym(bot.env["BOT_SECRET_KEY"], ada.id)
    bob_who = pseudonym(bot.env["BOT_SECRET_KEY"], bob.id)
    assert len(sim.reservations_for(ada_who)) == 1
    assert len(sim.reservations_for(bob_who)) == 1

    # Ada's booking, from Bob's chat: neither cancelled nor offered to move.
    _, cancel = data_of(ada_receipt, "my:cancel:")
    booking = cancel.rsplit(":", 1)[1]
    forged = [cancel, f"my:cancel!:{booking}", f"my:move:{booking}"]
    await only_toasts(bob, [(bob_receipt.message_id, data) for data in forged], NOT_YOURS)
    assert [r.state for r in sim.reservations_for(ada_who)] == ["waiting"]  # not cancelled
    ada.send_command("/my")
    listing = await ada.wait_screen(has_data("my:cancel:"))
    assert len([row for row in listing.callback_data if row]) == 1
