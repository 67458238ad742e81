"""Linked accounts: /link, /unlink, the OAuth redirect routes, staff /company.

Talks to the provider only through the accounts role of :mod:`bot.vendors`;
:func:`.redirect.account_routes` goes to the web server (which imports it when it
starts serving), :func:`register` adds the handlers, including the ``TypeHandler``
for the redirect's custom update.
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler, TypeHandler

from bot.conversations.accounts import companies, link
from bot.conversations.accounts.returns import AccountReturn
from bot.runtime import services_of
from bot.ui import callbacks as cb
from bot.ui.access import staff_only
from bot.ui.buttons import ButtonHandler

STAFF_COMMANDS = [("company", "Look a company up in the profile directory")]

def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("link", link.link_command))
    application.add_handler(CommandHandler("unlink", link.unlink_command))
    staff = staff_only(services_of(application).settings.staff_ids)  # others: access.staff_refusals
    application.add_handler(CommandHandler("company", companies.company_command, filters=staff))
    application.add_handler(ButtonHandler(cb.LinkButton, link.on_button))
    application.add_handler(ButtonHandler(cb.CompaniesPage, companies.on_page, users=staff))
    application.add_handler(TypeHandler(AccountReturn, link.on_return))

__all__ = ["register"]
