"""Staff /company <query>: the account provider's company directory, page by page."""

from __future__ import annotations

import logging

from telegram import Update

from bot.i18n import Translator
from bot.runtime import BotContext
from bot.ui import keyboard, reply
from bot.ui.errors import user_message
from bot.vendors import AccountsRole, Capability, Company, CompanyPage, VendorError

log = logging.getLogger(__name__)

QUERY = "company_query"  # user_data: the last /company query, for the paging buttons


def _directory(context: BotContext) -> AccountsRole | None:
    vendors = context.services.vendors.playing(AccountsRole).values()
    return next((v for v in vendors if v.can(Capability.COMPANIES)), None)


async def company_command(update: Update, context: BotContext) -> None:
    t, user = context.t, update.effective_user
    if user is None or not context.services.is_staff(user.id):
        await reply(update, context, t._("Sorry, /company is only for staff."))
        return
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context, t._("Send /company and a name, for example: /company acme"))
        return
    if context.user_data is not None:
        context.user_data[QUERY] = query[:60]
    await _show(update, context, query[:60], 0)


async def on_page(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or not context.services.is_staff(user.id):
        await reply(update, context, context.t._("Sorry, /company is only for staff."))
        return
    query = (context.user_data or {}).get(QUERY)
    data = update.callback_query.data if update.callback_query else None
    try:
        page = int((data or "").rsplit(":", 1)[-1])
    except ValueError:
        page = 0
    if not query:
        await reply(update, context, context.t._("Send /company and a name, for example: /company acme"))
        return
    await _show(update, context, str(query), max(0, page))


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
        row.append((t._("◀ Previous"), f"co:page:{found.page - 1}"))
    if found.more:
        row.append((t._("Next ▶"), f"co:page:{found.page + 1}"))
    return [row] if row else []
