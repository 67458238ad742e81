"""The per-minute request budget every FileVirtuelle call of the process uses.

FileVirtuelle accepts at most ``max_hits`` requests per minute (read from
``GET /api_info``); the next one gets a 429 ``RateLimitExceeded`` and the
document warns that insisting for several minutes may get the key banned for
good. So no request leaves without a permit from this budget:

* at most ``limit`` permits per calendar minute, counted the way the vendor
  counts them, ``limit`` being ``max_hits`` minus a small safety margin. A
  request sent in the last :data:`EDGE` seconds of a minute may reach the
  server in the next one (network delay, a clock a little off), so it counts
  in both. (A sliding 60-second window, used before, is stricter than the
  vendor: after a burst it kept permits away for up to a whole minute more,
  and a desk's call reached the customer 78-84 s late with ``max_hits`` 12;
  now whatever waits for a permit gets one when the next minute starts.)
* **interactive** calls (a person waits: register, leave, staff next, the
  steps of a conversation) may use the whole limit and wait a little for a
  permit (the client waits only within its call's deadline, see
  :meth:`~bot.vendors.filevirtuelle.client.FileVirtuelleClient._send`); **background** calls (polling) may only use ``limit - reserved``,
  never wait unless asked to, and yield while any interactive call waits;
* after a 429 every call is refused until the next minute starts (plus a
  second of grace); nothing is retried, callers get :class:`RateLimited`
  with ``retry_after``.

``remaining()`` tells pollers how many background permits are left so they
can stretch their interval. Clock and sleep are injectable for tests.

The limit is per API key, not per process: with a :class:`~bot.throttle.SharedCounter`
(the application lends the database's), every permit is taken there, atomically and
never past the cap, so a standby taking over in the middle of a minute (or a process
restarted within it) continues the count instead of spending the minute again. The
count kept here then mirrors what the shared one last said (what the other processes
spent shows up at the next take); without a counter it is the only count.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.throttle import SharedCounter
from bot.vendors.errors import RateLimited

log = logging.getLogger("bot.vendors.filevirtuelle")

WINDOW = 60.0
# A request this close to the end of a minute may be counted in the next one.
EDGE = 1.0
VENDOR = "filevirtuelle"


class CalendarMinutes:
    """Requests counted per calendar minute of Unix time, as the vendor counts them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._counts: dict[int, int] = {}

    def used(self, now: float) -> int:
        return self._counts.get(int(now // WINDOW), 0)

    def wait_time(self, now: float, *, limit: int) -> float:
        """0 when a request fits in this minute, else the seconds to the next one."""
        if self.used(now) < limit:
            return 0.0
        return next_minute(now) - now

    def take(self, now: float) -> None:
        minute = int(now // WINDOW)
        for old in [m for m in self._counts if m < minute]:
            del self._counts[old]
        self._counts[minute] = self._counts.get(minute, 0) + 1
        if at_edge(now):
            self._counts[minute + 1] = self._counts.get(minute + 1, 0) + 1

    def observe(self, minute: int, used: int) -> None:
        """The shared count says ``minute`` has used at least ``used``."""
        for old in [m for m in self._counts if m < minute - 1]:
            del self._counts[old]
        self._counts[minute] = max(self._counts.get(minute, 0), used)


def at_edge(now: float) -> bool:
    """Sent now, a request may reach the vendor in the next minute: it counts in both."""
    return now >= next_minute(now) - EDGE


def next_minute(now: float) -> float:
    """When the calendar minute after ``now`` starts."""
    return (now // WINDOW + 1) * WINDOW


class Priority(enum.IntEnum):
    INTERACTIVE = 0  # somebody is waiting for the answer
    BACKGROUND = 1  # polling: skipped rather than delaying people


class RequestBudget:
    def __init__(
        self,
        max_hits: int = 10,
        *,
        reserve: float = 0.25,
        interactive_wait: float = 20.0,
        pause_grace: float = 1.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        counter: SharedCounter | None = None,
        key: str = VENDOR,
    ) -> None:
        self._counter = counter
        self._key = key
        self._reserve = reserve
        self._interactive_wait = interactive_wait
        self._grace = pause_grace
        self._clock = clock
        self._sleep = sleep
        self._hits = CalendarMinutes(limit=1)  # limit set by configure
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self.rate_limited = 0  # 429s received
        self.configure(max_hits)
        self.told = False  # max_hits is a guess until the server tells it (configure)

    def configure(self, max_hits: int) -> None:
        """Adopt the server's ``max_hits`` (from ``/api_info``)."""
        self.told = True
        self.max_hits = max(1, int(max_hits))
        safety = max(1, self.max_hits // 50) if self.max_hits > 1 else 0
        self.limit = max(1, self.max_hits - safety)
        self._hits.limit = self.limit
        reserved = math.ceil(self.limit * self._reserve) if self.limit > 1 else 0
        self.background_limit = max(0, self.limit - reserved)

    def share(self, counter: SharedCounter, key: str) -> None:
        """Count permits in ``counter`` under ``key`` from now on."""
        self._counter, self._key = counter, key

    # -- reading ----------------------------------------------------------

    def _cap(self, priority: Priority) -> int:
        return self.limit if priority is Priority.INTERACTIVE else self.background_limit

    def paused_for(self) -> float:
        """Seconds left of the pause after a 429 (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def remaining(self, priority: Priority = Priority.BACKGROUND) -> int:
        """Permits of that priority still available right now."""
        now = self._clock()
        if now < self._paused_until or (priority is Priority.BACKGROUND
                                        and self._interactive_waiting):
            return 0
        return max(0, self._cap(priority) - self._hits.used(now))

    def used(self) -> int:
        """Permits counted in this calendar minute."""
        return self._hits.used(self._clock())

    def minute_left(self) -> float:
        """Seconds until the next calendar minute, when every count starts again."""
        now = self._clock()
        return next_minute(now) - now

    def _delay(self, priority: Priority, now: float) -> float | None:
        """Seconds until a permit may be given; None when that depends on others."""
        if now < self._paused_until:
            return self._paused_until - now
        if priority is Priority.BACKGROUND and self._interactive_waiting:
            return None
        cap = self._cap(priority)
        if cap <= 0:
            return None
        return self._hits.wait_time(now, limit=cap)

    # -- taking -----------------------------------------------------------

    async def try_acquire(self, priority: Priority = Priority.BACKGROUND) -> bool:
        """A permit now if there is one; never waits for one."""
        now = self._clock()
        return self._delay(priority, now) == 0.0 and await self._take(now, self._cap(priority))

    async def _take(self, now: float, cap: int) -> bool:
        """Count one request now, unless the shared count of this minute reached ``cap``."""
        if self._counter is None:
            self._hits.take(now)
            return True
        minute = int(now // WINDOW)
        # Until /api_info told this process max_hits, its request is counted but not
        # capped: a guessed cap would refuse a standby's first request whenever the
        # leader had spent more than the guess this minute (at worst that one request
        # meets a 429, and everything pauses to the next minute as after any 429).
        limit = cap if self.told else None
        try:
            used = await self._counter.take(self._key, minute * int(WINDOW), 1, limit)
            if used is not None and at_edge(now):
                later = await self._counter.take(self._key, (minute + 1) * int(WINDOW), 1)
                self._hits.observe(minute + 1, later or 0)
        except Exception as exc:  # noqa: BLE001 - the database is away: count here alone
            log.warning("filevirtuelle: shared request count not reachable (%s); "
                        "counting in this process only", exc)
            self._hits.take(now)
            return True
        self._hits.observe(minute, cap if used is None else used)
        return used is not None

    async def acquire(self, priority: Priority, *, max_wait: float | None = None) -> None:
        """Take a permit, waiting at most ``max_wait`` seconds for one.

        The default wait is ``interactive_wait`` for interactive calls and
        none for background ones. Raises :class:`RateLimited` when no permit
        comes in time; nothing has been sent then.
        """
        if max_wait is None:
            max_wait = self._interactive_wait if priority is Priority.INTERACTIVE else 0.0
        deadline = self._clock() + max_wait
        interactive = priority is Priority.INTERACTIVE
        self._interactive_waiting += interactive
        try:
            while True:
                now = self._clock()
                delay = self._delay(priority, now)
                if delay == 0.0:
                    if await self._take(now, self._cap(priority)):
                        return
                    continue  # others spent the minute: the count here knows it now
                step = 1.0 if delay is None else delay
                if now + step > deadline:
                    raise RateLimited("request budget exhausted", vendor=VENDOR,
                                      retry_after=max(step, 0.0))
                await self._sleep(step)
        finally:
            self._interactive_waiting -= interactive

    def rate_limit_hit(self) -> float:
        """A 429 arrived: refuse everything until the next minute; the pause in seconds."""
        now = self._clock()
        self.rate_limited += 1
        self._paused_until = max(self._paused_until, next_minute(now) + self._grace)
        pause = self._paused_until - now
        log.error("filevirtuelle: 429 RateLimitExceeded; all calls paused %.0f s "
                  "(budget %d/min, %d used)", pause, self.limit, self._hits.used(self._clock()))
        return pause


# The budgets of this process's open clients, with how many clients use each.
_SHARED: dict[tuple[str, str], tuple[RequestBudget, int]] = {}


def shared_budget(api_key: str, counter: SharedCounter | None = None, *,
                  server: str = "") -> RequestBudget:
    """The one budget of this process for ``api_key`` at ``server`` (the limit is per
    key; the server only tells apart two FileVirtuelles a process may talk to), counted
    in ``counter`` when one is given (every process of the deployment sees it). Each
    caller gives it back with :func:`release_budget` when its client closes; the last
    one out drops it, so a later client starts afresh (a test's bot after another's, on
    a simulator that got the same port, no longer inherits its spent minute)."""
    budget, users = _SHARED.get((server, api_key), (None, 0))
    if budget is None:
        budget = RequestBudget()
    _SHARED[(server, api_key)] = (budget, users + 1)
    if counter is not None:
        budget.share(counter, counter_key(api_key))
    return budget


def release_budget(api_key: str, *, server: str = "") -> None:
    """A client of :func:`shared_budget` closed."""
    budget, users = _SHARED.get((server, api_key), (None, 0))
    if budget is None:
        return
    if users <= 1:
        del _SHARED[(server, api_key)]
    else:
        _SHARED[(server, api_key)] = (budget, users - 1)


def counter_key(api_key: str) -> str:
    """The key's budget in a shared counter, named by a digest (never the key itself)."""
    return f"{VENDOR}:{hashlib.sha256(api_key.encode()).hexdigest()[:16]}"
