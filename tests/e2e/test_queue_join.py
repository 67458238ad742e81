"""Joining a FileVirtuelle queue through the fake Bot API; staff calling from another chat."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.sandbox.world import LocalWorld
from bot.storage import BookingDraftRecord, Storage
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import has_data, wait_until
from tests.e2e.queue_steps import (
    LYON,
    STAFF_ID,
    card_says,
    current,
    join_by_name,
    notices,
    queue_env,
    running_bot,
    sim_of,
    snapshots,
    staff_next,
)


async def test_join_by_name_then_staff_call_until_the_users_turn(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    for n in range(4):
        sim.add_waiting(data.PARIS, f"Walk-in {n}")
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(601, first_name="Ada")
        card = await join_by_name(user)
        [mine] = [c for c in sim.queue(data.PARIS) if c.get("name") == "Ada"]
        assert mine["type"] == "name" and "phone" not in mine and "email" not in mine
        await card_says(world, user, card.message_id, "4 people before you")

        staff = world.telegram.user(STAFF_ID, first_name="Sam")
        answer = await staff_next(staff, desk="Guichet 1")
        assert "Called ticket 1" in answer.text
        await card_says(world, user, card.message_id, "3 people before you")
        assert notices(user, "near") == []  # ptc is 2 in Paris
        await staff_next(staff)
        shown = await card_says(world, user, card.message_id, "2 people before you")
        assert "please come back now" in shown.text
        await world.telegram.wait_until(lambda: notices(user, "near"), timeout=10)
        await staff_next(staff)
        await card_says(world, user, card.message_id, "1 person before you")
        await staff_next(staff)
        await card_says(world, user, card.message_id, "You are next!")
        answer = await staff_next(staff)
        assert "Called ticket 5" in answer.text
        [called] = await world.telegram.wait_until(lambda: notices(user, "called"), timeout=5)
        assert "Guichet 1" in called.text
        final = await card_says(world, user, card.message_id, "It's your turn! Please go to Guichet 1.")

        polls = snapshots(world)
        seen = polls()
        await wait_until(lambda: polls() >= seen + 3, timeout=10)  # a few more rounds: nothing new
        assert len(notices(user, "near")) == 1 and len(notices(user, "called")) == 1
        cards = [m for m in user.bot_messages() if has_data("tk:refresh:")(m)]
        assert [c.message_id for c in cards] == [card.message_id]  # one card, edited in place
        assert final.edit_count >= 5

        staff.send_command("/next")  # the desk finishes with Ada: served, the card says so
        await card_says(world, user, card.message_id, "You have been served")
        assert not current(user, card.message_id).buttons


async def test_leaving_deletes_the_customer_and_stops_the_card(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(602, first_name="Léa")
        other = world.telegram.user(603, first_name="Max")
        card = await join_by_name(user)
        await join_by_name(other)
        [mine] = [c for c in sim.queue(data.PARIS) if c.get("name") == "Léa"]
        await card_says(world, user, card.message_id, "You are next!")

        user.press("Leave queue", message_id=card.message_id)
        confirm = await user.wait_screen(has_data("tk:leave!:"))
        assert sim.customer(mine["_id"]) is not None  # nothing happens before Yes
        user.press("Yes, leave", message_id=confirm.message_id)
        done = await user.wait_screen(lambda m: "You left the queue" in (m.text or ""))
        assert done.message_id == confirm.message_id
        assert sim.customer(mine["_id"]) is None
        left = await card_says(world, user, card.message_id, "no longer in the queue")
        assert not left.buttons

        polls = snapshots(world)
        seen = polls()
        await wait_until(lambda: polls() >= seen + 3, timeout=10)  # Max is still watched
        assert current(user, card.message_id).edit_count == left.edit_count
        assert len(notices(user, "near")) == 1  # first in line at once: the one near notice


async def test_join_by_phone_with_the_contact_button_and_refresh(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(604, first_name="Noé")
        user.send_command("/queue")
        sites = await user.wait_screen(has_data("q:site:"))
        user.press(LYON, message_id=sites.message_id)
        level = await user.wait_screen(has_data("q:ch:"))
        user.press("Retours", message_id=level.message_id)
        level = await user.wait_screen(lambda m: has_data("q:ch:")(m) and "Échange" in str(m.labels))
        user.press("« Back", message_id=level.message_id)  # Back: the first level again
        level = await user.wait_screen(lambda m: has_data("q:ch:")(m) and "Informations" in str(m.labels))
        user.press("Retours", message_id=level.message_id)
        level = await user.wait_screen(lambda m: has_data("q:ch:")(m) and "Échange" in str(m.labels))
        user.press("Échange", message_id=level.message_id)
        await world.telegram.wait_until(lambda: user.reply_keyboard, timeout=10)
        user.send_text("pas un numéro")
        await user.wait_message(predicate=lambda m: "pas un numéro" not in (m.text or "") and bool(m.text))
        user.share_contact("+33 6 12 34 56 78")
        card = await user.wait_message(predicate=has_data("tk:refresh:"))
        [mine] = sim.queue(data.LYON)
        assert mine["phone"] == "+33612345678" and mine["prequalifications_path"] == [data.RETURNS, data.EXCHANGE]
        assert user.reply_keyboard is None  # the contact button is gone
        await card_says(world, user, card.message_id, "You are next!")

        query = user.press("Refresh", message_id=card.message_id)
        answer = await user.wait_callback_answer(query)
        assert answer.text and answer.text.startswith("Up to date")


async def test_appointment_choice_offers_the_users_booking(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    env = queue_env(world, tmp_path)
    start = (datetime.now(timezone.utc) + timedelta(hours=2)).replace(microsecond=0)
    async with running_bot(world, env):
        async with await Storage.open(env["DATABASE_PATH"], env["BOT_SECRET_KEY"]) as storage:
            await storage.bookings.upsert_from_vendor(BookingDraftRecord(
                vendor="somewhere", owner=605, site_id="p1", site_name="Maison Exemple Paris",
                service_id="s1", service_name="Repair appointment", start_utc=start,
                timezone="Europe/Paris"), external_id="ext-605", state="confirmed")
        user = world.telegram.user(605, first_name="Ana")
        user.send_command("/queue")
        sites = await user.wait_screen(has_data("q:site:"))
        user.press("Maison Exemple Paris", message_id=sites.message_id)
        level = await user.wait_screen(has_data("q:ch:"))
        user.press("After-sales service", message_id=level.message_id)
        level = await user.wait_screen(lambda m: has_data("q:ch:")(m) and "Repair" in str(m.labels))
        user.press("J'ai un rendez-vous", message_id=level.message_id)  # named in French only
        offered = await user.wait_screen(has_data("q:appt:"))
        user.press("Repair appointment", message_id=offered.message_id)
        prompt = await user.wait_screen(has_data("q:use:"))
        user.press("Use “Ana”", message_id=prompt.message_id)
        await user.wait_message(predicate=has_data("tk:refresh:"))
        [mine] = [c for c in sim.queues.customers.values() if c.get("name") == "Ana"]
        assert mine["meeting"] is True and mine["external_meeting_id"] == "ext-605"
        assert mine["mtimestamp"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def test_next_is_for_staff_only_and_cancel_leaves_the_flow(world: LocalWorld, tmp_path: Path) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(606, first_name="Eve")
        user.send_command("/next")
        refusal = await user.wait_screen()
        assert "only for staff" in refusal.text
        assert not sim_of(world).requests("POST", "/next")
        user.send_command("/queue")
        await user.wait_screen(has_data("q:site:"))
        user.send_command("/cancel")
        bye = await user.wait_screen(lambda m: "did not join" in (m.text or ""))
        assert bye.text
        assert not sim_of(world).requests("POST", "/register")


async def test_joining_the_same_store_twice_keeps_one_ticket(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(607, first_name="Dan")
        first = await join_by_name(user)
        again = await join_by_name(user)  # a second /queue, or the same tap redelivered
        assert again.message_id != first.message_id  # the card again, below
        assert any("You already hold ticket 1" in (m.text or "") for m in user.bot_messages())
        assert len(sim.requests("POST", "/register")) == 1
        await card_says(world, user, again.message_id, "You are next!")  # the new one is kept current
