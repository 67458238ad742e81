"""Bookings left half-done by a crash, settled soon after start-up.

A booking is claimed in our store before the vendor is called, so a crash
in between leaves a ``pending`` claim and a user who never saw a receipt.
The user may tap Confirm again (submit then looks at the vendor first), but
they may also never come back: so shortly after start the bot asks each
vendor about every claim still pending. Found there: it is confirmed and
the user gets the receipt they missed. Not found: it is marked failed and
the user is told that nothing was booked. Either way the summary's buttons
are taken away (a later tap on its Confirm says where things stand, without
a second receipt). A vendor that cannot answer is asked again at the next
start. A tap on Confirm racing recovery for the same claim waits for it
(:func:`~bot.ui.settling.settling`).

It runs a little after start (``PENDING_RECOVERY_DELAY``) rather than at
once, so a vendor still finishing a request sent just before the crash has
had time to record it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.error import TelegramError
from telegram.ext import Application

from bot.conversations.booking.submit import (
    confirm_found,
    find_at_vendor,
    retire_summary,
    send_receipt,
)
from bot.i18n import translator
from bot.runtime import Services
from bot.ui.settling import recover_after_start, settling
from bot.vendors import Customer, VendorError

log = logging.getLogger(__name__)
JOB_NAME = "recover-pending-bookings"


def schedule(application: Application, delay: float) -> None:  # type: ignore[type-arg]
    recover_after_start(application, delay, JOB_NAME,
                        lambda app, started: recover_pending(app.services, app.bot, started))


async def recover_pending(services: Services, bot, claimed_before: datetime) -> int:  # type: ignore[no-untyped-def]
    """Settle every claim pending since before ``claimed_before``; return how many."""
    settled = 0
    for claim in await services.storage.bookings.list_pending(claimed_before):
        vendor = services.vendors.get(claim.vendor)
        if vendor is None or claim.idempotency_key is None:
            continue
        user = await services.storage.users.get(claim.owner)
        language = (user.language if user else None) or "en"
        customer = Customer(
            telegram_id=claim.owner, pseudonym=services.pseudonym(claim.owner), language=language
        )
        key = claim.idempotency_key
        async with settling(key):
            current = await services.storage.bookings.get_by_key(key)
            if current is None or current.state != "pending":
                continue  # a tap on Confirm settled it meanwhile
            try:
                found = await find_at_vendor(vendor, customer, current)
            except VendorError as exc:
                log.warning("vendor=%s recovery postponed: %r", vendor.name, exc)
                continue
            t = translator(language)
            try:
                if found is not None:
                    booking = await confirm_found(services.storage.bookings, key, found)
                    await services.booking_changed(booking)
                    await retire_summary(bot, booking)
                    await send_receipt(bot, claim.owner, t, booking)
                else:
                    await services.storage.bookings.fail(key, "not at vendor after restart")
                    await retire_summary(bot, current)
                    await bot.send_message(claim.owner, t._(
                        "Your booking for {service} at {site} could not be completed, so nothing "
                        "was booked. Please try again with /book.",
                        service=claim.service_name, site=claim.site_name,
                    ))
            except TelegramError as exc:
                log.warning("recovery message not delivered: %s", exc)
        settled += 1
    if settled:
        log.info("settled %d pending booking(s) left by a restart", settled)
    return settled

