"""Answering the user: one way to reply to a step, one way to make optional calls."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, NamedTuple

from telegram import InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.runtime import BotContext
from bot.runtime.telegram_http import raw_call
from bot.ui.answers import answer
from bot.ui.limits import fit

# Entities Telegram finds in plain text by itself: the same text gets the same ones.
_DETECTED = frozenset({
    MessageEntity.BOT_COMMAND, MessageEntity.URL, MessageEntity.MENTION, MessageEntity.HASHTAG,
    MessageEntity.CASHTAG, MessageEntity.EMAIL, MessageEntity.PHONE_NUMBER,
})


class Shown(NamedTuple):
    """Where a reply is shown: enough to edit it later."""

    chat_id: int
    message_id: int


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Shown | None:
    """Answer a step: edit the pressed message in place, else send a new one.

    Editing keeps the chat short when the user walks through buttons. An
    edit that would change nothing (a double tap, Back to the same screen) is
    not sent: the pressed message, which comes with the query, already shows
    this text and keyboard (Telegram would answer "message is not modified",
    which stays harmless when our copy of the message is out of date). The
    text is fitted to Telegram's limit, so a step always shows.
    """
    text = fit(text)
    query = update.callback_query
    if query is not None:
        await answer(update)
        if edit and isinstance(query.message, Message) and shows(query.message, text, markup):
            return None
        if edit and query.message is not None:
            shown = Shown(query.message.chat.id, query.message.message_id)
            try:
                await _edit_in_place(query.get_bot(), shown, text, markup)  # type: ignore[arg-type]
                return shown
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return shown
    chat = update.effective_chat
    assert chat is not None
    sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
    return Shown(sent.chat_id, sent.message_id)


async def _edit_in_place(bot: ExtBot[Any], shown: Shown, text: str,
                         markup: InlineKeyboardMarkup | None) -> None:
    """``editMessageText`` without reading its answer into a :class:`Message` (see
    :func:`~bot.runtime.telegram_http.raw_call`)."""
    await raw_call(bot, "editMessageText", {
        "chat_id": shown.chat_id, "message_id": shown.message_id, "text": text,
        "reply_markup": markup_json(markup)})


def markup_json(markup: InlineKeyboardMarkup | None) -> dict[str, object] | None:
    """The keyboard as Telegram's JSON, quickly for the common button.

    ``TelegramObject.to_dict`` looks at every attribute of every button (a day's slots
    make dozens). Telegram takes exactly one optional field per button, so a button
    with string callback data is its text and that data; any other kind goes the
    general way.
    """
    if markup is None or not markup.inline_keyboard:
        return None if markup is None else markup.to_dict()  # as python-telegram-bot sends it
    return {"inline_keyboard": [
        [{"text": button.text, "callback_data": button.callback_data}
         if isinstance(button.callback_data, str) else button.to_dict()
         for button in row]
        for row in markup.inline_keyboard]}


def shows(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether ``message`` already shows plain ``text`` with ``markup`` (as far as we know)."""
    if message.text != text or any(e.type not in _DETECTED for e in message.entities):
        return False
    shown = message.reply_markup.inline_keyboard if message.reply_markup else ()
    wanted = markup.inline_keyboard if markup else ()
    return tuple(map(tuple, shown)) == tuple(map(tuple, wanted))


async def best_effort(call: Awaitable[object]) -> None:
    """Run a Bot API call the bot can do without (chat action, menu), ignoring refusal.

    Some Bot API–compatible servers implement only the core methods; a
    missing nicety must never break a conversation.
    """
    try:
        await call
    except TelegramError:
        pass
