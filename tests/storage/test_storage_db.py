from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage import Database, StorageError
from bot.storage.migrations import MIGRATIONS, split_statements


async def test_open_sets_durability_pragmas(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        assert (await db.fetchval("PRAGMA journal_mode")).lower() == "wal"
        assert await db.fetchval("PRAGMA synchronous") == 2  # FULL
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
    assert db.closed


async def test_migrations_are_applied_once_and_reopen_is_a_no_op(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        assert await db.schema_version() == len(MIGRATIONS)
        await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (1, 'x', 't')")
    # Re-running v1 would fail on CREATE TABLE, and would drop nothing: the row must survive.
    async with await Database.open(db_path) as db:
        assert await db.schema_version() == len(MIGRATIONS)
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1


async def test_each_migration_runs_in_its_own_transaction(db_path: Path) -> None:
    broken = "CREATE TABLE extra (a INTEGER); INSERT INTO no_such_table VALUES (1);"
    with pytest.raises(StorageError, match="no_such_table"):
        await Database.open(db_path, migrations=(MIGRATIONS[0], broken))
    async with await Database.open(db_path, migrations=MIGRATIONS[:1]) as db:
        assert await db.schema_version() == 1  # v1 committed, v2 rolled back entirely
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'extra'") is None
    fixed = "CREATE TABLE extra (a INTEGER);"
    async with await Database.open(db_path, migrations=(MIGRATIONS[0], fixed)) as db:
        assert await db.schema_version() == 2
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'extra'")


async def test_refuses_database_newer_than_code(db_path: Path) -> None:
    async with await Database.open(db_path, migrations=(*MIGRATIONS, "SELECT 1;")):
        pass
    with pytest.raises(StorageError, match="newer"):
        await Database.open(db_path)


def test_split_statements_respects_literals_and_triggers() -> None:
    script = """
        CREATE TABLE t (a TEXT); -- a comment; with a semicolon
        INSERT INTO t VALUES ('x;y');
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = a || ';'; END;
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[1].endswith("VALUES ('x;y');")
    assert statements[2].endswith("END;")


async def test_transaction_commits(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
            await db.execute("INSERT INTO processed_updates VALUES (2, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 2


async def test_transaction_rolls_back_on_error(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 0
        # The connection is usable afterwards (not stuck inside a transaction).
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (3, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 1


async def test_sqlite_errors_are_wrapped_and_roll_back(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        with pytest.raises(StorageError, match="UNIQUE"):
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 0


async def test_nested_transaction_is_a_savepoint(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
            with pytest.raises(ValueError):
                async with db.transaction():
                    await db.execute("INSERT INTO processed_updates VALUES (2, 't')")
                    raise ValueError
            await db.execute("INSERT INTO processed_updates VALUES (3, 't')")
        ids = [r[0] for r in await db.fetchall("SELECT update_id FROM processed_updates")]
        assert ids == [1, 3]


async def test_statement_of_other_coroutine_does_not_join_open_transaction(
    db_path: Path,
) -> None:
    """On a shared connection, B's write must wait for A's transaction instead of becoming
    part of it (and being rolled back with it)."""
    async with await Database.open(db_path) as db:
        inside = asyncio.Event()

        async def failing_transaction() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 'a')")
                inside.set()
                await asyncio.sleep(0.05)
                raise RuntimeError("rollback A")

        async def independent_write() -> None:
            await inside.wait()
            await db.execute("INSERT INTO processed_updates VALUES (2, 'b')")

        results = await asyncio.gather(
            failing_transaction(), independent_write(), return_exceptions=True
        )
        assert isinstance(results[0], RuntimeError) and results[1] is None
        ids = [r[0] for r in await db.fetchall("SELECT update_id FROM processed_updates")]
        assert ids == [2]


async def test_tasks_spawned_inside_a_transaction_take_part_in_it(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        async with db.transaction():
            await asyncio.gather(
                db.execute("INSERT INTO processed_updates VALUES (1, 't')"),
                db.execute("INSERT INTO processed_updates VALUES (2, 't')"),
            )
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 2


async def test_cancelled_transaction_rolls_back(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        started = asyncio.Event()

        async def slow() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
                started.set()
                await asyncio.sleep(10)

        task = asyncio.create_task(slow())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 0
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (2, 't')")


async def test_closed_database_raises_storage_error(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    await db.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        await db.fetchall("SELECT 1")


async def test_new_database_file_is_private(db_path: Path) -> None:
    async with await Database.open(db_path):
        pass
    assert db_path.stat().st_mode & 0o077 == 0
