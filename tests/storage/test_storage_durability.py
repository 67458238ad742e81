"""Crash tests: a real process is killed with SIGKILL (no atexit, no close, no checkpoint)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.storage import Storage

from .helpers import SECRET

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("_crash_writer.py")


async def _run_and_kill(db_url: str, mode: str, expect: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(WRITER), db_url, mode,
        cwd=REPO_ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        if line.decode().strip() != expect:
            stderr = await proc.stderr.read() if proc.stderr else b""
            pytest.fail(f"writer said {line!r}: {stderr.decode()}")
        if "://" not in db_url:
            # The writer holds the database open: its data lives in the WAL, not checkpointed.
            assert Path(f"{db_url}-wal").stat().st_size > 0
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL


async def test_committed_booking_survives_kill_9(db_url: str) -> None:
    await _run_and_kill(db_url, "committed", expect="committed")
    async with await Storage.open(db_url, SECRET) as storage:
        booking = await storage.bookings.get_by_key("durable-key")
        assert booking is not None
        assert (booking.state, booking.external_id, booking.label) == ("confirmed", "EXT-1", "L1")


async def test_uncommitted_transaction_vanishes_after_kill_9(db_url: str) -> None:
    await _run_and_kill(db_url, "uncommitted", expect="inside")
    async with await Storage.open(db_url, SECRET) as storage:
        assert await storage.bookings.get_by_key("lost-key") is None
        assert await storage.db.fetchval("SELECT COUNT(*) FROM bookings") == 0
        # The interrupted write lock is gone: the database is writable again.
        async with storage.db.transaction():
            await storage.db.execute("INSERT INTO processed_updates VALUES (1, 't')")
