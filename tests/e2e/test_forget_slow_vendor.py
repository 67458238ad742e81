"""/forget's "Cancel my upcoming bookings first" while the vendors hang: the user hears
back in time, nothing is forgotten meanwhile, and the retry once the vendors answer
cancels what is left (what the hung calls did meanwhile counts as cancelled) and
forgetting then removes everything."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, RunningBot, has_data, wait_until
from tests.e2e.queue_steps import join_by_name, sim_of
from tests.e2e.test_forget import PHONE, about, book_ufirst, forget_screen


async def test_cancel_first_with_hanging_vendors_answers_in_time_and_forgets_nothing(
    world: LocalWorld, bot: RunningBot
) -> None:
    ufirst, queues = world.simulators["ufirst"], sim_of(world)
    cleo = world.telegram.user(864209801, first_name="Cleo", language_code="en")
    who = pseudonym(bot.env["BOT_SECRET_KEY"], cleo.id)
    await book_ufirst(cleo)
    await join_by_name(cleo)
    [ticket] = [c for c in queues.queues.customers.values() if c.get("name") == "Cleo"]
    cleo.send_command("/language")
    cleo.press("Deutsch", message_id=(await cleo.wait_screen(has_data("lang:"))).message_id)
    await cleo.wait_screen(lambda m: "Deutsch" in (m.text or ""))
    screen = await forget_screen(cleo)

    # Both vendors do the work but their answers never come: each call runs to its deadline.
    gates = [ufirst.hold_responses("/reservations/", method="DELETE"),
             queues.hold_responses("/customer/", method="DELETE")]
    try:
        cancel = next(label for label in screen.labels if "2" in label and "Ja" not in label)
        pressed = time.monotonic()
        cleo.press(cancel, message_id=screen.message_id)
        slow = await cleo.wait_screen(lambda m: "langsam" in (m.text or ""), timeout=10)
        assert time.monotonic() - pressed < 10
        assert not any(gate.is_set() for gate in gates)  # told while both still hang
        assert "Traceback" not in slow.text and has_data("fg:cancel:")(slow) and has_data("fg:yes:")(slow)
        kept = await about(bot, world, cleo, [PHONE])
        for table in ("users", "bookings", "tickets", "ptb_user_data"):  # nothing forgotten
            assert any(row.startswith(table + ":") for row in kept), (table, kept)
    finally:
        for gate in gates:
            gate.set()
    assert ufirst.reservations_for(who) == [] and queues.customer(ticket["_id"]) is None  # done there

    # The retry: both already gone at the vendors. Its button counts what is still ahead
    # here, which may be one by now (the queue watcher can see the ticket gone first).
    retry = next(label for row, data in zip(slow.buttons, slow.callback_data, strict=True)
                 for label, d in zip(row, data, strict=True) if d and d.startswith("fg:cancel:"))
    cleo.press(retry, message_id=slow.message_id)
    again = await cleo.wait_screen(lambda m: m.message_id == slow.message_id and not has_data("fg:cancel:")(m))
    assert "storniert" in again.text and "langsam" not in again.text  # nothing ahead any more
    cleo.press_data(next(d for row in again.callback_data for d in row if d and d.startswith("fg:yes:")),
                    message_id=again.message_id)
    await cleo.wait_screen(lambda m: (m.text or "").startswith("Erledigt"))
    assert await about(bot, world, cleo, [PHONE]) == []


async def test_cancel_first_killed_inside_the_vendor_call_finishes_after_the_restart(
    world: LocalWorld, bot_process: BotProcess
) -> None:
    """kill -9 while ufirst holds the DELETE it has done: after the restart the kept press
    runs again by itself, the booking counts as cancelled, nothing was forgotten
    meanwhile, and "Yes, forget me" then leaves no row."""
    ufirst = world.simulators["ufirst"]
    ivo = world.telegram.user(864209802, first_name="Ivo", language_code="en")
    who = pseudonym(bot_process.env["BOT_SECRET_KEY"], ivo.id)
    # about() reads the database the way it does for an in-process bot
    bot = SimpleNamespace(env=bot_process.env, database=Path(bot_process.env["DATABASE_PATH"]))
    await book_ufirst(ivo)
    screen = await forget_screen(ivo)
    gate = ufirst.hold_responses("/reservations/", method="DELETE")
    try:
        ivo.press(next(label for row, data in zip(screen.buttons, screen.callback_data, strict=True)
                       for label, d in zip(row, data, strict=True) if d and d.startswith("fg:cancel:")),
                  message_id=screen.message_id)
        await wait_until(lambda: not [r for r in ufirst.reservations_for(who)
                                      if r.state != "cancelled"], timeout=15)  # done there
        await bot_process.kill()
    finally:
        gate.set()
    await bot_process.start(world)

    again = await ivo.wait_screen(lambda m: m.message_id == screen.message_id
                                  and "Cancelled at the businesses: 1 of 1" in (m.text or ""),
                                  timeout=20)
    kept = await about(bot, world, ivo, [PHONE])  # type: ignore[arg-type]
    for table in ("users", "bookings", "ptb_user_data"):  # nothing forgotten yet
        assert any(row.startswith(table + ":") for row in kept), (table, kept)
    ivo.press_data(next(d for row in again.callback_data for d in row if d and d.startswith("fg:yes:")),
                   message_id=again.message_id)
    await ivo.wait_screen(lambda m: (m.text or "").startswith("Done"))
    assert await about(bot, world, ivo, [PHONE]) == []  # type: ignore[arg-type]
