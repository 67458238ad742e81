"""Booking a bookingtime appointment entirely through the fake Bot API and the simulator."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from bot.fake_telegram import BotMessage, FakeUser
from bot.i18n import format_day, format_time, translator
from bot.sandbox.world import LocalWorld
from bot.vendors.bookingtime import simulator_data as seed
from tests.conftest import RunningBot, has_data, start_booking

BERLIN, ZURICH = seed.BERLIN, seed.ZURICH
LABELS = {  # the adapter's labels of the details a template asks for
    "en": {"first_name": "First name", "last_name": "Last name", "email": "E-mail address",
           "address": "Your address (street, postcode city)"},
    "de": {"first_name": "Vorname", "last_name": "Nachname", "email": "E-Mail-Adresse"},
}


def next_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0, zone=BERLIN.zone) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def berlin_today() -> date:
    return datetime.now(BERLIN.zone).date()


def labels_of(screen: BotMessage, prefix: str) -> list[str]:
    """The labels of the buttons whose callback data starts with ``prefix``, in order."""
    return [label for labels, data in zip(screen.buttons, screen.callback_data, strict=True)
            for label, value in zip(labels, data, strict=True) if value and value.startswith(prefix)]


def prompts(user: FakeUser, language: str) -> list[str]:
    """The detail labels the bot asked for, in order."""
    head = translator(language)._("Please send: {label}", label="\0").split("\0")[0]
    return [m.text.split("\n")[0][len(head):] for m in user.bot_messages()
            if m.text and m.text.startswith(head)]


async def open_template(user: FakeUser, site: str, template: str) -> BotMessage:
    """/book → bookingtime → site → template: the day screen."""
    await start_booking(user, "bookingtime")
    user.press(site)
    await user.wait_screen(has_data("bk:svc:"))
    user.press(template)
    return await user.wait_screen(has_data("bk:day:"))


async def give_details(user: FakeUser, values: list[str]) -> BotMessage:
    """Answer each detail prompt in turn; the summary."""
    for value in values:
        await user.wait_screen(has_data("bk:back"))  # the "Or:" under each prompt
        user.send_text(value)
    return await user.wait_screen(has_data("bk:ok:"))


async def confirm(user: FakeUser, summary: BotMessage) -> tuple[BotMessage, BotMessage]:
    """Confirm; the receipt and its calendar file."""
    user.press(summary.labels[0], message_id=summary.message_id)
    return await receipt_and_file(user)


async def receipt_and_file(user: FakeUser) -> tuple[BotMessage, BotMessage]:
    """The receipt and the calendar file sent after it; both then count as seen."""
    document = await user.wait_screen(lambda m: m.document is not None)
    receipt = [m for m in user.bot_messages() if has_data("my:cancel:")(m)][-1]
    return receipt, document


async def book_haircut(user: FakeUser, language: str, start: datetime) -> tuple[BotMessage, BotMessage]:
    days = await open_template(user, "Salon Mitte", seed.HAIRCUT.names["en"] if language == "en"
                               else seed.HAIRCUT.name)
    user.press(format_day(start.date(), language), message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(format_time(start, BERLIN.timezone, language), message_id=slots.message_id)
    summary = await give_details(user, ["Anna", "Schmidt", "Anna@Example.org"])
    return await confirm(user, summary)


@pytest.mark.parametrize("language", ["de", "en"])
async def test_book_a_template_that_requires_email(
    world: LocalWorld, bot: RunningBot, language: str
) -> None:
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(410 + len(language) + ord(language[0]), language_code=language)
    start = at(next_weekday(berlin_today()), 11)
    end = start + timedelta(minutes=seed.HAIRCUT.duration)

    receipt, document = await book_haircut(user, language, start)

    [appointment] = sim.appointments(BERLIN.id)
    assert appointment.customer == {"firstName": "Anna", "lastName": "Schmidt",
                                    "email": "anna@example.org"}
    assert (appointment.template.id, appointment.start) == (seed.HAIRCUT.id, start)
    assert sim.is_taken(BERLIN.id, seed.HAIRCUT.id, start)
    labels = LABELS[language]
    assert prompts(user, language) == [labels["first_name"], labels["last_name"], labels["email"]]

    price = format_currency(Decimal(seed.HAIRCUT.price), "EUR", locale=language)
    assert price == ("35,00\xa0€" if language == "de" else "€35.00")
    assert price in receipt.text
    assert format_time(start, BERLIN.timezone, language) in receipt.text
    assert format_time(end, BERLIN.timezone, language) in receipt.text
    assert document.document is not None and document.document.data is not None
    ics = document.document.data.decode()
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    assert f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics


async def test_only_the_fields_a_template_requires_are_asked(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(420, language_code="en")
    days = await open_template(user, "Salon Mitte", seed.CONSULTATION.names["en"])
    user.press(labels_of(days, "bk:day:")[-1], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(labels_of(slots, "bk:slot:")[0], message_id=slots.message_id)
    summary = await give_details(user, ["Ben", "Weber"])
    await confirm(user, summary)

    assert prompts(user, "en") == [LABELS["en"]["first_name"], LABELS["en"]["last_name"]]
    [appointment] = sim.appointments(BERLIN.id)
    assert appointment.customer == {"firstName": "Ben", "lastName": "Weber"}  # no empty e-mail


async def test_a_slot_inside_the_lead_time_is_never_offered(
    world: LocalWorld, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead time ends at 12:15 on a working day; the simulator lists every slot anyway."""
    sim = world.simulators["bookingtime"]
    day = next_weekday(berlin_today())
    lead = math.ceil((at(day, 12, 15) - sim.clock.now()).total_seconds() / 60)
    haircut = dataclasses.replace(seed.HAIRCUT, lead_time=lead)
    berlin = dataclasses.replace(BERLIN, templates=(haircut, seed.COLOURING, seed.CONSULTATION))
    monkeypatch.setitem(seed.ORGANIZATIONS, BERLIN.id, berlin)
    sim.enforce_rules = False
    user = world.telegram.user(430, language_code="en")

    days = await open_template(user, "Salon Mitte", haircut.names["en"])
    assert labels_of(days, "bk:day:")[0] == format_day(day, "en")  # earlier days: all too soon
    user.press(format_day(day, "en"), message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))

    not_before = sim.clock.now() + timedelta(minutes=lead)  # the simulator's own rule
    every = berlin.starts(day, haircut)
    allowed = [format_time(s, BERLIN.timezone, "en") for s in every if s >= not_before]
    assert labels_of(slots, "bk:slot:") == allowed
    assert format_time(at(day, 12, 30), BERLIN.timezone, "en") == allowed[0]
    assert len(allowed) < len(every)


