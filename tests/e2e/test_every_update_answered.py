"""Every message gets an answer: unknown commands, free text, stickers; deep links and QR codes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.world import LocalWorld
from bot.ui.links import StartLink
from tests.conftest import RunningBot, has_data
from tests.e2e.queue_steps import PARIS, STAFF_ID

ROME = ZoneInfo("Europe/Rome")


async def test_an_unknown_command_points_to_help(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(470, language_code="it")
    user.send_command("/foobar")
    answer = await user.wait_message()
    assert "/help" in answer.text and "comando" in answer.text


async def test_text_stickers_and_locations_outside_a_flow_get_the_menu(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(471, language_code="en")
    user.send_text("hello")
    assert "/book" in (await user.wait_message()).text
    user._send({"sticker": {"file_id": "S1", "file_unique_id": "S1", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False, "is_video": False}})
    assert "/book" in (await user.wait_message()).text
    user.send_text("🙂")
    assert "/book" in (await user.wait_message()).text


async def test_text_inside_a_flow_is_still_the_flows(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(472, language_code="en")
    user.send_command("/queue")
    await user.wait_screen(has_data("q:site:"))
    user.send_text("hello")
    hint = await user.wait_message()
    assert "/cancel" in hint.text and "/book" not in hint.text


def _tomorrow_in_rome() -> datetime:
    day = datetime.now(ROME) + timedelta(days=1)
    if day.isoweekday() == 7:
        pytest.skip("the demo points are closed on Sundays")
    return day


@pytest.mark.parametrize(("language", "text"), [("en", "registry office tomorrow at 11"),
                                                ("it", "domani alle 11")])
async def test_free_text_starts_a_booking_with_the_day_and_time_applied(
    world: LocalWorld, bot: RunningBot, language: str, text: str
) -> None:
    day = _tomorrow_in_rome()
    user = world.telegram.user(480 + len(text), language_code=language)
    user.send_text(text)
    screen = await user.wait_screen(has_data("bk:biz:"))  # two businesses: the words named none
    user.press("Ufirst Demo", message_id=screen.message_id)
    screen = await user.wait_screen(has_data("bk:site:"))
    user.press("Roma Termini", message_id=screen.message_id)
    if "registry" not in text:  # else the words named the service: no list of them
        screen = await user.wait_screen(has_data("bk:svc:"))
        user.press("Registry office", message_id=screen.message_id)
    # the day and time were understood: straight to the details of the 11:00 slot
    await user.wait_screen(lambda m: bool(m.reply_keyboard))
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    assert "11:00" in summary.text and "Registry office" in summary.text
    assert str(day.day) in summary.text
    assert not any(has_data("bk:day:")(m) or has_data("bk:slot:")(m) for m in user.bot_messages())


async def test_a_deep_link_opens_the_booking_at_its_site(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(490, language_code="en")
    link = StartLink.to("book", "ufirst", "UFROM001")
    user.send_command("/start", link.encode())
    services = await user.wait_screen(has_data("bk:svc:"))
    assert "Roma Termini" in services.text
    user.press("Registry office", message_id=services.message_id)
    await user.wait_screen(has_data("bk:day:"))


async def test_a_deep_link_to_a_service_opens_its_days(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(495, language_code="en")
    user.send_command("/start", StartLink.to("book", "ufirst", "UFROM001", "UFROM001-registry").encode())
    await user.wait_screen(has_data("bk:day:"))
    assert not any(has_data("bk:svc:")(m) or has_data("bk:site:")(m) for m in user.bot_messages())


async def test_a_forged_or_stale_link_says_so_and_offers_the_booking(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(491, language_code="en")
    user.send_command("/start", StartLink.to("book", "ufirst", "no-such-site").encode())
    note = await user.wait_message()
    assert "link" in note.text
    await user.wait_screen(has_data("bk:biz:"))
    user.send_command("/start", "x" * 64)  # not a link at all: the welcome
    assert (await user.wait_message()).text.startswith("Hello")


async def test_a_deep_link_joins_a_stores_queue(world: LocalWorld, bot: RunningBot) -> None:
    from bot.vendors.filevirtuelle import simulator_data as data

    user = world.telegram.user(492, first_name="Ada", language_code="en")
    user.send_command("/start", StartLink.to("queue", "filevirtuelle", data.PARIS).encode())
    choices = await user.wait_screen(has_data("q:ch:"))
    assert PARIS in choices.text
    user.press("Order pickup", message_id=choices.message_id)
    prompt = await user.wait_screen(has_data("q:use:"))
    user.press("Use “Ada”", message_id=prompt.message_id)
    await user.wait_message(predicate=has_data("tk:refresh:"))


async def test_staff_get_a_qr_code_that_opens_the_place(world: LocalWorld, bot: RunningBot) -> None:
    staff = world.telegram.user(STAFF_ID, language_code="en")
    staff.send_command("/qr")
    menu = await staff.wait_screen(has_data("qr:"))
    label = next(label for label in menu.labels if "Queue at" in label and "Paris" in label)
    staff.press(label, message_id=menu.message_id)
    photo = await staff.wait_message(predicate=lambda m: m.photo is not None)
    assert photo.photo is not None and photo.photo.data is not None
    assert photo.photo.data.startswith(b"\x89PNG")
    url = next(word for word in photo.text.split() if word.startswith("https://t.me/"))
    payload = url.split("?start=", 1)[1]
    assert StartLink.decode(payload) is not None and StartLink.decode(payload).kind == "queue"

    # the code leads where it says: a customer following it is at the store's choices
    user = world.telegram.user(493, language_code="en")
    user.send_command("/start", payload)
    assert PARIS in (await user.wait_screen(has_data("q:ch:"))).text

    other = world.telegram.user(494, language_code="en")
    other.send_command("/qr")
    assert "staff" in (await other.wait_message()).text
