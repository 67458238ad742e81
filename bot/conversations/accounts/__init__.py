"""Linked accounts: /link, /unlink, the OAuth redirect routes, staff /company.

Talks to the provider only through the accounts role of :mod:`bot.vendors`;
:func:`account_routes` goes to the web server, :func:`register` adds the
handlers, including the ``TypeHandler`` for the redirect's custom update.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from bot.conversations.accounts import companies, link
from bot.conversations.accounts.redirect import account_routes
from bot.conversations.accounts.returns import AccountReturn

STAFF_COMMANDS = [("company", "Look a company up in the profile directory")]

def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("link", link.link_command))
    application.add_handler(CommandHandler("unlink", link.unlink_command))
    application.add_handler(CommandHandler("company", companies.company_command))
    application.add_handler(CallbackQueryHandler(link.on_button, pattern=r"^ac:"))
    application.add_handler(CallbackQueryHandler(companies.on_page, pattern=r"^co:page:"))
    application.add_handler(TypeHandler(AccountReturn, link.on_return))

__all__ = ["account_routes", "register"]
