"""The last handlers: whatever no feature took still gets an answer.

Registered after every feature in the same handler group, so they see only
updates no conversation or command claimed (a flow's own fallbacks answer
anything sent inside it). Only new messages in private chats are answered:
an edit or a group's chatter is no request.

* An unknown command: a pointer to /help.
* Anything else (text that is no booking request, stickers, photos,
  contacts, locations…): the menu of what the bot does.

Free text that reads as a booking request never gets here: it is an entry
of the booking conversation (:mod:`bot.conversations.booking.entry`).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.conversations.start import help_text
from bot.runtime import BotContext

_PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.t._("I do not know that command. Send /help to see what I can do."))


async def show_menu(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    t = context.t
    await message.reply_text(f"{t._('I did not understand that.')}\n\n{help_text(t)}")


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(_PRIVATE_MESSAGES & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(_PRIVATE_MESSAGES, show_menu))
