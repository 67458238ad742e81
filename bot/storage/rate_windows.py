"""Shared limits: how much of a limit each window has used, for every process to see.

The database implementation of :class:`bot.throttle.SharedCounter`. A window is a key
(``telegram:<bot id>``, ``filevirtuelle:<key digest>``) and its start in Unix seconds;
:meth:`RateWindowRepo.take` adds to its count in one statement,
``INSERT … ON CONFLICT DO UPDATE … WHERE used + cost <= limit RETURNING used``, so two
processes taking at once can never pass the limit together: the row's lock orders them
on PostgreSQL, the one writer on SQLite. It runs outside the writer transaction
(:meth:`Database.transaction`), so it never queues behind other writers on PostgreSQL.
"""

from __future__ import annotations

from .db import Database

__all__ = ["RateWindowRepo"]

# "key" is a (non-reserved) keyword on both engines: quoted, as SQLAlchemy did on SQLite.
_TAKE = """
    INSERT INTO rate_windows ("key", window_start, used) VALUES (:key, :window_start, :cost)
    ON CONFLICT ("key", window_start) DO UPDATE SET used = rate_windows.used + excluded.used
    RETURNING used
"""
_TAKE_LIMITED = """
    INSERT INTO rate_windows ("key", window_start, used) VALUES (:key, :window_start, :cost)
    ON CONFLICT ("key", window_start) DO UPDATE SET used = rate_windows.used + excluded.used
    WHERE rate_windows.used + excluded.used <= :limit
    RETURNING used
"""


class RateWindowRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, key: str, window: int, cost: int = 1,
                   limit: int | None = None) -> int | None:
        """Add ``cost`` unless the count would pass ``limit``; the new count, or None."""
        if limit is not None and cost > limit:
            return None
        params = {"key": key, "window_start": window, "cost": cost}
        if limit is None:
            used = await self._db.fetchval(_TAKE, params)
        else:
            used = await self._db.fetchval(_TAKE_LIMITED, {**params, "limit": limit})
        return None if used is None else int(used)

    async def count(self, key: str, window: int) -> int:
        used = await self._db.fetchval(
            'SELECT used FROM rate_windows WHERE "key" = :key AND window_start = :window_start',
            {"key": key, "window_start": window})
        return int(used or 0)

    async def prune(self, before: int) -> int:
        """Forget windows that started before ``before`` (Unix seconds)."""
        result = await self._db.execute(
            "DELETE FROM rate_windows WHERE window_start < :before", {"before": before})
        return result.rowcount
