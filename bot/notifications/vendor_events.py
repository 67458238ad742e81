"""The one route every vendor that calls back posts to: ``/vendors/<vendor>/events/<secret>``.

The secret is the subscription's own (random, stored encrypted with it), so
a leaked URL opens one subscription and dies with it. Queue vendors' callbacks
(:mod:`.callbacks`) arrive here too, keyed by their per-vendor secret, and only
trigger a re-poll. An unknown vendor or
secret gets the same 404 as any unknown path, before the body is read. The
body (at most ``MAX_BODY`` bytes of :mod:`.callbacks`; JSON or not) is handed to the vendor's
``parse_call`` and can only make the bot re-read what the subscription
watches: it is never taken as the new state.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.asgi import BodyRefused, read_body
from bot.notifications.callbacks import MAX_BODY, QueueCallbacks
from bot.notifications.space_watch import EVENTS_PATH, SpaceWatcher

log = logging.getLogger("bot.notifications")


def vendor_event_routes(watcher: SpaceWatcher, queues: QueueCallbacks | None = None) -> list[BaseRoute]:
    async def event(request: Request) -> Response:
        vendor = str(request.path_params["vendor"])
        secret = str(request.path_params["secret"])
        subscription = watcher.subscription_for(vendor, secret)
        if subscription is None:
            if queues is not None and queues.knows(vendor, secret):
                return await queues.answer(request, vendor)
            return Response(status_code=404)
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
        log.info("vendor=%s event: %d spaces to re-read", vendor, count)
        return JSONResponse({"ok": True})

    return [Route(EVENTS_PATH, event, methods=["POST"])]
