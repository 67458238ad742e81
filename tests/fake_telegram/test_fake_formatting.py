"""Parse-mode rendering details that matter for assertions on entities."""

from __future__ import annotations

import pytest

from bot.fake_telegram.errors import TelegramApiError
from bot.fake_telegram.formatting import format_text


def test_html_entities_use_utf16_offsets() -> None:
    rendered = format_text("📅 <b>Mon</b> <a href='https://x.org'>link</a>", "HTML")
    assert rendered.text == "📅 Mon link"
    assert rendered.entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 4, "url": "https://x.org"},
    ]


def test_html_spoiler_needs_class_and_pre_language() -> None:
    with pytest.raises(TelegramApiError, match='Tag "span" must have class "tg-spoiler"'):
        format_text("<span>x</span>", "HTML")
    rendered = format_text('<pre><code class="language-python">x = 1</code></pre>', "HTML")
    assert {"type": "pre", "offset": 0, "length": 5, "language": "python"} in rendered.entities


def test_markdown_v2_nesting_code_and_links() -> None:
    rendered = format_text("*bold _both_* `a.b` ||hid|| [x\\)](https://e.org/\\))", "MarkdownV2")
    assert rendered.text == "bold both a.b hid x)"
    kinds = [(e["type"], e["offset"], e["length"]) for e in rendered.entities]
    assert kinds == [("bold", 0, 9), ("italic", 5, 4), ("code", 10, 3), ("spoiler", 14, 3),
                     ("text_link", 18, 2)]
    assert rendered.entities[-1]["url"] == "https://e.org/)"


@pytest.mark.parametrize("source", ["a - b", "(x)", "1+1=2", "wow!", "#tag", "a]b"])
def test_markdown_v2_reserved_characters(source: str) -> None:
    with pytest.raises(TelegramApiError, match="is reserved and must be escaped"):
        format_text(source, "MarkdownV2")


def test_markdown_v2_crossing_entities_fail() -> None:
    with pytest.raises(TelegramApiError, match="Can't find end of Italic entity"):
        format_text("*a _b* c_", "MarkdownV2")


def test_legacy_markdown_and_whitespace_trimming() -> None:
    rendered = format_text("  *Hi* [there](https://t.me)  ", "Markdown")
    assert rendered.text == "Hi there"
    assert [(e["type"], e["offset"], e["length"]) for e in rendered.entities] == [
        ("bold", 0, 2), ("text_link", 3, 5)]
    assert format_text("a.b-c!", None).text == "a.b-c!"
    with pytest.raises(TelegramApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode")
