"""The one route every vendor that calls back posts to: ``/vendors/<vendor>/events/<secret>``.

The secret is the subscription's own (random, stored encrypted with it), so
a leaked URL opens one subscription and dies with it. Queue vendors' callbacks
(:mod:`.callbacks`) arrive here too, keyed by their per-vendor secret, and only
trigger a re-poll. An unknown vendor or
secret gets the same 404 as any unknown path, before the body is read. The
body (at most ``MAX_BODY`` bytes of :mod:`.callbacks`; JSON or not) is handed to the vendor's
``parse_call`` and can only make the bot re-read what the subscription
watches: it is never taken as the new state.

This module is every HTTP route of vendors' calls (the older queue route too), so
starlette is imported only where the web server is built (:mod:`bot.app.runner`
loads it when it starts serving).

Several watchers hold subscriptions (rooms being watched, the bot's bookings
at a ufirst point): each is an :class:`EventSink`, asked in turn whose the
secret is.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.asgi import BodyRefused, read_body, read_json_object
from bot.notifications.callbacks import MAX_BODY, callback_secret, strings_in
from bot.notifications.space_watch import EVENTS_PATH
from bot.runtime import BotApplication
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


class QueueCallbacks:
    """The queue vendors' callbacks, whichever of the two routes they arrive on."""

    def __init__(self, application: BotApplication) -> None:
        self.services = application.services
        key = self.services.settings.bot_secret_key.get_secret_value()
        self.secrets = {name: callback_secret(key, name) for name in self.services.vendors.queues}

    def knows(self, vendor: str, secret: str) -> bool:
        """Whether ``secret`` is ``vendor``'s (compared as bytes in constant time)."""
        expected = self.secrets.get(vendor)
        return expected is not None and hmac.compare_digest(secret.encode(), expected.encode())

    async def answer(self, request: Request, vendor: str) -> Response:
        """Read the body (bounded), re-poll what it hints at, believe nothing else."""
        try:
            payload = await read_json_object(request, MAX_BODY)
        except BodyRefused as refused:
            log.info("vendor=%s callback refused (%d): %s", vendor, refused.status, refused.reason)
            return Response(status_code=refused.status)
        watcher = self.services.queue_watcher
        poked = 0
        if watcher is not None:
            hinted = strings_in(payload) & set(watcher.watched_sites(vendor))
            poked = watcher.trigger(vendor, hinted or None)
        log.info("vendor=%s callback: %d stores to re-poll", vendor, poked)
        return JSONResponse({"ok": True})


def callback_routes(callbacks: QueueCallbacks) -> list[BaseRoute]:
    """The older ``/next/`` route of every queue vendor, for :func:`bot.app.web.build_web_app`
    (the generic route is :func:`vendor_event_routes`, given the same ``callbacks``)."""

    async def next_called(request: Request) -> Response:
        vendor = str(request.path_params["vendor"])
        if not callbacks.knows(vendor, str(request.path_params["secret"])):
            return Response(status_code=404)
        return await callbacks.answer(request, vendor)

    return [Route("/vendors/{vendor}/next/{secret}", next_called, methods=["POST"])]
