"""One leader per bot on PostgreSQL; a standby takes over within 5 s of its death."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Leadership, parse_database_url

from .engines import postgres_database

REPO_ROOT = Path(__file__).resolve().parents[2]
LEADER = Path(__file__).with_name("_leader.py")
BOT_ID = 7_000_000_001  # beyond 32 bits, like real bot ids


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url


async def test_sqlite_needs_no_election(db_path: Path) -> None:
    leadership = Leadership(parse_database_url(db_path), BOT_ID)
    assert await leadership.acquire() == 0.0 and leadership.is_leader
    await leadership.release()


async def test_one_leader_per_bot_and_the_next_after_release(pg_url: str) -> None:
    target = parse_database_url(pg_url)
    first, second, other_bot = (Leadership(target, k) for k in (BOT_ID, BOT_ID, BOT_ID + 1))
    try:
        await first.acquire()
        assert not await second.try_acquire()  # same bot: stands by
        assert await other_bot.try_acquire()  # another bot has its own leader
        await first.release()
        assert await second.try_acquire()
    finally:
        for leadership in (first, second, other_bot):
            await leadership.release()


async def test_leader_that_loses_its_session_is_told(pg_url: str) -> None:
    leader = Leadership(parse_database_url(pg_url), BOT_ID, check_interval=0.2)
    try:
        await leader.acquire()
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", leader.backend_pid)
        finally:
            await admin.close()
        await asyncio.wait_for(leader.lost.wait(), timeout=5)
        assert not leader.is_leader
    finally:
        await leader.release()


async def test_standby_takes_over_within_5_s_of_a_kill_9(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(LEADER), pg_url, str(BOT_ID),
        cwd=REPO_ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    standby = Leadership(parse_database_url(pg_url), BOT_ID, poll_interval=0.5)
    try:
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), timeout=30) == b"leader\n"
        assert not await standby.try_acquire()
        proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.wait_for(standby.acquire(), timeout=10)
        takeover = time.monotonic() - killed
        print(f"takeover after kill -9: {takeover:.2f} s")
        assert standby.is_leader and takeover < 5
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
        await standby.release()
