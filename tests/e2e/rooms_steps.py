"""Shared steps of the /rooms end-to-end tests (not collected: no ``test_`` prefix)."""

from __future__ import annotations

from bot.fake_telegram import BotMessage, FakeUser
from bot.sandbox.world import LocalWorld
from bot.vendors.bookingsone.simulator import Simulator
from tests.conftest import has_data


def sim_of(world: LocalWorld) -> Simulator:
    sim = world.simulators["bookingsone"]
    assert isinstance(sim, Simulator)
    return sim


async def rooms_now(user: FakeUser, people: str, building: str = "Zurich HQ") -> BotMessage:
    """/rooms → building → Now → size: the answer."""
    user.send_command("/rooms")
    await user.wait_screen(has_data("rm:b:"))
    user.press(building)
    await user.wait_screen(has_data("rm:now"))
    user.press("Now")
    await user.wait_screen(has_data("rm:n:"))
    user.press(people)
    return await user.wait_screen(lambda m: "Times are in" in (m.text or ""))
