"""Rate-limiting primitives shared by everything that counts requests.

The bot's outgoing Telegram limiter, the fake Telegram's flood control and
the FileVirtuelle request budget all need the same two shapes, written
once here as plain clock-driven objects (the caller passes ``now``, so they
are exact under a fake clock and need no locks of their own):

* :class:`TokenBucket` — a burst, then a steady rate (Telegram's per-chat rule);
* :class:`SlidingWindow` — at most N in any period, a hard cap with no
  refill overshoot (Telegram's per-group rule, a vendor's hits per minute);
* :class:`Retries` — how often one Telegram call may be retried after a
  flood wait, passed as python-telegram-bot's ``rate_limit_args``;
* :class:`SendOptions` — the same and the call's class: :data:`BULK` for what
  nobody waits on this second (the outbox), which the bot's limiter sends
  after the replies people are waiting for.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

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
