"""The bot's database, SQLite or PostgreSQL, behind one small async API.

Repositories write plain SQL with ``:name`` parameters, one text for both engines
(``_sql`` adapts it per driver), and run it here; nothing above this module knows
which engine it talks to. Two rules hold on both engines:

* A statement outside :meth:`Database.transaction` commits on its own, and is durable
  when it returns (per-update durability: an update marked processed stays marked).
* :meth:`Database.transaction` is a *writer* transaction: one at a time per database,
  across every process using it. SQLite gets this from ``BEGIN IMMEDIATE``; PostgreSQL
  from a transaction-scoped advisory lock taken right after BEGIN. Repositories can
  therefore read, decide and write inside one without races, on either engine.

SQLite has one connection, shared by every coroutine, and its transactions belong to the
connection, not to the coroutine: a statement from coroutine B issued while A is between
BEGIN and COMMIT would silently join A's transaction (and vanish with A's rollback). So
SQLite access goes through an ``asyncio.Lock``, and the transaction holder is recognised
through a context variable, which also lets tasks it spawns (``asyncio.gather``) take
part. PostgreSQL gives each transaction its own pooled connection; statements outside
one run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, Union

from . import migrations
from ._sql import Params, Row
from ._sqlite_driver import SqliteConnection
from .engine import WRITER_LOCK, DatabaseUrl, create_private, parse_database_url
from .errors import StorageError

if TYPE_CHECKING:  # imported when a PostgreSQL database is opened
    from ._postgres import PostgresConnection, PostgresPool

__all__ = ["Database", "ExecResult", "Params", "Row"]

T = TypeVar("T")
_Connection = Union[SqliteConnection, "PostgresConnection"]
_LOG = logging.getLogger(__name__)

class ExecResult(NamedTuple):
    rowcount: int


class _Tx:
    """One open writer transaction: its connection, its savepoints so far, and a lock
    so tasks it spawned send their statements one at a time (a connection runs one
    statement at a time)."""

    __slots__ = ("conn", "db", "lock", "open", "savepoints")

    def __init__(self, db: Database, conn: _Connection) -> None:
        self.db, self.conn = db, conn
        self.lock = asyncio.Lock()
        self.open = True
        self.savepoints = 0


#: Transactions the current context takes part in.
_ACTIVE_TX: contextvars.ContextVar[tuple[_Tx, ...]] = contextvars.ContextVar(
    "bot_storage_active_tx", default=()
)


class Database:
    """A connection (SQLite) or pool (PostgreSQL) plus the transaction rules above;
    one per process and database."""

    def __init__(self, target: DatabaseUrl, sqlite: SqliteConnection | None = None,
                 pool: PostgresPool | None = None) -> None:
        self.target = target
        self.kind = target.kind
        self.path: Path | None = target.path
        self._sqlite, self._pool = sqlite, pool
        self._sqlite_lock = asyncio.Lock() if sqlite is not None else None
        source = sqlite if sqlite is not None else pool
        self._errors: tuple[type[BaseException], ...] = (*source.driver_errors, OSError)  # type: ignore[union-attr]
        self._closed = False

    def __repr__(self) -> str:
        return f"<Database {str(self.target)!r} {'closed' if self._closed else 'open'}>"

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    async def open(
        cls, url: str | os.PathLike[str], *, migrations: Path = migrations.SCRIPTS
    ) -> Database:
        """Connect to ``url`` (a ``DATABASE_URL``: a path, ``sqlite:///…`` or
        ``postgresql://…``), creating an SQLite file if needed, and migrate it."""
        target = parse_database_url(url)
        db = await cls._connect_to(target)
        try:
            if not await db._at_head(migrations):
                for revision in await _wrapped(_migrate(target, migrations), "migration"):
                    _LOG.info("database %s migrated to schema %s", target, revision)
        except BaseException:
            await db.close()
            raise
        return db

    @classmethod
    async def _connect_to(cls, target: DatabaseUrl) -> Database:
        if target.path is not None:
            create_private(target.path)
            return cls(target, sqlite=await _wrapped(SqliteConnection.open(target.path),
                                                     "connect"))
        from ._postgres import PostgresPool

        return cls(target, pool=await _wrapped(PostgresPool.open(target.dsn), "connect"))

    async def close(self) -> None:
        """Close every connection; waits for a running SQLite transaction. Idempotent."""
        if self._current() is not None:
            raise StorageError("cannot close the database from inside a transaction")
        async with self._exclusive():
            if not self._closed:
                self._closed = True
                if self._sqlite is not None:
                    await self._sqlite.close()
                if self._pool is not None:
                    await self._pool.close()

    @property
    def closed(self) -> bool:
        return self._closed

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

    async def execute(self, statement: str, params: Params = None) -> ExecResult:
        """Run one statement (or one per row when ``params`` is a list); outside a
        transaction it commits on its own."""
        rowcount, _ = await self._run(statement, params, fetch=False)
        return ExecResult(rowcount)

    async def fetchall(self, statement: str, params: Params = None) -> list[Row]:
        """Rows support ``row[0]``, ``row.name`` and ``row._mapping``."""
        _, rows = await self._run(statement, params, fetch=True)
        return rows

    async def fetchone(self, statement: str, params: Params = None) -> Row | None:
        """First row or None. Fetches every row, so give multi-row queries a LIMIT."""
        rows = await self.fetchall(statement, params)
        return rows[0] if rows else None

    async def fetchval(self, statement: str, params: Params = None) -> Any:
        """First column of the first row, or None when there is no row."""
        row = await self.fetchone(statement, params)
        return None if row is None else row[0]

    async def schema_version(self) -> str | None:
        """The Alembic revision the schema is at (None before the first migration)."""
        if not await self.fetchval(migrations.HAS_VERSION_TABLE[self.kind]):
            return None
        return await self.fetchval("SELECT version_num FROM alembic_version")

    async def _at_head(self, scripts: Path) -> bool:
        head = migrations.declared_head(scripts / "versions")
        return head is not None and await self.schema_version() == head

    # -- transactions ----------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A writer transaction; any exception (also cancellation) rolls back.

        Nested use inside a running transaction becomes a SAVEPOINT, so repository methods
        that open their own transaction can be composed into a larger one.

        Other writer transactions (and, on SQLite, every other statement) wait while the
        body runs: keep it short and never await network I/O (a vendor call, a Telegram
        send) inside it.
        """
        outer = self._current()
        if outer is not None:
            async with self._savepoint(outer):
                yield
            return
        async with self._exclusive(), self._connection() as conn:
            tx = _Tx(self, conn)
            ctx_token = _ACTIVE_TX.set((*_ACTIVE_TX.get(), tx))
            committed = False
            try:
                # SQLite's BEGIN IMMEDIATE goes with the first statement, in its trip.
                begin = "BEGIN IMMEDIATE" if self._sqlite is not None else "BEGIN"
                await self._call(conn.begin(begin), "BEGIN")
                if self._pool is not None:
                    await self._exec(conn, "SELECT pg_advisory_xact_lock(:key)",
                                     {"key": WRITER_LOCK}, fetch=True)
                yield
                await self._call(conn.commit(), "COMMIT")
                committed = True
            finally:
                tx.open = False
                _ACTIVE_TX.reset(ctx_token)
                if not committed:
                    # Shielded: a second cancellation must not skip the rollback.
                    with contextlib.suppress(StorageError):
                        await asyncio.shield(self._call(conn.rollback(), "ROLLBACK"))

    @asynccontextmanager
    async def _savepoint(self, tx: _Tx) -> AsyncIterator[None]:
        tx.savepoints += 1
        name = f"sp_{tx.savepoints}"

        async def step(sql: str) -> None:
            async with tx.lock:
                await self._call(tx.conn.execute_script(f"{sql} {name}"), sql)

        await step("SAVEPOINT")
        try:
            yield
        except BaseException:
            await step("ROLLBACK TO SAVEPOINT")
            await step("RELEASE SAVEPOINT")
            raise
        await step("RELEASE SAVEPOINT")

    def _current(self) -> _Tx | None:
        for tx in reversed(_ACTIVE_TX.get()):
            if tx.db is self and tx.open:
                return tx
        return None

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """SQLite's one connection, for as long as the caller needs it."""
        if self._sqlite_lock is None:
            yield
        else:
            async with self._sqlite_lock:
                yield

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Connection]:
        if self._closed:
            raise StorageError("database is closed")
        if self._sqlite is not None:
            yield self._sqlite
            return
        assert self._pool is not None
        try:
            conn = await self._pool.acquire()
        except (*self._errors, TimeoutError) as exc:
            raise StorageError(f"connect failed: {exc}") from exc
        try:
            yield conn
        finally:
            await asyncio.shield(self._pool.release(conn))

    # -- internals -------------------------------------------------------------------

    async def _run(self, statement: str, params: Params, *, fetch: bool
                   ) -> tuple[int, list[Row]]:
        tx = self._current()
        if tx is not None:
            async with tx.lock:
                return await self._exec(tx.conn, statement, params, fetch=fetch)
        async with self._exclusive(), self._connection() as conn:
            return await self._exec(conn, statement, params, fetch=fetch, autocommit=True)

    async def _exec(self, conn: _Connection, statement: str, params: Params, *,
                    fetch: bool, autocommit: bool = False) -> tuple[int, list[Row]]:
        try:
            return await _settled(conn.run(statement, params, fetch=fetch,
                                           autocommit=autocommit))
        except self._errors as exc:
            raise StorageError(f"{exc} [{_short(statement)}]") from exc

    async def _call(self, awaitable: Awaitable[None], what: str) -> None:
        """BEGIN, COMMIT, ROLLBACK or a savepoint on the transaction's connection."""
        try:
            await _settled(awaitable)
        except self._errors as exc:
            raise StorageError(f"{what} failed: {exc}") from exc


async def _migrate(target: DatabaseUrl, scripts: Path) -> list[str]:
    from .migrations.run import migrate  # SQLAlchemy and Alembic: only now

    return await migrate(target, scripts)


async def _settled(awaitable: Awaitable[T]) -> T:
    """Await a call on a connection; a cancellation meanwhile takes effect once the call
    has finished. Interrupted midway, the statement would still run in the driver
    (aiosqlite's thread, or on the server) with the connection handed on: on SQLite that
    could keep the write lock, and the next user found the database locked (seen when a
    background task was stopped mid-statement at shutdown)."""
    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):  # a second cancellation stops the waiting
            await asyncio.shield(task)
        raise


async def _wrapped(awaitable: Awaitable[T], what: str) -> T:
    try:
        return await awaitable
    except StorageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a driver's, or the server cannot be reached
        raise StorageError(f"{what} failed: {exc}") from exc


def _short(statement: str) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= 120 else flat[:117] + "..."
