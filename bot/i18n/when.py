"""Understanding "when" in a user's words: "domani alle 11", "demain matin", "nächsten Freitag".

dateparser alone drops bare hours, misses "dopodomani" or "lundi prochain" and guesses the order
of day and month, so it is only used for what it is good at: dates with a month name
("5 dicembre", "15 mars"; see :mod:`bot.i18n.when_dates`). Everything else is read with small
word tables (:mod:`bot.i18n.when_words`), compiled into patterns (:mod:`bot.i18n.when_grammar`),
in passes that each blank out what they understood, so a later pass cannot read the same words
again.

Choices, fixed so users always get the same answer:

* Numeric dates are day-first in every language ("12/05" is 12 May), as in it/fr/de and en-GB.
  "H.MM" is a time ("11.30"); a dotted date needs a trailing dot or a year ("5.12.", "5.12.26"),
  except in German, where "5.12" is a date too.
* A bare weekday is today or later ("tuesday" on a Tuesday is today); "next"-forms ("next
  friday", "venerdì prossimo", "nächsten Freitag") are strictly after today; "friday next week"
  is the Friday of next calendar week.
* A date without a year that has passed this year means next year.
* Hours 1-6 without am/pm and not zero-padded mean the afternoon ("alle 3" is 15:00): nobody
  books at 3 at night. With "morning" they stay early; with "afternoon"/"evening" any hour below
  12 moves to the afternoon ("domani sera alle 8" is 20:00).
* A bare number 1-24 is a time, 25-31 a day of the month; "the 5th", "il 5", "le 5", "am 5."
  are days of the month.
* The text is read in the user's language and in the other three; the reading that understands
  the most characters wins (the user's language on ties), so "domani" typed by someone whose
  language is German still works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from bot.i18n.when_dates import day_of_month, month_date
from bot.i18n.when_grammar import RawTime, grammar, normalize
from bot.i18n.when_words import AFTERNOON, EVENING, LANGUAGE_WORDS, MORNING

T = TypeVar("T")
Converter = Callable[[re.Match[str]], T | None]

_MAX_TEXT = 300

#: Minutes since midnight, [start, end), used by :func:`pick_nearest`.
PARTS_OF_DAY: dict[str, tuple[int, int]] = {
    MORNING: (6 * 60, 12 * 60),
    AFTERNOON: (12 * 60, 18 * 60),
    EVENING: (18 * 60, 24 * 60),
}


@dataclass(frozen=True)
class When:
    """What a user asked for; every field is optional because people name only what matters."""

    day: date | None
    time: time | None
    after: time | None = None
    before: time | None = None
    part_of_day: str | None = None  # "morning" | "afternoon" | "evening"




# -- reading --------------------------------------------------------------------------------


class _Text:
    """The text still to be understood; understood spans are blanked out."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.understood = 0

    def take(self, pattern: re.Pattern[str], convert: Converter[T]) -> T | None:
        # search() from the next character rather than finditer(): a rejected "lunedi 5" must
        # not hide the "5 dicembre" overlapping it.
        pos = 0
        while (m := pattern.search(self.s, pos)) is not None:
            pos = m.start() + 1
            value = convert(m)
            if value is not None:
                start, end = m.span("x") if "x" in pattern.groupindex else m.span()
                self.understood += len(self.s[start:end].replace(" ", ""))
                self.s = self.s[:start] + " " * (end - start) + self.s[end:]
                return value
        return None


@dataclass
class _Reading:
    day: date | None = None
    time: RawTime | None = None
    after: RawTime | None = None
    before: RawTime | None = None
    part: str | None = None

    def found_nothing(self) -> bool:
        return not (self.day or self.time or self.after or self.before or self.part)


