"""Answering the user: one way to reply to a step, one way to make optional calls."""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.runtime import BotContext
from bot.ui.limits import fit


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Answer a step: edit the pressed message in place, else send a new one.

    Editing keeps the chat short when the user walks through buttons; a
    "message is not modified" refusal (a double tap) is harmless. The text is
    fitted to Telegram's limit, so a step always shows.
    """
    text = fit(text)
    query = update.callback_query
    if query is not None:
        try:
            await query.answer()
        except TelegramError:
            pass
        if edit and query.message is not None:
            try:
                result = await query.edit_message_text(text, reply_markup=markup)
                return result if isinstance(result, Message) else None
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return None
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def best_effort(call: Awaitable[object]) -> None:
    """Run a Bot API call the bot can do without (chat action, menu), ignoring refusal.

    Some Bot API–compatible servers implement only the core methods; a
    missing nicety must never break a conversation.
    """
    try:
        await call
    except TelegramError:
        pass
