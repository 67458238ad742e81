"""bot.i18n.po reads the catalogs exactly as babel's read_po + write_mo did."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.catalog import DOMAIN, LANGUAGES, LOCALES_DIR
from bot.i18n.po import load_po, read_entries, write_mo as our_mo


def babel_translations(path: Path, language: str) -> gettext.GNUTranslations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def messages(t: gettext.GNUTranslations) -> dict[object, str]:
    return {key: value for key, value in t._catalog.items() if key != ""}  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_shipped_catalog_reads_as_babel_read_it(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    ours, babels = load_po(path), babel_translations(path, language)
    assert messages(ours) == messages(babels)
    assert len(messages(ours)) > (0 if language == "en" else 100)
    assert [ours.plural(n) for n in range(300)] == [babels.plural(n) for n in range(300)]  # type: ignore[attr-defined]
    assert ours.charset() == babels.charset() == "utf-8"


PO = r'''# a comment
msgid ""
msgstr ""
"Language: xx\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"Content-Type: text/plain; charset=utf-8\n"

#: somewhere.py
msgid "Say \"hi\"\tnow"
msgstr "Dis \"salut\"\t"
"maintenant\\n"

msgid "untranslated"
msgstr ""

#, fuzzy
msgid "fuzzy"
msgstr "flou"

#, python-format, fuzzy
msgid "also fuzzy"
msgstr "aussi"

msgctxt "menu"
msgid "Open"
msgstr "Ouvrir"

msgid "{n} seat"
msgid_plural "{n} seats"
msgstr[0] "{n} place"
msgstr[1] ""

#~ msgid "gone"
#~ msgstr "parti"
'''


def test_edge_cases_read_as_babel_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "messages.po"
    path.write_text(PO, encoding="utf-8")
    ours, babels = load_po(path), babel_translations(path, "fr")
    assert messages(ours) == messages(babels)
    assert ours.gettext('Say "hi"\tnow') == 'Dis "salut"\tmaintenant\\n'
    assert ours.gettext("untranslated") == "untranslated" and ours.gettext("fuzzy") == "fuzzy"
    assert ours.pgettext("menu", "Open") == "Ouvrir" and ours.gettext("gone") == "gone"
    assert [ours.ngettext("{n} seat", "{n} seats", n) for n in (1, 2)] == ["{n} place", "{n} seats"]
    assert ours.plural(1) == 0 and ours.plural(2) == 1  # type: ignore[attr-defined]


def test_an_empty_catalog_is_just_its_header() -> None:
    assert len(our_mo(read_entries(['msgid ""', 'msgstr ""', '"Language: xx\\n"']))) > 28
