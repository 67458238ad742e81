"""Watching full days for a freed time: "Tell me if a time frees up".

The booking flow stores a watch per (vendor, site, service, day) with everyone
waiting on it (:mod:`bot.storage.slot_watches`); this task reads each watch that
is due, once for all its watchers, through the booking role's ``list_slots``:

* **back-off, shared**: a read that finds nothing doubles the watch's wait, from
  SLOT_WATCH_MIN_SECONDS up to SLOT_WATCH_MAX_SECONDS; the wait is stored, so a
  restart keeps it, and a second watcher of the same day adds no reads;
* **per-vendor limits**: each vendor is read for watches at most
  SLOT_WATCH_VENDOR_PER_MINUTE times a minute (a watch that finds none left waits
  for the next round), and a vendor that answers "slow down" (:class:`RateLimited`)
  is left alone for as long as it asked, every watch of it included;
* **told once**: a read that finds free times queues one notice per waiting watcher
  in the outbox (key ``slot:<watch>:<user>:<round>``) and marks them told in the
  same transaction, so a restart or a second read never tells anyone twice. The
  notice's buttons open the booking at a freed time (:mod:`bot.conversations.booking.watch`);
* **expiry**: a watch whose day is over in its site's timezone is dropped.

The watcher runs on the leader only, like every other background task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import format_day, format_time, translator
from bot.notifications.woken import run_woken, stop_task
from bot.runtime import BotApplication
from bot.storage import NewMessage, Priority, SlotWatch, SlotWatcher
from bot.throttle import TokenBucket
from bot.ui import callbacks as cb
from bot.vendors import BookingRole, Customer, RateLimited, Slot, VendorError

log = logging.getLogger("bot.notifications.slots")

KIND = "slot"
TIMES_OFFERED = 3  # buttons on a notice: the first freed times of the day
EXPIRE_EVERY = 60.0  # seconds between sweeps of watches whose day is over


def notice_key(watch_id: int, watcher: SlotWatcher) -> str:
    return f"{KIND}:{watch_id}:{watcher.telegram_id}:{watcher.round}"


def slot_minute(slot: Slot) -> int:
    """A slot's start as the notice's button carries it."""
    return int(slot.start.timestamp() // 60)


class FreeSlotWatcher:
    def __init__(self, application: BotApplication, *, min_seconds: float, max_seconds: float,
                 per_minute: float, clock: Callable[[], datetime]) -> None:
        self.application = application
        self.services = application.services
        self.min_seconds = min_seconds
        self.max_seconds = max(min_seconds, max_seconds)
        self.per_minute = per_minute
        self.clock = clock
        self.tick = min(1.0, min_seconds / 2)
        self._buckets: dict[str, TokenBucket] = {}
        self._paused: dict[str, float] = {}  # vendor -> monotonic time it may be read again
        self._last_expiry = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.reads = 0  # vendor reads made (logs, tests)

    @property
    def first_check(self) -> float:
        """Seconds from a new watch to its first read (the day was just seen full)."""
        return self.min_seconds

    def wake(self) -> None:
        self._wake.set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="slot-watcher")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        await run_woken(self._wake, self.tick, self._round, "slot watcher")

    async def _round(self) -> None:
        repo = self.services.storage.slot_watches
        now = self.clock()
        if time.monotonic() - self._last_expiry >= EXPIRE_EVERY:
            self._last_expiry = time.monotonic()
            # A day before yesterday (UTC) is over in every timezone; today's end in the
            # site's own zone is found when the watch is next read.
            if expired := await repo.expire(now.date() - timedelta(days=1)):
                log.info("%d watch(es) of days gone by dropped", expired)
        for watch in await repo.due(now):
            await self._check(watch)

    # -- one watch ---------------------------------------------------------------------------

    async def _check(self, watch: SlotWatch) -> None:
        repo = self.services.storage.slot_watches
        now = self.clock()
        if now.astimezone(ZoneInfo(watch.timezone)).date() > watch.day:
            await repo.delete(watch.id)
            log.info("watch %d: %s is over", watch.id, watch.day.isoformat())
            return
        vendor = self.services.vendors.playing_as(BookingRole, watch.vendor)
        if vendor is None:  # disabled meanwhile: look again much later
            await repo.reschedule(watch.id, interval=watch.interval,
                                  check_at=now + timedelta(seconds=self.max_seconds))
            return
        paused = self._paused.get(vendor.name, 0.0) - time.monotonic()
        if paused > 0:  # the vendor asked for quiet: this watch waits as long, out of the way
            await repo.reschedule(watch.id, interval=watch.interval,
                                  check_at=now + timedelta(seconds=paused))
            return
        if not self._may_read(vendor.name):
            return  # stays due: read in a later round, within the vendor's share
        watchers = await repo.watchers(watch.id, pending=True)
        if not watchers:
            return
        first = watchers[0]
        customer = Customer(telegram_id=first.telegram_id, language=first.language,
                            pseudonym=self.services.pseudonym(first.telegram_id))
        self.reads += 1
        try:
            slots = await vendor.list_slots(customer, watch.site_id, watch.service_id, watch.day)
        except RateLimited as exc:
            pause = exc.retry_after if exc.retry_after else self.max_seconds
            self._paused[vendor.name] = time.monotonic() + pause
            log.info("vendor=%s asked to slow down: watches wait %.0f s", vendor.name, pause)
            await self._back_off(watch, at_least=pause)
            return
        except VendorError as exc:
            log.info("watch %d: reading failed: %r", watch.id, exc)
            await self._back_off(watch)
            return
        if not slots:
            await self._back_off(watch)
            return
        await self._tell(watch, slots, watchers)

    def _may_read(self, vendor_name: str) -> bool:
        now = time.monotonic()
        bucket = self._buckets.get(vendor_name)
        if bucket is None:
            burst = max(1.0, self.per_minute / 6)  # ten seconds' worth at once, at most
            bucket = self._buckets[vendor_name] = TokenBucket(burst, self.per_minute / 60, now)
        if bucket.wait_time(now) > 0:
            return False
        bucket.take(now)
        return True

    async def _back_off(self, watch: SlotWatch, *, at_least: float = 0.0) -> None:
        interval = min(self.max_seconds, max(self.min_seconds, watch.interval * 2))
        wait = max(interval, at_least)
        await self.services.storage.slot_watches.reschedule(
            watch.id, interval=interval, check_at=self.clock() + timedelta(seconds=wait))

    async def _tell(self, watch: SlotWatch, slots: list[Slot], watchers: list[SlotWatcher]) -> None:
        storage = self.services.storage
        starts: list[Slot] = []
        for slot in slots:
            if all(slot_minute(slot) != slot_minute(other) for other in starts):
                starts.append(slot)
        offered = starts[:TIMES_OFFERED]
        messages = [self._notice(watch, watcher, offered) for watcher in watchers]
        async with storage.db.transaction():
            await storage.outbox.enqueue_many(messages)
            await storage.slot_watches.mark_notified(watch.id, [w.telegram_id for w in watchers])
        # Anyone who started watching meanwhile is read for soon, from the start.
        await storage.slot_watches.reschedule(
            watch.id, interval=self.min_seconds,
            check_at=self.clock() + timedelta(seconds=self.min_seconds))
        if self.services.outbox is not None:
            self.services.outbox.wake()
        log.info("watch %d: %d free time(s) on %s, %d watcher(s) told", watch.id, len(slots),
                 watch.day.isoformat(), len(watchers))

    def _notice(self, watch: SlotWatch, watcher: SlotWatcher, offered: list[Slot]) -> NewMessage:
        t = translator(watcher.language)
        zone = watch.timezone
        text = t._("🔔 A time freed up on {day}: {service} at {site}.",
                   day=format_day(watch.day, t.locale), service=watch.service.get("name", ""),
                   site=watch.site.get("name", ""))
        text += "\n" + t._("It may be taken again soon: tap a time to book it.")
        row = [[t._("Book {time}", time=format_time(slot.start, zone, t.locale)),
                cb.SlotWatchBook(watch=watch.id, at=slot_minute(slot)).encode()]
               for slot in offered]
        return NewMessage(key=notice_key(watch.id, watcher), chat_id=watcher.telegram_id,
                          kind=KIND, priority=Priority.UPDATE,
                          payload={"text": text, "buttons": [row]})
