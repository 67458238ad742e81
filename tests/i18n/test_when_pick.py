"""Choosing the slot nearest to what the user asked for (see :func:`bot.i18n.when.pick_nearest`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.when import When, parse_when, pick_nearest
from tests.i18n.test_when import NOW, ROME, TODAY, TOMORROW, w


def slots(*hhmm: str, day: str = TOMORROW) -> list[datetime]:
    return [datetime.fromisoformat(f"{day}T{t}").replace(tzinfo=ROME) for t in hhmm]


DAY_SLOTS = slots("09:00", "10:00", "11:30", "12:30", "15:00", "16:00", "18:30")

PICKS: list[tuple[When, str | None]] = [
    (w(TOMORROW, "11:00"), "11:30"),  # 30 minutes away beats 10:00, 60 minutes away
    (w(TOMORROW, "11:15"), "11:30"),
    (w(TOMORROW, "12:00"), "11:30"),  # tie between 11:30 and 12:30: the earlier
    (w(TOMORROW, "07:00"), "09:00"),
    (w(TOMORROW, "23:00"), "18:30"),
    (w(TOMORROW, after="15:00"), "15:00"),  # at or after
    (w(TOMORROW, after="15:01"), "16:00"),
    (w(TOMORROW, after="19:00"), None),
    (w(TOMORROW, before="12:30"), "11:30"),  # last strictly before
    (w(TOMORROW, before="09:00"), None),
    (w(TOMORROW, after="10:00", before="12:00"), "10:00"),
    (w(TOMORROW, part="morning"), "09:00"),
    (w(TOMORROW, part="afternoon"), "12:30"),
    (w(TOMORROW, part="evening"), "18:30"),
    (w(TOMORROW), "09:00"),
]


@pytest.mark.parametrize(("when", "expected"), PICKS)
def test_pick_nearest(when: When, expected: str | None) -> None:
    picked = pick_nearest(list(reversed(DAY_SLOTS)), when)
    assert (picked.strftime("%H:%M") if picked else None) == expected


def test_pick_nearest_empty_and_other_days() -> None:
    assert pick_nearest([], w(TOMORROW, "11:00")) is None
    mixed = slots("11:00", day=TODAY) + slots("14:00", day=TOMORROW)
    assert pick_nearest(mixed, w(TOMORROW, "11:00")) == mixed[1]
    # A list for the day given in another zone is still used rather than dropped.
    assert pick_nearest(slots("11:00", day=TODAY), w(TOMORROW, "11:00")) is not None


def test_pick_nearest_compares_in_the_given_zone() -> None:
    utc = ZoneInfo("UTC")
    in_utc = [s.astimezone(utc) for s in slots("10:00", "11:00")]  # 09:00 and 10:00 UTC
    assert pick_nearest(in_utc, w(TOMORROW, "10:00"), tz=ROME) == in_utc[0]
    assert pick_nearest(in_utc, w(TOMORROW, "10:00")) == in_utc[1]


def test_parse_then_pick() -> None:
    when = parse_when("domani alle 11", "it", NOW)
    assert when is not None
    picked = pick_nearest(DAY_SLOTS, when)
    assert picked is not None and picked.strftime("%H:%M") == "11:30"
