"""Bookings ONE through the chat: /rooms, /badge and staff /today, via the fake Bot API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import format_date, format_datetime, format_time
from bot.sandbox.world import LocalWorld
from bot.vendors.bookingsone import simulator_data as data
from tests.conftest import RunningBot, has_data
from tests.e2e.rooms_steps import rooms_now, sim_of

ZURICH = "Europe/Zurich"


async def test_a_room_for_six_now_lists_exactly_the_free_ones(world: LocalWorld,
                                                              bot: RunningBot) -> None:
    sim = sim_of(world)
    user = world.telegram.user(301, language_code="en")
    answer = await rooms_now(user, "6")
    now = sim.clock.now()
    rooms = [r for r in data.RESOURCES if data.FLOOR_BUILDING[r["floor"]["id"]] == data.ZURICH
             and not r["isDeleted"] and r["capacity"] >= 6]
    free = {r["name"][0]["value"]: sim.free_until(r["id"], now) for r in rooms
            if not sim.busy_now(r["id"])}
    assert set(free) == {"Beta", "Zeta"}  # the seeded office; the check below is general
    free_part, _, busy_part = answer.text.partition("Busy:")
    listed = [line[2:].split(" (")[0] for line in free_part.splitlines() if line.startswith("• ")]
    assert sorted(listed) == sorted(free)
    for name, until in free.items():
        assert until is not None
        line = next(line for line in free_part.splitlines() if line.startswith(f"• {name} "))
        assert f"free until {format_time(until, ZURICH, 'en')}" in line, line
    for room in rooms:
        if sim.busy_now(room["id"]):
            assert room["name"][0]["value"] in busy_part
    assert f"Times are in {ZURICH}" in answer.text


async def test_a_time_in_words_is_read_in_the_building_zone(world: LocalWorld,
                                                            bot: RunningBot) -> None:
    user = world.telegram.user(302, language_code="de")
    user.send_command("/rooms")
    await user.wait_screen(has_data("rm:b:"))
    user.press("Zurich HQ")
    await user.wait_screen(has_data("rm:now"))
    user.send_text("gestern")  # yesterday: refused, the step stays
    refused = await user.wait_message()
    assert not has_data("rm:n:")(refused) and "Jetzt" in refused.text
    user.send_text("morgen 9:00")
    await user.wait_screen(has_data("rm:n:"))
    user.press("2")
    answer = await user.wait_screen(lambda m: ZURICH in (m.text or ""))
    zone = ZoneInfo(ZURICH)
    at = datetime.combine(datetime.now(zone).date() + timedelta(days=1), time(9), zone)
    assert format_datetime(at, ZURICH, "de") in answer.text
    # at least 9 hours ahead, past every seeded meeting: every room for 2 is free
    rooms = {r["name"][0]["value"] for r in data.RESOURCES
             if data.FLOOR_BUILDING[r["floor"]["id"]] == data.ZURICH
             and not r["isDeleted"] and r["capacity"] >= 2}
    listed = {line[2:].split(" (")[0] for line in answer.text.splitlines() if line.startswith("• ")}
    assert listed == rooms and "Belegt" not in answer.text


@pytest.mark.parametrize(("code", "expected"), [
    ("FJUEIW", "on site now"), ("fjueiw", "on site now"), ("KQZRTA", "expected"),
])
async def test_badge_known(world: LocalWorld, bot: RunningBot, code: str, expected: str) -> None:
    sim = sim_of(world)
    user = world.telegram.user(303, language_code="en")
    user.send_command("/badge", code)
    text = (await user.wait_message()).text
    badge = next(b for b in sim.office.badges.values() if b.code == code.upper())
    assert f"Visitor badge {code.upper()}: {expected}" in text
    assert format_time(badge.start, ZURICH, "en") in text
    assert format_time(badge.end, ZURICH, "en") in text


@pytest.mark.parametrize("code", ["NOSUCH", "no/such!", "AB"])
async def test_badge_unknown_or_malformed(world: LocalWorld, bot: RunningBot, code: str) -> None:
    user = world.telegram.user(304, language_code="en")
    user.send_command("/badge", code)
    text = (await user.wait_message()).text
    assert "No visitor badge has that code" in text and "/badge FJUEIW" in text


async def test_badge_in_french(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(305, language_code="fr")
    user.send_command("/badge", "XCVBNM")
    text = (await user.wait_message()).text
    assert "XCVBNM" in text and "did not come" not in text and "venu" in text


async def test_staff_today_shows_the_figures_per_zone(world: LocalWorld, bot: RunningBot) -> None:
    sim = sim_of(world)
    staff = world.telegram.user(900, language_code="en")
    staff.send_command("/today")
    text = (await staff.wait_message()).text
    for zone, names in ((ZURICH, "Zurich HQ"), ("America/New_York", "New York Office")):
        today = sim.clock.now().astimezone(ZoneInfo(zone)).date()
        counts = sim.visitors_on(today, zone)
        block = next(b for b in text.split("\n\n") if f"({zone})" in b)
        assert format_date(today, "en") in block and names in block
        assert (f"expected: {counts['initial']} · on site: {counts['visiting']} · "
                f"left: {counts['visited']} · no-shows: {counts['noShow']}") in block


async def test_today_is_refused_to_non_staff(world: LocalWorld, bot: RunningBot) -> None:
    user = world.telegram.user(306, language_code="en")
    user.send_command("/today")
    assert "only for staff" in (await user.wait_message()).text
