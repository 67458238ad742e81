"""Free-text day/time understanding, with a fixed "now": Tuesday 2026-11-24 15:04 in Rome."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.when import When, normalize, parse_when

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 24, 15, 4, tzinfo=ROME)  # a Tuesday

TODAY, TOMORROW, AFTER_TOMORROW = "2026-11-24", "2026-11-25", "2026-11-26"
MON, FRI, SAT = "2026-11-30", "2026-11-27", "2026-11-28"
NEXT_TUE, IN_3_DAYS, DEC_5 = "2026-12-01", "2026-11-27", "2026-12-05"


def w(
    day: str | None = None,
    at: str | None = None,
    *,
    after: str | None = None,
    before: str | None = None,
    part: str | None = None,
) -> When:
    def t(value: str | None) -> time | None:
        return time.fromisoformat(value) if value else None

    return When(
        day=date.fromisoformat(day) if day else None,
        time=t(at),
        after=t(after),
        before=t(before),
        part_of_day=part,
    )


CASES: list[tuple[str, str, When]] = [
    # -- English --------------------------------------------------------------------------
    ("en", "today", w(TODAY)),
    ("en", "Tomorrow", w(TOMORROW)),
    ("en", "day after tomorrow", w(AFTER_TOMORROW)),
    ("en", "the day after tomorrow at 4pm", w(AFTER_TOMORROW, "16:00")),
    ("en", "monday", w(MON)),
    ("en", "tuesday", w(TODAY)),  # plain weekday: today or later
    ("en", "next tuesday", w(NEXT_TUE)),  # "next": strictly after today
    ("en", "next friday", w(FRI)),
    ("en", "this friday", w(FRI)),
    ("en", "friday next week", w("2026-12-04")),
    ("en", "in 3 days", w(IN_3_DAYS)),
    ("en", "3 days from now", w(IN_3_DAYS)),
    ("en", "in a week", w(NEXT_TUE)),
    ("en", "in 2 weeks", w("2026-12-08")),
    ("en", "5 december", w(DEC_5)),
    ("en", "December 5th at 10", w(DEC_5, "10:00")),
    ("en", "5th of December", w(DEC_5)),
    ("en", "December 5, 2027", w("2027-12-05")),
    ("en", "12/05", w("2027-05-12")),  # day-first, already past this year
    ("en", "5/12/2026", w(DEC_5)),
    ("en", "2026-12-05", w(DEC_5)),
    ("en", "the 5th", w(DEC_5)),
    ("en", "at 11", w(None, "11:00")),
    ("en", "11", w(None, "11:00")),
    ("en", "11am", w(None, "11:00")),
    ("en", "11 a.m.", w(None, "11:00")),
    ("en", "3pm", w(None, "15:00")),
    ("en", "12pm", w(None, "12:00")),
    ("en", "12am", w(None, "00:00")),
    ("en", "15:30", w(None, "15:30")),
    ("en", "11.30", w(None, "11:30")),
    ("en", "at 3", w(None, "15:00")),  # small hours mean the afternoon...
    ("en", "at 03:00", w(None, "03:00")),  # ...unless written zero-padded
    ("en", "at 7", w(None, "07:00")),
    ("en", "at three o'clock", w(None, "15:00")),
    ("en", "noon tomorrow", w(TOMORROW, "12:00")),
    ("en", "tomorrow at 11", w(TOMORROW, "11:00")),
    ("en", "Tomorrow at 11, please!", w(TOMORROW, "11:00")),
    ("en", "11:30 tomorrow", w(TOMORROW, "11:30")),
    ("en", "tomorrow 11", w(TOMORROW, "11:00")),
    ("en", "tomorrow after 3pm", w(TOMORROW, after="15:00")),
    ("en", "after 5", w(after="17:00")),
    ("en", "before 10", w(before="10:00")),
    ("en", "before noon", w(before="12:00")),
    ("en", "between 10 and 12", w(after="10:00", before="12:00")),
    ("en", "from 9 to 11 on friday", w(FRI, after="09:00", before="11:00")),
    ("en", "tomorrow evening", w(TOMORROW, part="evening")),
    ("en", "monday morning", w(MON, part="morning")),
    ("en", "tonight at 8", w(TODAY, "20:00", part="evening")),
    ("en", "this afternoon", w(TODAY, part="afternoon")),
    ("en", "next friday at 9:30", w(FRI, "09:30")),
    ("en", "next monday 10am", w(MON, "10:00")),
    ("en", "Friday 3pm", w(FRI, "15:00")),
    ("en", "Mon 7 Dec", w("2026-12-07")),
    # -- Italian --------------------------------------------------------------------------
    ("it", "oggi", w(TODAY)),
    ("it", "domani", w(TOMORROW)),
    ("it", "dopodomani", w(AFTER_TOMORROW)),
    ("it", "dopo domani", w(AFTER_TOMORROW)),
    ("it", "lunedì", w(MON)),
    ("it", "lunedi", w(MON)),
    ("it", "LUNEDÌ", w(MON)),
    ("it", "martedì", w(TODAY)),
    ("it", "martedì prossimo", w(NEXT_TUE)),
    ("it", "venerdì prossimo", w(FRI)),
    ("it", "il prossimo venerdì", w(FRI)),
    ("it", "venerdì della prossima settimana", w("2026-12-04")),
    ("it", "tra 3 giorni", w(IN_3_DAYS)),
    ("it", "fra due giorni", w(AFTER_TOMORROW)),
    ("it", "tra una settimana", w(NEXT_TUE)),
    ("it", "5 dicembre", w(DEC_5)),
    ("it", "5 dic", w(DEC_5)),
    ("it", "il 5 dicembre alle 11", w(DEC_5, "11:00")),
    ("it", "lunedì 7 dicembre alle 9", w("2026-12-07", "09:00")),
    ("it", "mar 1 dic", w(NEXT_TUE)),
    ("it", "1 gennaio", w("2027-01-01")),
    ("it", "24 novembre", w(TODAY)),
    ("it", "23 novembre", w("2027-11-23")),  # passed: next year
    ("it", "29 febbraio", w("2028-02-29")),
    ("it", "12/05", w("2027-05-12")),
    ("it", "5/12", w(DEC_5)),
    ("it", "il 5", w(DEC_5)),
    ("it", "alle 11", w(None, "11:00")),
    ("it", "alle 15:30", w(None, "15:30")),
    ("it", "ore 11", w(None, "11:00")),
    ("it", "alle 12.05.", w(None, "12:05")),
    ("it", "alle 10 e mezza", w(None, "10:30")),
    ("it", "alle tre", w(None, "15:00")),
    ("it", "all'una", w(None, "13:00")),
    ("it", "a mezzogiorno", w(None, "12:00")),
    ("it", "domani alle 11", w(TOMORROW, "11:00")),
    ("it", "domani alle 11:00", w(TOMORROW, "11:00")),
    ("it", "dopodomani alle 9.30", w(AFTER_TOMORROW, "09:30")),
    ("it", "domani 11", w(TOMORROW, "11:00")),
    ("it", "Vorrei prenotare per giovedì alle 17", w(AFTER_TOMORROW, "17:00")),
    ("it", "giovedì prossimo alle 16", w(AFTER_TOMORROW, "16:00")),
    ("it", "dopo le 15", w(after="15:00")),
    ("it", "domani dopo le 15", w(TOMORROW, after="15:00")),
    ("it", "prima delle 10", w(before="10:00")),
    ("it", "entro le 10", w(before="10:00")),
    ("it", "dalle 10 alle 12", w(after="10:00", before="12:00")),
    ("it", "tra le 10 e le 12", w(after="10:00", before="12:00")),
    ("it", "domani pomeriggio", w(TOMORROW, part="afternoon")),
    ("it", "domani mattina", w(TOMORROW, part="morning")),
    ("it", "domattina", w(TOMORROW, part="morning")),
    ("it", "sabato mattina", w(SAT, part="morning")),
    ("it", "stasera", w(TODAY, part="evening")),
    ("it", "domani sera alle 8", w(TOMORROW, "20:00", part="evening")),
    ("it", "domani per 2 persone", w(TOMORROW)),
    ("it", "venerdì 27", w(FRI)),
    # -- French ---------------------------------------------------------------------------
    ("fr", "aujourd'hui", w(TODAY)),
    ("fr", "aujourd’hui", w(TODAY)),
    ("fr", "demain", w(TOMORROW)),
    ("fr", "après-demain", w(AFTER_TOMORROW)),
    ("fr", "apres-demain", w(AFTER_TOMORROW)),
    ("fr", "apres demain", w(AFTER_TOMORROW)),
    ("fr", "lundi", w(MON)),
    ("fr", "lundi prochain", w(MON)),
    ("fr", "mardi prochain", w(NEXT_TUE)),
    ("fr", "vendredi de la semaine prochaine", w("2026-12-04")),
    ("fr", "dans 3 jours", w(IN_3_DAYS)),
    ("fr", "dans une semaine", w(NEXT_TUE)),
    ("fr", "5 décembre", w(DEC_5)),
    ("fr", "5 decembre", w(DEC_5)),
    ("fr", "le 1er décembre", w(NEXT_TUE)),
    ("fr", "15 mars", w("2027-03-15")),
    ("fr", "12/05", w("2027-05-12")),
    ("fr", "le 5", w(DEC_5)),
    ("fr", "à 11h", w(None, "11:00")),
    ("fr", "11h30", w(None, "11:30")),
    ("fr", "11 h", w(None, "11:00")),
    ("fr", "à 10h et demie", w(None, "10:30")),
    ("fr", "à trois heures", w(None, "15:00")),
    ("fr", "à midi", w(None, "12:00")),
    ("fr", "demain 11h", w(TOMORROW, "11:00")),
    ("fr", "demain à 11h", w(TOMORROW, "11:00")),
    ("fr", "15h30 demain", w(TOMORROW, "15:30")),
    ("fr", "aujourd'hui à 18h", w(TODAY, "18:00")),
    ("fr", "Je voudrais un rendez-vous demain vers 14h", w(TOMORROW, "14:00")),
    ("fr", "mercredi 2 décembre à 10h30", w("2026-12-02", "10:30")),
    ("fr", "samedi prochain 10h", w(SAT, "10:00")),
    ("fr", "après 15h", w(after="15:00")),
    ("fr", "avant 10h", w(before="10:00")),
    ("fr", "entre 10h et 12h", w(after="10:00", before="12:00")),
    ("fr", "de 10h à 12h", w(after="10:00", before="12:00")),
    ("fr", "demain matin", w(TOMORROW, part="morning")),
    ("fr", "demain après-midi", w(TOMORROW, part="afternoon")),
    ("fr", "ce soir", w(TODAY, part="evening")),
    ("fr", "il y a une place demain ?", w(TOMORROW)),
    # -- German ---------------------------------------------------------------------------
    ("de", "heute", w(TODAY)),
    ("de", "morgen", w(TOMORROW)),
    ("de", "übermorgen", w(AFTER_TOMORROW)),
    ("de", "uebermorgen", w(AFTER_TOMORROW)),
    ("de", "Montag", w(MON)),
    ("de", "am Montag", w(MON)),
    ("de", "nächsten Freitag", w(FRI)),
    ("de", "naechsten Dienstag", w(NEXT_TUE)),
    ("de", "Freitag nächste Woche", w("2026-12-04")),
    ("de", "in 3 Tagen", w(IN_3_DAYS)),
    ("de", "in einer Woche", w(NEXT_TUE)),
    ("de", "5. Dezember", w(DEC_5)),
    ("de", "am 5. Dezember um 9", w(DEC_5, "09:00")),
    ("de", "5.12.", w(DEC_5)),
    ("de", "5.12", w(DEC_5)),
    ("de", "12.05.2027", w("2027-05-12")),
    ("de", "am 5.", w(DEC_5)),
    ("de", "um 11", w(None, "11:00")),
    ("de", "11 Uhr", w(None, "11:00")),
    ("de", "um 11 Uhr", w(None, "11:00")),
    ("de", "11 Uhr 30", w(None, "11:30")),
    ("de", "um 15.30 Uhr", w(None, "15:30")),
    ("de", "morgen 11 Uhr", w(TOMORROW, "11:00")),
    ("de", "morgen um 11", w(TOMORROW, "11:00")),
    ("de", "Mittwoch 14:00", w(TOMORROW, "14:00")),
    ("de", "Ich hätte gerne einen Termin am Freitag um 10", w(FRI, "10:00")),
    ("de", "Termin für 2 Personen morgen", w(TOMORROW)),
    ("de", "nach 15 Uhr", w(after="15:00")),
    ("de", "ab 15 Uhr", w(after="15:00")),
    ("de", "vor 10 Uhr", w(before="10:00")),
    ("de", "bis 10 Uhr", w(before="10:00")),
    ("de", "zwischen 10 und 12 Uhr", w(after="10:00", before="12:00")),
    ("de", "morgen früh", w(TOMORROW, part="morning")),
    ("de", "morgen frueh", w(TOMORROW, part="morning")),
    ("de", "morgen Nachmittag", w(TOMORROW, part="afternoon")),
    ("de", "heute Abend", w(TODAY, part="evening")),
    ("de", "heute Morgen", w(TODAY, part="morning")),  # "Morgen" after a day is the morning
    ("de", "Montag Morgen", w(MON, part="morning")),
    ("de", "morgen Abend um 7", w(TOMORROW, "19:00", part="evening")),
    # -- Other language than the user's, locales --------------------------------------------
    ("de", "domani alle 11", w(TOMORROW, "11:00")),
    ("en", "demain 11h", w(TOMORROW, "11:00")),
    ("it-IT", "domani", w(TOMORROW)),
    ("de_CH", "übermorgen", w(AFTER_TOMORROW)),
    ("pt", "tomorrow at 11", w(TOMORROW, "11:00")),
    # -- Day of month from a number that cannot be an hour ----------------------------------
    ("en", "30", w("2026-11-30")),
    ("en", "25", w(TOMORROW)),
]

# Halves and quarters of the clock, week offsets, days of the month in words, a weekday with its
# date, and all of it inside a polite question: in each language's own idioms.
SPOKEN: list[tuple[str, str, When]] = [
    # -- the clock ------------------------------------------------------------------------
    ("en", "half past ten", w(None, "10:30")),
    ("en", "at a quarter past 3", w(None, "15:15")),
    ("en", "tomorrow at quarter to 11", w(TOMORROW, "10:45")),
    ("en", "quarter to one", w(None, "12:45")),
    ("it", "alle dieci e mezza", w(None, "10:30")),
    ("it", "alle undici meno un quarto", w(None, "10:45")),
    ("it", "alle dieci e tre quarti", w(None, "10:45")),
    ("it", "all'una e mezza", w(None, "13:30")),
    ("fr", "10h et quart", w(None, "10:15")),
    ("fr", "à dix heures et demie", w(None, "10:30")),
    ("fr", "11h moins le quart", w(None, "10:45")),
    ("fr", "à une heure moins le quart", w(None, "12:45")),
    ("de", "Viertel nach zehn", w(None, "10:15")),
    ("de", "halb elf", w(None, "10:30")),  # half an hour before eleven
    ("de", "um halb 3", w(None, "14:30")),
    ("de", "Viertel vor elf", w(None, "10:45")),
    ("de", "dreiviertel elf", w(None, "10:45")),
    # -- weeks from a day -----------------------------------------------------------------
    ("en", "a week from Friday", w("2026-12-04")),
    ("en", "two weeks from tomorrow", w("2026-12-09")),
    ("en", "Friday week", w("2026-12-04")),
    ("en", "in a fortnight", w("2026-12-08")),
    ("en", "next week on Thursday", w("2026-12-03")),
    ("it", "tra due settimane", w("2026-12-08")),
    ("it", "tra quindici giorni", w("2026-12-08")),
    ("it", "oggi a otto", w(NEXT_TUE)),
    ("it", "venerdì a otto", w("2026-12-04")),
    ("it", "martedì della prossima settimana", w(NEXT_TUE)),
    ("it", "la settimana prossima giovedì", w("2026-12-03")),
    ("fr", "dans quinze jours", w("2026-12-08")),
    ("fr", "dans huit jours", w(NEXT_TUE)),
    ("fr", "vendredi en huit", w("2026-12-04")),
    ("fr", "mardi en quinze", w("2026-12-08")),
    ("fr", "la semaine prochaine jeudi", w("2026-12-03")),
    ("de", "in zwei Wochen", w("2026-12-08")),
    ("de", "in vierzehn Tagen", w("2026-12-08")),
    ("de", "Freitag in einer Woche", w("2026-12-04")),
    ("de", "morgen in acht Tagen", w("2026-12-02")),
    ("de", "nächste Woche Donnerstag", w("2026-12-03")),
    # -- days of the month in words -------------------------------------------------------
    ("en", "the third", w("2026-12-03")),
    ("en", "on the twenty-sixth at 10", w(AFTER_TOMORROW, "10:00")),
    ("en", "the first of December", w(NEXT_TUE)),
    ("it", "il tre", w("2026-12-03")),
    ("it", "il primo dicembre", w(NEXT_TUE)),
    ("it", "il ventisei alle 10", w(AFTER_TOMORROW, "10:00")),
    ("fr", "le trois", w("2026-12-03")),
    ("fr", "le premier décembre", w(NEXT_TUE)),
    ("fr", "le vingt-six à 10h", w(AFTER_TOMORROW, "10:00")),
    ("de", "am dritten", w("2026-12-03")),
    ("de", "am ersten Dezember", w(NEXT_TUE)),
    ("de", "den sechsundzwanzigsten um 10", w(AFTER_TOMORROW, "10:00")),
    # -- a weekday with its date ----------------------------------------------------------
    ("en", "Thursday 3 December", w("2026-12-03")),
    ("en", "Thursday the 3rd", w("2026-12-03")),  # not this week's Thursday
    ("en", "Tuesday 3 March", w("2027-03-03")),  # the date wins over a weekday that does not fit
    ("it", "giovedì 3/12", w("2026-12-03")),
    ("it", "giovedì il tre", w("2026-12-03")),
    ("fr", "jeudi 3 décembre", w("2026-12-03")),
    ("fr", "jeudi le trois", w("2026-12-03")),
    ("de", "Donnerstag, 3.12.", w("2026-12-03")),
    ("de", "Donnerstag, den dritten", w("2026-12-03")),
    # -- in a polite question -------------------------------------------------------------
    ("en", "could I come tomorrow at 11?", w(TOMORROW, "11:00")),
    ("en", "Would half past ten tomorrow work for you?", w(TOMORROW, "10:30")),
    ("it", "posso venire domani alle 11?", w(TOMORROW, "11:00")),
    ("it", "Si potrebbe il tre alle dieci e mezza?", w("2026-12-03", "10:30")),
    ("fr", "est-ce que je peux venir demain à 11h ?", w(TOMORROW, "11:00")),
    ("fr", "Est-ce que je pourrais venir le trois à 10h ?", w("2026-12-03", "10:00")),
    ("de", "kann ich morgen um 11 kommen?", w(TOMORROW, "11:00")),
    ("de", "Könnte ich am dritten um halb elf kommen?", w("2026-12-03", "10:30")),
]

NOT_A_DAY = [
    ("en", "the first free slot tomorrow", w(TOMORROW)),
    ("it", "il primo posto libero", None),
    ("de", "am ersten freien Termin", None),
    ("en", "half an hour", None),
]

NOTHING = [
    ("en", ""),
    ("en", "hello there"),
    ("en", "ok"),
    ("en", "0"),
    ("en", "weekend"),
    ("en", "1 person"),
    ("en", "2 days"),
    ("en", "31/02"),
    ("it", "grazie mille"),
    ("fr", "bonjour"),
    ("de", "danke"),
]


@pytest.mark.parametrize(
    ("language", "text", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_parse_when(language: str, text: str, expected: When) -> None:
    assert parse_when(text, language, NOW) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"), SPOKEN, ids=[f"{c[0]}:{c[1]}" for c in SPOKEN]
)
def test_parse_spoken_forms(language: str, text: str, expected: When) -> None:
    assert parse_when(text, language, NOW) == expected


@pytest.mark.parametrize(("language", "text", "expected"), NOT_A_DAY)
def test_ordinal_words_that_are_not_days(language: str, text: str, expected: When | None) -> None:
    assert parse_when(text, language, NOW) == expected


@pytest.mark.parametrize(("language", "text"), NOTHING)
def test_nothing_recognised_is_none(language: str, text: str) -> None:
    assert parse_when(text, language, NOW) is None


def test_relative_days_use_the_site_timezone() -> None:
    # 00:30 in Rome is still the previous evening in UTC: "tomorrow" follows the site.
    late = datetime(2026, 11, 25, 0, 30, tzinfo=ROME)
    assert parse_when("tomorrow", "en", late) == w(AFTER_TOMORROW)


def test_explicit_date_rolls_into_next_year_only_when_passed() -> None:
    new_year_eve = datetime(2026, 12, 31, 9, 0, tzinfo=ROME)
    assert parse_when("5 gennaio", "it", new_year_eve) == w("2027-01-05")
    assert parse_when("31 dicembre", "it", new_year_eve) == w("2026-12-31")
    assert parse_when("30/12", "it", new_year_eve) == w("2027-12-30")


def test_normalize_strips_accents_case_and_punctuation() -> None:
    assert normalize("  Après-Demain, À 11h!  ") == " apres demain a 11h "
    assert normalize("12-05-2027") == " 12-05-2027 "
