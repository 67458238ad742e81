"""The compiled side of :mod:`bot.i18n.when`: text normalized, times as written, and one
language's patterns built from its word table (:mod:`bot.i18n.when_words`).

Kept apart from the reading passes so that adding a phrase shape means adding a pattern
here and a pass there, and neither module has to hold the other's detail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from typing import TypeVar

from bot.i18n.when_dates import next_date
from bot.i18n.when_words import AFTERNOON, COUNTED_NOUNS, EVENING, LANGUAGE_WORDS, MORNING, Words

T = TypeVar("T")


def normalize(text: str) -> str:
    """Lower case, no accents, single spaces; keeps ``: . / @`` and digit hyphens for times."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=\d)-(?=\d)", "\0", text)  # keep 12-05-2027, split apres-demain
    text = re.sub(r"[^\w:./@\0]+|_", " ", text).replace("\0", "-")
    return f" {' '.join(text.split())} "


# -- times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawTime:
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


def raw_time(m: re.Match[str], tag: str, words: Words, marked: bool) -> RawTime | None:
    """Build a time from a TIME match; unmarked text needs a visible sign of being a time."""

    def group(name: str) -> str | None:
        return m.group(tag + name)

    if group("noon"):
        return RawTime(12, fixed=True)
    extra = words.minutes_words.get(squash(group("mw") or "")) or 0
    if group("hw"):
        if not ((marked and not words.spelled_hours_need_suffix) or group("hsx")):
            return None
        return RawTime(words.hour_words[squash(group("hw"))], extra)
    hour_text, minute_text, suffix = group("h"), group("m"), squash(group("sx") or "")
    if not (marked or minute_text or suffix or extra):
        return None
    hour, minute = int(hour_text), int(minute_text) if minute_text else extra
    ampm = suffix.replace(".", "")[0] if suffix.replace(".", "") in ("am", "pm") else None
    if minute > 59 or hour > 24 or (hour == 24 and minute) or (ampm and not 1 <= hour <= 12):
        return None
    return RawTime(hour, minute, ampm, padded=hour_text.startswith("0"))



# -- grammar --------------------------------------------------------------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


