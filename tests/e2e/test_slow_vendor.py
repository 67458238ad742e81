"""A vendor that hangs delays nobody else, and the user waiting on it hears back in time."""

from __future__ import annotations

import pytest

from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, has_data, start_booking, wait_until


@pytest.fixture
def one_second_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """ufirst calls get a one-second deadline (list it before ``bot``, which reads it)."""
    monkeypatch.setenv("UFIRST_DEADLINE_SECONDS", "1")


async def day_screen(user: FakeUser) -> BotMessage:
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Registry office")
    return await user.wait_screen(has_data("bk:day:"))


async def test_a_hanging_vendor_does_not_delay_another_chats_answer(
    world: LocalWorld, one_second_deadline: None, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    stuck = world.telegram.user(801, language_code="en")
    other = world.telegram.user(802, language_code="en")
    days = await day_screen(stuck)
    asked = len(sim.log)
    gate = sim.hold_responses("/points/", method="GET")
    try:
        stuck.press(days.labels[0], message_id=days.message_id)  # that day's places: held
        await wait_until(lambda: len(sim.log) > asked)
        other.send_command("/help")
        answer = await other.wait_message()
        assert not gate.is_set()  # answered while the vendor still hangs
        assert "/book" in (answer.text or "")

        # The waiting user is told, in their language, and keeps the step.
        slow = await stuck.wait_message(predicate=lambda m: "slow" in (m.text or "").lower())
        assert "Traceback" not in (slow.text or "")
    finally:
        gate.set()
    stuck.press(days.labels[0], message_id=days.message_id)  # the same buttons still work
    await stuck.wait_screen(has_data("bk:slot:"))


async def test_the_slow_vendor_message_is_localized(
    world: LocalWorld, one_second_deadline: None, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(803, language_code="de")
    days = await day_screen(user)
    gate = sim.hold_responses("/points/", method="GET")
    try:
        user.press(days.labels[0], message_id=days.message_id)
        slow = await user.wait_message(predicate=lambda m: not m.buttons)
    finally:
        gate.set()
    assert "langsam" in (slow.text or "").lower()
