"""Watching one store's queue: one snapshot serves every ticket there.

A :class:`SiteWatch` runs for each (vendor, store) with watched tickets.
Each round takes one :meth:`QueueRole.snapshot` and sends the notices
that became due (near, called); the cards are then repainted from the
newest snapshot by a second task, so a store with a hundred cards to edit
never delays the next notice, and a painter that falls behind skips
straight to the latest state. Between rounds the watch sleeps its regular
interval unless poked: a vendor callback, a staff call, a new ticket or a
Refresh press brings the next snapshot forward, within the store's share
of the request budget (:mod:`~bot.notifications.pacing`). A refusal by the
budget anyway (:class:`RateLimited`) is waited out with pokes ignored;
other vendor failures back off exponentially. The watch ends when the store has
no watched ticket left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from bot.notifications.card import called_notice, desk_of, near_notice
from bot.notifications.delivery import (
    CardWrite,
    edit_card,
    save_cards,
    send_notice,
    translator_for,
)
from bot.storage import TicketRecord
from bot.vendors import QueueRole, QueueSnapshot, RateLimited, VendorError

if TYPE_CHECKING:
    from bot.notifications.queue_watcher import QueueWatcher

log = logging.getLogger("bot.notifications")

MAX_BACKOFF = 60.0
FRESH = 2.0  # seconds a snapshot counts as current for a Refresh press
MISSES_TO_GONE = 2  # snapshots without the ticket before it counts as gone
CARD_CONCURRENCY = 8  # card edits in flight at once per store


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """``event.wait()`` with a timeout. Not ``asyncio.wait_for``: on 3.11 it can
    swallow a cancellation that coincides with the event, and a watch must stop."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=max(0.0, timeout))
        return bool(done)
    finally:
        waiter.cancel()


