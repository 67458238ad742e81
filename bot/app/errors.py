"""The last resort: an exception no handler dealt with.

It is logged with the update's context (pseudonymised) and the user gets a
localized apology instead of silence; vendor errors get their specific
message from the one mapping in :mod:`bot.conversations.errors`.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.runtime import BotContext
from bot.ui.answers import answer
from bot.ui.errors import user_message

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    user = update.effective_user if isinstance(update, Update) else None
    who = context.services.pseudonym(user.id) if user else "-"
    update_id = update.update_id if isinstance(update, Update) else "-"
    log.error(
        "update=%s user=%s failed: %s", update_id, who, context.error, exc_info=context.error
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = user_message(context.error, context.t)
    try:
        await answer(update)  # unless the button was answered before the failure
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:
        log.warning("could not tell user=%s about the error: %s", who, exc)
