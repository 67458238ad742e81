"""Understanding "when" in a user's words: "domani alle 11", "demain matin", "nächsten Freitag".

dateparser alone drops bare hours, misses "dopodomani" or "lundi prochain" and guesses the order
of day and month, so it is only used for what it is good at: dates with a month name
("5 dicembre", "15 mars"; see :mod:`bot.i18n.when_dates`). Everything else is read with small
word tables (:mod:`bot.i18n.when_words`) in passes that each blank out what they understood, so a later pass
cannot read the same words again.

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
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TypeVar

from bot.i18n.when_dates import day_of_month, month_date, next_date
from bot.i18n.when_words import AFTERNOON, COUNTED_NOUNS, EVENING, LANGUAGE_WORDS, MORNING, Words

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


def normalize(text: str) -> str:
    """Lower case, no accents, single spaces; keeps ``: . / @`` and digit hyphens for times."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=\d)-(?=\d)", "\0", text)  # keep 12-05-2027, split apres-demain
    text = re.sub(r"[^\w:./@\0]+|_", " ", text).replace("\0", "-")
    return f" {' '.join(text.split())} "


# -- times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawTime:
    """A time as written; the hour is settled only once the part of day is known."""

    hour: int
    minute: int = 0
    ampm: str | None = None
    padded: bool = False  # "03:00" means 3 a.m.; "3" alone probably 15:00
    fixed: bool = False  # noon

    def resolve(self, part: str | None) -> time:
        hour = self.hour
        if self.ampm == "p" and hour < 12:
            hour += 12
        elif self.ampm == "a" and hour == 12:
            hour = 0
        elif self.ampm is None and not self.fixed:
            if hour == 24:
                hour = 0
            elif part in (AFTERNOON, EVENING) and hour < 12:
                hour += 12
            elif part != MORNING and not self.padded and 1 <= hour <= 6:
                hour += 12
        return time(hour, self.minute)


def _raw_time(m: re.Match[str], tag: str, words: Words, marked: bool) -> _RawTime | None:
    """Build a time from a TIME match; unmarked text needs a visible sign of being a time."""

    def group(name: str) -> str | None:
        return m.group(tag + name)

    if group("noon"):
        return _RawTime(12, fixed=True)
    extra = words.minutes_words.get(_squash(group("mw") or "")) or 0
    if group("hw"):
        if not ((marked and not words.spelled_hours_need_suffix) or group("hsx")):
            return None
        return _RawTime(words.hour_words[_squash(group("hw"))], extra)
    hour_text, minute_text, suffix = group("h"), group("m"), _squash(group("sx") or "")
    if not (marked or minute_text or suffix or extra):
        return None
    hour, minute = int(hour_text), int(minute_text) if minute_text else extra
    ampm = suffix.replace(".", "")[0] if suffix.replace(".", "") in ("am", "pm") else None
    if minute > 59 or hour > 24 or (hour == 24 and minute) or (ampm and not 1 <= hour <= 12):
        return None
    return _RawTime(hour, minute, ampm, padded=hour_text.startswith("0"))


# -- grammar --------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split())