async def test_reschedule_from_my_moves_the_appointment_then_cancel_removes_it(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(440, language_code="en")
    first = next_weekday(berlin_today())
    old = at(first, 11)
    new = at(next_weekday(first), 15)
    await book_haircut(user, "en", old)
    [appointment] = sim.appointments(BERLIN.id)

    user.send_command("/my")
    listing = await user.wait_screen(has_data("my:move:"))
    user.press("Move #1", message_id=listing.message_id)
    await user.wait_screen(has_data("bk:day:"))
    user.send_text(f"{new:%A} at 15")  # the day step's own free text
    summary = await user.wait_screen(has_data("bk:mv:"))
    assert format_time(old, BERLIN.timezone, "en") in summary.text
    assert format_time(new, BERLIN.timezone, "en") in summary.text
    assert prompts(user, "en").count(LABELS["en"]["email"]) == 1  # no details asked again

    user.press(summary.labels[0], message_id=summary.message_id)
    user.press(summary.labels[0], message_id=summary.message_id)  # a quick second tap
    receipt, document = await receipt_and_file(user)
    await user.wait_screen(lambda m: "already confirmed" in (m.text or ""))
    assert "moved" in receipt.text
    assert format_time(new, BERLIN.timezone, "en") in receipt.text
    assert document.document is not None and b"SEQUENCE:1" in (document.document.data or b"")
    assert sim.appointment(appointment.id).start == new
    assert sim.is_taken(BERLIN.id, seed.HAIRCUT.id, new)
    assert not sim.is_taken(BERLIN.id, seed.HAIRCUT.id, old)
    assert len(sim.appointments(BERLIN.id)) == 1

    user.send_command("/my")
    listing = await user.wait_screen(has_data("my:cancel:"))
    assert format_time(new, BERLIN.timezone, "en") in listing.text
    user.press("Cancel #1", message_id=listing.message_id)
    await user.wait_screen(has_data("my:cancel!:"))
    user.press("Yes, cancel it")
    await user.wait_screen(lambda m: (m.text or "").startswith("Cancelled"))
    assert sim.appointment(appointment.id).status == "CANCELED"
    assert not sim.is_taken(BERLIN.id, seed.HAIRCUT.id, new)


async def _book_nth(user: FakeUser, organization: seed.SimOrganization, n: int) -> None:
    """Customer ``n`` of an organization: a full day (never the first, maybe today) and slot."""
    template, values = {
        BERLIN.id: (seed.HAIRCUT, ["Anna", f"Kunde{n}", f"kunde{n}@example.org"]),
        ZURICH.id: (seed.PHYSIO, ["Rolf", f"Kunde{n}", "Dorfstrasse 5, 8700 Küsnacht"]),
    }[organization.id]
    days = await open_template(user, organization.name, template.names["en"])
    user.press(labels_of(days, "bk:day:")[1 + n % 5], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(labels_of(slots, "bk:slot:")[n // 5], message_id=slots.message_id)
    await confirm(user, await give_details(user, values))


async def test_twenty_customers_at_once_share_one_token_per_organization(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["bookingtime"]
    users = [world.telegram.user(500 + i, language_code="en") for i in range(20)]
    await asyncio.wait_for(asyncio.gather(*(
        _book_nth(user, (BERLIN, ZURICH)[i % 2], i // 2) for i, user in enumerate(users)
    )), timeout=120)

    assert len(sim.appointments(BERLIN.id)) == len(sim.appointments(ZURICH.id)) == 10
    assert sim.tokens.grants("refresh") == 1
    assert sim.tokens.grants("access", BERLIN.id) == sim.tokens.grants("access", ZURICH.id) == 1

    sim.clock.advance(seconds=301)  # every access token has expired at the vendor
    users[0].send_command("/my")  # shows a Berlin appointment: one call to Berlin
    await users[0].wait_screen(has_data("my:cancel:"))
    assert sim.tokens.grants("access", BERLIN.id) == 2
    assert sim.tokens.grants("access", ZURICH.id) == 1
    assert sim.tokens.grants("refresh") == 1


async def test_after_a_restart_my_still_follows_bookingtime_appointments(
    world: LocalWorld, bot: RunningBot
) -> None:
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(450, language_code="en")
    await book_haircut(user, "en", at(next_weekday(berlin_today()), 11))
    [appointment] = sim.appointments(BERLIN.id)

    await bot.stop()
    await bot.start(world)
    appointment.status = "CANCELED"  # the salon cancels it while the bot was away

    user.send_command("/my")  # only a durable index lets /my see that
    listing = await user.wait_screen(lambda m: "/book" in (m.text or "") or has_data("my:")(m))
    assert listing.text == translator("en")._("You have no upcoming bookings. Book one with /book.")
