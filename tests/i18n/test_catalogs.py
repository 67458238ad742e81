"""Every message in the code is translated in every catalog, placeholders intact."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LANGUAGES, translator
from bot.i18n.catalog import DOMAIN, LOCALES_DIR
from bot.i18n.extract import extract_template
from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"\{(\w+)\}")
WORD = re.compile(r"[A-Za-z]{3,}")


def _has_words(text: str) -> bool:
    """English left in another language's catalog is untranslated; '{n} ×' is not."""
    return len(WORD.findall(PLACEHOLDER.sub("", text))) >= 2


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = []
    for message in extract_template():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ("",))
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        copied = language != "en" and any(
            string == source and _has_words(source) for string, source in zip(strings, ids)
        )
        if entry is None or not all(strings) or entry.fuzzy or copied:
            missing.append(ids[0])
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_translations_keep_their_placeholders(language: str) -> None:
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= wanted | {"n"}, (language, message.id, string)
            assert set(PLACEHOLDER.findall(ids[0])) - {"n"} <= set(PLACEHOLDER.findall(string)), (
                language, message.id, string)


def test_translator_formats_and_falls_back() -> None:
    assert translator("it-IT").language == "it"
    assert translator(None).language == "en"
    assert translator("xx").language == "en"
