"""PostgreSQL through asyncpg: a pool, and statements in the repositories' SQL.

Each transaction gets its own pooled connection; statements outside one run on any
free connection, each committed on its own (PostgreSQL's autocommit). asyncpg
prepares and caches every statement per connection, so a repeated statement costs one
round trip.

The pool does not reset a connection handed back beyond rolling back what is open:
the bot never changes session state (its locks are transaction-scoped), and the
default reset is a round trip after every use. A connection the server closed
(restart, failover) is noticed by asyncpg and replaced on the next acquire.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from ._sql import Params, Row, bind_positional, expand_lists, positional_many, row_factory

__all__ = ["PostgresConnection", "PostgresPool"]

#: What the pool may hold: a few for the leader's concurrent statements, no more.
_POOL_MIN, _POOL_MAX = 1, 10
_CONNECT_TIMEOUT = 10.0


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """Nothing to reset (see the module docstring); asyncpg still rolls back."""


class PostgresPool:
    """asyncpg's pool for one database."""

    driver_errors: tuple[type[BaseException], ...] = (
        asyncpg.PostgresError, asyncpg.InterfaceError)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, dsn: str) -> PostgresPool:
        pool = await asyncpg.create_pool(dsn, min_size=_POOL_MIN, max_size=_POOL_MAX,
                                         reset=_no_reset, timeout=_CONNECT_TIMEOUT)
        return cls(pool)

    async def acquire(self) -> PostgresConnection:
        return PostgresConnection(await self._pool.acquire())

    async def release(self, connection: PostgresConnection) -> None:
        await self._pool.release(connection.raw)

    async def close(self) -> None:
        await self._pool.close()


class PostgresConnection:
    """One pooled connection, with the same ``run`` as the SQLite one."""

    driver_errors = PostgresPool.driver_errors

    def __init__(self, connection: Any) -> None:
        self.raw = connection  # asyncpg's (pooled) connection

    async def begin(self, begin: str) -> None:
        """``BEGIN``: its own round trip (the writer lock that follows needs it)."""
        await self.raw.execute(begin)

    async def commit(self) -> None:
        await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        await self.raw.execute("ROLLBACK")

    async def run(self, sql: str, params: Params, *, fetch: bool,
                  autocommit: bool = False) -> tuple[int, list[Row]]:
        """Run one statement (once per mapping when ``params`` is a list). Outside a
        transaction PostgreSQL commits it on its own, so ``autocommit`` changes nothing
        (asyncpg's executemany is atomic by itself)."""
        del autocommit
        connection = self.raw
        if isinstance(params, list):
            text, rows = positional_many(sql, params)
            await connection.executemany(text, rows)
            return -1, []
        if isinstance(params, dict) and params:
            sql, params = expand_lists(sql, params)
        text, args = bind_positional(sql, params)
        if fetch:
            records = await connection.fetch(text, *args)
            if not records:
                return 0, []
            make = row_factory(tuple(records[0].keys()))._make
            return len(records), [make(record.values()) for record in records]
        status = await connection.execute(text, *args)
        return _rowcount(status), []

    async def execute_script(self, sql: str) -> None:
        await self.raw.execute(sql)


def _rowcount(status: str) -> int:
    """The row count in a command tag (``UPDATE 3``, ``INSERT 0 1``), else -1."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1
