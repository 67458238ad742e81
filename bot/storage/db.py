"""The bot's database, SQLite or PostgreSQL, behind one small async API.

Repositories build statements with SQLAlchemy Core and run them here; nothing above
this module knows which engine it talks to. Two rules hold on both engines:

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
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from sqlalchemy import Executable, Row, TableClause, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from ._async_engine import AsyncConnection, AsyncEngine
from .engine import BEGIN_KEY, DatabaseUrl, create_engine, parse_database_url
from .errors import StorageError

T = TypeVar("T")
from .migrations import SCRIPTS, current_revision, upgrade

if TYPE_CHECKING:  # the dialect in use is imported when the database is opened
    from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["Database", "ExecResult", "Params", "Statement"]

_LOG = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Statement = Executable | str

#: Any fixed 64-bit number: the PostgreSQL advisory lock every writer transaction takes.
_WRITER_LOCK = 0x626F745F77726974  # "bot_writ"


class ExecResult(NamedTuple):
    rowcount: int


class _Tx:
    """One open writer transaction: its connection, and a lock so tasks it spawned send
    their statements one at a time (a connection runs one statement at a time)."""

    __slots__ = ("conn", "db", "lock", "open")

    def __init__(self, db: Database, conn: AsyncConnection) -> None:
        self.db, self.conn = db, conn
        self.lock = asyncio.Lock()
        self.open = True


#: Transactions the current context takes part in.
_ACTIVE_TX: contextvars.ContextVar[tuple[_Tx, ...]] = contextvars.ContextVar(
    "bot_storage_active_tx", default=()
)


class Database:
    """An engine plus the transaction rules above; one per process and database."""

    def __init__(self, engine: AsyncEngine, target: DatabaseUrl) -> None:
        self._engine = engine
        self.target = target
        self.kind = target.kind
        self.path: Path | None = target.path
        self._sqlite_lock = asyncio.Lock() if target.kind == "sqlite" else None
        if target.kind == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self._insert = insert
        self._closed = False

    def __repr__(self) -> str:
        return f"<Database {str(self.target)!r} {'closed' if self._closed else 'open'}>"

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    async def open(
        cls, url: str | os.PathLike[str], *, migrations: Path = SCRIPTS
    ) -> Database:
        """Connect to ``url`` (a ``DATABASE_URL``: a path, ``sqlite:///…`` or
        ``postgresql://…``), creating an SQLite file if needed, and migrate it."""
        target = parse_database_url(url)
        db = cls(create_engine(target), target)
        try:
            async with db.transaction():
                migrating = db._current_tx_conn().run_sync(upgrade, migrations)
                applied = await _wrapped(migrating, "migration")
            for revision in applied:
                _LOG.info("database %s migrated to schema %s", target, revision)
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        """Close every connection; waits for a running SQLite transaction. Idempotent."""
        if self._current() is not None:
            raise StorageError("cannot close the database from inside a transaction")
        async with self._exclusive():
            if not self._closed:
                self._closed = True
                await self._engine.dispose()

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

    def insert(self, table: TableClause) -> postgresql.Insert | sqlite.Insert:
        """An INSERT with ``on_conflict_do_nothing/do_update`` (same API on both)."""
        return self._insert(table)

    async def execute(self, statement: Statement, params: Params = None) -> ExecResult:
        """Run one statement (or one per row when ``params`` is a list); outside a
        transaction it commits on its own."""
        rowcount, _ = await self._run(statement, params, fetch=False)
        return ExecResult(rowcount)

    async def fetchall(self, statement: Statement, params: Params = None) -> list[Row[Any]]:
        """Rows support ``row[0]``, ``row.name`` and ``row._mapping``."""
        _, rows = await self._run(statement, params, fetch=True)
        return rows

    async def fetchone(self, statement: Statement, params: Params = None) -> Row[Any] | None:
        """First row or None. Fetches every row, so give multi-row queries a LIMIT."""
        rows = await self.fetchall(statement, params)
        return rows[0] if rows else None

    async def fetchval(self, statement: Statement, params: Params = None) -> Any:
        """First column of the first row, or None when there is no row."""
        row = await self.fetchone(statement, params)
        return None if row is None else row[0]

    async def schema_version(self) -> str | None:
        """The Alembic revision the schema is at."""
        async with self.transaction():
            return await self._current_tx_conn().run_sync(current_revision)

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
        async with self._exclusive(), self._connect("BEGIN IMMEDIATE") as conn:
            trans = await _settled(conn.begin())
            tx = _Tx(self, conn)
            ctx_token = _ACTIVE_TX.set((*_ACTIVE_TX.get(), tx))
            try:
                if self.kind == "postgresql":
                    await self._exec(conn, "SELECT pg_advisory_xact_lock(:key)",
                                     {"key": _WRITER_LOCK}, fetch=True)  # fmt: skip
                yield
                await _wrapped(_settled(trans.commit()), "COMMIT")
            finally:
                tx.open = False
                _ACTIVE_TX.reset(ctx_token)
                if trans.is_active:
                    # Shielded: a second cancellation must not skip the rollback.
                    with contextlib.suppress(SQLAlchemyError):
                        await asyncio.shield(trans.rollback())

    @asynccontextmanager
    async def _savepoint(self, tx: _Tx) -> AsyncIterator[None]:
        async with tx.lock:
            savepoint = await _wrapped(tx.conn.begin_nested(), "SAVEPOINT")
        try:
            yield
        except BaseException:
            async with tx.lock:
                await _wrapped(savepoint.rollback(), "ROLLBACK TO SAVEPOINT")
            raise
        async with tx.lock:
            await _wrapped(savepoint.commit(), "RELEASE SAVEPOINT")

    def _current(self) -> _Tx | None:
        for tx in reversed(_ACTIVE_TX.get()):
            if tx.db is self and tx.open:
                return tx
        return None

    def _current_tx_conn(self) -> AsyncConnection:
        tx = self._current()
        assert tx is not None, "only called inside transaction()"
        return tx.conn

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """SQLite's one connection, for as long as the caller needs it."""
        if self._sqlite_lock is None:
            yield
        else:
            async with self._sqlite_lock:
                yield

    @asynccontextmanager
    async def _connect(self, begin: str) -> AsyncIterator[AsyncConnection]:
        if self._closed:
            raise StorageError("database is closed")
        conn = await _wrapped(self._engine.connect(), "connect")
        try:
            if self.kind == "sqlite":
                conn.info[BEGIN_KEY] = begin
            yield conn
        finally:
            # Returned to the pool, which rolls back whatever is left open.
            await asyncio.shield(conn.close())

    # -- internals -------------------------------------------------------------------

    async def _run(
        self, statement: Statement, params: Params, *, fetch: bool
    ) -> tuple[int, list[Row[Any]]]:
        tx = self._current()
        if tx is not None:
            async with tx.lock:
                return await self._exec(tx.conn, statement, params, fetch=fetch)
        async with self._exclusive(), self._connect("BEGIN") as conn:
            trans = await _settled(conn.begin())
            try:
                done = await self._exec(conn, statement, params, fetch=fetch)
                await _settled(trans.commit())
                return done
            finally:
                if trans.is_active:
                    with contextlib.suppress(SQLAlchemyError):
                        await asyncio.shield(trans.rollback())

    async def _exec(
        self, conn: AsyncConnection, statement: Statement, params: Params, *, fetch: bool
    ) -> tuple[int, list[Row[Any]]]:
        stmt = text(statement) if isinstance(statement, str) else statement
        if isinstance(statement, str) and isinstance(params, Mapping):
            # ``IN :ids`` with a list or tuple: one parameter per element.
            lists = [name for name, value in params.items() if isinstance(value, (list, tuple))]
            if lists:
                stmt = stmt.bindparams(*(bindparam(name, expanding=True) for name in lists))

        async def run() -> tuple[int, list[Row[Any]]]:
            result = await conn.execute(stmt, params)  # type: ignore[arg-type]
            rows = list(result.all()) if fetch else []
            return (result.rowcount if not fetch else len(rows)), rows

        try:
            return await _settled(run())
        except SQLAlchemyError as exc:
            raise StorageError(f"{getattr(exc, 'orig', None) or exc} [{_short(stmt)}]") from exc


async def _settled(awaitable: Awaitable[T]) -> T:
    """Await a call on a connection; a cancellation meanwhile takes effect once the call
    has finished. Interrupted midway, SQLAlchemy invalidates the connection while its
    statement still runs in the driver (aiosqlite's thread): on SQLite that abandoned
    connection could keep the write lock and the next one found the database locked
    (seen when a background task was stopped mid-statement at shutdown)."""
    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):  # a second cancellation stops the waiting
            await asyncio.shield(task)
        raise


async def _wrapped(awaitable: Any, what: str) -> Any:
    try:
        return await awaitable
    except (SQLAlchemyError, OSError) as exc:  # OSError: the server cannot be reached
        raise StorageError(f"{what} failed: {getattr(exc, 'orig', None) or exc}") from exc


def _short(statement: Executable) -> str:
    flat = " ".join(str(statement).split())
    return flat if len(flat) <= 120 else flat[:117] + "..."
