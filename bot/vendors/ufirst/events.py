"""ufirst playing the events role: one webhook per point, for the bot's bookings there.

ufirst allows a single webhook per point (target ``resourcesWithReservations``)
and webhooks do not expire. So a subscription is that webhook: subscribing
reuses the point's webhook when it already calls our URL, points it at our
URL when it calls another (an earlier secret or ``PUBLIC_URL`` of this bot),
and creates it when there is none; renewing re-reads it (and repairs it if
someone moved it); dropping deletes it. The payload ufirst posts is not
documented, so a call only says "re-read the bookings at this point".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import ClassVar

from bot.vendors.errors import NotFound
from bot.vendors.roles.events import EventsRole, EventSubscription, InboundCall, Reread, Topic
from bot.vendors.ufirst.client import VENDOR, UfirstClient

log = logging.getLogger("bot.vendors.ufirst")

# Webhooks never expire; a long nominal lifetime makes the caller check on them daily.
WEBHOOK_LIFETIME = timedelta(days=1)


class UfirstEvents(EventsRole):
    """Mixed into the ufirst vendor, whose ``client`` it uses with server credentials."""

    client: UfirstClient
    longest_subscription: ClassVar[timedelta] = WEBHOOK_LIFETIME

    async def subscribe(self, topic: Topic, ids: Sequence[str], callback_url: str,
                        lifetime: timedelta) -> EventSubscription:
        if topic != "site_bookings" or len(ids) != 1:
            raise NotFound(f"{topic} events for {len(ids)} points", vendor=VENDOR)
        point = ids[0]
        existing = await self.client.webhooks(point)
        hook = existing[0] if existing else None
        if hook is None:
            hook = await self.client.create_webhook(point, callback_url)
        elif hook.url != callback_url:
            log.info("vendor=ufirst point %s: webhook %s moved to our current URL", point, hook.id)
            hook = await self.client.update_webhook(point, hook.id, callback_url)
        return EventSubscription(
            vendor=VENDOR, external_id=hook.id, topic=topic, ids=(point,),
            callback_url=callback_url,
            expires_at=datetime.now(timezone.utc) + min(lifetime, WEBHOOK_LIFETIME),
        )

    async def renew(self, subscription: EventSubscription,
                    lifetime: timedelta) -> EventSubscription:
        return await self.subscribe(subscription.topic, subscription.ids,
                                    subscription.callback_url, lifetime)

    async def drop(self, subscription: EventSubscription) -> None:
        for point in subscription.ids:
            try:
                await self.client.delete_webhook(point, subscription.external_id)
            except NotFound:
                pass  # gone already, or replaced: nothing of ours to delete

    def parse_call(self, subscription: EventSubscription | None,
                   call: InboundCall) -> list[Reread]:
        """Re-read the subscription's point; a ``pointID`` naming another is ignored."""
        watched = tuple(subscription.ids) if subscription else ()
        named = call.payload.get("pointID")
        if isinstance(named, str) and (not watched or named in watched):
            return [Reread(topic="site_bookings", ids=(named,))]
        return [Reread(topic="site_bookings", ids=watched)]
