"""The bot's global sending budget, handed out fairly (used by :mod:`bot.app.ratelimit`).

Telegram allows about 30 new messages a second per bot across all chats. Who gets the
next slot when several wait:

* **interactive before bulk**: a reply to somebody who just wrote or pressed goes before
  an outbox message (broadcast, reminder), which nobody is watching for this very second;
* **chats in turn**: each chat sends one message at a time (the limiter holds the chat's
  lock across its send), so a chat has at most one request waiting here and waiters of a
  class are served in arrival order: a chat with a backlog of a hundred gets one turn,
  then the others get theirs, however long its own queue;
* **room kept for replies**: while interactive traffic is about (one waiting, or one sent
  within the last period) bulk may fill at most ``bulk_share`` of the window, so a reply
  arriving between two grants finds a free slot instead of waiting for the window to slide.
  With no replies about, bulk may use the whole budget. The bot itself keeps no room
  (``bulk_share`` 1): its bulk is paced, so a slot frees every thirtieth of a second, a
  reply first in line takes the next one, and a broadcast gets every slot replies leave.

Plain clock-driven bookkeeping with futures and one timer; no task of its own.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field

from bot.throttle import EPSILON, SlidingWindow


@dataclass(eq=False)
class _Waiter:
    cost: int
    bulk: bool
    done: asyncio.Future[None] = field(repr=False)
    key: object = None


class FairBudget:
    """At most ``limit`` sends in any ``period`` seconds, granted interactive-first."""

    def __init__(self, limit: int, period: float, bulk_share: float = 0.8) -> None:
        self.window = SlidingWindow(limit, period)
        self.period = period
        self.bulk_limit = max(1, math.floor(limit * bulk_share))
        self.paused_until = 0.0
        self._waiting: dict[bool, deque[_Waiter]] = {False: deque(), True: deque()}
        self._last_interactive = -math.inf
        # The planned dispatch and its time (uvloop's call_at may return a plain Handle,
        # which has no when()).
        self._timer: asyncio.Handle | None = None
        self._timer_at = 0.0

    # -- introspection ------------------------------------------------------------------
    def waiting(self, *, bulk: bool) -> int:
        return len(self._waiting[bulk])

    # -- the one entry point ------------------------------------------------------------
    async def acquire(self, cost: int, *, bulk: bool, key: object = None) -> None:
        """Return once ``cost`` sends of this class may go now (spent when returning);
        ``key`` (the chat) lets :meth:`promote` find a bulk waiter."""
        loop = asyncio.get_running_loop()
        ahead = self._waiting[False] or (bulk and self._waiting[True])
        if not ahead and self._grant(loop.time(), cost, bulk):
            return
        waiter = _Waiter(cost, bulk, loop.create_future(), key)
        self._waiting[bulk].append(waiter)
        self._wake()
        try:
            await waiter.done
        except asyncio.CancelledError:
            if waiter in self._waiting[waiter.bulk]:
                self._waiting[waiter.bulk].remove(waiter)
                self._wake()  # the next in line may go now
            raise

    def promote(self, key: object) -> None:
        """A reply waits behind ``key``'s bulk message: that message queues as a reply."""
        for waiter in self._waiting[True]:
            if waiter.key == key and not waiter.done.done():
                self._waiting[True].remove(waiter)
                waiter.bulk = False
                self._waiting[False].append(waiter)
                self._wake()
                return

    def pause(self, until: float) -> None:
        """Nothing is granted before ``until`` (a 429 for the whole bot)."""
        self.paused_until = max(self.paused_until, until)

    # -- internals ----------------------------------------------------------------------
    def _room(self, now: float, cost: int, bulk: bool) -> float:
        """Seconds until ``cost`` sends of this class may go (0: now)."""
        if self.paused_until - now > EPSILON:
            return self.paused_until - now
        wait = self.window.wait_time(now, cost)
        if bulk:
            replies_end = self._last_interactive + self.period - now
            if self._waiting[False]:
                replies_end = math.inf
            if replies_end > EPSILON:  # replies about: keep room for them
                capped = self.window.wait_time(now, cost, limit=self.bulk_limit)
                wait = max(wait, min(capped, replies_end))
        return wait

    def _grant(self, now: float, cost: int, bulk: bool) -> bool:
        if self._room(now, cost, bulk) > EPSILON:
            return False
        self.window.take(now, cost)
        if not bulk:
            self._last_interactive = now
        return True

    def _wake(self, delay: float = 0.0) -> None:
        """Run the dispatch after ``delay`` (replacing a later one already planned)."""
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        if self._timer is not None:
            if self._timer_at <= when + EPSILON:
                return
            self._timer.cancel()
        self._timer, self._timer_at = loop.call_at(when, self._dispatch), when

    def _dispatch(self) -> None:
        self._timer = None
        now = asyncio.get_running_loop().time()
        for bulk in (False, True):
            queue = self._waiting[bulk]
            while queue:
                head = queue[0]
                if head.done.done():  # its caller was cancelled
                    queue.popleft()
                    continue
                wait = self._room(now, head.cost, bulk)
                if wait > EPSILON:
                    self._wake(wait)
                    return
                queue.popleft()
                self.window.take(now, head.cost)
                if not bulk:
                    self._last_interactive = now
                head.done.set_result(None)
