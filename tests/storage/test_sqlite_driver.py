"""SQLite's driver: one trip to aiosqlite's thread per statement, same results as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, StorageError
import aiosqlite


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each trip to the thread ran, in order."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_a_statement_is_one_trip_to_the_thread(db_path: Path, trips: list[str]) -> None:
    async with await Database.open(db_path) as db:
        trips.clear()
        async with db.transaction():
            await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (1, 'a', 't')")
            assert len(await db.fetchall("SELECT id, text FROM broadcasts")) == 1
            await db.execute("UPDATE broadcasts SET text = 'b'")
        # Three statements (BEGIN travels with the first), COMMIT. SQLAlchemy's
        # aiosqlite adapter made a trip for BEGIN, four per statement (cursor, execute,
        # fetch, close) and its pool a rollback.
        assert trips == ["_whole_statement"] * 3 + ["_commit"], trips
        trips.clear()
        async with db.transaction():
            pass
        assert trips == []  # a transaction that ran nothing costs nothing
        await db.execute("UPDATE broadcasts SET text = 'c'")
        await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (:a, 'm', 't')",
                         [{"a": 10}, {"a": 11}])
        # outside a transaction a statement commits in its own trip, many rows too
        assert trips == ["_whole_statement"] * 2, trips
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 3


async def test_rows_counts_and_errors_are_the_drivers(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        async with db.transaction():
            for n in range(5):
                await db.execute("INSERT INTO broadcasts (author, text, created_at)"
                                 " VALUES (:a, :t, 't')", {"a": n, "t": f"text {n}"})
        rows = await db.fetchall("SELECT author, text FROM broadcasts ORDER BY author")
        assert [tuple(r) for r in rows] == [(n, f"text {n}") for n in range(5)]
        assert await db.fetchone("SELECT author FROM broadcasts WHERE author > 2"
                                 " ORDER BY author") == (3,)
        assert await db.fetchone("SELECT author FROM broadcasts WHERE author > 9") is None
        assert (await db.execute("UPDATE broadcasts SET text = 'x' WHERE author < 3")).rowcount == 3
        assert (await db.execute("DELETE FROM broadcasts WHERE author = 99")).rowcount == 0
        # many parameter sets in one statement (executemany)
        await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (:a, 'm', 't')",
                         [{"a": 10}, {"a": 11}])
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts WHERE text = 'm'") == 2
        with pytest.raises(StorageError, match="no such table"):
            await db.execute("SELECT * FROM nowhere")
        # a failed statement leaves the connection usable, the transaction rolled back
        with pytest.raises(StorageError):
            async with db.transaction():
                await db.execute("DELETE FROM broadcasts")
                await db.execute("INSERT INTO nowhere VALUES (1)")
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 7


async def test_a_rollback_still_undoes_an_open_transaction(db_path: Path, trips: list[str]) -> None:
    async with await Database.open(db_path) as db:
        trips.clear()
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO broadcasts (author, text, created_at)"
                                 " VALUES (1, 'a', 't')")
                raise RuntimeError("the step failed")
        assert trips[-1] == "_rollback"
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


async def test_a_transaction_holds_the_write_lock_from_its_first_statement(db_path: Path) -> None:
    """BEGIN IMMEDIATE still opens it (with the first statement): a read first takes the
    write lock too, so the transaction never fails half-way upgrading its lock."""
    async with await Database.open(db_path) as db:
        async with db.transaction():
            assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
            other = sqlite3.connect(db_path, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        other = sqlite3.connect(db_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # released at COMMIT
            other.rollback()
        finally:
            other.close()
