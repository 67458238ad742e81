"""Shared steps of the tests that follow a ufirst booking once made (not collected)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.fake_telegram import FakeUser
from bot.runtime import pseudonym
from bot.sandbox.world import LocalWorld, free_port
from bot.vendors.ufirst import simulator_data as data
from bot.vendors.ufirst.simulator import Simulator
from tests.conftest import bot_env, has_data, start_booking

ROME = ZoneInfo("Europe/Rome")
POINT = "UFROM001"


def ufirst(world: LocalWorld) -> Simulator:
    return world.simulators["ufirst"]  # type: ignore[return-value]


def public_env(world: LocalWorld, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A bot environment with a fixed web port and PUBLIC_URL, so vendors can call it."""
    env = bot_env(world, tmp_path, **extra)
    port = free_port()
    env.update(WEB_PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")
    return env


def day_ahead(days: int) -> datetime:
    """Midnight in Rome ``days`` days from now, or the Monday after when that is a Sunday
    (the demo points close on Sundays): the test runs whatever today is."""
    day = datetime.now(ROME).date() + timedelta(days=days)
    if day.isoweekday() == 7:
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=ROME)


async def book_in_rome(user: FakeUser, env: dict[str, str], sim: Simulator, at: datetime
                       ) -> data.SimReservation:
    """Book the Registry office in Rome at ``at`` (a whole hour) with buttons; the reservation."""
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press("Registry office")
    await user.wait_screen(has_data("bk:day:"))
    user.send_text(f"{at:%Y-%m-%d} {at:%H}:00")
    await user.wait_screen(lambda m: bool(m.reply_keyboard))
    user.share_contact("+393331234567")
    summary = await user.wait_screen(has_data("bk:ok:"))
    user.press(summary.labels[0], message_id=summary.message_id)
    await user.wait_document()
    who = pseudonym(env["BOT_SECRET_KEY"], user.id)
    [reservation] = [r for r in sim.reservations_for(who) if r.start == at]
    return reservation
