"""Knowing who we talk to: first sight, language, blocked-the-bot.

Runs before every other handler (group -1) but touches the database only on
a user's first update in this process's memory, so it costs nothing per
message afterwards; and when a user marked as having blocked the bot writes
in their private chat (they are back, even if Telegram's ``my_chat_member``
saying so was lost), as :func:`~bot.notifications.blocking.user_returned`.
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler, TypeHandler

from bot.i18n import resolve_language
from bot.notifications.blocking import user_blocked, user_returned
from bot.runtime import BotContext, bot_application


async def remember_user(update: object, context: BotContext) -> None:
    if not isinstance(update, Update) or update.effective_user is None:
        return
    if update.effective_user.id in context.services.blocked_users and _back(update):
        await user_returned(bot_application(context.application), update.effective_user.id)
    data = context.user_data
    if data is None or "lang" in data:
        return
    user = update.effective_user
    record = await context.services.storage.users.upsert_seen(
        user.id, resolve_language(user.language_code)
    )
    data["lang"] = resolve_language(record.language)


def _back(update: Update) -> bool:
    """An update a user who blocked the bot can only send once they are back: anything
    in their private chat but a ``my_chat_member`` (that one says either way)."""
    chat = update.effective_chat
    return (update.my_chat_member is None and chat is not None and chat.type == "private"
            and update.effective_user is not None and chat.id == update.effective_user.id)


async def track_blocking(update: Update, context: BotContext) -> None:
    """A user who blocks the bot gets nothing more from it (broadcasts, watchers, cards,
    reminders: see :mod:`bot.notifications.blocking`) until they return."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    if blocked:
        await user_blocked(bot_application(context.application), change.from_user.id)
    else:
        await user_returned(bot_application(context.application), change.from_user.id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, remember_user, block=True), group=-1)
    application.add_handler(ChatMemberHandler(track_blocking, ChatMemberHandler.MY_CHAT_MEMBER))
