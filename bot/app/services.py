"""The long-lived objects handlers need, reachable from every callback.

They hang off the application object rather than ``bot_data`` because
``bot_data`` is persisted and these (a database connection, HTTP clients)
are not data.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from telegram import User
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import Translator, translator
from bot.storage import Storage
from bot.vendors import Customer, Vendors


def pseudonym(secret_key: str, telegram_id: int) -> str:
    """A stable id for vendors and logs that reveals nothing without our key.

    Keyed with BOT_SECRET_KEY so nobody can test a guessed Telegram id
    against it; vendors see this instead of names, phones or ids.
    """
    digest = hmac.new(secret_key.encode(), f"user:{telegram_id}".encode(), hashlib.sha256)
    return f"tg-{digest.hexdigest()[:24]}"


@dataclass
class Services:
    settings: Settings
    storage: Storage
    vendors: Vendors
    # The bot.notifications.QueueWatcher of a running bot (None when not running):
    # features tell it about new tickets and staff calls.
    queue_watcher: Any = None

    def pseudonym(self, telegram_id: int) -> str:
        return pseudonym(self.settings.bot_secret_key.get_secret_value(), telegram_id)

    def customer(self, user: User, language: str) -> Customer:
        return Customer(telegram_id=user.id, pseudonym=self.pseudonym(user.id), language=language)

    def is_staff(self, telegram_id: int) -> bool:
        return telegram_id in self.settings.staff_ids


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context with our services and the user's translator."""

    @property
    def services(self) -> Services:
        return self.application.services  # type: ignore[attr-defined,no-any-return]

    @property
    def language(self) -> str:
        data = self.user_data
        return str(data.get("lang", "en")) if data is not None else "en"

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def customer(self, user: User) -> Customer:
        return self.services.customer(user, self.language)


def services_of(application: Application) -> Services:  # type: ignore[type-arg]
    return application.services  # type: ignore[attr-defined,no-any-return]
