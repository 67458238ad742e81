"""Queue joins left half-done by a crash, settled soon after start-up.

A join is claimed before the vendor registers the person (:mod:`.contact`),
so a crash in between leaves a claim and a person who may be in the queue
without a card. They may join again (the join then finds the registration),
but they may also never come back: so shortly after start the bot asks each
vendor about every claim made before the start. Found: the ticket is stored
and its card sent, as if the join had finished. Not found: the claim is
dropped and the person is told nothing was registered. A vendor that cannot
answer is asked again at the next start. It runs with the bookings' recovery
(``PENDING_RECOVERY_DELAY`` after start).
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.conversations.queue import views
from bot.conversations.queue.contact import store_ticket
from bot.notifications.delivery import translator_for
from bot.runtime import BotApplication
from bot.ui.settling import recover_after_start, settling
from bot.vendors import JoinRequest, QueueRole, VendorError

log = logging.getLogger(__name__)
JOB_NAME = "recover-queue-joins"


def schedule(application: Application, delay: float) -> None:  # type: ignore[type-arg]
    recover_after_start(application, delay, JOB_NAME,
                        lambda app, started: recover_joins(app, app.bot, started))


async def recover_joins(application: BotApplication, bot: Bot, claimed_before: datetime) -> int:
    """Settle every join claimed before ``claimed_before``; return how many."""
    services = application.services
    claims = services.storage.join_claims
    settled = 0
    for claim in await claims.list_before(claimed_before):
        vendor = services.vendors.queue(claim.vendor)
        if vendor is None:
            continue
        async with settling(f"join:{claim.claim_key}"):
            if await claims.get(claim.claim_key) is None:
                continue  # the person joined again meanwhile
            try:
                ticket = await vendor.find_joined(JoinRequest.model_validate(claim.request))
            except VendorError as exc:
                log.warning("vendor=%s join recovery postponed: %r", vendor.name, exc)
                continue
            t = await translator_for(application, claim.owner)
            if ticket is not None:
                stored = await store_ticket(services, vendor.name, claim.claim_key, ticket,
                                            claim.owner, claim.site_name)
            else:
                await claims.settle(claim.claim_key)
        settled += 1
        try:
            if ticket is None:
                await bot.send_message(claim.owner, t._(
                    "Your place in the queue at {site} could not be taken, so you are not in "
                    "it. Please join again with /queue.", site=claim.site_name))
                continue
            await bot.send_message(claim.owner, views.joined(t, claim.site_name))
        except TelegramError as exc:
            log.warning("join recovery message not delivered: %s", exc)
        if services.queue_watcher is not None:
            await services.queue_watcher.show_card(stored, await _zone(vendor, stored.site_id))
    if settled:
        log.info("settled %d queue join(s) left by a restart", settled)
    return settled


async def _zone(vendor: QueueRole, site_id: str) -> str:
    try:
        return (await vendor.queue_site(site_id)).timezone
    except VendorError:
        return "UTC"
