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
first by :class:`~bot.storage.db.Database` itself, without SQLAlchemy or Alembic (whose
imports are a good part of a cold start): the revisions the scripts declare are read
from their text here, and the one the database is at from ``alembic_version``. Only when
they differ is :mod:`.run` imported, which migrates through Alembic.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["HAS_VERSION_TABLE", "SCRIPTS", "declared_head"]

_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(None|['\"]([^'\"]+)['\"])\s*$", re.M)

#: The folder holding ``versions/``; tests point ``Database.open`` at another one.
SCRIPTS = Path(__file__).resolve().parent

#: Per engine, a query whose one value is true when ``alembic_version`` exists.
HAS_VERSION_TABLE = {
    "sqlite": "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
              " AND name = 'alembic_version'",
    "postgresql": "SELECT to_regclass('alembic_version') IS NOT NULL",
}


def declared_head(versions: Path) -> str | None:
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
