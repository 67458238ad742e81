"""The one route every vendor that calls back posts to: ``/vendors/<vendor>/events/<secret>``.

The secret is the subscription's own (random, stored encrypted with it), so
a leaked URL opens one subscription and dies with it. Queue vendors' callbacks
(:mod:`.callbacks`) arrive here too, keyed by their per-vendor secret, and only
trigger a re-poll. An unknown vendor or
secret gets the same 404 as any unknown path, before the body is read. The
body (at most ``MAX_BODY`` bytes of :mod:`.callbacks`; JSON or not) is handed to the vendor's
``parse_call`` and can only make the bot re-read what the subscription
watches: it is never taken as the new state.

Several watchers hold subscriptions (rooms being watched, the bot's bookings
at a ufirst point): each is an :class:`EventSink`, asked in turn whose the
secret is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.asgi import BodyRefused, read_body
from bot.notifications.callbacks import MAX_BODY, QueueCallbacks
from bot.notifications.space_watch import EVENTS_PATH
from bot.vendors import EventSubscription

log = logging.getLogger("bot.notifications")


class EventSink(Protocol):
    """A watcher that holds vendor subscriptions and takes their calls."""

    def subscription_for(self, vendor_name: str, secret: str) -> EventSubscription | None: ...

    def inbound(self, subscription: EventSubscription, payload: dict[str, Any]) -> int: ...


def vendor_event_routes(sinks: Sequence[EventSink],
                        queues: QueueCallbacks | None = None) -> list[BaseRoute]:
    async def event(request: Request) -> Response:
        vendor = str(request.path_params["vendor"])
        secret = str(request.path_params["secret"])
        found = [(sink, sub) for sink in sinks
                 if (sub := sink.subscription_for(vendor, secret)) is not None]
        if not found:
            if queues is not None and queues.knows(vendor, secret):
                return await queues.answer(request, vendor)
            return Response(status_code=404)
        watcher, subscription = found[0]
        try:
            body = await read_body(request, MAX_BODY)
        except BodyRefused as refused:
            log.info("vendor=%s event refused (%d): %s", vendor, refused.status, refused.reason)
            return Response(status_code=refused.status)
        try:
            parsed: Any = json.loads(body) if body else {}
        except ValueError:
            parsed = {}
        payload = parsed if isinstance(parsed, dict) else {"value": parsed}
        count = watcher.inbound(subscription, payload)
        log.info("vendor=%s event: %d %s to re-read", vendor, count, subscription.topic)
        return JSONResponse({"ok": True})

    return [Route(EVENTS_PATH, event, methods=["POST"])]
