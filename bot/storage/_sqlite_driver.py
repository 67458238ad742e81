"""aiosqlite with one trip to its thread per statement, instead of four.

aiosqlite runs sqlite3 on a thread of its own; every awaited call is a trip there and
back (a queue put, a thread wake-up, the GIL handed over twice, a wake-up of the event
loop). SQLAlchemy's aiosqlite adapter makes four trips per statement: open a cursor,
execute, fetch the rows, close. A booking update runs a handful of statements, so those
trips were most of the thread hand-offs per update (measured with ``strace -c``: ~74
futex calls per update), CPU that a bare echo bot does not spend.

:class:`OneTripConnection` is an ``aiosqlite.Connection`` whose cursors execute, fetch
every row and close the sqlite3 cursor in one trip; ``fetch*`` and ``close`` then cost
nothing; a transaction's BEGIN travels with its first statement (see
``engine._begin_sqlite``), and a rollback with no transaction open (the pool's after
each commit) makes no trip. Everything else (the thread, commit, close) is aiosqlite's own. The
engine gets it through SQLAlchemy's documented ``async_creator``. Like SQLAlchemy's own
adapter, this reaches into aiosqlite's ``_execute`` and ``_conn``; the dependency range
in ``pyproject.toml`` keeps to the aiosqlite versions it was tested with.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

__all__ = ["OneTripConnection", "connect"]


class OneTripCursor:
    """The cursor SQLAlchemy's adapter drives: the rows arrive with ``execute``."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._rows = []

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        await self._run(sql, parameters, many=False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        await self._run(sql, parameters, many=True)
        return self

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        begin, connection.pending_begin = connection.pending_begin, None
        raw = connection._conn  # noqa: SLF001 - aiosqlite's sqlite3 connection
        outcome = await connection._execute(  # noqa: SLF001
            _whole_statement, raw, begin, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []


def _whole_statement(raw: sqlite3.Connection, begin: str | None, sql: str, parameters: Any,
                     many: bool) -> tuple[Any, ...]:
    """Runs on aiosqlite's thread: the transaction's BEGIN if due, the statement, its
    rows, the cursor closed."""
    cursor = raw.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection, with :class:`OneTripCursor` cursors."""

    #: The BEGIN statement the next statement's trip runs first (:meth:`begin_on_next`).
    pending_begin: str | None = None

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    def begin_on_next(self, begin: str) -> None:
        """Open the transaction with ``begin`` in the trip of its first statement, not a
        trip of its own; a transaction that runs no statement then costs no trip."""
        self.pending_begin = begin

    async def commit(self) -> None:
        if self.pending_begin is not None:  # nothing ran: nothing to commit
            self.pending_begin = None
            return
        await super().commit()

    async def rollback(self) -> None:
        """No trip when no transaction is open: the pool rolls back every connection
        handed back to it, after every commit too, and there is nothing to undo then."""
        self.pending_begin = None
        if self._conn.in_transaction:  # noqa: SLF001 - sqlite3's own flag, safe to read
            await super().rollback()


async def connect(path: str) -> OneTripConnection:
    """The engine's ``async_creator``: a connection open on ``path``. Its thread is a
    daemon, as SQLAlchemy makes aiosqlite's: a process ending without closing the
    database does not hang on it."""
    connector = functools.partial(sqlite3.connect, path, check_same_thread=False)
    connection = OneTripConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # noqa: SLF001
    return await connection
