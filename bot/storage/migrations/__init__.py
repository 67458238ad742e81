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

Nearly every start finds the schema already at the newest revision, so that is checked
first without Alembic (whose import with its templating costs a noticeable part of a
cold start): the revisions the scripts declare are read from their text, and the one
the database is at from ``alembic_version``. Only when they differ is Alembic loaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from ..errors import StorageError

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["SCRIPTS", "current_revision", "upgrade"]

_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(None|['\"]([^'\"]+)['\"])\s*$", re.M)

#: The folder holding ``versions/``; tests point ``Database.open`` at another one.
SCRIPTS = Path(__file__).resolve().parent

#: Revision of each ``PRAGMA user_version`` the pre-Alembic code wrote.
_LEGACY = {1: "0001", 2: "0002"}


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _declared_head(versions: Path) -> str | None:
    """The one newest revision the scripts in ``versions`` declare, read from their text;
    None when any script is not of the plain form (one parent or none) or there is no
    single head: then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        if script.name.startswith("__"):
            continue
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0][1]:
            parents.add(down[0][1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(conn: Connection, scripts: Path) -> bool:
    head = _declared_head(scripts / "versions")
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
