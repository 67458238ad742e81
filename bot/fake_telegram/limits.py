"""Telegram-like flood control, driven by an injectable monotonic clock.

Bots that ignore Telegram's limits work in development and break in production, so the fake
answers 429 the way Telegram does.  The clock is injectable so tests can exhaust a bucket and
then "wait" by advancing a :class:`FakeClock` instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.throttle import TokenBucket

from .errors import too_many_requests

Clock = Callable[[], float]


class FakeClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go backwards")
        self.now += seconds


@dataclass(frozen=True)
class FloodLimits:
    """Bucket sizes and refill rates; defaults approximate Telegram's published limits."""

    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: int = 30
    private_burst: int = 10
    private_refill_per_second: float = 1.0
    group_per_minute: int = 20
    # Messages sent with allow_paid_broadcast=True may go past the global limit up to this
    # rate; each one past the free limit costs Stars, so the fake counts them as billed.
    paid_per_second: float = 1000.0

    @classmethod
    def disabled(cls) -> FloodLimits:
        return cls(enabled=False)


class FloodControl:
    """Per-bot accounting of new messages: one global bucket plus one bucket per chat."""

    def __init__(self, limits: FloodLimits, clock: Clock | None = None) -> None:
        self.limits = limits
        self.clock: Clock = clock or time.monotonic
        self._global: TokenBucket | None = None
        self._paid: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}
        self.billed = 0  # paid-broadcast messages that went past the free global limit

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                per_minute = self.limits.group_per_minute
                bucket = TokenBucket(per_minute, per_minute / 60.0, now)
            else:
                bucket = TokenBucket(
                    self.limits.private_burst, self.limits.private_refill_per_second, now
                )
            self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int, *, paid: bool = False) -> None:
        """Count one new message to ``chat_id`` or raise 429 without consuming anything.

        Checking every bucket before taking from any keeps a rejected message from eating
        into the budget, matching how a retried message behaves on Telegram. ``paid`` is the
        message's ``allow_paid_broadcast``: once the free global budget is spent it draws on
        the paid one instead (counted in :attr:`billed`); the chat's own limit still holds.
        """
        if not self.limits.enabled:
            return
        now = self.clock()
        if self._global is None:
            self._global = TokenBucket(
                self.limits.global_burst, self.limits.global_per_second, now
            )
        chat = self._chat_bucket(chat_id, now)
        budget = self._global
        if paid and budget.wait_time(now) > 0:
            budget = self._paid_bucket(now)
        wait = max(budget.wait_time(now), chat.wait_time(now))
        if wait > 0:
            retry_after = 2**31 - 1 if math.isinf(wait) else max(1, math.ceil(wait))
            raise too_many_requests(retry_after)
        budget.take(now)
        chat.take(now)
        if budget is self._paid:
            self.billed += 1

    def _paid_bucket(self, now: float) -> TokenBucket:
        if self._paid is None:
            rate = self.limits.paid_per_second
            self._paid = TokenBucket(rate, rate, now)
        return self._paid