def _read(text: str, language: str, today: date) -> tuple[_Reading, int]:
    """One language's reading; passes run from the most to the least specific."""
    g, t, r = grammar(language), _Text(text), _Reading()
    w = g.words

    def day(pattern: re.Pattern[str], convert: Converter[date]) -> None:
        found = t.take(pattern, convert)
        r.day = r.day or found

    if combo := t.take(g.day_parts, lambda m: g.lookup(w.day_parts, m)):
        r.day, r.part = today + timedelta(days=combo[0]), combo[1]
    for (_, kind), pattern in zip(w.part_patterns, g.parts):
        r.part = r.part or t.take(pattern, lambda m, k=kind: k)
    r.part = r.part or t.take(g.parts[-1], lambda m: g.lookup(w.parts, m))
    for pattern in g.day_offsets:
        day(pattern, lambda m: g.offset_day(m, today))
    day(g.relative_days, lambda m: today + timedelta(days=g.lookup(w.relative_days, m)))
    for pattern in g.in_days:
        day(pattern, lambda m: today + timedelta(days=g.days_from_now(m)))
    day(g.numeric_date, lambda m: g.numeric(m, t.s, today))
    if window := t.take(g.between, g.time_range):
        r.after, r.before = window
    r.after = r.after or t.take(g.after, lambda m: g.time(m, "t", marked=True))
    r.before = r.before or t.take(g.before, lambda m: g.time(m, "t", marked=True))
    r.time = t.take(g.at, lambda m: g.time(m, "t", marked=True))
    r.time = r.time or t.take(g.explicit_time, lambda m: g.time(m, "t", marked=False))
    for pattern in g.month_dates:
        day(pattern, lambda m: month_date(m, language, today))
    day(g.word_month_date, lambda m: month_date(m, language, today, f"{g.day_number(m)} {m.group('mon')}"))
    day(g.weekday_day, lambda m: g.weekday_day_date(m, today))
    monday_next_week = today + timedelta(days=7 - today.weekday())
    day(g.next_week_day, lambda m: monday_next_week + timedelta(days=g.weekday_of(m)))
    # "next friday": 1..7 days ahead; "friday": 0..6 days ahead.
    day(g.next_day, lambda m: today + timedelta((g.weekday_of(m) - today.weekday() - 1) % 7 + 1))
    day(g.weekday, lambda m: today + timedelta((g.weekday_of(m) - today.weekday()) % 7))
    day(g.ordinal, lambda m: day_of_month(today, int(m.group("d") or m.group("d2"))))
    day(g.word_day, lambda m: day_of_month(today, g.day_number(m)))
    if not (r.time or r.after or r.before):
        r.time = t.take(g.bare_number, lambda m: _bare_time(m.group("n")))
    if r.day is None:
        day(g.bare_number, lambda m: _bare_day(today, int(m.group("n"))))
    return r, t.understood


def _bare_time(number: str) -> RawTime | None:
    return RawTime(int(number), padded=number.startswith("0")) if 1 <= int(number) <= 24 else None


def _bare_day(today: date, number: int) -> date | None:
    """Only numbers that cannot be hours: "il 30" is obvious, "30" alone nearly so."""
    return day_of_month(today, number) if 25 <= number <= 31 else None


def parse_when(text: str, language: str, now: datetime) -> When | None:
    """Read a day and/or a time from free text; None when nothing date- or time-like is in it.

    ``now`` is in the site's timezone, so "tomorrow" is the site's tomorrow whatever the server's
    zone. ``language`` may be a locale ("de-CH"); unknown languages are read in all four.
    """
    # Booking requests are short; the cap bounds the work a pasted essay could cause.
    normalized, today = normalize(text[:_MAX_TEXT]), now.date()
    primary = language.replace("_", "-").split("-", 1)[0].lower()
    order = [primary] if primary in LANGUAGE_WORDS else []
    order += [lang for lang in LANGUAGE_WORDS if lang not in order]
    best: _Reading | None = None
    best_score = 0
    for lang in order:
        reading, score = _read(normalized, lang, today)
        if score > best_score and not reading.found_nothing():
            best, best_score = reading, score
    if best is None:
        return None
    part = best.part

    def resolve(raw: RawTime | None) -> time | None:
        return raw.resolve(part) if raw else None

    return When(best.day, resolve(best.time), resolve(best.after), resolve(best.before), part)


# -- choosing a slot ------------------------------------------------------------------------


def _minutes(moment: datetime | time) -> int:
    return moment.hour * 60 + moment.minute


def pick_nearest(
    candidates: list[datetime], when: When, tz: tzinfo | None = None
) -> datetime | None:
    """The slot that best matches what the user asked for, or None when none does.

    Wall-clock times are compared, after converting to ``tz`` when given (vendors may answer in
    UTC). A named time picks the nearest slot (ties go to the earlier one); "after" the first
    slot at or after it, "before" the last one strictly before it, a part of day the first slot
    within it, and nothing at all the first slot. None when the list is empty or nothing fits,
    so the caller shows the list rather than booking something the user did not ask for.
    """
    local = {c: (c.astimezone(tz) if tz is not None and c.tzinfo else c) for c in candidates}
    pool = sorted(candidates, key=lambda c: local[c])
    if when.day is not None:
        # Only narrow when something is on that day: a list for it in another zone still counts.
        pool = [c for c in pool if local[c].date() == when.day] or pool
    if not pool:
        return None
    if when.time is not None:
        target = _minutes(when.time)
        return min(pool, key=lambda c: (abs(_minutes(local[c]) - target), local[c]))
    if when.after is not None or when.before is not None:
        low = _minutes(when.after) if when.after is not None else 0
        high = _minutes(when.before) if when.before is not None else 24 * 60
        inside = [c for c in pool if low <= _minutes(local[c]) < high]
        if not inside:
            return None
        return inside[0] if when.after is not None else inside[-1]
    if when.part_of_day is not None:
        start, end = PARTS_OF_DAY[when.part_of_day]
        return next((c for c in pool if start <= _minutes(local[c]) < end), None)
    return pool[0]


__all__ = ["PARTS_OF_DAY", "When", "normalize", "parse_when", "pick_nearest"]
