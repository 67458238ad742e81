"""Ids of Telegram updates already handled.

Telegram delivers at least once (a webhook retried after a timeout, polling resumed after
a crash before the offset was confirmed, or a standby taking over from a dead leader).
Handlers with side effects check here first.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from ._common import Clock, to_db_time, utcnow
from .db import Database

__all__ = ["UpdateLog"]

# Constants: mark_processed runs for every Telegram update, nothing is built per call.
_IS_PROCESSED = "SELECT update_id FROM processed_updates WHERE update_id = :update_id"
_NEWEST = "SELECT MAX(update_id) FROM processed_updates"
_MARK = """
    INSERT INTO processed_updates (update_id, processed_at)
    VALUES (:update_id, :processed_at)
    ON CONFLICT (update_id) DO NOTHING
"""
_PRUNE = "DELETE FROM processed_updates WHERE processed_at < :cutoff"


class UpdateLog:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def is_processed(self, update_id: int) -> bool:
        row = await self._db.fetchone(_IS_PROCESSED, {"update_id": update_id})
        return row is not None

    async def newest(self) -> int | None:
        """The highest id recorded, None when there is none."""
        value = await self._db.fetchval(_NEWEST)
        return None if value is None else int(value)

    async def mark_processed(self, update_id: int) -> bool:
        """Record the id; True if this call recorded it first. Because the check and the
        write are one statement, ``if await log.mark_processed(uid): handle()`` is a safe
        claim even with concurrent updates."""
        result = await self._db.execute(
            _MARK, {"update_id": update_id, "processed_at": to_db_time(self._clock())}
        )
        return result.rowcount == 1

    async def mark_all_processed(self, update_ids: Collection[int]) -> None:
        """Record all of ``update_ids`` in one statement (those already recorded stay as
        they are): a group commit of many updates, a flood's dropped ones, costs one
        round trip instead of one per update."""
        if not update_ids:
            return
        now = to_db_time(self._clock())
        await self._db.execute(
            _MARK, [{"update_id": update_id, "processed_at": now} for update_id in update_ids]
        )

    async def prune(self, older_than_days: float = 7) -> int:
        """Forget ids older than that. Telegram keeps undelivered updates for at most 24
        hours, so a week is ample; pruning also matters because update ids may restart
        from a random value after a week without updates."""
        cutoff = self._clock() - timedelta(days=older_than_days)
        result = await self._db.execute(_PRUNE, {"cutoff": to_db_time(cutoff)})
        return result.rowcount