def _alt(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first so "dopo domani" beats "dopo"."""
    unique = sorted({_squash(normalize(p)) or p for p in phrases}, key=len, reverse=True)
    if not unique:
        return "(?!)"  # an empty table must match nothing, not the empty string
    return "(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in unique) + ")"


def _phrase(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?P<p>{_alt(phrases)})(?!\w)")


def _time_re(tag: str, w: Words) -> str:
    ampm = r"a\.?m\.?|p\.?m\.?" if w.am_pm else r"a\.m\.|p\.?m\.?"
    suffix = rf"(?:{ampm}|heures?|uhr|h|o\s?clock)(?![a-z])"
    mw = rf"(?:\s+(?P<{tag}mw>{_alt(w.minutes_words)}))?" if w.minutes_words else rf"(?P<{tag}mw>)"
    digits = (
        rf"(?<![\w:./-])(?P<{tag}h>\d{{1,2}})(?!\d)"
        rf"(?:\s*(?::|\.|heures?|uhr|h)\s*(?P<{tag}m>[0-5]\d)(?!\d))?"
        rf"(?P<{tag}sx>\s*{suffix})?{mw}"
    )
    spelled = rf"(?<!\w)(?P<{tag}hw>{_alt(w.hour_words)})(?P<{tag}hsx>\s+{suffix})?"
    return rf"(?:{digits}|(?<!\w)(?P<{tag}noon>{_alt(w.noon)})|{spelled})(?!\w)"


class _Grammar:
    """One language's compiled patterns."""

    def __init__(self, language: str) -> None:
        w = self.words = LANGUAGE_WORDS[language]
        self.language = language
        wd = _alt(w.weekdays)
        markers = _alt((*w.at, *w.after, *w.before, *w.between, *w.between_join))
        self.marker_tail = re.compile(rf"(?<!\w){markers}\s*$")
        self.day_parts = _phrase(w.day_parts)
        self.parts = [re.compile(p) for p, _ in w.part_patterns] + [_phrase(w.parts)]
        self.relative_days = _phrase(w.relative_days)
        units = _alt((*w.day_units, *w.week_units))
        count = rf"(?P<n>\d{{1,3}}|{_alt(w.counts)})\s+(?P<u>{units})"
        self.in_days = [
            re.compile(rf"(?<!\w){_alt(w.in_prefix)}\s+{count}(?!\w)"),
            re.compile(rf"(?<!\w){count}\s+{_alt(w.suffix_after)}(?!\w)"),  # "3 days from now"
        ]
        self.numeric_date = re.compile(
            r"(?<![\w:./-])(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
            r"|(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})"
            r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?P<dot>\.)?)"
            r"(?![\w/-]|\.\d|:|\s*(?:uhr|h)\b)"
        )
        self.between = re.compile(
            rf"(?<!\w){_alt(w.between)}\s+{_time_re('a', w)}\s*{_alt(w.between_join)}\s*"
            + _time_re("b", w)
        )
        self.after = re.compile(rf"(?<!\w){_alt(w.after)}\s*{_time_re('t', w)}")
        self.before = re.compile(rf"(?<!\w){_alt(w.before)}\s*{_time_re('t', w)}")
        self.at = re.compile(rf"(?<!\w){_alt(w.at)}\s*{_time_re('t', w)}")
        self.explicit_time = re.compile(_time_re("t", w))
        # Day before month first, so "mar 1 dic" is 1 December and not 1 March.
        self.month_dates = [
            re.compile(
                r"(?<!\w)\d{1,2}(?:st|nd|rd|th|er|o)?\.?\s*(?:of\s+|de\s+)?[a-z]{3,}\.?"
                r"(?:\s+(?P<y>\d{4}))?(?!\w)"
            ),
            re.compile(r"(?<!\w)[a-z]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:\s+(?P<y>\d{4}))?(?!\w)"),
        ]
        next_after = rf"|(?<!\w)(?P<wd2>{wd})\s+{_alt(w.next_after)}(?!\w)" if w.next_after else ""
        self.next_day = re.compile(
            rf"(?<!\w){_alt(w.next_before)}\s+(?P<wd>{wd})(?!\w){next_after}"
        )
        self.next_week_day = re.compile(rf"(?<!\w)(?P<wd>{wd})\s+{_alt(w.next_week)}(?!\w)")
        self.weekday = re.compile(rf"(?<!\w)(?P<wd>{wd})(?!\w)")
        ordinal = r"(?:st|nd|rd|th|er|o)"
        self.ordinal = re.compile(
            rf"(?<!\w)(?:{_alt(w.ordinal_prefix)}\s+(?P<d>\d{{1,2}}){ordinal}?\.?"
            rf"|(?P<d2>\d{{1,2}}){ordinal})(?![\w:/]|\.\d)"
        )
        self.bare_number = re.compile(
            rf"(?<![\w:./-])(?P<n>\d{{1,2}})(?![\w:/-]|\.\d|\s*{_alt(COUNTED_NOUNS)}(?!\w))"
        )

    def lookup(self, table: Mapping[str, T], m: re.Match[str], group: str = "p") -> T:
        return table[_squash(m.group(group))]

    def time(self, m: re.Match[str], tag: str, marked: bool) -> _RawTime | None:
        return _raw_time(m, tag, self.words, marked)

    def time_range(self, m: re.Match[str]) -> tuple[_RawTime, _RawTime] | None:
        start, end = self.time(m, "a", True), self.time(m, "b", True)
        return (start, end) if start and end else None

    def days_from_now(self, m: re.Match[str]) -> int:
        n = m.group("n")
        count = int(n) if n.isdigit() else self.words.counts[_squash(n)]
        return count * (7 if _squash(m.group("u")) in self.words.week_units else 1)

    def numeric(self, m: re.Match[str], text: str, today: date) -> date | None:
        if m.group("iy"):
            return next_date(today, int(m.group("im")), int(m.group("id")), int(m.group("iy")))
        sep, year = m.group("sep"), m.group("y")
        if year is None and sep == "-":
            return None  # "10-12" is more likely a range of hours
        if year is None and sep == ".":
            if not (m.group("dot") or self.words.dotted_date):
                return None
            if self.marker_tail.search(text[: m.start()]):
                return None  # "alle 12.05." is a time at the end of a sentence
        return next_date(today, int(m.group("m")), int(m.group("d")), int(year) if year else None)

    def weekday_of(self, m: re.Match[str]) -> int:
        return self.words.weekdays[_squash(m.group("wd") or m.group("wd2"))]


