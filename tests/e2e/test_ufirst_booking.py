"""Booking a ufirst timeslot entirely through the fake Bot API and the simulator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.fake_telegram import BotMessage, FakeUser
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, has_data, start_booking

ROME = ZoneInfo("Europe/Rome")
POINT = "UFROM001"
SERVICE_LABEL = "Registry office"
TOMORROW_AT_11 = {
    "en": "tomorrow at 11",
    "it": "domani alle 11",
    "fr": "demain 11h",
    "de": "morgen 11 Uhr",
}


def tomorrow_in_rome() -> date:
    day = datetime.now(ROME).date() + timedelta(days=1)
    if day.isoweekday() == 7:
        pytest.skip("the demo points are closed on Sundays, so 'tomorrow' has no slots today")
    return day


async def open_service(user: FakeUser) -> BotMessage:
    """/book → (business) → Rome → Registry office: the day screen."""
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press(SERVICE_LABEL)
    return await user.wait_screen(has_data("bk:day:"))


async def test_book_with_buttons_phone_check_double_confirm_then_cancel(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(201, first_name="Ada", language_code="en")
    who = pseudonym(bot.env["BOT_SECRET_KEY"], 201)
    day = tomorrow_in_rome()
    capacity = sim.remaining(POINT, "UFROM001-T_entrance", day, "1100")

    await open_service(user)
    user.send_text("tomorrow at 11")
    await user.wait_screen(lambda m: "phone" in (m.text or "").lower())

    user.send_text("12ab")
    hint = await user.wait_screen(lambda m: "12ab" in (m.text or ""))
    assert "Your phone number" in hint.text  # the vendor's own label
    assert "For example" in hint.text  # our localized hint

    user.share_contact("+39 333 1234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    assert "11:00" in summary.text

    user.press("Confirm", message_id=summary.message_id)
    user.press("Confirm", message_id=summary.message_id)  # a quick second tap
    receipt = await user.wait_screen(lambda m: "You are booked" in (m.text or ""))
    await user.wait_screen(lambda m: "already confirmed" in (m.text or ""))

    reservations = sim.reservations_for(who)
    assert len(reservations) == 1
    reservation = reservations[0]
    assert reservation.label in receipt.text
    assert "11:00" in receipt.text
    assert sim.remaining(POINT, "UFROM001-T_entrance", day, "1100") == capacity - 1
    assert sim.login_count(who) == 1

    user.send_command("/my")
    listing = await user.wait_screen(has_data("my:cancel:"))
    assert reservation.label in listing.text
    user.press("Cancel #1")
    await user.wait_screen(has_data("my:cancel!:"))
    user.press("Yes, cancel it")
    await user.wait_screen(lambda m: (m.text or "").startswith("Cancelled"))
    assert [r for r in sim.reservations_for(who) if r.state != "cancelled"] == []
    assert sim.remaining(POINT, "UFROM001-T_entrance", day, "1100") == capacity
    assert sim.login_count(who) == 1


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
async def test_free_text_tomorrow_at_11_lands_on_the_11_oclock_slot(
    world: LocalWorld, bot: RunningBot, language: str
) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(300 + len(language) + ord(language[0]), language_code=language)
    who = pseudonym(bot.env["BOT_SECRET_KEY"], user.id)
    day = tomorrow_in_rome()

    await open_service(user)
    user.send_text(TOMORROW_AT_11[language])
    await user.wait_screen(lambda m: bool(m.reply_keyboard))  # the phone step
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_document()

    [reservation] = sim.reservations_for(who)
    sent = reservation.sent_start  # the RFC3339 text the bot sent
    start = datetime.fromisoformat(sent)
    assert start.date() == day and start.hour == 11 and start.minute == 0
    assert start.utcoffset() == datetime(day.year, day.month, day.day, 11, tzinfo=ROME).utcoffset()
    assert sent.endswith(("+01:00", "+02:00"))


A_WEEK_FROM_TOMORROW_AT_11 = {  # each language's own way of saying it, politely
    "en": "could I come a week from tomorrow at 11?",
    "it": "posso venire domani a otto alle 11?",
    "fr": "est-ce que je peux venir demain en huit à 11h ?",
    "de": "kann ich morgen in einer Woche um 11 kommen?",
}


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
async def test_a_polite_question_with_a_week_offset_at_the_day_step(
    world: LocalWorld, bot: RunningBot, language: str
) -> None:
    user = world.telegram.user(330 + ord(language[0]), language_code=language)
    week_later = tomorrow_in_rome() + timedelta(days=7)  # same weekday: open too

    await open_service(user)
    user.send_text(A_WEEK_FROM_TOMORROW_AT_11[language])
    await user.wait_screen(lambda m: bool(m.reply_keyboard))  # the slot was picked: details next
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    assert f"{week_later.day}" in summary.text and "11:00" in summary.text
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_document()
    [reservation] = world.simulators["ufirst"].reservations_for(pseudonym(bot.env["BOT_SECRET_KEY"], user.id))
    assert datetime.fromisoformat(reservation.sent_start).replace(tzinfo=None) == datetime.combine(
        week_later, datetime.min.time()).replace(hour=11)


async def test_token_expiry_logs_in_again_after_sixty_minutes(world: LocalWorld, bot: RunningBot) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(205, language_code="en")
    who = pseudonym(bot.env["BOT_SECRET_KEY"], 205)
    await open_service(user)
    assert sim.login_count(who) == 1
    sim.clock.advance(minutes=61)
    user.send_command("/my")
    await user.wait_screen(lambda m: "bookings" in (m.text or "").lower())
    assert sim.login_count(who) == 2


async def test_sharing_a_location_sorts_sites_by_distance(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(206, language_code="en")
    await start_booking(user, "Ufirst Demo")
    user.share_location(48.8566, 2.3522)  # central Paris
    sites = await user.wait_screen(has_data("bk:site:"))
    assert "Paris" in sites.labels[0] and "km" in sites.labels[0]
    assert "Lisboa" in [label for label in sites.labels if "km" in label][-1]
