"""Virtual queues: the /queue join conversation and the live ticket card's buttons.

The card itself is rendered in :mod:`.card` and kept current by
:mod:`bot.notifications`.
"""

from telegram.ext import Application

from bot.conversations.queue import flow, tickets


def register(application: Application) -> None:  # type: ignore[type-arg]
    flow.register(application)
    tickets.register(application)


__all__ = ["register"]
