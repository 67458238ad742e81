"""Schema migrations with Alembic, applied at :meth:`Database.open` on either engine.

Each script in ``versions/`` is written once with Alembic operations, which render the
right DDL for SQLite and for PostgreSQL. Never edit a released script: add a new one,
because databases in the field only run what they have not seen.

Everything pending runs in one transaction that first takes the engine's writer lock
(``BEGIN IMMEDIATE`` on SQLite, a transaction advisory lock on PostgreSQL), and the
current revision is read under that lock: two processes starting together (a leader and
its standby) cannot both apply a migration, and a failing migration leaves the database
as it was, still usable by the code that ran against it before.

Databases from before Alembic carry their version in ``PRAGMA user_version``; they are
stamped with the matching revision on first open, and carry on from there.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

from ..errors import StorageError

__all__ = ["SCRIPTS", "current_revision", "upgrade"]

#: The folder holding ``versions/``; tests point ``Database.open`` at another one.
SCRIPTS = Path(__file__).resolve().parent

#: Revision of each ``PRAGMA user_version`` the pre-Alembic code wrote.
_LEGACY = {1: "0001", 2: "0002"}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, scripts: Path = SCRIPTS) -> list[str]:
    """Bring the schema to the newest revision; returns the revisions applied.

    ``conn`` must be inside the transaction that holds the writer lock."""
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
    if conn.dialect.name != "sqlite" or inspect(conn).has_table("alembic_version"):
        return
    version = int(conn.execute(text("PRAGMA user_version")).scalar_one())
    if version == 0:
        return
    if version not in _LEGACY:
        raise StorageError(f"database schema v{version} is newer than this code")
    MigrationContext.configure(conn).stamp(script, _LEGACY[version])
