"""The long-running task that keeps every watched ticket's card and notices current.

Started and stopped by :func:`bot.app.runner.run_bot`. Which tickets are
watched, and which notices were sent, live in the database
(:class:`~bot.storage.TicketRepo`), not here: after a restart, even a
``kill -9``, :meth:`QueueWatcher.start` finds every waiting or called ticket
and resumes, and notices already claimed are never sent again. What this
object holds in memory is only how to poll: one :class:`SiteWatch` per
store with watched tickets, so one snapshot per store serves all its
tickets, and the request budget is spent per store, not per person.

Polling alone delivers everything; vendor callbacks (:mod:`.callbacks`),
staff ``/next`` and new tickets only make it happen sooner (:meth:`trigger`,
:meth:`called`, :meth:`show_card`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from bot.notifications import pacing
from bot.notifications.card import called_notice
from bot.notifications.delivery import (
    post_card,
    send_notice,
    translator_for,
    update_card,
)
from bot.notifications.site_watch import SiteWatch
from bot.runtime import BotApplication
from bot.storage import TicketRecord
from bot.vendors import QueueRole, QueueSnapshot, Ticket, TicketState, VendorError

log = logging.getLogger("bot.notifications")

DEFAULT_ZONE = "UTC"


class QueueWatcher:
    def __init__(
        self,
        application: BotApplication,
        *,
        min_interval: float = 5.0,
    ) -> None:
        self.application = application
        self.services = application.services
        self.repo = self.services.storage.tickets
        self.min_interval = min_interval
        self._watches: dict[tuple[str, str], SiteWatch] = {}
        self._zones: dict[tuple[str, str], str] = {}
        self._running = False

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self._running = True
        for ticket in await self.repo.list_watched():
            self._ensure(ticket.vendor, ticket.site_id)
        if self._watches:
            log.info("watching %d stores after start", len(self._watches))

    async def stop(self) -> None:
        self._running = False
        tasks = [w.task for w in self._watches.values() if w.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watches.clear()

    # -- which stores are watched ---------------------------------------------------------
    def _ensure(self, vendor_name: str, site_id: str) -> SiteWatch | None:
        key = (vendor_name, site_id)
        watch = self._watches.get(key)
        if watch is not None or not self._running:
            return watch
        vendor = self.services.vendors.queue(vendor_name)
        if vendor is None:
            log.warning("vendor=%s not enabled: its tickets are not watched", vendor_name)
            return None
        watch = self._watches[key] = SiteWatch(self, vendor, site_id)
        watch.task = asyncio.create_task(watch.run(), name=f"queue-watch-{vendor_name}-{site_id}")
        return watch

    def forget(self, watch: SiteWatch) -> None:
        if self._watches.get(watch.key) is watch:
            del self._watches[watch.key]

    async def tickets_at(self, vendor_name: str, site_id: str) -> list[TicketRecord]:
        return [t for t in await self.repo.list_watched() if t.vendor == vendor_name and t.site_id == site_id]

    def watched_sites(self, vendor_name: str) -> list[str]:
        return [site for vendor, site in self._watches if vendor == vendor_name]

    def interval(self, vendor: QueueRole) -> float:
        """Seconds between regular snapshots of one store (see :mod:`.pacing`)."""
        return pacing.regular_interval(vendor, len(self.watched_sites(vendor.name)), self.min_interval)

    def poke_gap(self, vendor: QueueRole) -> float:
        """Seconds a poked store still waits after its previous snapshot (see :mod:`.pacing`)."""
        return pacing.poke_gap(vendor, len(self.watched_sites(vendor.name)), self.min_interval)

    async def timezone(self, vendor: QueueRole, site_id: str) -> str:
        key = (vendor.name, site_id)
        if key not in self._zones:
            try:
                self._zones[key] = (await vendor.queue_site(site_id)).timezone
            except VendorError as exc:
                log.info("vendor=%s site=%s time zone unknown for now: %r", vendor.name, site_id, exc)
                return DEFAULT_ZONE
        return self._zones[key]

    # -- what features call -------------------------------------------------------------
    def trigger(self, vendor_name: str, site_ids: Iterable[str] | None = None) -> int:
        """Re-poll these stores (every watched store of the vendor for None) at once."""
        wanted = set(site_ids) if site_ids is not None else None
        poked = 0
        for (vendor, site), watch in list(self._watches.items()):
            if vendor == vendor_name and (wanted is None or site in wanted):
                watch.poke()
                poked += 1
        return poked

    @contextlib.asynccontextmanager
    async def lock(self, vendor_name: str, site_id: str):  # type: ignore[no-untyped-def]
        """Hold the store's card updates while a handler changes a ticket's state."""
        watch = self._watches.get((vendor_name, site_id))
        if watch is None:
            yield
            return
        async with watch.lock:
            yield

    async def show_card(self, ticket: TicketRecord, timezone: str) -> None:
        """Post the ticket's card (e.g. just joined) and have it kept current."""
        self._zones.setdefault((ticket.vendor, ticket.site_id), timezone)
        watch = self._ensure(ticket.vendor, ticket.site_id)
        async with self.lock(ticket.vendor, ticket.site_id):
            fresh = await self.repo.get(ticket.id) or ticket
            await post_card(self.application, fresh, watch.snapshot if watch else None, timezone)
        if watch is not None:
            watch.poke()

    async def resume(self, owner: int) -> int:
        """``owner`` unblocked the bot: watch their tickets still waiting again, repainting
        each card at the next round (edits refused meanwhile were never stored)."""
        tickets = await self.repo.list_for_owner(owner)
        for ticket in tickets:
            watch = self._ensure(ticket.vendor, ticket.site_id)
            if watch is not None:
                watch.poke()
        return len(tickets)

    async def refresh(self, ticket: TicketRecord, timeout: float = 5.0) -> QueueSnapshot | None:
        """A Refresh press: wait (a little) for a current snapshot, which updates the card."""
        watch = self._ensure(ticket.vendor, ticket.site_id)
        return None if watch is None else await watch.fresh(timeout)

    async def ended(self, ticket: TicketRecord, state: TicketState) -> None:
        """The ticket left the queue through the bot: store it, and say so on its card."""
        async with self.lock(ticket.vendor, ticket.site_id):
            await self.repo.set_state(ticket.id, state)
            fresh = await self.repo.get(ticket.id)
            vendor = self.services.vendors.queue(ticket.vendor)
            if fresh is not None and vendor is not None:
                await update_card(self.application, fresh, None, await self.timezone(vendor, ticket.site_id))

    async def called(self, vendor_name: str, called: Ticket) -> None:
        """Staff just called ``called``: its notice goes out now, without a snapshot."""
        ticket = await self.repo.get_by_external(vendor_name, called.external_id)
        if ticket is not None and ticket.state in ("waiting", "called"):
            t = await translator_for(self.application, ticket.owner)
            await send_notice(self.application, ticket, "called", called_notice(t, ticket, called.desk_name))
            async with self.lock(vendor_name, ticket.site_id):
                await self.repo.set_state(ticket.id, "called", desk=called.desk_name)
                fresh = await self.repo.get(ticket.id)
                vendor = self.services.vendors.queue(vendor_name)
                if fresh is not None and vendor is not None:
                    zone = await self.timezone(vendor, ticket.site_id)
                    await update_card(self.application, fresh, None, zone, t)
        self.trigger(vendor_name, [called.site_id])
