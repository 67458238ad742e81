"""Conversations: one handler module per feature, joined here.

Handler modules talk to vendors only through :mod:`bot.vendors` (the
vendor-neutral interface and capability flags), never a vendor package.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.conversations import booking, my_bookings, start, users
from bot.conversations.menu import COMMANDS

FEATURES = (users, start, booking, my_bookings)


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    for feature in FEATURES:
        feature.register(application)


__all__ = ["COMMANDS", "register_handlers"]
