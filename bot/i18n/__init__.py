"""Translations and locale-aware formatting.

Catalogs are plain ``.po`` files under ``locales/<lang>/LC_MESSAGES/``; they
are compiled in memory when first used, so there is no build step to forget.
Code marks messages with ``_("...")`` on a :class:`Translator` (or ``N_``
where the text is only named, translated later) so babel's extractor and the
completeness test see every message.
"""

from bot.i18n.catalog import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    N_,
    resolve_language,
    translator,
)
from bot.i18n.formatting import (
    format_count,
    format_date,
    format_datetime,
    format_day,
    format_duration,
    format_money,
    format_time,
)

__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "N_", "Translator", "format_count", "format_date", "format_datetime",
    "format_day", "format_duration", "format_money", "format_time", "resolve_language",
    "translator",
]
