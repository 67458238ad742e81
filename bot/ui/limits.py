"""Telegram's size limits, and fitting what the bot builds inside them.

Users type up to 4096 characters in one message, so any text that repeats
what they typed (a summary, a "that is not valid" hint) can outgrow the
message it is shown in; Telegram then refuses the whole message and the
step never appears. Values are therefore shortened where they are shown
(:func:`shorten`), and the one way a step replies fits the whole text
(:func:`fit`) as a last line of defence.

Telegram counts lengths in UTF-16 code units (an emoji is two), so that is
what is counted here.
"""

from __future__ import annotations

import re

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a photo's or document's caption
MAX_CALLBACK_DATA = 64  # bytes of a button's callback data
# Telegram publishes no limit for a button's text; clients show one line of
# it, so a longer label is noise at best and refused at worst.
MAX_BUTTON_TEXT = 64
MAX_VALUE_SHOWN = 64  # one user-typed value repeated in a summary or a hint
ELLIPSIS = "…"
_LINE_BREAKS = re.compile(r"\s*[\n\r\t\v\f\x85\u2028\u2029]\s*")


def units(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` units, then an ellipsis."""
    if units(text) <= limit:
        return text
    kept, used = [], 0
    budget = max(limit - 1, 0)  # room for the ellipsis (one unit)
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > budget:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def shorten(value: str, limit: int = MAX_VALUE_SHOWN) -> str:
    """One value on one line, at most ``limit`` units: "Bartholomew-Fitzwil…".

    Line breaks become spaces, so a value cannot stretch a summary
    vertically either; other characters are kept as they are (times and
    prices carry no-break spaces).
    """
    return _cut(_LINE_BREAKS.sub(" ", value).strip(" "), limit)


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """A whole message text within ``limit`` units, line breaks kept."""
    return _cut(text, limit)


def button_text(label: str) -> str:
    """A button's label: one line, never empty (Telegram refuses an empty one)."""
    return shorten(label, MAX_BUTTON_TEXT).strip() or "·"


__all__ = [
    "ELLIPSIS", "MAX_BUTTON_TEXT", "MAX_CALLBACK_DATA", "MAX_CAPTION", "MAX_TEXT",
    "MAX_VALUE_SHOWN", "button_text", "fit", "shorten", "units",
]
