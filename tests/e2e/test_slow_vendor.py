"""A vendor that hangs delays nobody else, and the user waiting on it hears back in time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, bot_env, has_data, start_booking, wait_until


@pytest.fixture
async def impatient_bot(world: LocalWorld, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    """The bot with a one-second deadline for ufirst calls."""
    env = bot_env(world, tmp_path, UFIRST_DEADLINE_SECONDS="1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    running = RunningBot(env, tmp_path / "bot.sqlite3")
    await running.start(world)
    try:
        yield running
    finally:
        await running.stop()


async def day_screen(user: FakeUser) -> BotMessage:
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Registry office")
    return await user.wait_screen(has_data("bk:day:"))


async def test_a_hanging_vendor_does_not_delay_another_chats_answer(
    world: LocalWorld, impatient_bot: RunningBot
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


async def test_the_slow_vendor_message_is_localized(world: LocalWorld, impatient_bot: RunningBot) -> None:
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
