"""Keep the catalogs in step with the code: ``python -m bot.i18n.extract``.

Extracts every ``t._(...)``, ``t.n_(...)`` and ``N_(...)`` message from the
``bot`` package and merges it into each ``locales/<lang>/LC_MESSAGES/messages.po``:
new messages are added untranslated (the catalog test then fails until
someone translates them), translations of known messages are kept, and
messages no longer in the code are dropped.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalog import DOMAIN, LANGUAGES, LOCALES_DIR

SOURCE_LANGUAGE = "en"

PACKAGE_DIR = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}


def extract_template() -> Catalog:
    template = Catalog(project="booking-bot", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE_DIR,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        if "fake_telegram" in filename or "simulator" in filename:
            continue  # the local world speaks English only; its texts are not the bot's
        template.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return template


def update_catalogs() -> dict[str, int]:
    """Merge the code's messages into every catalog; return untranslated counts."""
    template = extract_template()
    missing: dict[str, int] = {}
    for language in LANGUAGES:
        path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=language)
        else:
            catalog = Catalog(locale=language, project="booking-bot")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        if language == SOURCE_LANGUAGE:
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id  # the code is written in English

        with path.open("wb") as target:
            write_po(target, catalog, omit_header=False, sort_output=True, include_lineno=False)
        missing[language] = sum(1 for m in catalog if m.id and not _translated(m.string))
    return missing


def _translated(string: object) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


if __name__ == "__main__":
    for language, count in update_catalogs().items():
        print(f"{language}: {count} untranslated")
