"""Fitting text into Telegram's limits, counted as Telegram counts (UTF-16 units)."""

from __future__ import annotations

from bot.ui.limits import ELLIPSIS, MAX_BUTTON_TEXT, button_text, fit, shorten, units


def test_short_values_are_kept_and_long_ones_end_with_an_ellipsis() -> None:
    assert shorten("Ada Lovelace") == "Ada Lovelace"
    cut = shorten("x" * 500, 20)
    assert cut == "x" * 19 + ELLIPSIS and units(cut) == 20


def test_a_value_is_one_line() -> None:
    assert shorten("Ada\n\n  Lovelace\t") == "Ada Lovelace"
    assert shorten("11:00\u202fAM") == "11:00\u202fAM"  # no-break spaces are kept


def test_emoji_count_twice_and_are_never_split() -> None:
    cut = shorten("😀" * 50, 11)
    assert cut == "😀" * 5 + ELLIPSIS
    assert units(cut) == 11


def test_fit_keeps_line_breaks_and_the_limit() -> None:
    text = "line\n" * 2000
    fitted = fit(text)
    assert units(fitted) <= 4096 and fitted.count("\n") > 800
    assert fit("short\ntext") == "short\ntext"


def test_buttons_are_never_empty_nor_too_long() -> None:
    assert button_text("") == "·"
    assert button_text("   ") == "·"
    assert units(button_text("y" * 300)) == MAX_BUTTON_TEXT
