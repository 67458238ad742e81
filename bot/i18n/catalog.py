"""Loading gettext catalogs straight from the ``.po`` sources (see :mod:`bot.i18n.po`)."""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

from bot.i18n.po import load_po

# The catalogs live at the top of the repository; an installed copy (the
# Docker image) points LOCALES_DIR at them.
LOCALES_DIR = Path(
    os.environ.get("LOCALES_DIR") or Path(__file__).resolve().parent.parent.parent / "locales"
)
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# Language code -> the name shown in its own language on the /language menu.
LANGUAGES: dict[str, str] = {"en": "English", "it": "Italiano", "fr": "Français", "de": "Deutsch"}


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


def resolve_language(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``it``, ``de-CH``, ``pt-br``…) to ours."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """Translations for one language, plus that language's babel locale name."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def _(self, message: str, /, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    @property
    def locale(self) -> str:
        return self.language


def _compile(language: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    return load_po(path)


@lru_cache(maxsize=None)
def translator(language: str | None) -> Translator:
    language = resolve_language(language)
    return Translator(language, _compile(language))
