"""Staff /company <query>: the account provider's company directory, page by page.

Staff only: registered behind the STAFF_IDS filter (see :func:`register`)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.i18n import Translator
from bot.runtime import BotContext
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.errors import user_message
from bot.vendors import AccountsRole, Capability, Company, CompanyPage, VendorError

log = logging.getLogger(__name__)

QUERY = "company_query"  # user_data: the last /company query, for the paging buttons


def _directory(context: BotContext) -> AccountsRole | None:
    vendors = context.services.vendors.playing(AccountsRole).values()
    return next((v for v in vendors if v.can(Capability.COMPANIES)), None)


async def company_command(update: Update, context: BotContext) -> None:
    t = context.t
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context, t._("Send /company and a name, for example: /company acme"))
        return
    if context.user_data is not None:
        context.user_data[QUERY] = query[:60]
    await _show(update, context, query[:60], 0)


async def on_page(update: Update, context: BotContext, button: cb.CompaniesPage) -> None:
    query = (context.user_data or {}).get(QUERY)
    if not query:
        await reply(update, context, context.t._("Send /company and a name, for example: /company acme"))
        return
    await _show(update, context, str(query), button.page)


async def _show(update: Update, context: BotContext, query: str, page: int) -> None:
    t = context.t
    directory = _directory(context)
    if directory is None:
        await reply(update, context, t._("No company directory is set up for this bot."))
        return
    try:
        found = await directory.find_companies(query, page)
    except VendorError as exc:
        log.warning("company search failed: %r", exc)
        await reply(update, context, user_message(exc, t))
        return
    await reply(update, context, _cards(t, query, found), keyboard(_paging(t, found)) or None)


def _cards(t: Translator, query: str, found: CompanyPage) -> str:
    if not found.companies:
        return t._("No company matches “{query}”.", query=query)
    head = t._("Companies matching “{query}”, page {page}:", query=query, page=found.page + 1)
    return "\n\n".join([head, *(_card(company) for company in found.companies)])


def _card(company: Company) -> str:
    title = company.name + (f" ({company.short_name})" if company.short_name else "")
    lines = [f"🏢 {title}", *(x for x in (company.address, company.phone, company.email) if x)]
    return "\n".join(lines)


def _paging(t: Translator, found: CompanyPage) -> list[list[tuple[str, str]]]:
    row = []
    if found.page > 0:
        row.append((t._("◀ Previous"), cb.CompaniesPage(page=found.page - 1).encode()))
    if found.more:
        row.append((t._("Next ▶"), cb.CompaniesPage(page=found.page + 1).encode()))
    return [row] if row else []
