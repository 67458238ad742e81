"""Conversations: one handler module per feature, joined here.

Handler modules talk to vendors only through :mod:`bot.vendors` (the
vendor-neutral interface and capability flags), never a vendor package.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.conversations import (
    accounts, booking, broadcast, fallback, my_bookings, privacy, qr, queue, rooms, staff, start,
    users, visitors,
)
from bot.conversations.menu import COMMANDS
from bot.ui.access import staff_refusals
from bot.ui.buttons import stale_buttons

# Order matters where handlers overlap (the first that matches in a group wins):
# a conversation's /cancel comes before the global /cancel of my_bookings; every
# conversation that reads typed text (queue, rooms, broadcast) comes before booking's, whose
# entry takes free text outside a flow as a booking request; fallback is last,
# for whatever is left.
FEATURES = (
    users, start, queue, rooms, broadcast, booking, visitors, staff, qr, accounts, my_bookings,
    privacy,
)
STAFF_ONLY = [name for name, _ in staff.STAFF_COMMANDS + accounts.STAFF_COMMANDS] + [*visitors.STAFF_ONLY, *qr.STAFF_ONLY]


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    for feature in FEATURES:
        feature.register(application)
    # Staff handlers sit behind the STAFF_IDS filter; here everybody else is refused.
    for handler in staff_refusals(STAFF_ONLY):
        application.add_handler(handler)
    fallback.register(application)
    # Last: any callback query no feature took (garbage, an ended flow's button) is stale.
    application.add_handler(stale_buttons())


__all__ = ["COMMANDS", "register_handlers"]
