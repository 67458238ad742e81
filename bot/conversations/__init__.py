"""Conversations: one handler module per feature, joined here.

Handler modules talk to vendors only through :mod:`bot.vendors` (the
vendor-neutral interface and capability flags), never a vendor package.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.conversations import accounts, booking, my_bookings, queue, rooms, staff, start, users, visitors
from bot.conversations.menu import COMMANDS

# Order matters where commands overlap: a conversation's /cancel must come
# before the global /cancel of my_bookings.
FEATURES = (users, start, booking, queue, rooms, visitors, staff, accounts, my_bookings)


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    for feature in FEATURES:
        feature.register(application)


__all__ = ["COMMANDS", "register_handlers"]
