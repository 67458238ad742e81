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
from datetime import date, time, timedelta
from functools import lru_cache
from typing import TypeVar

from bot.i18n.when_dates import next_date, weekday_day_of_month
from bot.i18n.when_words import (
    AFTERNOON,
    COUNTED_NOUNS,
    EVENING,
    LANGUAGE_WORDS,
    MORNING,
    NOT_A_DAY_AFTER,
    Words,
)

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


def shifted(hour: int, minutes: int) -> tuple[int, int]:
    """``minutes`` from ``hour`` o'clock: (10, -15) is 9:45; "quarter to one" is 12:45, not 0:45."""
    hour, minute = divmod(hour * 60 + minutes, 60)
    return (hour + 12 if hour <= 0 else hour), minute


def _ampm(suffix: str) -> str | None:
    bare = squash(suffix).replace(".", "")
    return bare[0] if bare in ("am", "pm") else None


def raw_time(m: re.Match[str], tag: str, words: Words, marked: bool) -> RawTime | None:
    """Build a time from a TIME match; unmarked text needs a visible sign of being a time."""

    def group(name: str) -> str | None:
        return m.group(tag + name)

    if group("noon"):
        return RawTime(12, fixed=True)
    if before := group("cb"):  # "half past ten", "quarter to 11", "halb elf": plainly a time
        digits, ampm = group("ch"), _ampm(group("csx") or "")
        hour = int(digits) if digits else words.hour_words[squash(group("chw") or "")]
        if not 1 <= hour <= (12 if ampm else 24):
            return None
        return RawTime(*shifted(hour, words.clock_before[squash(before)]), ampm)
    extra = words.minutes_words.get(squash(group("mw") or group("hmw") or "")) or 0
    if group("hw"):
        if not ((marked and not words.spelled_hours_need_suffix) or group("hsx")):
            return None
        return RawTime(*shifted(words.hour_words[squash(group("hw"))], extra))
    hour_text, minute_text, suffix = group("h"), group("m"), group("sx") or ""
    if not (marked or minute_text or suffix or extra):
        return None
    hour, minute, ampm = int(hour_text), int(minute_text or 0), _ampm(suffix)
    if minute > 59 or hour > 24 or (hour == 24 and minute) or (ampm and not 1 <= hour <= 12):
        return None
    if extra and not minute_text:  # "10 e mezza", "11h moins le quart"
        hour, minute = shifted(hour, extra)
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

    def minutes_after(name: str) -> str:  # "e mezza", "et quart", "moins le quart"
        return rf"(?:\s+(?P<{tag}{name}>{alt(w.minutes_words)}))?"

    digits = (
        rf"(?<![\w:./-])(?P<{tag}h>\d{{1,2}})(?!\d)"
        rf"(?:\s*(?::|\.|heures?|uhr|h)\s*(?P<{tag}m>[0-5]\d)(?!\d))?"
        rf"(?P<{tag}sx>\s*{suffix})?{minutes_after('mw')}"
    )
    spelled = (
        rf"(?<!\w)(?P<{tag}hw>{alt(w.hour_words)})(?P<{tag}hsx>\s+{suffix})?{minutes_after('hmw')}"
    )
    clock = (
        rf"(?<!\w)(?P<{tag}cb>{alt(w.clock_before)})\s+"
        rf"(?:(?P<{tag}ch>\d{{1,2}})(?![\d:.])|(?P<{tag}chw>{alt(w.hour_words)}))(?P<{tag}csx>\s*{suffix})?"
    )
    return rf"(?:{clock}|{digits}|(?<!\w)(?P<{tag}noon>{alt(w.noon)})|{spelled})(?!\w)"


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
        span = rf"(?:(?P<s>{alt(w.spans)})|(?P<n>\d{{1,3}}|{alt(w.counts)})\s+(?P<u>{units}))"
        self.in_days = [
            re.compile(rf"(?<!\w){alt(w.in_prefix)}\s+{span}(?!\w)"),
            re.compile(rf"(?<!\w){span}\s+{alt(w.suffix_after)}(?!\w)"),  # "3 days from now"
        ]
        base = rf"(?:(?P<rd>{alt(w.relative_days)})|(?P<bwd>{wd}))"
        self.day_offsets = [  # "Freitag in einer Woche", "vendredi en huit"; "a week from Friday"
            re.compile(
                rf"(?<!\w){base}\s+(?:{alt(w.in_prefix)}\s+{span}|(?P<o>{alt(w.offsets_after)}))(?!\w)"
            ),
            re.compile(rf"(?<!\w){span}\s+{alt(w.offset_from)}\s+{base}(?!\w)"),
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
        # "nach" in "Viertel nach zehn" is part of the time, not "after"
        clock_word = "".join(
            rf"(?<!{re.escape(squash(normalize(p)).rsplit(' ', 1)[0])} )"
            for p in w.clock_before if " " in p.strip()
        )
        self.after = re.compile(rf"(?<!\w){clock_word}{alt(w.after)}\s*{time_re('t', w)}")
        self.before = re.compile(rf"(?<!\w){clock_word}{alt(w.before)}\s*{time_re('t', w)}")
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
        self.next_week_day = re.compile(  # "friday next week", "nachste Woche Donnerstag"
            rf"(?<!\w)(?P<wd>{wd})\s+{alt(w.next_week)}(?!\w)"
            rf"|(?<!\w){alt(w.next_week)}\s+(?:{alt(w.weekday_prefix)}\s+)?(?P<wd2>{wd})(?!\w)"
        )
        self.weekday = re.compile(rf"(?<!\w)(?P<wd>{wd})(?!\w)")
        ordinal = r"(?:st|nd|rd|th|er|o)"
        day_word, article = alt(w.day_words), alt(w.ordinal_prefix)
        self.word_month_date = re.compile(  # "third of December", "il tre dicembre"
            rf"(?<!\w)(?:{article}\s+)?(?P<dw>{day_word})\s+(?:of\s+|de\s+)?"
            rf"(?P<mon>(?!{day_word}(?!\w))[a-z]{{3,}})\.?"
            rf"(?:\s+(?P<y>\d{{4}}))?(?!\w)"
        )
        # Alone only after its article, and not counting something: "il tre", "am dritten
        # kommen", but not "the first free slot" (in English nothing may follow).
        follows = r"\s*$" if w.lone_day_word_last else rf"\s*$|\s+(?!{alt(NOT_A_DAY_AFTER)}(?!\w))"
        self.word_day = re.compile(rf"(?<!\w){article}\s+(?P<dw>{day_word})(?={follows})")
        self.weekday_day = re.compile(  # "Thursday the 3rd", "giovedi 3", "jeudi le trois"
            rf"(?<!\w)(?P<wd>{wd})\s+(?P<a>{article}\s+)?"
            rf"(?:(?P<d>\d{{1,2}})(?P<o>{ordinal}|\.)?|(?P<dw>{day_word}))"
            rf"(?![\w:/]|\.\d|\s*(?:[ap]\.?m\.?|h|uhr|heures?|o\s?clock)(?!\w))"
        )
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
        if m.group("s"):
            return self.words.spans[squash(m.group("s"))]
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

    def offset_day(self, m: re.Match[str], today: date) -> date:
        """A day, then days from it: "oggi a otto", "Freitag in einer Woche", "a week from Friday"."""
        w = self.words
        if m.group("rd"):
            base = today + timedelta(days=w.relative_days[squash(m.group("rd"))])
        else:
            base = today + timedelta(days=(w.weekdays[squash(m.group("bwd"))] - today.weekday()) % 7)
        offset = m.groupdict().get("o")
        return base + timedelta(days=w.offsets_after[squash(offset)] if offset else self.days_from_now(m))

    def day_number(self, m: re.Match[str]) -> int:
        digits = m.groupdict().get("d")
        return int(digits) if digits else self.words.day_words[squash(m.group("dw"))]

    def weekday_day_date(self, m: re.Match[str], today: date) -> date | None:
        """The next such day of the month on that weekday ("venerdi 27"); a number that may
        be an hour ("Friday 10") is left to the time passes."""
        day = self.day_number(m)
        if m.group("d") and not (m.group("a") or m.group("o")) and day <= 24:
            return None
        return weekday_day_of_month(today, self.weekday_of(m), day)

    def weekday_of(self, m: re.Match[str]) -> int:
        return self.words.weekdays[squash(m.group("wd") or m.group("wd2"))]


@lru_cache(maxsize=None)
def grammar(language: str) -> Grammar:
    return Grammar(language)
