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

from sqlalchemy import delete, select

from .db import Database
from .schema import rate_windows as t

__all__ = ["RateWindowRepo"]


class RateWindowRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, key: str, window: int, cost: int = 1,
                   limit: int | None = None) -> int | None:
        """Add ``cost`` unless the count would pass ``limit``; the new count, or None."""
        if limit is not None and cost > limit:
            return None
        insert = self._db.insert(t).values(key=key, window_start=window, used=cost)
        statement = insert.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"used": t.c.used + insert.excluded.used},
            where=None if limit is None else t.c.used + insert.excluded.used <= limit,
        ).returning(t.c.used)
        used = await self._db.fetchval(statement)
        return None if used is None else int(used)

    async def count(self, key: str, window: int) -> int:
        used = await self._db.fetchval(
            select(t.c.used).where(t.c.key == key, t.c.window_start == window))
        return int(used or 0)

    async def prune(self, before: int) -> int:
        """Forget windows that started before ``before`` (Unix seconds)."""
        return (await self._db.execute(delete(t).where(t.c.window_start < before))).rowcount