def alt(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first so "dopo domani" beats "dopo"."""
    unique = sorted({squash(normalize(p)) or p for p in phrases}, key=len, reverse=True)
    if not unique:
        return "(?!)"  # an empty table must match nothing, not the empty string
    return "(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in unique) + ")"


def phrase(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?P<p>{alt(phrases)})(?!\w)")


def time_re(tag: str, w: Words) -> str:
    ampm = r"a\.?m\.?|p\.?m\.?" if w.am_pm else r"a\.m\.|p\.?m\.?"
    suffix = rf"(?:{ampm}|heures?|uhr|h|o\s?clock)(?![a-z])"
    mw = rf"(?:\s+(?P<{tag}mw>{alt(w.minutes_words)}))?" if w.minutes_words else rf"(?P<{tag}mw>)"
    digits = (
        rf"(?<![\w:./-])(?P<{tag}h>\d{{1,2}})(?!\d)"
        rf"(?:\s*(?::|\.|heures?|uhr|h)\s*(?P<{tag}m>[0-5]\d)(?!\d))?"
        rf"(?P<{tag}sx>\s*{suffix})?{mw}"
    )
    spelled = rf"(?<!\w)(?P<{tag}hw>{alt(w.hour_words)})(?P<{tag}hsx>\s+{suffix})?"
    return rf"(?:{digits}|(?<!\w)(?P<{tag}noon>{alt(w.noon)})|{spelled})(?!\w)"


class Grammar:
    """One language's compiled patterns."""

    def __init__(self, language: str) -> None:
        w = self.words = LANGUAGE_WORDS[language]
        self.language = language
        wd = alt(w.weekdays)
        markers = alt((*w.at, *w.after, *w.before, *w.between, *w.between_join))
        self.marker_tail = re.compile(rf"(?<!\w){markers}\s*$")
        self.day_parts = phrase(w.day_parts)
        self.parts = [re.compile(p) for p, _ in w.part_patterns] + [phrase(w.parts)]
        self.relative_days = phrase(w.relative_days)
        units = alt((*w.day_units, *w.week_units))
        count = rf"(?P<n>\d{{1,3}}|{alt(w.counts)})\s+(?P<u>{units})"
        self.in_days = [
            re.compile(rf"(?<!\w){alt(w.in_prefix)}\s+{count}(?!\w)"),
            re.compile(rf"(?<!\w){count}\s+{alt(w.suffix_after)}(?!\w)"),  # "3 days from now"
        ]
        self.numeric_date = re.compile(
            r"(?<![\w:./-])(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
            r"|(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})"
            r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?P<dot>\.)?)"
            r"(?![\w/-]|\.\d|:|\s*(?:uhr|h)\b)"
        )
        self.between = re.compile(
            rf"(?<!\w){alt(w.between)}\s+{time_re('a', w)}\s*{alt(w.between_join)}\s*"
            + time_re("b", w)
        )
        self.after = re.compile(rf"(?<!\w){alt(w.after)}\s*{time_re('t', w)}")
        self.before = re.compile(rf"(?<!\w){alt(w.before)}\s*{time_re('t', w)}")
        self.at = re.compile(rf"(?<!\w){alt(w.at)}\s*{time_re('t', w)}")
        self.explicit_time = re.compile(time_re("t", w))
        # Day before month first, so "mar 1 dic" is 1 December and not 1 March.
        self.month_dates = [
            re.compile(
                r"(?<!\w)\d{1,2}(?:st|nd|rd|th|er|o)?\.?\s*(?:of\s+|de\s+)?[a-z]{3,}\.?"
                r"(?:\s+(?P<y>\d{4}))?(?!\w)"
            ),
            re.compile(r"(?<!\w)[a-z]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:\s+(?P<y>\d{4}))?(?!\w)"),
        ]
        next_after = rf"|(?<!\w)(?P<wd2>{wd})\s+{alt(w.next_after)}(?!\w)" if w.next_after else ""
        self.next_day = re.compile(
            rf"(?<!\w){alt(w.next_before)}\s+(?P<wd>{wd})(?!\w){next_after}"
        )
        self.next_week_day = re.compile(rf"(?<!\w)(?P<wd>{wd})\s+{alt(w.next_week)}(?!\w)")
        self.weekday = re.compile(rf"(?<!\w)(?P<wd>{wd})(?!\w)")
        ordinal = r"(?:st|nd|rd|th|er|o)"
        self.ordinal = re.compile(
            rf"(?<!\w)(?:{alt(w.ordinal_prefix)}\s+(?P<d>\d{{1,2}}){ordinal}?\.?"
            rf"|(?P<d2>\d{{1,2}}){ordinal})(?![\w:/]|\.\d)"
        )
        self.bare_number = re.compile(
            rf"(?<![\w:./-])(?P<n>\d{{1,2}})(?![\w:/-]|\.\d|\s*{alt(COUNTED_NOUNS)}(?!\w))"
        )

    def lookup(self, table: Mapping[str, T], m: re.Match[str], group: str = "p") -> T:
        return table[squash(m.group(group))]

    def time(self, m: re.Match[str], tag: str, marked: bool) -> RawTime | None:
        return raw_time(m, tag, self.words, marked)

    def time_range(self, m: re.Match[str]) -> tuple[RawTime, RawTime] | None:
        start, end = self.time(m, "a", True), self.time(m, "b", True)
        return (start, end) if start and end else None

    def days_from_now(self, m: re.Match[str]) -> int:
        n = m.group("n")
        count = int(n) if n.isdigit() else self.words.counts[squash(n)]
        return count * (7 if squash(m.group("u")) in self.words.week_units else 1)

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
        return self.words.weekdays[squash(m.group("wd") or m.group("wd2"))]


@lru_cache(maxsize=None)
def grammar(language: str) -> Grammar:
    return Grammar(language)