@lru_cache(maxsize=None)
def _grammar(language: str) -> _Grammar:
    return _Grammar(language)


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
    time: _RawTime | None = None
    after: _RawTime | None = None
    before: _RawTime | None = None
    part: str | None = None

    def found_nothing(self) -> bool:
        return not (self.day or self.time or self.after or self.before or self.part)


def _read(text: str, language: str, today: date) -> tuple[_Reading, int]:
    """One language's reading; passes run from the most to the least specific."""
    g, t, r = _grammar(language), _Text(text), _Reading()
    w = g.words

    def day(pattern: re.Pattern[str], convert: Converter[date]) -> None:
        found = t.take(pattern, convert)
        r.day = r.day or found

    if combo := t.take(g.day_parts, lambda m: g.lookup(w.day_parts, m)):
        r.day, r.part = today + timedelta(days=combo[0]), combo[1]
    for (_, kind), pattern in zip(w.part_patterns, g.parts):
        r.part = r.part or t.take(pattern, lambda m, k=kind: k)
    r.part = r.part or t.take(g.parts[-1], lambda m: g.lookup(w.parts, m))
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
    monday_next_week = today + timedelta(days=7 - today.weekday())
    day(g.next_week_day, lambda m: monday_next_week + timedelta(days=g.weekday_of(m)))
    # "next friday": 1..7 days ahead; "friday": 0..6 days ahead.
    day(g.next_day, lambda m: today + timedelta((g.weekday_of(m) - today.weekday() - 1) % 7 + 1))
    day(g.weekday, lambda m: today + timedelta((g.weekday_of(m) - today.weekday()) % 7))
    day(g.ordinal, lambda m: day_of_month(today, int(m.group("d") or m.group("d2"))))
    if not (r.time or r.after or r.before):
        r.time = t.take(g.bare_number, lambda m: _bare_time(m.group("n")))
    if r.day is None:
        day(g.bare_number, lambda m: _bare_day(today, int(m.group("n"))))
    return r, t.understood


def _bare_time(number: str) -> _RawTime | None:
    return _RawTime(int(number), padded=number.startswith("0")) if 1 <= int(number) <= 24 else None


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

    def resolve(raw: _RawTime | None) -> time | None:
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
