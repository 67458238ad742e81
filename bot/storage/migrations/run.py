"""Migrating with Alembic: imported only when the schema is not at the newest revision.

Alembic works on an SQLAlchemy connection, so one is opened here for the migration
alone (aiosqlite or asyncpg through SQLAlchemy's async engine) and disposed of after;
the bot's own connections do not use SQLAlchemy. The migration runs in one transaction
holding the same writer lock as :meth:`~bot.storage.db.Database.transaction`, and the
revision is read again under it: two processes starting together migrate once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ..engine import WRITER_LOCK, DatabaseUrl
from ..errors import StorageError
from . import SCRIPTS, declared_head

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["current_revision", "migrate", "upgrade"]

#: Revision of each ``PRAGMA user_version`` the pre-Alembic code wrote.
_LEGACY = {1: "0001", 2: "0002"}


async def migrate(target: DatabaseUrl, scripts: Path = SCRIPTS) -> list[str]:
    """Bring ``target`` to the newest revision; returns the revisions applied."""
    engine = create_async_engine(target.sqlalchemy_url(), poolclass=NullPool)
    if target.kind == "sqlite":
        event.listen(engine.sync_engine, "connect", _autocommit_driver)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    try:
        async with engine.connect() as conn, conn.begin():
            if target.kind == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": WRITER_LOCK})
            return await conn.run_sync(upgrade, scripts)
    finally:
        await engine.dispose()


def _autocommit_driver(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _begin_immediate's


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _at_head(conn: Connection, scripts: Path) -> bool:
    head = declared_head(scripts / "versions")
    if head is None or not inspect(conn).has_table("alembic_version"):
        return False
    current = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return current == [head]


def upgrade(conn: Connection, scripts: Path = SCRIPTS) -> list[str]:
    """Bring the schema to the newest revision; returns the revisions applied.

    ``conn`` must be inside the transaction that holds the writer lock."""
    if _at_head(conn, scripts):
        return []
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(scripts))
    script = ScriptDirectory.from_config(config)
    _adopt_legacy(conn, script)
    current = current_revision(conn)
    try:
        pending = [rev.revision for rev in script.iterate_revisions("heads", current or "base")]
    except (CommandError, RevisionError) as exc:
        raise StorageError(
            f"database schema {current} is newer than this code or unknown to it ({exc});"
            " refusing to run an old bot against it"
        ) from exc

    def steps(rev: object, context: object) -> list[object]:
        return script._upgrade_revs("heads", current)  # noqa: SLF001 - as alembic's upgrade

    with EnvironmentContext(config, script, fn=steps, destination_rev="heads") as env:
        env.configure(connection=conn)
        env.run_migrations()
    return list(reversed(pending))


def _adopt_legacy(conn: Connection, script: ScriptDirectory) -> None:
    from alembic.runtime.migration import MigrationContext

    if conn.dialect.name != "sqlite" or inspect(conn).has_table("alembic_version"):
        return
    version = int(conn.execute(text("PRAGMA user_version")).scalar_one())
    if version == 0:
        return
    if version not in _LEGACY:
        raise StorageError(f"database schema v{version} is newer than this code")
    MigrationContext.configure(conn).stamp(script, _LEGACY[version])
