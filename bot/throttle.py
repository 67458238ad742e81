"""Rate-limiting primitives shared by everything that counts requests.

The bot's outgoing Telegram limiter, the fake Telegram's flood control and
the FileVirtuelle request budget all need the same two shapes, written
once here as plain clock-driven objects (the caller passes ``now``, so they
are exact under a fake clock and need no locks of their own):

* :class:`TokenBucket` — a burst, then a steady rate (Telegram's per-chat rule);
* :class:`SlidingWindow` — at most N in any period, a hard cap with no
  refill overshoot (Telegram's per-group rule, a vendor's hits per minute);
* :class:`Spacing` — sends evenly spaced, each told once how long to wait (the outbox's
  own pace);
* :class:`Retries` — how often one Telegram call may be retried after a
  flood wait, passed as python-telegram-bot's ``rate_limit_args``;
* :class:`SendOptions` — the same and the call's class: :data:`BULK` for what
  nobody waits on this second (the outbox), which the bot's limiter sends
  after the replies people are waiting for.

Limits that hold per bot or per API key rather than per process (Telegram's
messages a second, a vendor's hits a minute) are also counted in a
:class:`SharedCounter`, which every process of a deployment sees: the
storage layer implements it in the database, :class:`LocalCounter` in
memory for one process. :class:`SharedRate` spends such a limit in blocks,
so a message costs no database write of its own.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

_LOG = logging.getLogger(__name__)

# Waits shorter than this count as none: float rounding would otherwise leave
# a caller sleeping 1e-17 s again and again without the clock moving.
EPSILON = 1e-6


@dataclass(frozen=True)
class Retries:
    """Retries after a flood wait allowed for one call (``rate_limit_args=Retries(0)``).

    A wrapper rather than a bare int because python-telegram-bot drops falsy
    ``rate_limit_args`` before they reach the limiter: a plain ``0`` ("never
    retry, the caller tries again later") silently meant "the default retries",
    blocking the caller through every flood wait.
    """

    count: int


NO_RETRY = Retries(0)


@dataclass(frozen=True)
class SendOptions:
    """How the bot's rate limiter treats one call (``rate_limit_args=BULK``).

    ``bulk``: unprompted sends (broadcasts, reminders, notices from the outbox)
    that give way to interactive replies for the global budget; ``retries``:
    flood waits retried inside the limiter (None: its default). Always truthy,
    so python-telegram-bot passes it on (it drops falsy ``rate_limit_args``).
    """

    bulk: bool = False
    retries: int | None = None


#: An outbox send: bulk, and never retried inside the limiter (the row is retried later).
BULK = SendOptions(bulk=True, retries=0)


class TokenBucket:
    """``capacity`` tokens refilled at ``rate`` per second; a send costs tokens."""

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self, now: float, cost: float = 1) -> float:
        """Seconds until ``cost`` tokens are there (0 when they are now)."""
        self._refill(now)
        needed = min(cost, self.capacity)  # a cost above capacity could never be paid
        if self.tokens >= needed - EPSILON:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (needed - self.tokens) / self.rate

    def take(self, now: float, cost: float = 1) -> None:
        self._refill(now)
        self.tokens -= min(cost, self.capacity)

    def idle(self, now: float) -> bool:
        """Full again: nothing to remember about this bucket."""
        self._refill(now)
        return self.tokens >= self.capacity - EPSILON


class Spacing:
    """Sends spaced evenly at ``rate`` a second, each taking the next free time as it asks:
    one wait per send, computed once. (A :class:`TokenBucket` polled by several waiting
    senders wakes them all at every token and all but one sleep again: with 16 sends
    waiting at 900 a second that was about 8 sleeps per message, a fifth of a
    broadcast's CPU.) After falling behind, up to ``slack`` sends may go at once."""

    __slots__ = ("interval", "slack", "next")

    def __init__(self, rate: float, slack: int, now: float) -> None:
        self.interval = 1.0 / rate
        self.slack = max(0, slack - 1) * self.interval
        self.next = now

    def reserve(self, now: float) -> float:
        """Take the next time; the seconds to wait for it (0: go now)."""
        slot = max(self.next, now - self.slack)
        self.next = slot + self.interval
        return max(0.0, slot - now)


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds."""

    __slots__ = ("limit", "period", "events")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self.events and self.events[0] <= now - self.period + EPSILON:
            self.events.popleft()

    def used(self, now: float) -> int:
        self._expire(now)
        return len(self.events)

    def wait_time(self, now: float, cost: int = 1, *, limit: int | None = None) -> float:
        """Seconds until ``cost`` more fit under ``limit`` (default: the window's)."""
        cap = self.limit if limit is None else limit
        if cap <= 0:
            return math.inf
        self._expire(now)
        excess = len(self.events) + min(cost, cap) - cap
        if excess <= 0:
            return 0.0
        return max(0.0, self.events[excess - 1] + self.period - now)

    def take(self, now: float, cost: int = 1) -> None:
        self._expire(now)
        self.events.extend([now] * min(cost, self.limit))

    def idle(self, now: float) -> bool:
        self._expire(now)
        return not self.events


class SharedCounter(Protocol):
    """How much of a limit a window has used, seen by every process that shares it.

    A window is named by ``key`` (what is limited: one bot's messages, one API key's
    hits) and ``window``, its start in Unix seconds, so processes on different
    machines name the same window alike.
    """

    async def take(self, key: str, window: int, cost: int = 1,
                   limit: int | None = None) -> int | None:
        """Add ``cost`` to the window's count unless that passes ``limit`` (None: no
        limit), atomically; the new count, or None when refused (nothing added)."""
        ...

    async def count(self, key: str, window: int) -> int:
        """The window's count (0 for a window nobody took from)."""
        ...


class LocalCounter:
    """A :class:`SharedCounter` in this process's memory (one process: SQLite, tests).

    Windows more than ``keep`` seconds older than the newest one of their key are
    forgotten."""

    def __init__(self, keep: int = 3600) -> None:
        self._keep = keep
        self._counts: dict[str, dict[int, int]] = {}

    async def take(self, key: str, window: int, cost: int = 1,
                   limit: int | None = None) -> int | None:
        windows = self._counts.setdefault(key, {})
        used = windows.get(window, 0) + cost
        if limit is not None and used > limit:
            return None
        windows[window] = used
        if len(windows) > 2:
            newest = max(windows)
            for old in [w for w in windows if w < newest - self._keep]:
                del windows[old]
        return used

    async def count(self, key: str, window: int) -> int:
        return self._counts.get(key, {}).get(window, 0)


class SharedRate:
    """At most ``limit`` per ``period``-second window (calendar-aligned, Unix time),
    summed over every process sharing ``counter``, spent in blocks.

    Asking the counter for every message would cost a database write per message;
    instead a process claims ``block`` permits of the current window at once and spends
    them here (with ``limit`` 30 and ``block`` 10: at most three writes a second at
    full rate). Permits claimed and not spent when the window ends are lost to the
    other processes: the error is on the safe side. When the counter cannot be reached
    the permit is given anyway (logged once): the process's own limiter still holds,
    and a database outage must not silence the bot.
    """

    def __init__(
        self,
        counter: SharedCounter,
        key: str,
        limit: int,
        *,
        period: float = 1.0,
        block: int = 10,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.counter = counter
        self.key = key
        self.limit = max(1, limit)
        self.period = period
        self.block = max(1, min(block, self.limit))
        self._clock = clock
        self._sleep = sleep
        self._window = -1
        self._held = 0
        self._lock = asyncio.Lock()
        self._failing = False
        self.claims = 0  # writes made to the counter (tests, metrics)

    async def acquire(self, cost: int = 1) -> None:
        """Wait until ``cost`` permits of the current window are this process's."""
        cost = max(1, min(cost, self.limit))  # a cost above the limit could never be paid
        async with self._lock:
            while True:
                now = self._clock()
                window = int(now // self.period * self.period)
                if window != self._window:
                    self._window, self._held = window, 0
                if self._held >= cost:
                    self._held -= cost
                    return
                if await self._claim(window, cost - self._held):
                    continue
                await self._sleep(max(window + self.period - now, EPSILON))

    async def _claim(self, window: int, need: int) -> bool:
        """Claim a block (or, when the window has less left, just ``need``)."""
        for amount in dict.fromkeys((max(need, self.block), need)):
            try:
                self.claims += 1
                got = await self.counter.take(self.key, window, amount, self.limit)
            except Exception as exc:  # noqa: BLE001 - whatever broke, keep sending
                if not self._failing:
                    _LOG.warning("shared limit %s not reachable (%s): counting locally",
                                 self.key, exc)
                self._failing = True
                self._held += need
                return True
            self._failing = False
            if got is not None:
                self._held += amount
                return True
        return False
