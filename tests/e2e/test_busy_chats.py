"""Nobody waits for somebody else: a pressed button is answered before slow work, a step
that takes long shows "typing…", and a flooding user is told once to slow down while
everybody else is served."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import pytest

from bot.fake_telegram import FakeUser
from bot.sandbox.world import LocalWorld
from tests.conftest import RunningBot, has_data, wait_until
from tests.e2e.test_slow_vendor import day_screen

FLOOD = 40


@pytest.fixture
def patient_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """ufirst calls may hang for a minute (list it before ``bot``, which reads it): a held
    vendor answer then keeps the step running until the test lets it go."""
    monkeypatch.setenv("UFIRST_DEADLINE_SECONDS", "60")


def kinds(world: LocalWorld, user: FakeUser) -> list[str]:
    return [e.kind for e in world.telegram.transcript(user.chat.id)]


def notices(world: LocalWorld, user: FakeUser, words: str) -> int:
    return sum(1 for e in world.telegram.transcript(user.chat.id)
               if e.kind == "bot_message" and words in (e.text or ""))


async def all_processed(world: LocalWorld, bot: RunningBot, since: int) -> None:
    """Until the bot has recorded every update from ``since`` on as processed (dropped
    ones too)."""
    last = world.telegram.bot().next_update_id - 1

    def recorded() -> int:
        with contextlib.closing(sqlite3.connect(bot.database, timeout=30)) as db:
            row = db.execute("SELECT COUNT(*) FROM processed_updates WHERE update_id BETWEEN ? AND ?",
                             (since, last)).fetchone()
        return int(row[0])

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while await asyncio.to_thread(recorded) < last - since + 1:
        assert loop.time() < deadline, "updates not all recorded as processed"
        await asyncio.sleep(0.05)


async def test_a_button_is_answered_before_a_hanging_vendor_call_ends_and_typing_shows(
    world: LocalWorld, patient_deadline: None, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    user = world.telegram.user(811, language_code="en")
    days = await day_screen(user)
    asked = len(sim.log)
    gate = sim.hold_responses("/points/", method="GET")
    try:
        query = user.press(days.labels[0], message_id=days.message_id)  # that day's places: held
        await wait_until(lambda: len(sim.log) > asked)
        answered = await user.wait_callback_answer(query)  # while the vendor still hangs
        assert answered.text is None and not gate.is_set()
        # The step runs on: after about two seconds the chat shows "typing…".
        await wait_until(lambda: "chat_action" in kinds(world, user), timeout=20)
        assert not gate.is_set()
        assert kinds(world, user).index("callback_answer") < kinds(world, user).index("chat_action")
    finally:
        gate.set()
    await user.wait_screen(has_data("bk:slot:"))  # the step ends as usual once the vendor answers


async def test_a_flooding_user_is_told_once_and_others_are_answered_meanwhile(
    world: LocalWorld, patient_deadline: None, bot: RunningBot
) -> None:
    sim = world.simulators["ufirst"]
    first = world.telegram.bot().next_update_id
    flooder = world.telegram.user(821, language_code="it")
    other = world.telegram.user(822, language_code="en")
    days = await day_screen(flooder)
    await all_processed(world, bot, first)  # the steps so far are over: only the flood counts below
    gate = sim.hold_responses("/points/", method="GET")
    try:
        # The flooder's chat is busy with a step stuck on the vendor: what they send
        # next queues behind it, up to the bound; the rest is dropped.
        flooder.press(days.labels[0], message_id=days.message_id)
        await wait_until(lambda: "callback_answer" in kinds(world, flooder))
        for _ in range(FLOOD):
            flooder.send_command("/help")
        notice = await flooder.wait_message(predicate=lambda m: "più in fretta" in (m.text or ""))
        assert "Traceback" not in (notice.text or "")
        other.send_command("/help")
        answer = await other.wait_message()
        assert "/book" in (answer.text or "")
        press = flooder.press(days.labels[0], message_id=days.message_id)  # still flooding
        toast = await flooder.wait_callback_answer(press)
        assert "Un momento" in (toast.text or "")
        assert not gate.is_set()  # all of it while the flooder's own step still hangs
    finally:
        gate.set()
    await all_processed(world, bot, first)  # dropped updates are recorded as processed too
    assert notices(world, flooder, "più in fretta") == 1  # one notice for the whole flood
    helps = notices(world, flooder, "/book")
    assert 0 < helps < FLOOD  # the queued ones answered, the excess dropped
