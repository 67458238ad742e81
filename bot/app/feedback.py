"""What the update processor tells users beside their steps: "typing…", "slow down".

The processor (:mod:`bot.app.processor`) decides when; this says it, in the
user's language, and records a dropped update as processed so Telegram's
redelivery does not bring it back.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.app.durable import DurableApplication
from bot.i18n import Translator, translator
from bot.ui import best_effort
from bot.ui.answers import answer

log = logging.getLogger("bot.updates")


class ChatFeedback:
    """The processor's :class:`~bot.app.processor.UpdateHooks` for one application."""

    def __init__(self, application: DurableApplication) -> None:
        self.application = application

    async def typing(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is not None:
            await best_effort(self.application.bot.send_chat_action(chat.id, ChatAction.TYPING))

    async def dropped(self, update: Update, *, notify: bool, recorded: bool) -> None:
        try:
            if update.callback_query is not None or notify:
                t = await self._translator(update)
                if update.callback_query is not None:
                    await answer(update, t._("One moment: I am still answering your earlier messages."))
                chat = update.effective_chat
                if notify and chat is not None:
                    await self.application.bot.send_message(chat.id, t._(
                        "You are sending messages faster than I can answer, so I skipped some. "
                        "Please wait for my answer before sending more."))
        except TelegramError as exc:
            log.info("could not tell a flooding chat to slow down: %s", exc)
        finally:
            if not recorded:
                await self.application.skip_update(update)

    async def _translator(self, update: Update) -> Translator:
        user = update.effective_user
        if user is None:
            return translator(None)
        data = self.application.user_data.get(user.id)
        if data and data.get("lang"):
            return translator(str(data["lang"]))
        record = await self.application.services.storage.users.get(user.id)
        return translator(record.language if record else user.language_code)
