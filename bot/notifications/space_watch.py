"""Watching a busy room until it frees up: "Notify me when it frees up".

Who watches what lives in ``bot_data`` (persisted after each update, and
here right after each change), keyed ``vendor|space``; the vendor-side
subscription of each watched space, with the secret of its callback URL,
lives in the subscriptions table. So a restart resumes every watch: the
stored subscription is reused while it is live and still points at this
bot's ``PUBLIC_URL``, else made anew.

* a vendor that calls back (the events role) gets one subscription per
  watched space, renewed :data:`RENEW_MARGIN` before it runs out on the
  vendor's clock (:meth:`EventsRole.vendor_now`), dropped when the last
  watcher is gone; its calls reach :meth:`SpaceWatcher.inbound` through the
  generic vendor-event route and only make the space be re-read;
* every watched space is also re-read every ``poll_seconds`` within
  :data:`READS_PER_MINUTE`, for vendors that never call back;
* when a re-read finds the space free, each watcher is told once: the watch
  is removed and persisted before the message goes out (at most once).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from telegram.error import Forbidden, TelegramError

from bot.i18n import format_time, translator
from bot.notifications.blocking import user_blocked
from bot.notifications.woken import run_woken, stop_task
from bot.runtime import BotApplication
from bot.throttle import TokenBucket
from bot.vendors import (
    Building,
    EventsRole,
    EventSubscription,
    InboundCall,
    Space,
    SpacesRole,
    VendorError,
    availability,
)

log = logging.getLogger("bot.notifications.spaces")

WATCHES = "space_watches"  # bot_data
RENEW_MARGIN = timedelta(minutes=5)
RETRY_SECONDS = 60.0  # after a refused subscription, before asking again (polling meanwhile)
READS_PER_MINUTE = 30
HORIZON = timedelta(hours=12)
EVENTS_PATH = "/vendors/{vendor}/events/{secret}"


def subscription_with(held: Iterable[tuple[EventSubscription, str]], vendor_name: str,
                      secret: str) -> EventSubscription | None:
    """The subscription whose callback URL carries ``secret``; every secret is compared,
    in constant time, so the answer's timing tells nothing about the others."""
    found = None
    for sub, known in held:
        if sub.vendor == vendor_name and secrets.compare_digest(known.encode(), secret.encode()):
            found = sub
    return found


def scope_of(space_id: str) -> str:
    return f"space:{space_id}"


