"""The one small cache adapters keep vendor structure in.

Vendors' structure (organizations, sites, templates, devices, choice trees)
changes rarely but is needed at every step of a conversation, so adapters
reuse it for a few seconds or minutes instead of refetching it each time.
What changes quickly is cached for seconds at most, if at all: a day's free
slots are reused for a few seconds between users pressing the same day (the
vendor still refuses a slot taken meanwhile, and the user picks another),
and forgotten when this bot books or cancels there; queues never.
Concurrent callers missing the same key share one load, so twenty users
arriving together cause one fetch, not twenty, and share its outcome: when
it fails (a vendor hanging until its deadline), they all hear so at once,
rather than each trying again in turn behind the others (three users on a
hung vendor waited 7, 14 and 21 s). A load that fails caches nothing: the
next caller after it tries again with its own load.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values per key, each reused for ``ttl`` seconds after it was loaded."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[V]] = {}

    def forget(self, key: K) -> None:
        """Drop ``key``: the next caller loads it afresh (e.g. after a change we made)."""
        self._entries.pop(key, None)

    def peek(self, key: K) -> V | None:
        """The cached value if still fresh; never loads."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The fresh value of ``key``, from ``load()`` when there is none (one load at a
        time per key, whose value or error every caller waiting for it gets)."""
        value = self.peek(key)
        if value is not None:
            return value
        pending = self._loading.get(key)
        if pending is None:
            pending = self._loading[key] = asyncio.ensure_future(self._load(key, load))
            # Retrieved even when every caller was cancelled meanwhile (no "never
            # retrieved" warning); the load itself ends at the vendor's deadline.
            pending.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.shield(pending)  # one caller giving up stops nobody else's wait

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await load()
            self._entries[key] = (self._clock() + self._ttl, value)
            return value
        finally:
            self._loading.pop(key, None)
