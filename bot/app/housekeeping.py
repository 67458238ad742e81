"""Forgetting, on a timer, what the bot keeps only for a while.

Processed update ids exist so that an update Telegram delivers twice is handled once.
Telegram keeps an undelivered update for at most 24 hours, so an id older than that
can never arrive again; without pruning the table would grow for ever (and update ids
may start again from a random value after a week without updates, which an old id could
then shadow). Counts of shared limits are kept for an hour (the longest window is a
minute). The first round runs at start, so a bot restarted daily still prunes.
The inbox forgets updates older than the redelivery window which never
finished, and abandoned OAuth logins (whose states expire after ten minutes) go too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from bot.storage import Storage

log = logging.getLogger("bot")

REDELIVERY_WINDOW = timedelta(hours=24)
EVERY_SECONDS = 3600.0
RATE_WINDOWS_KEPT = 3600  # seconds


class Housekeeping:
    def __init__(self, storage: Storage, *, every: float = EVERY_SECONDS) -> None:
        self.storage = storage
        self.every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="housekeeping")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self.prune_once()
            await asyncio.sleep(self.every)

    async def prune_once(self) -> int:
        """One round; how many processed update ids it forgot."""
        window_days = REDELIVERY_WINDOW / timedelta(days=1)
        storage = self.storage
        try:
            removed = await storage.updates.prune(older_than_days=window_days)
            stale = await storage.inbox.prune(older_than=REDELIVERY_WINDOW)
            logins = await storage.oauth.prune_expired(datetime.now(UTC))
        except Exception:  # noqa: BLE001 - the next round tries again; the bot goes on
            log.exception("housekeeping round failed")
            return 0
        if removed:
            log.info("forgot %d processed update ids older than %s", removed, REDELIVERY_WINDOW)
        if stale:
            log.warning("dropped %d received updates that never finished within %s",
                        stale, REDELIVERY_WINDOW)
        if logins:
            log.info("forgot %d abandoned account logins", logins)
        try:
            await self.storage.rate_windows.prune(before=int(time.time()) - RATE_WINDOWS_KEPT)
        except Exception:  # noqa: BLE001 - as above
            log.exception("pruning shared rate windows failed")
        return removed
