"""How every step handler of every flow behaves when a vendor fails."""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.runtime import BotContext
from bot.ui.errors import user_message
from bot.ui.replies import reply
from bot.vendors import VendorError

log = logging.getLogger("bot.conversations")

Handler = Callable[[Update, BotContext], Awaitable[object]]


def stay_on_vendor_error(step: enum.IntEnum, *, queue: bool = False) -> Callable[[Handler], Handler]:
    """On a vendor error, say what happened and stay on ``step``.

    Every step of every flow fails the same way: the user reads the one
    sentence :func:`~bot.ui.errors.user_message` has for the error and can
    try the same step again; nothing they entered is lost.
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(update: Update, context: BotContext) -> object:
            try:
                return await handler(update, context)
            except VendorError as exc:
                log.warning("step %s failed: %r", step.name, exc)
                await reply(update, context, user_message(exc, context.t, queue=queue), edit=False)
                return step

        return run

    return wrap


def callback_index(update: Update) -> int:
    """The list index a button carries as the last part of its callback data."""
    assert update.callback_query and update.callback_query.data
    return int(update.callback_query.data.rsplit(":", 1)[1])
