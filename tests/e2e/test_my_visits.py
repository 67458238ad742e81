"""/my lists a mapped visitor's upcoming visits (Bookings ONE, through the fake Bot API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import format_datetime, format_time
from bot.sandbox.world import LocalWorld
from bot.vendors.bookingsone import simulator_data as data
from tests.conftest import RunningBot, bot_env
from tests.e2e.rooms_steps import sim_of

ZURICH = data.ZONES[data.ZURICH]


async def test_my_lists_the_mapped_visitors_upcoming_visits_read_only(
    world: LocalWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    badges = {b.code: b for b in sim_of(world).office.badges.values()}
    coming, past = badges["KQZRTA"], badges["PLMNBV"]
    env = bot_env(world, tmp_path, BOOKINGSONE_VISITORS=f"311={5000 + coming.id}, 313={5000 + past.id}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    running = RunningBot(env, tmp_path / "bot.sqlite3")
    await running.start(world)
    try:
        mapped = world.telegram.user(311, language_code="de")
        mapped.send_command("/my")
        answer = await mapped.wait_message()
        start = format_datetime(coming.start, ZURICH, "de")
        end = format_time(coming.end, ZURICH, "de")
        assert "Deine anstehenden Besuche:" in answer.text, answer.text
        assert f"• {start} – {end} ({ZURICH})" in answer.text, answer.text
        assert "Visit of Alan Turing – Zurich HQ" in answer.text
        assert "eingeladen von Reception" in answer.text
        assert answer.buttons == []  # read-only: nothing to cancel or move

        for user_id in (312, 313):  # unmapped, and mapped with only a past visit
            user = world.telegram.user(user_id, language_code="en")
            user.send_command("/my")
            nothing = await user.wait_message()
            assert nothing.text == "You have no upcoming bookings. Book one with /book."
    finally:
        await running.stop()
