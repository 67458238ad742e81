"""Linked accounts seen from any flow: the profile that prefills details.

Every flow that asks for a name, an e-mail or a phone asks here first. The
first enabled vendor playing the accounts role that has a profile for the
user answers; when the provider refused the link (it was revoked, the refresh
token refused), the vendor has already unlinked and the user is told how to
link again, once, and the flow goes on without a prefill.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.runtime import BotContext
from bot.vendors import AccountsRole, AuthFailed, Profile, VendorError

log = logging.getLogger(__name__)


async def linked_profile(update: Update, context: BotContext) -> Profile | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return None
    customer = context.customer(user)
    for vendor in context.services.vendors.playing(AccountsRole).values():
        try:
            profile = await vendor.profile(customer)
        except AuthFailed:
            if chat is not None:
                await context.bot.send_message(chat.id, context.t._(
                    "Your {provider} profile is no longer linked: the link was withdrawn or "
                    "has expired. Send /link to link it again.", provider=vendor.title))
            continue
        except VendorError as exc:
            log.warning("profile of %s not read: %r", vendor.name, exc)
            continue
        if profile is not None:
            return profile
    return None

