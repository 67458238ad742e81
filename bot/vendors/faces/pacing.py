"""Honouring Faces' rate limits: wait them out, never hammer.

The document names no limits; its swagger (not public) may. We read the
headers most APIs send and the simulator sends (inferred, see
:mod:`bot.vendors.faces.client`): ``Retry-After`` on a 429 (delta seconds),
and ``X-RateLimit-Remaining``/``X-RateLimit-Reset`` on every answer, the
reset as seconds until the window ends (a value that looks like a Unix time
is read as one). When the budget is spent, the next call waits until the
reset instead of collecting a 429; after a 429 every call of the process
waits for ``Retry-After``, then the refused call is sent once more. A wait
longer than ``max_wait`` is not taken: the call fails with
:class:`~bot.vendors.errors.RateLimited` so a person is not kept waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import httpx

from bot.vendors.errors import RateLimited

log = logging.getLogger("bot.vendors.faces")

VENDOR = "faces"
DEFAULT_RETRY_AFTER = 1.0
_EPOCH = 1_000_000_000  # anything larger is a Unix time, not a number of seconds


class Pacer:
    """Shared by every Profiles API call of one client."""

    def __init__(
        self,
        *,
        max_wait: float = 30.0,
        attempts: int = 3,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.max_wait = max_wait
        self.attempts = attempts
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall = wall
        self._resume_at = 0.0
        self.waited: list[float] = []  # every wait taken, for logs and tests

    async def send(self, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """``call()`` within the limits; a 429 is waited out and retried."""
        for attempt in range(1, self.attempts + 1):
            await self._wait()
            response = await call()
            self._learn(response)
            if response.status_code != 429:
                return response
            await response.aread()
            log.warning("vendor=faces 429, retry in %.1fs (attempt %d/%d)",
                        self._resume_at - self._monotonic(), attempt, self.attempts)
        raise RateLimited("HTTP 429 after waiting", vendor=VENDOR,
                          retry_after=max(0.0, self._resume_at - self._monotonic()))

    async def _wait(self) -> None:
        delay = self._resume_at - self._monotonic()
        if delay <= 0:
            return
        if delay > self.max_wait:
            raise RateLimited("rate limit window not over", vendor=VENDOR, retry_after=delay)
        self.waited.append(delay)
        await self._sleep(delay)

    def _learn(self, response: httpx.Response) -> None:
        headers = response.headers
        if response.status_code == 429:
            delay = _seconds(headers.get("retry-after"), self._wall())
            if delay is None:
                delay = _seconds(headers.get("x-ratelimit-reset"), self._wall())
            self._pause(DEFAULT_RETRY_AFTER if delay is None else delay)
            return
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip() == "0":
            delay = _seconds(headers.get("x-ratelimit-reset"), self._wall())
            self._pause(DEFAULT_RETRY_AFTER if delay is None else delay)

    def _pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, self._monotonic() + max(0.0, seconds))


def _seconds(value: str | None, now: float) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    if number is None:
        return None
    return max(0.0, number - now) if number > _EPOCH else max(0.0, number)
