"""When a vendor fails mid-conversation the user gets a clear, localized answer and
stays where they were: nothing is lost, no stack trace."""

from __future__ import annotations

from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, has_data, start_booking


async def test_vendor_down_mid_flow_is_explained_and_the_step_kept(world: LocalWorld, bot: RunningBot) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(601, language_code="it")
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Registry office")
    days = await user.wait_screen(has_data("bk:day:"))

    url = sim.url
    await sim.stop()
    user.press(days.labels[1], message_id=days.message_id)  # needs that day's places: a live call
    apology = await user.wait_screen(lambda m: "prenotazion" in (m.text or "").lower())
    assert "Traceback" not in apology.text

    host, port = url.removeprefix("http://").rsplit(":", 1)
    await sim.start(host, int(port))
    user.press(days.labels[1], message_id=days.message_id)  # the same buttons still work
    await user.wait_screen(has_data("bk:slot:"))


async def test_a_full_slot_sends_the_user_back_to_the_times(world: LocalWorld, bot: RunningBot) -> None:
    from bot.runtime import pseudonym

    sim = world.simulators["ufirst"]
    user = world.telegram.user(602, language_code="en")
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Passport pickup")
    days = await user.wait_screen(has_data("bk:day:"))
    user.press(days.labels[1], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    chosen = slots.labels[0]
    user.press(chosen, message_id=slots.message_id)
    await user.wait_screen(lambda m: bool(m.reply_keyboard))
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))

    # Everyone else takes the remaining places meanwhile.
    reservation_day = summary.text
    assert reservation_day
    for other in range(10):
        rival = world.telegram.user(700 + other, language_code="en")
        await start_booking(rival, "Ufirst Demo")
        rival.press("Roma Termini")
        await rival.wait_screen(has_data("bk:svc:"))
        rival.press("Passport pickup")
        rival_days = await rival.wait_screen(has_data("bk:day:"))
        rival.press(days.labels[1], message_id=rival_days.message_id)
        rival_slots = await rival.wait_screen(has_data("bk:slot:"))
        if chosen.split(" · ")[0] not in " ".join(rival_slots.labels):
            break  # full: no longer offered
        rival.press(chosen.split(" · ")[0], message_id=rival_slots.message_id)
        await rival.wait_screen(lambda m: bool(m.reply_keyboard))
        rival.share_contact("+393331234567")
        rival_summary = await rival.wait_screen(has_data("bk:ok:"))
        rival.press("Confirm", message_id=rival_summary.message_id)
        await rival.wait_screen(lambda m: "You are booked" in (m.text or ""))

    user.press("Confirm", message_id=summary.message_id)
    await user.wait_screen(lambda m: "just taken" in (m.text or ""))
    times = await user.wait_screen(has_data("bk:slot:"))
    assert chosen.split(" · ")[0] not in " ".join(times.labels)
    assert sim.reservations_for(pseudonym(bot.env["BOT_SECRET_KEY"], 602)) == []
