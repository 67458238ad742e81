"""Turning day/month numbers into the next matching date, for :mod:`bot.i18n.when`.

One rule everywhere: a date named without a year is the next one from today
(today included); 29 February waits for a leap year. dateparser is asked only
for day and month of dates written with a month name ("5 dicembre").
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache


def next_date(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """That day and month, next year if already past; Feb 29 waits for a leap year."""
    if year is not None:
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 9):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def day_of_month(today: date, day: int) -> date | None:
    """The next date, today included, with that day of the month ("il 31" skips short months)."""
    year, month = today.year, today.month
    for _ in range(13):
        try:
            if (found := date(year, month, day)) >= today:
                return found
        except ValueError:
            pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def weekday_day_of_month(today: date, weekday: int, day: int) -> date | None:
    """The next date with that day of the month falling on ``weekday`` ("Thursday the 3rd"),
    within a year and a bit; failing that, the day of the month alone (the number is the
    more specific of the two)."""
    found = day_of_month(today, day)
    for _ in range(15):
        if found is None or found.weekday() == weekday:
            break
        found = day_of_month(found + timedelta(days=1), day)
    return found if found is not None and found.weekday() == weekday else day_of_month(today, day)


@lru_cache(maxsize=1024)
def _dateparser_day_month(span: str, language: str) -> tuple[int, int] | None:
    """Day and month of "5 dicembre"; the year is ours to decide, so the cache stays valid."""
    import dateparser  # slow to import; most messages never need it

    settings = {
        "PARSERS": ["absolute-time"],  # "5 giorni" must not become a relative date
        "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
    }
    found = dateparser.parse(
        span, languages=[language], settings=settings  # type: ignore[arg-type]
    )
    return (found.day, found.month) if found else None


def month_date(m: re.Match[str], language: str, today: date, span: str | None = None) -> date | None:
    """The date of a match like "5 dicembre" (or of ``span``, the same date rewritten)."""
    parsed = _dateparser_day_month(" ".join((span or m.group(0)).split()), language)
    if parsed is None:
        return None
    year = m.group("y")
    return next_date(today, parsed[1], parsed[0], int(year) if year else None)
