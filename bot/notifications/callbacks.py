"""Vendor callbacks ("a desk called somebody") as a trigger to re-poll, nothing more.

FileVirtuelle posts to its configured ``urls.next`` whenever a desk calls
the next customer; the payload is not documented. So the route:

* is served (by :mod:`.vendor_events`, which holds every HTTP route of vendors'
  calls) on the generic vendor-event route,
  ``/vendors/<vendor>/events/<secret>`` (:mod:`.vendor_events`), and still on
  the older ``/vendors/<vendor>/next/<secret>`` so deployments whose vendor
  was configured with it keep working; the secret is an HMAC of
  BOT_SECRET_KEY per vendor (like the webhook secret): unguessable, stable
  across restarts, and nothing to configure. A wrong or missing secret gets
  the same 404 as any unknown path;
* accepts any JSON object (up to :data:`MAX_BODY` bytes; 413 beyond, 400 for
  anything else, neither read whole nor logged with a traceback) and believes none
  of it: the only use of the payload is to spot the id of a store we
  watch, so that store alone is re-polled; with no such id every watched
  store of that vendor is. Whatever arrives, the worst it can cause is a
  snapshot, and snapshots stay within the vendor's request budget however
  many callbacks come (:mod:`.pacing`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from bot.runtime import Services
from bot.vendors import VendorError

log = logging.getLogger("bot.notifications")

MAX_BODY = 64 * 1024
MAX_STRINGS = 200  # strings of a payload looked at for store ids


def callback_secret(secret_key: str, vendor: str) -> str:
    key = secret_key.encode()
    return hmac.new(key, f"vendor-callback:{vendor}".encode(), hashlib.sha256).hexdigest()[:40]


def event_callback_path(secret_key: str, vendor: str) -> str:
    """The path a queue vendor should post to: the generic vendor-event route."""
    return f"/vendors/{vendor}/events/{callback_secret(secret_key, vendor)}"


def callback_path(secret_key: str, vendor: str) -> str:
    """The path queue callbacks had before the generic route; still answered."""
    return f"/vendors/{vendor}/next/{callback_secret(secret_key, vendor)}"


def strings_in(payload: Any, limit: int = MAX_STRINGS) -> set[str]:
    """Every string value (and key) in a JSON document, up to ``limit`` of them."""
    found: set[str] = set()
    stack = [payload]
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


async def describe_callbacks(services: Services) -> None:
    """Say at start whether each queue vendor's callbacks will reach this bot.

    The vendor is configured on its side (FileVirtuelle: ``urls.next``), so
    all the bot can do is compare and tell the operator; polling works
    either way. The secret part is redacted from logs by the secret filter.
    """
    key = services.settings.bot_secret_key.get_secret_value()
    public = services.settings.public_url
    for name, vendor in services.vendors.queues.items():
        ours = f"{public}{event_callback_path(key, name)}" if public else None
        try:
            theirs = await vendor.callback_url()
        except VendorError as exc:
            log.info("vendor=%s callback URL unknown (%r); polling", name, exc)
            continue
        if not theirs:
            log.info("vendor=%s sends no callbacks; polling only", name)
        elif theirs == ours:
            log.info("vendor=%s callbacks reach this bot", name)
        elif public and theirs == f"{public}{callback_path(key, name)}":
            log.info("vendor=%s callbacks reach this bot on the older /next/ path", name)
        elif ours is None:
            log.warning("vendor=%s posts callbacks elsewhere and PUBLIC_URL is not set; polling only", name)
        else:
            log.warning("vendor=%s posts callbacks elsewhere; ask it to post to PUBLIC_URL%s "
                        "(polling works meanwhile)", name, event_callback_path(key, name))
