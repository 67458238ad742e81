"""Small helpers every feature's handlers share."""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.app.services import BotContext
from bot.conversations.errors import user_message
from bot.vendors import VendorError

log = logging.getLogger("bot.conversations")
M = TypeVar("M", bound=BaseModel)


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


Handler = Callable[[Update, BotContext], Awaitable[object]]


def staying(step: enum.IntEnum, *, queue: bool = False) -> Callable[[Handler], Handler]:
    """On a vendor error, say what happened and stay on ``step``.

    Every step of every flow fails the same way: the user reads the one
    sentence :func:`~bot.conversations.errors.user_message` has for the
    error and can try the same step again; nothing they entered is lost.
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


class UserDataDraft:
    """What a flow has collected so far, kept under ``KEY`` in ``user_data``.

    Persistence stores user_data as JSON, so a draft holds plain dicts (the
    vendor-neutral models dumped in JSON mode) and turns them back into
    models. Lists shown as buttons are kept too, so a button carries only a
    short index (callback data is limited to 64 bytes) and still means the
    same thing after a restart.
    """

    KEY: ClassVar[str]

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def of(cls, user_data: dict[str, Any] | None, *, new: bool = False) -> Self:
        assert user_data is not None
        if new or cls.KEY not in user_data:
            user_data[cls.KEY] = {}
        return cls(user_data[cls.KEY])

    @classmethod
    def clear(cls, user_data: dict[str, Any] | None) -> None:
        if user_data is not None:
            user_data.pop(cls.KEY, None)

    @property
    def vendor(self) -> str | None:
        return self.data.get("vendor")

    @vendor.setter
    def vendor(self, name: str) -> None:
        self.data["vendor"] = name

    def model(self, name: str, model: type[M]) -> M | None:
        raw = self.data.get(name)
        return model.model_validate(raw) if raw is not None else None

    def set_model(self, name: str, value: BaseModel | None) -> None:
        self.data[name] = value.model_dump(mode="json") if value is not None else None

    def remember(self, name: str, items: Sequence[BaseModel]) -> None:
        self.data[name] = [item.model_dump(mode="json") for item in items]

    def listed(self, name: str, model: type[M]) -> list[M]:
        return [model.model_validate(raw) for raw in self.data.get(name, [])]

    def pick(self, name: str, model: type[M], index: int) -> M | None:
        items = self.data.get(name, [])
        return model.model_validate(items[index]) if 0 <= index < len(items) else None
