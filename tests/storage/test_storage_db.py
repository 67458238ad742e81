from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.storage import Database, StorageError

from .helpers import HEAD, migration_scripts


async def test_open_sets_durability_pragmas(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        assert (await db.fetchval("PRAGMA journal_mode")).lower() == "wal"
        assert await db.fetchval("PRAGMA synchronous") == 2  # FULL
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
    assert db.closed


@pytest.mark.parametrize("url", ["{path}", "sqlite:///{path}"])
async def test_a_path_and_an_sqlite_url_name_the_same_file(db_path: Path, url: str) -> None:
    async with await Database.open(url.format(path=db_path)) as db:
        assert db.kind == "sqlite" and db.path == db_path
    assert db_path.exists()


async def test_unsupported_unusable_or_unreachable_urls_are_refused() -> None:
    for url in ("mysql://root@localhost/x", "sqlite://", "postgresql://postgres@127.0.0.1:1/x"):
        with pytest.raises(StorageError):
            await Database.open(url)


async def test_migrations_are_applied_once_and_reopen_is_a_no_op(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        assert await db.schema_version() == HEAD
        await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (1, 'x', 't')")
    # Re-running v1 would fail on CREATE TABLE, and would drop nothing: the row must survive.
    async with await Database.open(db_url) as db:
        assert await db.schema_version() == HEAD
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1


async def test_a_database_at_head_opens_without_loading_alembic(db_url: str) -> None:
    """Alembic's and SQLAlchemy's imports were a good part of a cold start: only a
    migration needs them."""
    async with await Database.open(db_url):
        pass
    check = (
        "import asyncio, sys\n"
        "from bot.storage import Database\n"
        "async def main():\n"
        f"    async with await Database.open({db_url!r}) as db:\n"
        "        await db.fetchall('SELECT * FROM users WHERE telegram_id IN :ids', {'ids': [1, 2]})\n"
        "asyncio.run(main())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako', 'sqlalchemy'}))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", check, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    assert process.returncode == 0 and out.decode().strip() == "[]"


async def test_a_failing_migration_leaves_the_database_as_it_was(
    db_url: str, tmp_path: Path
) -> None:
    async with await Database.open(db_url) as db:
        await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
    broken = "CREATE TABLE extra (a INTEGER); INSERT INTO no_such_table VALUES (1)"
    with pytest.raises(StorageError, match="no_such_table"):
        await Database.open(db_url, migrations=migration_scripts(tmp_path / "s", extra=broken))
    async with await Database.open(db_url) as db:
        assert await db.schema_version() == HEAD  # still usable by the code of before
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 1
        with pytest.raises(StorageError):
            await db.fetchval("SELECT COUNT(*) FROM extra")


async def test_refuses_database_newer_than_code(db_url: str, tmp_path: Path) -> None:
    newer = migration_scripts(tmp_path / "s", extra="CREATE TABLE extra (a INTEGER)")
    async with await Database.open(db_url, migrations=newer) as db:
        assert await db.schema_version() == "9999"
    with pytest.raises(StorageError, match="newer"):
        await Database.open(db_url)


async def test_a_database_from_before_alembic_is_adopted(db_path: Path, tmp_path: Path) -> None:
    """Databases made by the hand-rolled runner carry ``PRAGMA user_version`` only."""
    v2 = migration_scripts(tmp_path / "scripts", upto="0002")
    async with await Database.open(db_path, migrations=v2) as db:
        await db.execute("INSERT INTO processed_updates VALUES (7, 't')")
    with sqlite3.connect(db_path) as legacy:
        legacy.execute("DROP TABLE alembic_version")
        legacy.execute("PRAGMA user_version = 2")
    async with await Database.open(db_path) as db:
        assert await db.schema_version() == HEAD
        assert await db.fetchval("SELECT update_id FROM processed_updates") == 7


async def test_transaction_commits(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
            await db.execute("INSERT INTO processed_updates VALUES (2, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 2


async def test_transaction_rolls_back_on_error(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 0
        # The connection is usable afterwards (not stuck inside a transaction).
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (3, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 1


async def test_database_errors_are_wrapped_and_roll_back(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        with pytest.raises(StorageError, match="(?i)unique"):
            async with db.transaction():
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
                await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 0


async def test_nested_transaction_is_a_savepoint(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        async with db.transaction():
            await db.execute("INSERT INTO processed_updates VALUES (1, 't')")
            with pytest.raises(ValueError):
                async with db.transaction():
                    await db.execute("INSERT INTO processed_updates VALUES (2, 't')")
                    raise ValueError
            await db.execute("INSERT INTO processed_updates VALUES (3, 't')")
        rows = await db.fetchall("SELECT update_id FROM processed_updates ORDER BY update_id")
        assert [r[0] for r in rows] == [1, 3]


async def test_statement_of_other_coroutine_does_not_join_open_transaction(
    db_url: str,
) -> None:
    """B's write must wait for A's transaction (SQLite: one shared connection) or run
    beside it (PostgreSQL), instead of becoming part of it and being rolled back."""
    async with await Database.open(db_url) as db:
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


async def test_writer_transactions_of_two_processes_do_not_interleave(db_url: str) -> None:
    """Two Database objects stand for a leader and another process on the same data:
    read-then-write transactions lose no update, on either engine."""
    first, second = await Database.open(db_url), await Database.open(db_url)
    try:
        await first.execute("INSERT INTO ptb_singletons (name, data) VALUES ('n', '0')")

        async def increment(db: Database) -> None:
            for _ in range(10):
                async with db.transaction():
                    value = int(await db.fetchval("SELECT data FROM ptb_singletons"))
                    await asyncio.sleep(0)  # let the other writer try to slip in
                    await db.execute("UPDATE ptb_singletons SET data = :v", {"v": str(value + 1)})

        await asyncio.gather(increment(first), increment(second))
        assert await first.fetchval("SELECT data FROM ptb_singletons") == "20"
    finally:
        await first.close()
        await second.close()


async def test_tasks_spawned_inside_a_transaction_take_part_in_it(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        async with db.transaction():
            await asyncio.gather(
                db.execute("INSERT INTO processed_updates VALUES (1, 't')"),
                db.execute("INSERT INTO processed_updates VALUES (2, 't')"),
            )
        assert await db.fetchval("SELECT COUNT(*) FROM processed_updates") == 2


async def test_cancelled_transaction_rolls_back(db_url: str) -> None:
    async with await Database.open(db_url) as db:
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


async def test_closed_database_raises_storage_error(db_url: str) -> None:
    db = await Database.open(db_url)
    await db.close()
    await db.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        await db.fetchall("SELECT 1")


async def test_new_database_file_is_private(db_path: Path) -> None:
    async with await Database.open(db_path):
        pass
    assert db_path.stat().st_mode & 0o077 == 0


async def test_a_caller_cancelled_mid_statement_keeps_the_connection(db_url: str) -> None:
    """A background task stopped while its statement runs in the driver: the statement
    finishes first, so the connection is not handed on mid-statement (an abandoned SQLite
    statement could keep the write lock: the next writer found the database locked)."""
    db = await Database.open(db_url)
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000)"
                " SELECT count(*) FROM c")
        for _ in range(3):
            task = asyncio.create_task(db.fetchall(slow))
            await asyncio.sleep(0.05)  # the statement is running
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            async with db.transaction():
                await db.execute("INSERT INTO t (x) VALUES (1)")
        assert await db.fetchval("SELECT count(*) FROM t") == 3
    finally:
        await db.close()
