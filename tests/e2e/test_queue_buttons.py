"""Stale, garbage and copied buttons in the queue flow, on ticket cards and for staff."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.world import LocalWorld
from tests.conftest import has_data
from tests.e2e.button_steps import NOT_YOURS, STALE, data_of, only_toasts
from tests.e2e.queue_steps import PARIS, join_by_name, queue_env, running_bot, sim_of

STAFF_ONLY = "Sorry, this is only for staff."
GARBAGE = ["", "q", "q:site:" + "9" * 54, "q:site:abc123:" + "9" * 54, "q:use:abc123:fax",
           "tk:refresh:" + "9" * 54, "tk:leave!:" + "9" * 54, "tk:stay:0", "tk:leave:x", "st:"]


async def test_join_buttons_after_cancel_and_garbage_are_answered_as_stale(
    world: LocalWorld, tmp_path: Path
) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        user = world.telegram.user(1301, first_name="Ines")
        seen: list[tuple[int | None, str]] = []
        user.send_command("/queue")
        sites = await user.wait_screen(has_data("q:site:"))
        seen += [data_of(sites, "q:site:"), data_of(sites, "q:quit")]
        # In the flow: answered, and the flow stays where it was.
        await only_toasts(user, [(sites.message_id, data) for data in GARBAGE], STALE)
        user.press(PARIS, message_id=sites.message_id)
        choices = await user.wait_screen(has_data("q:ch:"))
        seen += [data_of(choices, "q:ch:"), data_of(choices, "q:back")]

        user.send_command("/cancel")
        await user.wait_screen(lambda m: "did not join" in (m.text or ""))
        await only_toasts(user, seen + [(None, data) for data in GARBAGE], STALE)
        assert not sim_of(world).requests("POST", "/register")


async def test_a_ticket_card_copied_to_another_user_changes_nothing(world: LocalWorld, tmp_path: Path) -> None:
    sim = sim_of(world)
    async with running_bot(world, queue_env(world, tmp_path)):
        ada = world.telegram.user(1302, first_name="Ada")
        bob = world.telegram.user(1303, first_name="Bob")
        card = await join_by_name(ada)
        [ticket] = [c for c in sim.queues.customers.values() if c.get("name") == "Ada"]
        _, refresh = data_of(card, "tk:refresh:")
        ticket_id = refresh.rsplit(":", 1)[1]

        bob.send_command("/start")
        await bob.wait_message()
        forged = [refresh, f"tk:leave:{ticket_id}", f"tk:leave!:{ticket_id}", f"tk:stay:{ticket_id}"]
        await only_toasts(bob, [(None, data) for data in forged], NOT_YOURS)
        assert sim.customer(ticket["_id"]) is not None  # Ada is still in the queue

        # Her own card still works for her.
        answer = await ada.wait_callback_answer(ada.press("Refresh", message_id=card.message_id))
        assert (answer.text or "").startswith(("Up to date", "The queue system is busy"))


async def test_staff_buttons_are_refused_to_everybody_else(world: LocalWorld, tmp_path: Path) -> None:
    async with running_bot(world, queue_env(world, tmp_path)):
        eve = world.telegram.user(1304, first_name="Eve")
        eve.send_command("/next")
        refusal = await eve.wait_screen()
        assert refusal.text == STAFF_ONLY
        pressed = ["st:next", "st:change", "st:v:0", "st:s:0", "st:d:0", "co:page:1"]
        await only_toasts(eve, [(None, data) for data in pressed], STAFF_ONLY)
        eve.send_command("/company", "acme")  # every staff command: the same refusal
        assert (await eve.wait_message()).text == STAFF_ONLY
        assert not sim_of(world).requests("POST", "/next")
