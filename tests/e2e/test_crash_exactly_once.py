"""kill -9 while the vendor books: after the restart, one booking, one receipt, listed in /my;
for a queue, one entry at the vendor and one ticket card.

The bot process is SIGKILLed while the vendor holds its answer (the vendor has
booked, the bot never heard back); recovery shortly after the restart finds
the booking at the vendor by the claim's key, sends the one receipt and takes
the summary's buttons away; a later tap on the old Confirm says "already
confirmed" and sends nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.fake_telegram import BotMessage, FakeUser
from bot.fake_telegram.state import CallbackRecord
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, book_until_summary, bot_env, has_data, wait_until
from tests.e2e.test_bookingtime_booking import (
    BERLIN,
    at,
    berlin_today,
    give_details,
    next_weekday,
    open_template,
)
from bot.i18n import format_day, format_time
from bot.vendors.bookingtime import simulator_data as seed
from bot.vendors.filevirtuelle import simulator_data as data
from tests.e2e.queue_steps import PARIS, queue_env, sim_of


@pytest.fixture
async def recovering(world: LocalWorld, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """A bot process that settles pending claims 0.2 s after each start."""
    process = BotProcess(bot_env(world, tmp_path, PENDING_RECOVERY_DELAY="0.2"), tmp_path / "bot.log")
    await process.start(world)
    try:
        yield process
    finally:
        await process.terminate()


def tap_again(user: FakeUser, message: BotMessage, data: str) -> None:
    """A tap on a button the user still sees on an old screen (its data, as sent)."""
    stored = user.chat.messages[message.message_id]
    query_id = f"{user.bot.id}{user.state.next_id():010d}"
    user.bot.callback_queries[query_id] = CallbackRecord(
        query_id, user.chat.id, stored.message_id, user.user.id, data)
    payload = {"id": query_id, "from": user.user.to_api(), "message": stored.current,
               "chat_instance": str(user.chat.id), "data": data}
    user.state.push_update(user.bot, "callback_query", payload)


def confirm_data(summary: BotMessage) -> str:
    return next(d for row in summary.callback_data for d in row if d and d.startswith("bk:ok:"))


async def crash_inside_the_vendor_call(
    world: LocalWorld, process: BotProcess, user: FakeUser, summary: BotMessage,
    sim, path: str, booked: Callable[[], int],  # type: ignore[no-untyped-def]
) -> None:
    gate = sim.hold_responses(path)
    user.press(summary.labels[0], message_id=summary.message_id)
    await wait_until(lambda: booked() == 1, timeout=15)  # the vendor has booked
    await process.kill()
    gate.set()
    await process.start(world)


async def one_receipt_then_already_confirmed(user: FakeUser, summary: BotMessage, data: str) -> None:
    receipt = await user.wait_screen(lambda m: "You are booked" in (m.text or ""), timeout=20)
    await user.wait_screen(lambda m: m.document is not None)
    shown = next(m for m in user.bot_messages() if m.message_id == summary.message_id)
    assert shown.buttons == []  # the summary's Confirm is retired with the receipt
    tap_again(user, summary, data)
    await user.wait_screen(lambda m: "already confirmed" in (m.text or ""))
    assert [m.message_id for m in user.bot_messages() if "You are booked" in (m.text or "")] == [
        receipt.message_id]
    assert len([m for m in user.bot_messages() if m.document is not None]) == 1


async def test_ufirst_one_reservation_one_receipt_after_kill_9(
    world: LocalWorld, recovering: BotProcess
) -> None:
    sim = world.simulators["ufirst"]
    who = pseudonym(recovering.env["BOT_SECRET_KEY"], 406)
    user = world.telegram.user(406, language_code="en")
    summary = await book_until_summary(user)
    data = confirm_data(summary)

    await crash_inside_the_vendor_call(world, recovering, user, summary, sim, "/reservations",
                                       lambda: len(sim.reservations_for(who)))

    await one_receipt_then_already_confirmed(user, summary, data)
    [reservation] = sim.reservations_for(who)
    user.send_command("/my")
    listing = await user.wait_screen(has_data("my:"))
    assert reservation.label in listing.text and "2." not in listing.text


async def test_bookingtime_one_appointment_one_receipt_after_kill_9(
    world: LocalWorld, recovering: BotProcess
) -> None:
    """Before the claim's key travelled as customId the index never heard of the
    appointment: recovery said "nothing was booked" and /my did not list it."""
    sim = world.simulators["bookingtime"]
    user = world.telegram.user(407, language_code="en")
    start = at(next_weekday(berlin_today()), 11)
    days = await open_template(user, "Salon Mitte", seed.HAIRCUT.names["en"])
    user.press(format_day(start.date(), "en"), message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(format_time(start, BERLIN.timezone, "en"), message_id=slots.message_id)
    summary = await give_details(user, ["Anna", "Schmidt", "anna@example.org"])
    data = confirm_data(summary)

    await crash_inside_the_vendor_call(world, recovering, user, summary, sim, "/appointment/add",
                                       lambda: len(sim.appointments(BERLIN.id)))

    await one_receipt_then_already_confirmed(user, summary, data)
    [appointment] = sim.appointments(BERLIN.id)
    assert appointment.custom_id == data.split(":", 2)[2] and appointment.start == start
    user.send_command("/my")
    listing = await user.wait_screen(has_data("my:"))
    assert format_time(start, BERLIN.timezone, "en") in listing.text and "2." not in listing.text


async def queue_join_killed_at_the_vendor(world: LocalWorld, tmp_path: Path, user: FakeUser,
                                          **extra: str) -> BotProcess:
    """/queue → Paris → Order pickup → "Use <name>", killed while FileVirtuelle registers."""
    sim = sim_of(world)
    process = BotProcess(queue_env(world, tmp_path, **extra), tmp_path / "bot.log")
    await process.start(world)
    user.send_command("/queue")
    screen = await user.wait_screen(has_data("q:site:"))
    user.press(PARIS, message_id=screen.message_id)
    screen = await user.wait_screen(has_data("q:ch:"))
    user.press("Order pickup", message_id=screen.message_id)
    prompt = await user.wait_screen(has_data("q:use:"))
    gate = sim.hold_responses("/register")
    user.press(f"Use “{user.user.first_name}”", message_id=prompt.message_id)
    await wait_until(lambda: len(sim.queue(data.PARIS)) == 1, timeout=15)  # registered
    await process.kill()
    gate.set()
    await process.start(world)
    return process


def cards(user: FakeUser) -> list[BotMessage]:
    return [m for m in user.bot_messages() if has_data("tk:refresh:")(m)]


async def test_queue_join_again_after_kill_9_finds_the_registration(
    world: LocalWorld, tmp_path: Path
) -> None:
    """Before the claim, joining again after the crash left two entries at the vendor."""
    sim = sim_of(world)
    user = world.telegram.user(408, first_name="Dan")
    process = await queue_join_killed_at_the_vendor(world, tmp_path, user)
    try:
        prompt = next(m for m in reversed(user.bot_messages()) if has_data("q:use:")(m))
        user.press("Use “Dan”", message_id=prompt.message_id)  # the flow is still at its step
        card = await user.wait_message(predicate=has_data("tk:refresh:"), timeout=20)
        [entry] = sim.queue(data.PARIS)
        assert f"ticket {entry['ticket']}" in card.text.lower() or entry["ticket"] in card.text
        assert len(sim.requests("POST", "/register")) == 1
        assert [c.message_id for c in cards(user)] == [card.message_id]
    finally:
        await process.terminate()


async def test_queue_join_left_by_kill_9_gets_its_card_after_restart(
    world: LocalWorld, tmp_path: Path
) -> None:
    """Nobody joins again: recovery finds the registration and sends the one card."""
    sim = sim_of(world)
    user = world.telegram.user(409, first_name="Eva")
    process = await queue_join_killed_at_the_vendor(world, tmp_path, user,
                                                    PENDING_RECOVERY_DELAY="0.2")
    try:
        card = await user.wait_message(predicate=has_data("tk:refresh:"), timeout=20)
        [entry] = sim.queue(data.PARIS)
        assert entry["ticket"] in card.text and entry["name"] == "Eva"
        assert len(sim.requests("POST", "/register")) == 1
        assert [c.message_id for c in cards(user)] == [card.message_id]
        assert any("You are in the queue at" in (m.text or "") for m in user.bot_messages())
    finally:
        await process.terminate()
