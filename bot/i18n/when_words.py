"""Per-language words for :mod:`bot.i18n.when`.

Entries are written the way :func:`bot.i18n.when.normalize` leaves user text: lower case,
accents stripped, hyphens and apostrophes turned into spaces ("apres demain", "aujourd hui",
"all una"). German umlauts are listed in both plain (``u``) and transliterated (``ue``) spelling
because people without a German keyboard type either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"


@dataclass(frozen=True)
class Words:
    """Everything language-specific the parser needs; phrases may contain spaces."""

    relative_days: Mapping[str, int]
    # Phrases that name a day and a part of it at once ("stasera", "tonight").
    day_parts: Mapping[str, tuple[int, str]]
    weekdays: Mapping[str, int]  # 0 = Monday
    next_before: tuple[str, ...]  # "next friday", "nachsten freitag"
    next_after: tuple[str, ...]  # "vendredi prochain", "venerdi prossimo"
    next_week: tuple[str, ...]  # "friday next week": that weekday in next calendar week
    in_prefix: tuple[str, ...]  # "in 3 days", "tra 3 giorni"
    day_units: tuple[str, ...]
    week_units: tuple[str, ...]
    counts: Mapping[str, int]  # number words for "in three days"; articles count as one
    hour_words: Mapping[str, int]  # "at three", "alle tre"; only understood after a marker
    at: tuple[str, ...]
    after: tuple[str, ...]
    before: tuple[str, ...]
    between: tuple[str, ...]  # opens a range: "between 10 and 12", "dalle 10 alle 12"
    between_join: tuple[str, ...]
    minutes_words: Mapping[str, int]  # "e mezza", "et quart" after an hour
    noon: tuple[str, ...]
    parts: Mapping[str, str]
    # Raw regexes for parts of day that need context; group "x" is the part word itself.
    part_patterns: tuple[tuple[str, str], ...] = ()
    ordinal_prefix: tuple[str, ...] = ()  # "the 5th", "il 5", "le 5", "am 5."
    am_pm: bool = True  # German "11 am Montag" means "11 on Monday", not 11 a.m.
    # Germans write dates with dots and may drop the final one ("5.12"); elsewhere "9.10" is
    # a time and dates use slashes.
    dotted_date: bool = False
    # "il y a une place" must not read as "at one": French says "à une heure" anyway.
    spelled_hours_need_suffix: bool = False
    suffix_after: tuple[str, ...] = field(default=())  # "3 days from now"
    # Before an hour, minutes from it: "half past" 30, "quarter to" -15, German "halb" -30
    # ("halb elf" is 10:30). After an hour, ``minutes_words`` may be negative too.
    clock_before: Mapping[str, int] = field(default_factory=dict)
    # Spans said in days but meant as weeks: "quinze jours", "otto giorni", "vierzehn Tagen".
    spans: Mapping[str, int] = field(default_factory=dict)
    # After a day, days added to it: "vendredi en huit", "oggi a otto", "Friday week".
    offsets_after: Mapping[str, int] = field(default_factory=dict)
    offset_from: tuple[str, ...] = ()  # "a week from Friday", "a week on Friday"
    weekday_prefix: tuple[str, ...] = ()  # "next week on Thursday", "nächste Woche am Donnerstag"
    # Days of the month as words, read after ``ordinal_prefix`` or before a month name.
    day_words: Mapping[str, int] = field(default_factory=dict)
    lone_day_word_last: bool = False  # "the first" is a date only at the end: "the first slot"


_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_IT_NUMBERS = {
    "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7,
    "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12,
}
_FR_NUMBERS = {
    "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
}
_DE_NUMBERS = {
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "fuenf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwolf": 12, "zwoelf": 12,
}

_EN_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
)
_EN_DAYS = {
    **{word: n for n, word in enumerate(_EN_ORDINALS, 1)},
    **{f"twenty {word}": 20 + n for n, word in enumerate(_EN_ORDINALS[:9], 1)},
    "thirtieth": 30, "thirty first": 31,
}
_IT_UNITS = ("uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove")
_IT_DAYS = {
    **{word: n for word, n in _IT_NUMBERS.items() if word != "una"}, "primo": 1,
    "tredici": 13, "quattordici": 14, "quindici": 15, "sedici": 16, "diciassette": 17,
    "diciotto": 18, "diciannove": 19, "venti": 20, "trenta": 30, "trentuno": 31,
    # venti + uno/otto drop the vowel: ventuno, ventotto
    **{("vent" if unit[0] in "uo" else "venti") + unit: 20 + n for n, unit in enumerate(_IT_UNITS, 1)},
    "ventitre": 23,
}
_FR_UNITS = ("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")
_FR_DAYS = {
    **{word: n for word, n in _FR_NUMBERS.items() if word != "une"}, "premier": 1, "un": 1,
    "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "dix sept": 17, "dix huit": 18,
    "dix neuf": 19, "vingt": 20, "trente": 30, "trente et un": 31,
    **{("vingt et " if unit == "un" else "vingt ") + unit: 20 + n for n, unit in enumerate(_FR_UNITS, 1)},
}
_DE_ORDINAL_STEMS = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "funft": 5, "fuenft": 5, "sechst": 6,
    "siebt": 7, "siebent": 7, "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwolft": 12,
    "zwoelft": 12, "dreizehnt": 13, "vierzehnt": 14, "funfzehnt": 15, "fuenfzehnt": 15,
    "sechzehnt": 16, "siebzehnt": 17, "achtzehnt": 18, "neunzehnt": 19, "zwanzigst": 20,
    "dreissigst": 30, "einunddreissigst": 31,
    **{f"{unit}undzwanzigst": 20 + n for unit, n in (
        ("ein", 1), ("zwei", 2), ("drei", 3), ("vier", 4), ("funf", 5), ("fuenf", 5),
        ("sechs", 6), ("sieben", 7), ("acht", 8), ("neun", 9))},
}
# "am dritten", "der dritte", "zum dritten": the endings a day of the month takes
_DE_DAYS = {stem + ending: n for stem, n in _DE_ORDINAL_STEMS.items() for ending in ("en", "e", "er")}

EN = Words(
    relative_days={
        "today": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
        "day after tomorrow": 2, "the day after tomorrow": 2, "overmorrow": 2,
    },
    day_parts={
        "tonight": (0, EVENING), "this morning": (0, MORNING),
        "this afternoon": (0, AFTERNOON), "this evening": (0, EVENING),
    },
    weekdays={
        "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
        "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
        "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    },
    next_before=("next", "the next", "the coming", "coming"),
    next_after=(),
    next_week=("next week", "of next week"),
    in_prefix=("in",),
    day_units=("day", "days"),
    week_units=("week", "weeks"),
    counts={**_EN_NUMBERS, "a": 1, "an": 1},
    hour_words=_EN_NUMBERS,
    at=("at", "@", "around", "about", "at around", "at about"),
    after=("after", "from", "later than", "not before", "not earlier than", "starting at"),
    before=("before", "by", "until", "till", "no later than", "not after", "earlier than"),
    between=("between", "from"),
    between_join=("and", "to", "till", "until", "-"),
    minutes_words={},
    noon=("noon", "midday"),
    parts={
        "morning": MORNING, "in the morning": MORNING,
        "afternoon": AFTERNOON, "in the afternoon": AFTERNOON,
        "evening": EVENING, "in the evening": EVENING,
    },
    ordinal_prefix=("the", "on the"),
    suffix_after=("from now", "from today"),
    clock_before={
        "half past": 30, "half": 30, "quarter past": 15, "a quarter past": 15,
        "quarter to": -15, "a quarter to": -15, "quarter of": -15, "a quarter of": -15,
    },
    spans={"fortnight": 14, "a fortnight": 14},
    offsets_after={"week": 7},  # "Friday week", "tomorrow week"
    offset_from=("from", "after", "on"),
    weekday_prefix=("on",),
    day_words=_EN_DAYS,
    lone_day_word_last=True,
)

IT = Words(
    relative_days={"oggi": 0, "domani": 1, "dopodomani": 2, "dopo domani": 2},
    day_parts={
        "stamattina": (0, MORNING), "stamani": (0, MORNING), "stamane": (0, MORNING),
        "stasera": (0, EVENING), "stanotte": (0, EVENING), "domattina": (1, MORNING),
    },
    weekdays={
        "lunedi": 0, "lun": 0, "martedi": 1, "mar": 1, "mercoledi": 2, "mer": 2,
        "giovedi": 3, "gio": 3, "venerdi": 4, "ven": 4, "sabato": 5, "sab": 5,
        "domenica": 6, "dom": 6,
    },
    next_before=("prossimo", "prossima", "il prossimo", "la prossima"),
    next_after=("prossimo", "prossima", "che viene"),
    next_week=(
        "prossima settimana", "settimana prossima", "della prossima settimana",
        "della settimana prossima",
    ),
    in_prefix=("tra", "fra"),
    day_units=("giorno", "giorni"),
    week_units=("settimana", "settimane"),
    counts={**_IT_NUMBERS, "un": 1},
    hour_words=_IT_NUMBERS,
    at=("alle", "alle ore", "ore", "all", "verso le", "verso", "intorno alle", "per le", "h"),
    after=(
        "dopo le", "dopo", "dalle", "dalle ore", "a partire dalle", "non prima delle",
        "piu tardi delle",
    ),
    before=(
        "prima delle", "prima di", "prima", "entro le", "entro", "fino alle", "non dopo le",
        "non oltre le",
    ),
    between=("tra le", "fra le", "dalle", "dalle ore", "tra", "fra"),
    between_join=("e le", "alle", "e", "-"),
    minutes_words={
        "e mezza": 30, "e mezzo": 30, "e un quarto": 15, "e quarto": 15, "e tre quarti": 45,
        "meno un quarto": -15, "meno quarto": -15,
    },
    noon=("mezzogiorno", "mezzodi"),
    parts={
        "mattina": MORNING, "mattino": MORNING, "mattinata": MORNING, "in mattinata": MORNING,
        "di mattina": MORNING, "la mattina": MORNING,
        "pomeriggio": AFTERNOON, "nel pomeriggio": AFTERNOON, "di pomeriggio": AFTERNOON,
        "sera": EVENING, "serata": EVENING, "di sera": EVENING, "in serata": EVENING,
    },
    ordinal_prefix=("il", "l", "per il"),
    spans={"otto giorni": 7, "quindici giorni": 14},
    offsets_after={"a otto": 7, "a quindici": 14},  # "oggi a otto", "venerdi a otto"
    day_words=_IT_DAYS,
)

FR = Words(
    relative_days={
        "aujourd hui": 0, "aujourdhui": 0, "demain": 1, "apres demain": 2, "apresdemain": 2,
    },
    day_parts={
        "ce matin": (0, MORNING), "cet apres midi": (0, AFTERNOON),
        "cette apres midi": (0, AFTERNOON), "ce soir": (0, EVENING),
    },
    weekdays={
        "lundi": 0, "lun": 0, "mardi": 1, "mar": 1, "mercredi": 2, "mer": 2,
        "jeudi": 3, "jeu": 3, "vendredi": 4, "ven": 4, "samedi": 5, "sam": 5,
        "dimanche": 6, "dim": 6,
    },
    next_before=("prochain",),
    next_after=("prochain", "qui vient"),
    next_week=("de la semaine prochaine", "la semaine prochaine", "semaine prochaine"),
    in_prefix=("dans", "d ici"),
    day_units=("jour", "jours"),
    week_units=("semaine", "semaines"),
    counts={**_FR_NUMBERS, "un": 1},
    hour_words=_FR_NUMBERS,
    at=("a", "vers", "aux alentours de", "sur les"),
    after=("apres", "a partir de", "des", "pas avant", "plus tard que"),
    before=("avant", "jusqu a", "au plus tard a", "pas apres", "plus tot que"),
    between=("entre", "de"),
    between_join=("et", "a", "-"),
    minutes_words={
        "et demie": 30, "et demi": 30, "et quart": 15, "moins le quart": -15, "moins quart": -15,
    },
    noon=("midi",),
    parts={
        "matin": MORNING, "le matin": MORNING, "matinee": MORNING, "dans la matinee": MORNING,
        "apres midi": AFTERNOON, "l apres midi": AFTERNOON, "aprem": AFTERNOON,
        "soir": EVENING, "le soir": EVENING, "soiree": EVENING, "en soiree": EVENING,
        "dans la soiree": EVENING,
    },
    ordinal_prefix=("le",),
    spelled_hours_need_suffix=True,
    spans={"huit jours": 7, "quinze jours": 14},
    offsets_after={"en huit": 7, "en quinze": 14},  # "vendredi en huit"
    day_words=_FR_DAYS,
)

_DE_WEEKDAYS = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonnabend": 5, "sonntag": 6,
}

DE = Words(
    relative_days={"heute": 0, "morgen": 1, "ubermorgen": 2, "uebermorgen": 2},
    day_parts={},
    weekdays={**_DE_WEEKDAYS, **{f"{name}s": day for name, day in _DE_WEEKDAYS.items()}},
    next_before=(
        "nachsten", "nachster", "nachste", "naechsten", "naechster", "naechste",
        "kommenden", "kommender", "kommende",
    ),
    next_after=(),
    next_week=(
        "nachste woche", "naechste woche", "der nachsten woche", "der naechsten woche",
        "kommende woche",
    ),
    in_prefix=("in",),
    day_units=("tag", "tagen", "tage"),
    week_units=("woche", "wochen"),
    counts={**_DE_NUMBERS, "ein": 1, "einem": 1, "einer": 1, "eine": 1},
    hour_words={**_DE_NUMBERS, "ein": 1},
    at=("um", "gegen", "so gegen", "ca", "circa", "zirka"),
    after=(
        "nach", "ab", "nicht vor", "spater als", "spaeter als", "fruhestens um",
        "fruehestens um", "fruhestens", "fruehestens",
    ),
    before=(
        "vor", "bis", "bis spatestens", "bis spaetestens", "spatestens um", "spaetestens um",
        "spatestens", "spaetestens", "nicht nach", "fruher als", "frueher als",
    ),
    between=("zwischen", "von"),
    between_join=("und", "bis", "-"),
    minutes_words={},
    noon=("mittag", "mittags", "zu mittag"),
    parts={
        "fruh": MORNING, "frueh": MORNING, "morgens": MORNING, "am morgen": MORNING,
        "vormittag": MORNING, "vormittags": MORNING, "am vormittag": MORNING,
        "nachmittag": AFTERNOON, "nachmittags": AFTERNOON, "am nachmittag": AFTERNOON,
        "abend": EVENING, "abends": EVENING, "am abend": EVENING,
    },
    # "Morgen" after a day is the morning of that day: "heute Morgen", "Montag Morgen".
    part_patterns=(
        (
            r"\b(?:heute|morgen|ubermorgen|uebermorgen|"
            + "|".join(_DE_WEEKDAYS)
            + r")\s+(?P<x>morgen)\b",
            MORNING,
        ),
    ),
    ordinal_prefix=("am", "den", "ab dem", "zum", "der"),
    am_pm=False,
    dotted_date=True,
    # "halb elf" is half an hour before eleven; "viertel elf" and "dreiviertel elf" are
    # the eastern and southern 10:15 and 10:45.
    clock_before={
        "viertel nach": 15, "viertel vor": -15, "halb": -30, "dreiviertel": -15,
        "drei viertel": -15, "viertel": -45,
    },
    spans={"acht tagen": 7, "vierzehn tagen": 14},
    weekday_prefix=("am",),
    day_words=_DE_DAYS,
)

# A number followed by one of these counts something else: "per 2 persone" is not 14:00.
COUNTED_NOUNS: tuple[str, ...] = (
    "people", "person", "persons", "pax", "guests", "adults", "kids", "children",
    "persone", "persona", "posti", "ospiti", "adulti", "bambini",
    "personnes", "personne", "places", "couverts", "adultes", "enfants",
    "personen", "person", "leute", "gaste", "gaeste", "platze", "plaetze", "erwachsene", "kinder",
    "min", "mins", "minutes", "minute", "minuti", "minuten",
    "hour", "hours", "ora", "ore", "heure", "heures", "stunde", "stunden", "std",
    "day", "days", "giorno", "giorni", "jour", "jours", "tag", "tage", "tagen",
    "week", "weeks", "settimana", "settimane", "semaine", "semaines", "woche", "wochen",
)

LANGUAGE_WORDS: dict[str, Words] = {"en": EN, "it": IT, "fr": FR, "de": DE}

# After "the first", "il primo", "am ersten": words that make it something other than a day.
NOT_A_DAY_AFTER: tuple[str, ...] = COUNTED_NOUNS + (
    "slot", "slots", "one", "ones", "time", "posto", "volta", "disponibile", "libero",
    "fois", "creneau", "creneaux", "disponible", "libre", "termin", "mal", "freien", "freie",
)
