"""Inline keyboards, built the same way by every feature."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.ui.limits import button_text


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data); labels fit on a button."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button_text(label), callback_data=data) for label, data in row] for row in rows]
    )
