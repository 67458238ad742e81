"""The application and callback context every handler runs with.

:class:`BotApplication` takes the :class:`~bot.runtime.Services` in its
constructor (passed by ``ApplicationBuilder.application_class(...,
kwargs=...)``), so the services are a declared, typed attribute rather than
one attached after building; :class:`BotContext` reaches them from any
callback, together with the user's language and translator.
"""

from __future__ import annotations

from typing import Any

from telegram import User
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.runtime.services import Services
from bot.vendors import Customer


class BotApplication(Application):  # type: ignore[type-arg]
    """A python-telegram-bot Application that carries the bot's services."""

    services: Services

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


def bot_application(application: Application) -> BotApplication:  # type: ignore[type-arg]
    """The application as the bot built it (python-telegram-bot types it as a plain one)."""
    if not isinstance(application, BotApplication):
        raise TypeError(f"{type(application).__name__} carries no bot services")
    return application


def services_of(application: Application) -> Services:  # type: ignore[type-arg]
    """The services of an application built by :func:`bot.app.build.build_application`."""
    return bot_application(application).services


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context with our services and the user's translator."""

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def language(self) -> str:
        data = self.user_data
        return str(data.get("lang", "en")) if data is not None else "en"

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def customer(self, user: User) -> Customer:
        return self.services.customer(user, self.language)
