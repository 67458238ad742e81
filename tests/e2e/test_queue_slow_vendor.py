"""Joining a queue while FileVirtuelle hangs: the user hears back in time, keeps the
step, and the retry once the vendor answers takes exactly one ticket."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bot.sandbox.world import LocalWorld
from bot.vendors.filevirtuelle import simulator_data as data
from tests.conftest import has_data, wait_until
from tests.e2e.queue_steps import PARIS, queue_env, running_bot, sim_of


def tickets_of(database: Path, owner: int) -> list[str]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        rows = db.execute("SELECT external_id FROM tickets WHERE owner = ?", (owner,)).fetchall()
    return [external for (external,) in rows]


async def test_a_hanging_vendor_during_join_is_explained_and_the_retry_takes_one_ticket(
    world: LocalWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim = sim_of(world)
    caplog.set_level(logging.WARNING)
    async with running_bot(world, queue_env(world, tmp_path)) as bot:  # the default deadline
        user = world.telegram.user(611, first_name="Ines", language_code="fr")
        user.send_command("/queue")
        screen = await user.wait_screen(has_data("q:site:"))
        user.press(PARIS, message_id=screen.message_id)
        screen = await user.wait_screen(has_data("q:ch:"))
        user.press("Retrait de commande", message_id=screen.message_id)
        prompt = await user.wait_screen(has_data("q:use:"))
        use = next(label for label in prompt.labels if "Ines" in label)

        gate = sim.hold_responses("/register")  # registered at the vendor, no answer
        try:
            pressed = time.monotonic()
            user.press(use, message_id=prompt.message_id)
            slow = await user.wait_message(timeout=10, predicate=lambda m: "lent" in (m.text or "").lower())
            assert time.monotonic() - pressed < 10
            assert not gate.is_set()  # told while the vendor still hangs
            assert "Traceback" not in (slow.text or "") and not has_data("tk:refresh:")(slow)
            # the queue's own words (not the booking's), and a warning, not an error
            assert "file d'attente" in slow.text and "réservation" not in slow.text
            assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
            timeouts = [r for r in caplog.records if "VendorTimeout" in r.getMessage()]
            assert timeouts and all(r.levelno == logging.WARNING and not r.exc_info for r in timeouts)
            assert tickets_of(bot.database, 611) == []
        finally:
            gate.set()

        user.press(use, message_id=prompt.message_id)  # the step was kept: the same button
        card = await user.wait_message(predicate=has_data("tk:refresh:"))
        mine = [c for c in sim.queue(data.PARIS) if c.get("name") == "Ines"]
        assert len(mine) == 1 and mine[0]["ticket"] in (card.text or "")
        assert len(sim.requests("POST", "/register")) == 1  # the retry found it, did not register again
        await wait_until(lambda: tickets_of(bot.database, 611) == [mine[0]["_id"]])
