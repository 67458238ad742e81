"""/link, /unlink and the confirmation after the provider sent the user back.

/link stores a fresh ``state`` (with its PKCE verifier) bound to the
Telegram user for ten minutes, single use (:class:`~bot.storage.OAuthStateRepo`)
and shows a button to the bot's own start route, which binds the browser to
that state with a cookie before sending it to the provider (see
:mod:`.redirect`). When the route has linked the account, "Linked as … —
Keep / Undo" arrives here through a custom update.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.conversations.accounts.returns import AccountReturn, redirect_path, start_path
from bot.i18n import translator
from bot.runtime import BotContext, Services
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.errors import user_message
from bot.vendors import AccountsRole, VendorError

log = logging.getLogger(__name__)


def web_base(services: Services) -> str:
    settings = services.settings
    return (settings.public_url or f"http://{settings.web_host}:{settings.web_port}").rstrip("/")


def link_signature(services: Services, url: str) -> str:
    """Proves a start link was made by this bot (no open redirect)."""
    key = services.settings.bot_secret_key.get_secret_value().encode()
    return hmac.new(key, b"link-start|" + url.encode(), hashlib.sha256).hexdigest()


def _accounts(context: BotContext) -> dict[str, AccountsRole]:
    return context.services.vendors.playing(AccountsRole)


async def link_command(update: Update, context: BotContext) -> None:
    t, user = context.t, update.effective_user
    accounts = _accounts(context)
    if not accounts or user is None:
        await reply(update, context, t._("No profile provider is set up for this bot."))
        return
    services = context.services
    customer = context.customer(user)
    rows = []
    for name, vendor in accounts.items():
        try:
            request = await vendor.link_request(customer, web_base(services) + redirect_path(name))
        except VendorError as exc:
            await reply(update, context, user_message(exc, t))
            return
        verifier = request.code_verifier.get_secret_value() if request.code_verifier else ""
        await services.storage.oauth.create(request.state, user.id, name, verifier,
                                            request.expires_at)
        query = urlencode({"go": request.url, "sig": link_signature(services, request.url)})
        start = f"{web_base(services)}{start_path(name)}?{query}"
        rows.append([InlineKeyboardButton(t._("Link {provider}", provider=vendor.title), url=start)])
    await reply(update, context, t._(
        "Link your travel profile once and every booking is filled in with your name, e-mail "
        "and phone. The button works once, for 10 minutes."), InlineKeyboardMarkup(rows))


async def unlink_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    customer = context.customer(user)
    try:
        for vendor in _accounts(context).values():
            await vendor.unlink(customer)
    except VendorError as exc:
        await reply(update, context, user_message(exc, context.t))
        return
    await reply(update, context, context.t._(
        "Unlinked: your profile and its keys are deleted from this bot."))


async def on_return(update: AccountReturn, context: BotContext) -> None:
    """The custom update from the redirect route: confirm in the user's chat."""
    services = context.services
    record = await services.storage.users.get(update.telegram_id)
    t = translator(record.language if record and record.language else "en")
    vendor = services.vendors.playing(AccountsRole).get(update.vendor)
    provider = vendor.title if vendor else update.vendor
    if update.profile is None:
        text = (t._("You declined linking {provider}. Nothing was linked.", provider=provider)
                if update.error == "access_denied" else
                t._("Linking {provider} did not work. Nothing was linked; try /link again.",
                    provider=provider))
        await context.bot.send_message(update.telegram_id, text)
        return
    name = update.profile.display_name or update.profile.full_name or update.profile.subject
    markup = keyboard([[(t._("Keep"), cb.LinkKeep(vendor=update.vendor).encode()),
                        (t._("Undo"), cb.LinkUndo(vendor=update.vendor).encode())]])
    await context.bot.send_message(
        update.telegram_id, t._("Linked as {name}.", name=name), reply_markup=markup)


async def on_button(update: Update, context: BotContext, button: cb.LinkButton) -> None:
    """Keep or Undo under "Linked as …"; Undo unlinks the presser's own account only."""
    user = update.effective_user
    assert user is not None
    vendor = _accounts(context).get(button.vendor)
    t = context.t
    if isinstance(button, cb.LinkUndo) and vendor is not None:
        await vendor.unlink(context.customer(user))
        await reply(update, context, t._("Undone: nothing is linked."))
        return
    await reply(update, context, t._(
        "Linked. Your bookings will offer your profile's details."))
