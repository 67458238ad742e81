"""Small helpers every feature's handlers share."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.app.services import BotContext


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


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
    "message is not modified" refusal (a double tap) is harmless.
    """
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


async def optional(coro: object) -> None:
    """Run an optional Bot API call (chat action, menu) and ignore refusal.

    Some Bot API–compatible servers implement only the core methods; a
    missing nicety must never break a conversation.
    """
    try:
        await coro  # type: ignore[misc]
    except TelegramError:
        pass
