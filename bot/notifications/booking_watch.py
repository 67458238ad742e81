"""Following the bot's bookings after they are made: reminders and the vendor's changes.

Features tell :meth:`BookingWatcher.changed` whenever they book, cancel or
move (through :meth:`bot.runtime.Services.booking_changed`); the booking's
reminders are matched to it (:mod:`.reminders`) and the watched sites
brought up to date.

Vendors that call back about a site's bookings (the events role, topic
``site_bookings``: ufirst's one webhook per point) get one subscription per
site where the bot has a booking ahead, made when the first booking there
appears, renewed before it runs out and dropped when the last one is over
or cancelled. Its secret (and the vendor's id for it) is stored, so a restart
reuses it. A call on the generic vendor-event route only makes the bot
re-read the bookings it holds at that site, user by user, from the vendor:

* gone or cancelled at the vendor: the booking is cancelled here, with its
  reminders, and the user told;
* another start: moved here, reminders moved, the user told;
* called by the desk: the user told.

Each notice is an outbox row keyed by the booking and the change, so it is
sent once however many calls report the same change.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import format_datetime, translator
from bot.notifications.reminders import Reminders
from bot.runtime import BotApplication
from bot.storage import BookingRecord, NewMessage, Priority
from bot.notifications.space_watch import EVENTS_PATH, subscription_with
from bot.notifications.woken import run_woken, stop_task
from bot.vendors import (
    Booking,
    BookingRole,
    Customer,
    EventsRole,
    EventSubscription,
    InboundCall,
    NotFound,
    Topic,
    VendorError,
)

log = logging.getLogger("bot.notifications.bookings")

TOPIC: Topic = "site_bookings"
RENEW_MARGIN = timedelta(hours=1)
LATE = timedelta(hours=2)  # a booking whose start passed this long ago is not followed


def scope_of(site_id: str) -> str:
    return f"bookings:{site_id}"


class BookingWatcher:
    def __init__(self, application: BotApplication, reminders: Reminders, *,
                 public_url: str | None, clock: Callable[[], datetime],
                 tick: float = 60.0) -> None:
        self.application = application
        self.services = application.services
        self.reminders = reminders
        self.public_url = public_url.rstrip("/") if public_url else None
        self.clock = clock
        self.tick = tick
        self._subs: dict[tuple[str, str], tuple[EventSubscription, str]] = {}
        self._refused: set[str] = set()  # vendors without site_bookings events
        self._pending: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- features tell us ------------------------------------------------------------------

    async def changed(self, booking: BookingRecord) -> None:
        await self.reminders.schedule(booking)
        self._wake.set()  # the sites to watch may have changed

    async def user_returned(self, owner: int) -> int:
        """``owner`` unblocked the bot: their reminders blocked meanwhile, queued again."""
        resumed = await self.reminders.resume(owner)
        self._wake.set()  # their bookings are followed again
        return resumed

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self.reminders.start()
        await self._sync()
        self._task = asyncio.create_task(self._run(), name="booking-watcher")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        await run_woken(self._wake, self.tick, self._round, "booking watcher")

    async def _round(self) -> None:
        pending, self._pending = self._pending, set()
        for vendor_name, site_id in pending:
            await self._reread(vendor_name, site_id)
        await self._sync()

    # -- subscriptions -------------------------------------------------------------------------

    def _events(self, vendor_name: str) -> EventsRole | None:
        if vendor_name in self._refused:
            return None
        return self.services.vendors.playing_as(EventsRole, vendor_name)

    async def _sync(self) -> None:
        """One subscription per site with a booking ahead; none elsewhere."""
        if self.public_url is None:
            return
        ahead = await self.services.storage.bookings.list_ahead(self.clock() - LATE)
        wanted = {(b.vendor, b.site_id) for b in ahead if self._events(b.vendor) is not None}
        for key in sorted(wanted):
            await self._subscribe(key)
        for key in [k for k in self._subs if k not in wanted]:
            await self._drop(key)

    async def _subscribe(self, key: tuple[str, str]) -> None:
        vendor_name, site_id = key
        vendor = self._events(vendor_name)
        assert vendor is not None and self.public_url is not None
        held = self._subs.get(key) or await self._load(key)
        if held is not None and held[0].expires_at - RENEW_MARGIN > vendor.vendor_now():
            return
        secret = held[1] if held else secrets.token_urlsafe(24)
        url = self.public_url + EVENTS_PATH.format(vendor=vendor_name, secret=secret)
        # Calls may come before the vendor's answer does: the secret is good from now on.
        self._subs.setdefault(key, (EventSubscription(
            vendor=vendor_name, external_id="", topic=TOPIC, ids=(site_id,), callback_url=url,
            expires_at=vendor.vendor_now()), secret))
        try:
            sub = await vendor.subscribe(TOPIC, [site_id], url, vendor.longest_subscription)
        except NotFound:
            self._refused.add(vendor_name)  # this vendor has no such events: never ask again
            self._subs.pop(key, None)
            return
        except VendorError as exc:
            log.warning("vendor=%s site %s: subscribing failed (%r)", vendor_name, site_id, exc)
            return
        await self.services.storage.subscriptions.upsert(
            vendor_name, scope_of(site_id), external_id=sub.external_id, url=sub.callback_url,
            secret=secret, expires_at=sub.expires_at)
        self._subs[key] = (sub, secret)
        log.info("vendor=%s site %s: bookings followed until %s", vendor_name, site_id,
                 sub.expires_at.isoformat())

    async def _load(self, key: tuple[str, str]) -> tuple[EventSubscription, str] | None:
        vendor_name, site_id = key
        stored = await self.services.storage.subscriptions.get(vendor_name, scope_of(site_id))
        if stored is None or stored.expires_at is None or self.public_url is None \
                or not stored.url.startswith(self.public_url + "/"):
            return None
        sub = EventSubscription(vendor=vendor_name, external_id=stored.external_id, topic=TOPIC,
                                ids=(site_id,), callback_url=stored.url,
                                expires_at=stored.expires_at)
        self._subs[key] = (sub, stored.secret)
        return self._subs[key]

    async def _drop(self, key: tuple[str, str]) -> None:
        sub, _ = self._subs.pop(key)
        await self.services.storage.subscriptions.delete(key[0], scope_of(key[1]))
        vendor = self._events(key[0])
        try:
            if vendor is not None and sub.external_id:  # "": never granted
                await vendor.drop(sub)
            log.info("vendor=%s site %s: no booking left to follow", *key)
        except VendorError as exc:
            log.info("vendor=%s site %s: dropping failed: %r", *key, exc)

    # -- calls from the vendor (an EventSink of .vendor_events) ------------------------------

    def subscription_for(self, vendor_name: str, secret: str) -> EventSubscription | None:
        return subscription_with(self._subs.values(), vendor_name, secret)

    def inbound(self, subscription: EventSubscription, payload: dict[str, Any]) -> int:
        vendor = self._events(subscription.vendor)
        if vendor is None:
            return 0
        call = InboundCall(payload=payload, received_at=self.clock())
        sites = {site for reread in vendor.parse_call(subscription, call)
                 if reread.topic == TOPIC for site in reread.ids or subscription.ids}
        self._pending.update((subscription.vendor, site) for site in sites)
        self._wake.set()
        return len(sites)

    # -- re-reading a site's bookings --------------------------------------------------------

    async def _reread(self, vendor_name: str, site_id: str) -> None:
        vendor = self.services.vendors.playing_as(BookingRole, vendor_name)
        if vendor is None:
            return
        ours = await self.services.storage.bookings.list_ahead(
            self.clock() - LATE, vendor=vendor_name, site_id=site_id)
        later: list[BookingRecord] = []
        for owner in sorted({b.owner for b in ours}):
            customer = Customer(telegram_id=owner, pseudonym=self.services.pseudonym(owner))
            try:
                theirs = {b.external_id: b for b in await vendor.list_bookings(customer)}
            except VendorError as exc:
                log.info("vendor=%s site %s: re-read failed: %r", vendor_name, site_id, exc)
                continue
            for booking in (b for b in ours if b.owner == owner):
                changed = await self._compare(booking, theirs.get(booking.external_id or ""))
                if changed is not None:
                    later.append(changed)
        for booking in later:  # after every notice is queued: they go first
            await self.reminders.schedule(booking)

    async def _compare(self, booking: BookingRecord,
                       theirs: Booking | None) -> BookingRecord | None:
        """Tell what changed; the booking as updated when its reminders must follow."""
        repo = self.services.storage.bookings
        if theirs is None or theirs.state in ("cancelled", "failed"):
            updated = await repo.set_state(booking.id, "cancelled")
            await self._tell(updated, "cancelled")
            return updated
        moved = None
        if theirs.start != booking.start_utc:
            moved = booking = await repo.reschedule(booking.id, start_utc=theirs.start,
                                                    end_utc=theirs.end)
            await self._tell(booking, "moved:" + theirs.start.strftime("%Y%m%dT%H%M%S%z"))
        if theirs.called:
            await self._tell(booking, "called")
        return moved

    async def _tell(self, booking: BookingRecord, change: str) -> None:
        user = await self.services.storage.users.get(booking.owner)
        t = translator((user.language if user else None) or "en")
        when = format_datetime(booking.start_utc, booking.timezone, t.locale)
        what = f"{booking.service_name} – {booking.site_name}" + (
            f" · {booking.label}" if booking.label else "")
        if change == "called":
            text = t._("📣 You are being called now: {booking}", booking=what)
        elif change == "cancelled":
            text = t._("❌ {business} cancelled your booking: {booking}, {when}.",
                       business=booking.site_name, booking=what, when=when)
        else:
            text = t._("🔁 Your booking was moved: {booking}, now {when}.", booking=what,
                       when=when)
        key = f"status:{booking.vendor}:{booking.external_id}:{change}"
        queued = await self.services.storage.outbox.enqueue(NewMessage(
            key=key, chat_id=booking.owner, kind="status", payload={"text": text},
            priority=Priority.NOTICE if change == "called" else Priority.UPDATE))
        if queued and self.services.outbox is not None:
            self.services.outbox.wake()
        log.info("booking %d: %s at the vendor%s", booking.id, change,
                 "" if queued else " (told before)")