class SpaceWatcher:
    def __init__(self, application: BotApplication, *, public_url: str | None,
                 poll_seconds: float = 120.0, tick: float = 1.0) -> None:
        self.application = application
        self.services = application.services
        self.public_url = public_url.rstrip("/") if public_url else None
        self.poll_seconds = poll_seconds
        self.tick = tick
        self._subs: dict[str, tuple[EventSubscription, str]] = {}  # key -> (subscription, secret)
        self._last_read: dict[str, float] = {}
        self._retry_at: dict[str, float] = {}
        self._budget = TokenBucket(READS_PER_MINUTE, READS_PER_MINUTE / 60, time.monotonic())
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- what is watched ------------------------------------------------------------------

    @property
    def _watches(self) -> dict[str, dict[str, Any]]:
        return self.application.bot_data.setdefault(WATCHES, {})

    def watching(self, vendor_name: str, space_id: str) -> list[int]:
        watch = self._watches.get(f"{vendor_name}|{space_id}", {})
        return [int(u) for u in watch.get("users", {})]

    async def watch(self, vendor_name: str, building: Building, space: Space, user_id: int,
                    language: str) -> None:
        key = f"{vendor_name}|{space.id}"
        watch = self._watches.setdefault(key, {
            "vendor": vendor_name, "space": space.model_dump(mode="json"),
            "building": building.model_dump(mode="json"), "users": {}})
        watch["users"][str(user_id)] = language
        await self.application.update_persistence()
        await self._subscribe(key)
        self.trigger(vendor_name, [space.id])

    async def forget_user(self, user_id: int) -> int:
        """Stop every watch of ``user_id`` (they blocked the bot, or asked to be forgotten);
        a space nobody watches any more is unsubscribed. How many watches they had."""
        mine = [key for key, watch in self._watches.items()
                if str(user_id) in watch.get("users", {})]
        for key in mine:
            watch = self._watches[key]
            del watch["users"][str(user_id)]
            if not watch["users"]:
                self._watches.pop(key)
                await self._unsubscribe(key, watch["vendor"], watch["space"]["id"])
        if mine:
            await self.application.update_persistence()
        return len(mine)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resume every stored watch; its stored subscription answers calls at once."""
        for key in list(self._watches):
            if not self._watches[key].get("users"):
                self._watches.pop(key)
            else:
                await self._load(key)
        self._task = asyncio.create_task(self._run(), name="space-watcher")
        if self._watches:
            log.info("watching %d spaces after start", len(self._watches))
            self.trigger_all()

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    def trigger(self, vendor_name: str, space_ids: Iterable[str]) -> int:
        keys = [f"{vendor_name}|{s}" for s in space_ids]
        keys = [k for k in keys if k in self._watches]
        self._pending.update(keys)
        self._wake.set()
        return len(keys)

    def trigger_all(self) -> None:
        self._pending.update(self._watches)
        self._wake.set()

    async def _run(self) -> None:
        await run_woken(self._wake, self.tick, self._round, "space watcher")

    async def _round(self) -> None:
        now = time.monotonic()
        for key in list(self._watches):
            if (key not in self._subs or self._due_for_renewal(key)) \
                    and self._retry_at.get(key, 0.0) <= now:
                await self._subscribe(key)
            if now - self._last_read.get(key, now - self.poll_seconds - 1) >= self.poll_seconds:
                if self._budget.wait_time(now) == 0:
                    self._budget.take(now)
                    self._pending.add(key)
        pending, self._pending = self._pending, set()
        for key in pending:
            await self._read(key)

    # -- vendor subscriptions ------------------------------------------------------------------

    def _events(self, vendor_name: str) -> EventsRole | None:
        return self.services.vendors.playing_as(EventsRole, vendor_name)

    def _due_for_renewal(self, key: str) -> bool:
        sub, _ = self._subs[key]
        vendor = self._events(sub.vendor)
        return vendor is not None and sub.expires_at - RENEW_MARGIN <= vendor.vendor_now()

    async def _load(self, key: str) -> tuple[EventSubscription, str] | None:
        """The stored subscription of a watch, if it calls this bot (no vendor call)."""
        watch = self._watches.get(key)
        if watch is None or self.public_url is None:
            return None
        space_id = watch["space"]["id"]
        stored = await self.services.storage.subscriptions.get(watch["vendor"], scope_of(space_id))
        if (stored is None or stored.expires_at is None
                or not stored.url.startswith(self.public_url + "/")):
            return None  # none, or made for another PUBLIC_URL: subscribe anew
        sub = EventSubscription(vendor=watch["vendor"], external_id=stored.external_id,
                                topic="space", ids=(space_id,), callback_url=stored.url,
                                expires_at=stored.expires_at)
        self._subs[key] = (sub, stored.secret)
        return self._subs[key]

    async def _subscribe(self, key: str) -> None:
        watch = self._watches.get(key)
        vendor = self._events(watch["vendor"]) if watch else None
        if watch is None or vendor is None or self.public_url is None:
            return
        space_id = watch["space"]["id"]
        repo = self.services.storage.subscriptions
        try:
            held = self._subs.get(key) or await self._load(key)
            if held is not None:
                if held[0].expires_at - RENEW_MARGIN > vendor.vendor_now():
                    return
                sub = await vendor.renew(held[0], vendor.longest_subscription)
                secret = held[1]
            else:
                secret = secrets.token_urlsafe(24)
                url = self.public_url + EVENTS_PATH.format(vendor=vendor.name, secret=secret)
                sub = await vendor.subscribe("space", [space_id], url, vendor.longest_subscription)
            await repo.upsert(vendor.name, scope_of(space_id), external_id=sub.external_id,
                              url=sub.callback_url, secret=secret, expires_at=sub.expires_at)
            self._subs[key] = (sub, secret)
            log.info("vendor=%s space %s subscribed until %s", vendor.name, space_id,
                     sub.expires_at.isoformat())
        except VendorError as exc:
            self._retry_at[key] = time.monotonic() + RETRY_SECONDS
            log.warning("vendor=%s space %s: subscribing failed (%r); polling", vendor.name,
                        space_id, exc)

    async def _unsubscribe(self, key: str, vendor_name: str, space_id: str) -> None:
        held = self._subs.pop(key, None)
        self._last_read.pop(key, None)
        self._retry_at.pop(key, None)
        await self.services.storage.subscriptions.delete(vendor_name, scope_of(space_id))
        vendor = self._events(vendor_name)
        if held is not None and vendor is not None:
            try:
                await vendor.drop(held[0])
            except VendorError as exc:
                log.info("vendor=%s dropping a subscription failed: %r", vendor_name, exc)

    def subscription_for(self, vendor_name: str, secret: str) -> EventSubscription | None:
        return subscription_with(self._subs.values(), vendor_name, secret)

    def inbound(self, subscription: EventSubscription, payload: dict[str, Any]) -> int:
        """A call on the vendor-event route: re-read what it names; how many spaces."""
        vendor = self._events(subscription.vendor)
        if vendor is None:
            return 0
        call = InboundCall(payload=payload, received_at=datetime.now(timezone.utc))
        count = 0
        for reread in vendor.parse_call(subscription, call):
            if reread.topic == "space":
                count += self.trigger(subscription.vendor, reread.ids or subscription.ids)
        return count

    # -- re-reading a space ---------------------------------------------------------------------

    async def _read(self, key: str) -> None:
        watch = self._watches.get(key)
        if watch is None:
            return
        vendor = self.services.vendors.playing_as(SpacesRole, watch["vendor"])
        if vendor is None:
            return
        self._last_read[key] = time.monotonic()
        space = Space.model_validate(watch["space"])
        building = Building.model_validate(watch["building"])
        events = self._events(watch["vendor"])
        now = events.vendor_now() if events else datetime.now(timezone.utc)
        try:
            busy = await vendor.busy(building.id, now, now + HORIZON, [space.id])
        except VendorError as exc:
            log.info("vendor=%s space %s: re-read failed: %r", vendor.name, space.id, exc)
            return
        state = availability(space, busy, now)
        if not state.free:
            return
        users = dict(watch.get("users", {}))
        self._watches.pop(key, None)
        await self.application.update_persistence()  # at most once: forget, then tell
        await self._unsubscribe(key, watch["vendor"], space.id)
        for user, language in users.items():
            t = translator(language)
            text = t._("🔔 {space} at {building} is free now.", space=space.name,
                       building=building.name)
            if state.until is not None:
                text += " " + t._("Free until {time}.", time=format_time(
                    state.until, building.timezone, t.locale))
            try:
                await self.application.bot.send_message(int(user), text)
            except Forbidden:
                await user_blocked(self.application, int(user))
            except TelegramError as exc:
                log.info("vendor=%s space %s: a watcher not told: %s", vendor.name, space.id, exc)
        log.info("vendor=%s space %s free: %d watchers told", vendor.name, space.id, len(users))
