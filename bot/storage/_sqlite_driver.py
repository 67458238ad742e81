"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs sqlite3 on a thread of its own; every awaited call is a trip there and
back (a queue put, a thread wake-up, the GIL handed over twice, a wake-up of the event
loop). Its cursor API makes four trips per statement (open a cursor, execute, fetch,
close); a booking update runs a handful of statements, so those trips were most of
the thread hand-offs per update (measured with ``strace -c``), CPU that a bare echo
bot does not spend.

So a statement goes in one trip (:func:`_whole_statement`): the transaction's BEGIN if
it is due (a transaction that runs no statement costs nothing), the statement, every
row, the cursor closed, and for a statement outside any transaction its COMMIT too.
A rollback with no transaction open makes no trip. Like SQLAlchemy's own adapter, this
reaches into aiosqlite's ``_execute`` and ``_conn``; the dependency range in
``pyproject.toml`` keeps to the aiosqlite versions it was tested with.
"""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite

from ._sql import Params, Row, expand_lists, row_factory
from .engine import SQLITE_PRAGMAS
from .errors import StorageError

__all__ = ["SqliteConnection"]


class SqliteConnection:
    """The one connection of an SQLite database; :class:`~bot.storage.db.Database`
    lets one coroutine (or one transaction) use it at a time."""

    driver_errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._pending_begin: str | None = None

    @classmethod
    async def open(cls, path: Path) -> SqliteConnection:
        """Open ``path`` in autocommit mode (BEGIN and COMMIT are ours) with the
        durability pragmas. Its thread is a daemon: a process ending without closing
        the database does not hang on it."""
        connector = functools.partial(sqlite3.connect, str(path), check_same_thread=False,
                                      isolation_level=None)
        connection = aiosqlite.Connection(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # noqa: SLF001
        await connection
        try:
            await connection._execute(_configure, connection._conn)  # noqa: SLF001
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    @property
    def _raw(self) -> sqlite3.Connection:
        return self._connection._conn  # noqa: SLF001 - aiosqlite's sqlite3 connection

    async def begin(self, begin: str) -> None:
        """Open a transaction with ``begin`` in the trip of its first statement, not a
        trip of its own: a transaction that runs no statement costs nothing."""
        self._pending_begin = begin

    async def run(self, sql: str, params: Params, *, fetch: bool,
                  autocommit: bool = False) -> tuple[int, list[Row]]:
        """Run one statement (once per mapping when ``params`` is a list); with
        ``autocommit`` it is its own transaction, committed in the same trip."""
        many = isinstance(params, list)
        if isinstance(params, dict) and params:
            sql, params = expand_lists(sql, params)
        begin, self._pending_begin = self._pending_begin, None
        if autocommit:
            begin = "BEGIN" if many else None  # a lone statement commits by itself
        return await self._connection._execute(  # noqa: SLF001
            _whole_statement, self._raw, begin, sql, params, many, fetch,
            autocommit and many)

    async def execute_script(self, sql: str) -> None:
        """A statement with no parameters and no rows (a savepoint): in the
        transaction's first trip, if it comes first."""
        await self.run(sql, None, fetch=False)

    async def commit(self) -> None:
        if self._pending_begin is not None:  # nothing ran: nothing to commit
            self._pending_begin = None
            return
        if self._raw.in_transaction:
            await self._connection._execute(_commit, self._raw)  # noqa: SLF001

    async def rollback(self) -> None:
        self._pending_begin = None
        if self._raw.in_transaction:
            await self._connection._execute(_rollback, self._raw)  # noqa: SLF001

    async def close(self) -> None:
        await self._connection.close()


def _configure(raw: sqlite3.Connection) -> None:
    mode = raw.execute(SQLITE_PRAGMAS[0]).fetchone()
    if not mode or str(mode[0]).lower() != "wal":
        raise StorageError(f"could not enable WAL journal mode (got {mode!r})")
    for pragma in SQLITE_PRAGMAS[1:]:
        raw.execute(pragma)


def _commit(raw: sqlite3.Connection) -> None:
    raw.execute("COMMIT")


def _rollback(raw: sqlite3.Connection) -> None:
    raw.execute("ROLLBACK")


def _whole_statement(raw: sqlite3.Connection, begin: str | None, sql: str, params: Any,
                     many: bool, fetch: bool, commit: bool) -> tuple[int, list[Row]]:
    """Runs on aiosqlite's thread: BEGIN if due, the statement, its rows, the cursor
    closed, COMMIT if asked (ROLLBACK if the statement failed)."""
    cursor = raw.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(sql, params)
        elif params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
        rows: list[Row] = []
        if cursor.description:
            make = row_factory(tuple(column[0] for column in cursor.description))._make
            rows = [make(row) for row in cursor.fetchall()]
        if commit:
            cursor.execute("COMMIT")
        return (len(rows) if fetch else cursor.rowcount), rows
    except BaseException:
        if commit and raw.in_transaction:
            raw.rollback()
        raise
    finally:
        cursor.close()
