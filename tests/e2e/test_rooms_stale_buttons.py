"""Buttons of an earlier /rooms run: refused as stale, acting on nothing of the newer run.

Each /rooms run has its own nonce, carried by every button of the run; a
button from another run (an old message still on screen) is answered with
the localized "no longer active" toast and changes nothing. A "Notify me"
button names the listing it came under, so it watches that listing's room.
"""

from __future__ import annotations

from bot.fake_telegram import BotMessage
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, has_data
from tests.e2e.button_steps import STALE, answers, data_of, only_toasts
from tests.e2e.rooms_steps import rooms_now

FR_STALE = "Ce bouton n'est plus actif."


def _buttons(screen: BotMessage, prefix: str) -> list[tuple[int, str]]:
    return [(screen.message_id, d) for row in screen.callback_data for d in row
            if d and d.startswith(prefix)]


async def test_a_building_button_of_an_earlier_run_is_refused_and_the_newer_run_goes_on(
        world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(311, language_code="en")
    user.send_command("/rooms")
    first = await user.wait_screen(has_data("rm:b:"))
    old = _buttons(first, "rm:b:")
    assert len(old) == 2  # Zurich HQ and New York Office

    user.send_command("/rooms")  # a newer run, the first screen still in the chat
    second = await user.wait_screen(lambda m: has_data("rm:b:")(m) and m.message_id != first.message_id)
    await only_toasts(user, old, STALE)  # answered, nothing said or edited
    user.press("Zurich HQ", message_id=second.message_id)  # the newer run goes on
    when = await user.wait_screen(has_data("rm:now"))
    assert when.text.startswith("Zurich HQ:"), when.text
    await only_toasts(user, old, STALE)  # at the next step too
    user.press("Now", message_id=when.message_id)
    sizes = await user.wait_screen(has_data("rm:n:"))
    user.press("8", message_id=sizes.message_id)
    listing = await user.wait_screen(lambda m: "Times are in" in (m.text or ""))
    assert "Zurich HQ" in listing.text and "America/New_York" not in listing.text


async def test_now_and_size_buttons_of_an_earlier_run_are_refused_in_french(
        world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(312, language_code="fr")
    user.send_command("/rooms")
    user.press("Zurich HQ", message_id=(await user.wait_screen(has_data("rm:b:"))).message_id)
    when = await user.wait_screen(has_data("rm:now"))
    old_now = data_of(when, "rm:now")
    user.press_data(old_now[1], message_id=when.message_id)
    old_size = data_of(await user.wait_screen(has_data("rm:n:")), "rm:n:")

    user.send_command("/rooms")
    fresh = await user.wait_screen(lambda m: has_data("rm:b:")(m) and m.message_id != when.message_id)
    user.press("New York Office", message_id=fresh.message_id)
    when = await user.wait_screen(has_data("rm:now"))
    assert when.text.startswith("New York Office"), when.text
    assert await answers(user, old_now[1], old_now[0]) == FR_STALE
    assert await answers(user, old_size[1], old_size[0]) == FR_STALE
    user.press("Maintenant", message_id=when.message_id)  # still at "for when?"
    sizes = await user.wait_screen(has_data("rm:n:"))
    assert await answers(user, old_size[1], old_size[0]) == FR_STALE
    assert user.bot_messages()[-1].text == sizes.text  # nothing said or edited
    user.press("8", message_id=sizes.message_id)
    listing = await user.wait_screen(lambda m: "America/New_York" in (m.text or ""))
    assert "New York Office" in listing.text


async def test_notify_me_of_an_earlier_listing_watches_its_own_room(
        world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(313, language_code="en")
    first = await rooms_now(user, "8")
    assert "Alpha" in first.text.partition("Busy:")[2]
    watch_alpha = next(d for labels, datas in zip(first.buttons, first.callback_data, strict=True)
                       for label, d in zip(labels, datas, strict=True) if "Alpha" in label)
    second = await rooms_now(user, "1 (desk)")  # another listing: other busy spaces, other order
    assert _buttons(second, "rm:w:"), second.text  # it offers watches of its own
    await only_toasts(user, [(second.message_id, "rm:w:abcdef:0")], STALE)  # no such listing

    user.press_data(watch_alpha, message_id=first.message_id)
    told = await user.wait_message(predicate=lambda m: "I will tell you when" in (m.text or ""))
    assert "I will tell you when Alpha frees up" in told.text