class SiteWatch:
    def __init__(self, watcher: QueueWatcher, vendor: QueueRole, site_id: str) -> None:
        self.watcher = watcher
        self.vendor = vendor
        self.site_id = site_id
        self.poked = asyncio.Event()
        self.lock = asyncio.Lock()  # cards and states of this store change under it
        self.snapshot: QueueSnapshot | None = None
        self._snapshot_at = 0.0  # monotonic time the last snapshot was asked for
        self._round = asyncio.Event()  # set when the round under way finishes
        self._paint: tuple[QueueSnapshot, list[int]] | None = None  # what the cards should show
        self._painting = asyncio.Event()
        self._closing = False
        self._misses: dict[int, int] = {}
        self._failures = 0
        self.task: asyncio.Task[None] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.vendor.name, self.site_id

    def poke(self) -> None:
        self.poked.set()

    async def fresh(self, timeout: float) -> QueueSnapshot | None:
        """A snapshot at most :data:`FRESH` seconds old, waiting for one if needed."""
        if self.snapshot is not None and time.monotonic() - self._snapshot_at < FRESH:
            return self.snapshot
        finished = self._round
        self.poke()
        await wait_event(finished, timeout)
        return self.snapshot

    # -- the loop ---------------------------------------------------------------------
    async def run(self) -> None:
        painter = asyncio.create_task(self._painter())
        try:
            while True:
                if not await self.watcher.tickets_at(*self.key) and not self.poked.is_set():
                    self.watcher.forget(self)  # from now on a new ticket gets a new watch
                    break
                self.poked.clear()
                hold, wait = await self._round_once()
                self._round.set()
                self._round = asyncio.Event()
                await self._sleep(hold, wait)
            self._closing = True  # paint the last cards (served, left), then end
            self._painting.set()
            await painter
        finally:
            painter.cancel()
            self.watcher.forget(self)

    async def _round_once(self) -> tuple[float, float]:
        """One snapshot and its notices; returns (seconds deaf to pokes, seconds to sleep)."""
        self._snapshot_at = time.monotonic()
        try:
            snapshot = await self.vendor.snapshot(self.site_id)
        except RateLimited as exc:
            interval = self.watcher.interval(self.vendor)
            hold = max(exc.retry_after or interval, 0.5)
            log.info("vendor=%s site=%s snapshot deferred %.1f s by the budget", *self.key, hold)
            return hold, interval
        except VendorError as exc:
            interval = self.watcher.interval(self.vendor)
            self._failures += 1
            hold = min(MAX_BACKOFF, interval * 2 ** min(self._failures, 6))
            log.warning("vendor=%s site=%s snapshot failed (%r); next in %.0f s", *self.key, exc, hold)
            return hold, interval
        # Asked after the call: the first call of a process sizes the budget.
        interval = self.watcher.interval(self.vendor)
        self._failures = 0
        self.snapshot = snapshot
        try:
            tickets = await self.watcher.tickets_at(*self.key)
            for ticket in tickets:
                await self.notify(ticket, snapshot)
            self._paint = (snapshot, [t.id for t in tickets])
            self._painting.set()
        except Exception:  # noqa: BLE001 - one bad round must not end the watch
            log.exception("vendor=%s site=%s round failed", *self.key)
        return 0.0, interval

    async def _sleep(self, hold: float, wait: float) -> None:
        if hold > 0:
            await asyncio.sleep(hold)
            wait = 0.0 if self.poked.is_set() else max(0.0, wait - hold)
        await wait_event(self.poked, wait)
        gap = self.watcher.poke_gap(self.vendor) - (time.monotonic() - self._snapshot_at)
        if gap > 0:
            await asyncio.sleep(gap)

    # -- notices ------------------------------------------------------------------------
    async def notify(self, ticket: TicketRecord, snapshot: QueueSnapshot) -> None:
        application, repo = self.watcher.application, self.watcher.repo
        state = snapshot.state_of(ticket.external_id)
        if state is None:
            await self._missing(ticket, snapshot)
            return
        self._misses.pop(ticket.id, None)
        if state in ("called", "done"):
            # "done" unseen as "called" (two calls between snapshots) still rings:
            # every called person hears of it.
            desk = desk_of(ticket, snapshot)
            t = await translator_for(application, ticket.owner)
            await send_notice(application, ticket, "called", called_notice(t, ticket, desk))
            if ticket.state != state or (desk and ticket.desk != desk):
                await repo.set_state(ticket.id, state, desk=desk)
        elif snapshot.notice_due(ticket.external_id) and "called" not in ticket.notices_sent:
            t = await translator_for(application, ticket.owner)
            await send_notice(application, ticket, "near", near_notice(t, ticket, snapshot))

    async def _missing(self, ticket: TicketRecord, snapshot: QueueSnapshot) -> None:
        """Not in the snapshot: gone (served long ago, removed at the desk) once it
        stays missing from snapshots taken well after it was stored."""
        if snapshot.taken_at.timestamp() < ticket.created_at.timestamp() + 1.0:
            return
        misses = self._misses[ticket.id] = self._misses.get(ticket.id, 0) + 1
        if misses >= MISSES_TO_GONE:
            self._misses.pop(ticket.id, None)
            log.info("ticket=%d no longer in the queue", ticket.id)
            await self.watcher.repo.set_state(ticket.id, "left")

    # -- cards --------------------------------------------------------------------------
    async def _painter(self) -> None:
        while True:
            await self._painting.wait()
            await self._paint_pending()
            if self._closing and self._paint is None:
                return

    async def _paint_pending(self) -> None:
        self._painting.clear()
        pending, self._paint = self._paint, None
        if pending is None:
            return
        snapshot, ids = pending
        try:
            async with self.lock:  # re-read: notices and a Leave press change tickets
                watched = {t.id: t for t in await self.watcher.tickets_at(*self.key)}
                current = [watched.get(i) or await self.watcher.repo.get(i) for i in ids]
                # Unwatched yet still queued: its owner blocked the bot since the round.
                await self._cards([t for t in current if t is not None and (
                    t.id in watched or t.state not in ("waiting", "called"))], snapshot)
        except Exception:  # noqa: BLE001 - the next snapshot paints again
            log.exception("vendor=%s site=%s cards not updated", *self.key)

    async def _cards(self, tickets: list[TicketRecord], snapshot: QueueSnapshot | None) -> None:
        zone = await self.watcher.timezone(self.vendor, self.site_id)
        limit = asyncio.Semaphore(CARD_CONCURRENCY)

        async def one(ticket: TicketRecord) -> CardWrite | None:
            async with limit:
                try:
                    return await edit_card(self.watcher.application, ticket, snapshot, zone)
                except Exception:  # noqa: BLE001 - the next round tries again
                    log.exception("ticket=%d card update failed", ticket.id)
                    return None

        writes = await asyncio.gather(*(one(t) for t in tickets))
        await save_cards(self.watcher.application, [w for w in writes if w is not None])
