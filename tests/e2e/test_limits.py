"""Whatever users type, every message fits Telegram and the flow goes on."""

from __future__ import annotations

from bot.fake_telegram import FakeUser
from bot.fake_telegram.errors import bad_request
from bot.sandbox.world import LocalWorld
from bot.ui.limits import ELLIPSIS, MAX_TEXT, units
from bot.vendors.bookingtime import simulator_data as seed
from tests.conftest import RunningBot, has_data
from tests.e2e.queue_steps import PARIS
from tests.e2e.test_bookingtime_booking import labels_of, open_template


async def ask_last_name(user: FakeUser) -> None:
    """A bookingtime consultation up to its second detail, the last name."""
    days = await open_template(user, "Salon Mitte", seed.CONSULTATION.names["en"])
    user.press(labels_of(days, "bk:day:")[-1], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(labels_of(slots, "bk:slot:")[0], message_id=slots.message_id)
    await user.wait_screen(has_data("bk:back"))
    user.send_text("Ben")
    await user.wait_screen(has_data("bk:back"))


async def test_a_4096_character_last_name_is_capped_then_shortened_in_the_summary(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(460, language_code="en")
    await ask_last_name(user)

    user.send_text("W" * 4096)  # as long as one Telegram message can be
    refusal = await user.wait_screen(lambda m: "too long" in (m.text or ""))
    assert "100" in refusal.text  # the cap is told

    longest = "Weber-" + "x" * 94  # at the cap: accepted, shown shortened
    user.send_text(longest)
    summary = await user.wait_screen(has_data("bk:ok:"))
    assert longest not in summary.text
    assert "Weber-xxx" in summary.text and ELLIPSIS in summary.text
    assert units(summary.text) < MAX_TEXT

    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_screen(lambda m: "You are booked" in (m.text or ""))
    [appointment] = sim.appointments(seed.BERLIN.id)
    assert appointment.customer == {"firstName": "Ben", "lastName": longest}  # sent whole


async def test_a_too_long_name_at_the_queue_is_refused_with_the_cap(
    world: LocalWorld, bot: RunningBot
) -> None:
    user = world.telegram.user(461, first_name="Ada", language_code="en")
    user.send_command("/queue")
    screen = await user.wait_screen(has_data("q:site:"))
    user.press(PARIS, message_id=screen.message_id)
    screen = await user.wait_screen(has_data("q:ch:"))
    user.press("Order pickup", message_id=screen.message_id)
    await user.wait_screen(has_data("q:use:"))
    user.send_text("N" * 4096)
    refusal = await user.wait_screen(lambda m: "too long" in (m.text or ""))
    assert "40" in refusal.text
    user.send_text("Ada Lovelace")
    await user.wait_message(predicate=has_data("tk:refresh:"))  # joined: the ticket card


async def test_a_summary_telegram_refused_does_not_leave_the_flow_stuck(
    world: LocalWorld, bot: RunningBot
) -> None:
    user = world.telegram.user(462, language_code="en")
    await ask_last_name(user)

    world.telegram.fail("sendMessage", bad_request("message is too long"))  # the summary
    user.send_text("Weber")
    apology = await user.wait_screen(lambda m: "try again" in (m.text or ""))
    assert not has_data("bk:ok:")(apology)

    user.send_text("Weber")  # trying again goes on
    summary = await user.wait_screen(has_data("bk:ok:"))
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_screen(lambda m: "You are booked" in (m.text or ""))
