"""Which database ``DATABASE_URL`` names, and an SQLAlchemy engine set up for it.

SQLite (the default: a file path or ``sqlite:///path``) needs nothing installed and
suits one machine. PostgreSQL (``postgresql://…``) lets a standby on another machine
take over. Both go through SQLAlchemy's async engine (aiosqlite, asyncpg), so the
repositories are written once.

SQLite is set up for durability: WAL with ``synchronous=FULL`` makes each COMMIT fsync
the log, so a committed booking survives ``kill -9`` and power loss; pysqlite's own
transaction handling is switched off and every transaction starts with
``BEGIN IMMEDIATE`` when it will write, taking the write lock up front so it never fails
half-way with SQLITE_BUSY on lock upgrade (other processes wait ``busy_timeout``).
PostgreSQL commits durably by default (``synchronous_commit = on``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from . import _sqlite_driver
from ._async_engine import AsyncEngine, create_async_engine
from .errors import StorageError

__all__ = ["BEGIN_KEY", "DatabaseUrl", "create_engine", "parse_database_url"]

#: Key in a SQLite connection's ``info``: the BEGIN statement its next transaction uses.
BEGIN_KEY = "bot_storage_begin"

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    # A deleted row's bytes are zeroed in the pages that are written anyway, so what
    # /forget removes does not linger in the file's free space (no extra writes).
    "PRAGMA secure_delete = FAST",
)


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed ``DATABASE_URL``: the engine, and what to connect to."""

    kind: Literal["sqlite", "postgresql"]
    url: URL
    path: Path | None = None  # the file, for SQLite

    def __str__(self) -> str:
        """Printable: the password is masked."""
        return str(self.path) if self.path is not None else self.url.render_as_string()


def parse_database_url(value: str | os.PathLike[str]) -> DatabaseUrl:
    """A file path or ``sqlite:///path`` means SQLite; ``postgresql://`` PostgreSQL."""
    text = os.fspath(value)
    if "://" not in text:
        return _sqlite(Path(text))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StorageError(f"malformed DATABASE_URL: {exc}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StorageError("DATABASE_URL for SQLite needs a file: sqlite:///path/bot.sqlite3")
        return _sqlite(Path(url.database))
    if backend in ("postgresql", "postgres"):
        return DatabaseUrl("postgresql", url.set(drivername="postgresql+asyncpg"))
    raise StorageError(f"DATABASE_URL names an unsupported database {backend!r}")


def _sqlite(path: Path) -> DatabaseUrl:
    path = path.expanduser()
    return DatabaseUrl("sqlite", URL.create("sqlite+aiosqlite", database=str(path)), path)


def create_engine(target: DatabaseUrl) -> AsyncEngine:
    if target.kind == "postgresql":
        # pre_ping: a connection cut by a PostgreSQL restart or failover is replaced
        # instead of failing the next update.
        return create_async_engine(target.url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    if target.path is not None:
        _create_private(target.path)
    # One connection: SQLite has one writer anyway, and Database serialises access.
    # One trip to aiosqlite's thread per statement instead of four (_sqlite_driver).
    path = str(target.url.database)
    engine = create_async_engine(target.url, pool_size=1, max_overflow=0,
                                 async_creator=functools.partial(_sqlite_driver.connect, path))
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # No implicit BEGIN from the driver: _begin_sqlite emits our own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_PRAGMAS[0])
        mode = cursor.fetchone()
        if not mode or str(mode[0]).lower() != "wal":
            raise StorageError(f"could not enable WAL journal mode (got {mode!r})")
        for pragma in _PRAGMAS[1:]:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite(conn: Any) -> None:
    begin = conn.info.get(BEGIN_KEY, "BEGIN")
    driver = conn.connection.driver_connection
    if isinstance(driver, _sqlite_driver.OneTripConnection):
        driver.begin_on_next(begin)  # sent with the first statement, in its trip
    else:
        conn.exec_driver_sql(begin)


def _create_private(path: Path) -> None:
    """Create a missing database file as 0600 (and its folder): it holds personal data,
    and SQLite gives the -wal and -shm files the same mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
    except OSError as exc:
        raise StorageError(f"cannot create database {path}: {exc}") from exc
