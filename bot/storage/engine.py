"""Which database ``DATABASE_URL`` names, and how to connect to it.

SQLite (the default: a file path or ``sqlite:///path``) needs nothing installed and
suits one machine. PostgreSQL (``postgresql://…``) lets a standby on another machine
take over. The repositories write one SQL text for both (see ``_sql``); the drivers
are aiosqlite and asyncpg, used directly: going through SQLAlchemy cost a fifth of a
cold start in imports alone, for statement building the repositories no longer need.
SQLAlchemy (with Alembic) is loaded only when a migration has to run.

SQLite is set up for durability: WAL with ``synchronous=FULL`` makes each COMMIT fsync
the log, so a committed booking survives ``kill -9`` and power loss; pysqlite's own
transaction handling is switched off and every transaction starts with
``BEGIN IMMEDIATE`` when it will write, taking the write lock up front so it never fails
half-way with SQLITE_BUSY on lock upgrade (other processes wait ``busy_timeout``).
PostgreSQL commits durably by default (``synchronous_commit = on``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from .errors import StorageError

__all__ = ["SQLITE_PRAGMAS", "WRITER_LOCK", "DatabaseUrl", "parse_database_url"]

#: Any fixed 64-bit number: the PostgreSQL advisory lock every writer transaction (and
#: every migration) takes.
WRITER_LOCK = 0x626F745F77726974  # "bot_writ"

SQLITE_PRAGMAS = (
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
    #: For PostgreSQL, a ``postgresql://`` DSN as asyncpg takes it (password included).
    dsn: str = ""
    path: Path | None = None  # the file, for SQLite

    def __str__(self) -> str:
        """Printable: the password is masked."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.dsn)
        if parts.password is None:
            return self.dsn
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))

    def sqlalchemy_url(self) -> str:
        """The same database as SQLAlchemy names it (for Alembic's migrations)."""
        if self.path is not None:
            return f"sqlite+aiosqlite:///{self.path}"
        return "postgresql+asyncpg" + self.dsn[len("postgresql"):]


def parse_database_url(value: str | os.PathLike[str]) -> DatabaseUrl:
    """A file path or ``sqlite:///path`` means SQLite; ``postgresql://`` PostgreSQL
    (``postgres://`` and a ``+driver`` suffix, as SQLAlchemy writes them, are accepted)."""
    text = os.fspath(value)
    if "://" not in text:
        return _sqlite(Path(text))
    scheme, _, rest = text.partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if backend == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy reads them.
        database = unquote(rest[1:].split("?", 1)[0]) if rest.startswith("/") else ""
        if not database or database == ":memory:":
            raise StorageError("DATABASE_URL for SQLite needs a file: sqlite:///path/bot.sqlite3")
        return _sqlite(Path(database))
    if backend in ("postgresql", "postgres"):
        try:
            parts = urlsplit("postgresql://" + rest)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise StorageError(f"malformed DATABASE_URL: {exc}") from None
        return DatabaseUrl("postgresql", dsn=urlunsplit(parts))
    raise StorageError(f"DATABASE_URL names an unsupported database {backend!r}")


def _sqlite(path: Path) -> DatabaseUrl:
    return DatabaseUrl("sqlite", path=path.expanduser())


def create_private(path: Path) -> None:
    """Create a missing database file as 0600 (and its folder): it holds personal data,
    and SQLite gives the -wal and -shm files the same mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
    except OSError as exc:
        raise StorageError(f"cannot create database {path}: {exc}") from exc
