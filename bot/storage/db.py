"""One SQLite connection, shared by every coroutine of the bot.

Durability choices: WAL + ``synchronous=FULL`` makes each COMMIT fsync the log, so a
committed booking survives ``kill -9`` and power loss. ``BEGIN IMMEDIATE`` takes the write
lock up front, so a transaction never fails half-way with SQLITE_BUSY on lock upgrade
(another process, e.g. a maintenance script, waits up to ``busy_timeout`` instead).

Coroutines share one connection, and SQLite transactions belong to the connection, not to
the coroutine. Without care, a statement from coroutine B issued while A is between BEGIN
and COMMIT would silently join A's transaction (and vanish with A's rollback). So every
statement goes through an ``asyncio.Lock``; the transaction holder is recognised through a
context variable, which also lets tasks it spawns (``asyncio.gather``) take part.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import aiosqlite

from .errors import StorageError
from .migrations import MIGRATIONS, split_statements

__all__ = ["Database", "ExecResult", "Params"]

_LOG = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any]

#: Transactions (one marker object per open transaction) the current context takes part in.
_ACTIVE_TX: contextvars.ContextVar[tuple[object, ...]] = contextvars.ContextVar(
    "bot_storage_active_tx", default=()
)

_PRAGMAS = (
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
)


class ExecResult(NamedTuple):
    rowcount: int
    lastrowid: int | None


class Database:
    """Async wrapper over one aiosqlite connection in autocommit mode."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._tx_marker: object | None = None
        self._savepoint_depth = 0

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"<Database {str(self.path)!r} {state}>"

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], *, migrations: Sequence[str] = MIGRATIONS
    ) -> Database:
        """Open (creating if needed), configure and migrate the database at ``path``."""
        db_path = Path(path)
        try:
            await asyncio.to_thread(_create_private, db_path)
        except OSError as exc:
            raise StorageError(f"cannot create database {db_path}: {exc}") from exc
        try:
            conn = await aiosqlite.connect(db_path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {db_path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, db_path)
        try:
            await db._configure()
            await db._migrate(migrations)
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection; waits for a running transaction. Idempotent."""
        if self._owns_transaction():
            raise StorageError("cannot close the database from inside a transaction")
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- statements ------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        """Run one statement; outside a transaction it commits on its own (autocommit)."""
        async with self._exclusive():
            return await self._execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> ExecResult:
        async with self._exclusive():
            try:
                cursor = await self._connection.executemany(sql, rows)
            except sqlite3.Error as exc:
                raise StorageError(f"{exc} [{_short(sql)}]") from exc
            return ExecResult(cursor.rowcount, cursor.lastrowid)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._exclusive():
            return await self._fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """First row or None. Fetches every row, so give multi-row queries a LIMIT."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """First column of the first row, or None when there is no row."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def schema_version(self) -> int:
        return int(await self.fetchval("PRAGMA user_version"))

    # -- transactions ----------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """``BEGIN IMMEDIATE … COMMIT``; any exception (also cancellation) rolls back.

        Nested use inside a running transaction becomes a SAVEPOINT, so repository methods
        that open their own transaction can be composed into a larger one.

        Every other coroutine's database access waits while the body runs: keep it short
        and never await network I/O (a vendor call, a Telegram send) inside it.
        """
        if self._owns_transaction():
            async with self._savepoint():
                yield
            return
        async with self._lock:
            await self._begin()
            marker = object()
            self._tx_marker = marker
            ctx_token = _ACTIVE_TX.set((*_ACTIVE_TX.get(), marker))
            try:
                try:
                    yield
                except BaseException:
                    await self._rollback_quietly()
                    raise
                try:
                    await self._execute("COMMIT")
                except BaseException:
                    await self._rollback_quietly()
                    raise
            finally:
                _ACTIVE_TX.reset(ctx_token)
                self._tx_marker = None

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        self._savepoint_depth += 1
        name = f"sp_{self._savepoint_depth}"
        try:
            await self._execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                await self._execute(f"ROLLBACK TO {name}")
                await self._execute(f"RELEASE {name}")
                raise
            await self._execute(f"RELEASE {name}")
        finally:
            self._savepoint_depth -= 1

    async def _begin(self) -> None:
        try:
            await self._execute("BEGIN IMMEDIATE")
        except BaseException:
            # If we were cancelled while BEGIN was queued it still runs on the worker
            # thread; roll it back so the connection is not left inside a transaction.
            await self._rollback_quietly()
            raise

    async def _rollback_quietly(self) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            # Shielded: a second cancellation must not skip the rollback. aiosqlite runs
            # calls in submission order, so it still lands before any later statement.
            await asyncio.shield(conn.execute("ROLLBACK"))
        except sqlite3.OperationalError:
            pass  # nothing to roll back (BEGIN failed, or COMMIT went through)
        except sqlite3.Error:
            _LOG.exception("ROLLBACK failed")

    def _owns_transaction(self) -> bool:
        return self._tx_marker is not None and self._tx_marker in _ACTIVE_TX.get()

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        if self._owns_transaction():
            yield
        else:
            async with self._lock:
                yield

    # -- internals -------------------------------------------------------------------

    @property
    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is closed")
        return self._conn

    async def _execute(self, sql: str, params: Params = ()) -> ExecResult:
        try:
            cursor = await self._connection.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"{exc} [{_short(sql)}]") from exc
        return ExecResult(cursor.rowcount, cursor.lastrowid)

    async def _fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        try:
            rows = await self._connection.execute_fetchall(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"{exc} [{_short(sql)}]") from exc
        return list(rows)

    async def _configure(self) -> None:
        mode = await self.fetchval("PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            raise StorageError(f"could not enable WAL journal mode (got {mode!r})")
        for pragma in _PRAGMAS:
            await self.execute(pragma)

    async def _migrate(self, migrations: Sequence[str]) -> None:
        target = len(migrations)
        current = await self.schema_version()
        if current > target:
            raise StorageError(
                f"database schema v{current} is newer than this code (v{target}); "
                "refusing to run an old bot against it"
            )
        for version in range(current + 1, target + 1):
            async with self.transaction():
                # Re-read under the write lock: another process may have migrated meanwhile.
                if await self.schema_version() >= version:
                    continue
                for statement in split_statements(migrations[version - 1]):
                    await self.execute(statement)
                await self.execute(f"PRAGMA user_version = {version:d}")
            _LOG.info("database %s migrated to schema v%d", self.path, version)


def _create_private(path: Path) -> None:
    """Create a missing database file as 0600: it holds personal data, and SQLite gives
    the -wal and -shm files the same mode."""
    if not path.exists():
        path.touch(mode=0o600)


def _short(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= 120 else flat[:117] + "..."
