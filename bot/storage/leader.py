"""Leadership: one process per bot takes updates; the others stand by.

Telegram bots are capped per bot (not per process) and python-telegram-bot keeps
conversation state in memory, so two processes answering one bot would disagree about
where each user is. On PostgreSQL every process of a bot competes for one session-level
advisory lock (keyed by the bot's id) held on a connection of its own, outside the pool:
the process holding it is the leader. When the leader dies the server ends its session
(at once when the process is killed; within a few seconds of TCP keepalive when its
machine vanishes) and the lock goes to the first standby that asks next.

A leader checks its lock connection every ``check_interval``; once that connection is
gone, so is the lock, and :attr:`Leadership.lost` is set: the process must stop taking
updates at once (the runner exits; its supervisor starts it again as a standby).

SQLite has one machine and one process by nature: there, leadership is immediate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from .engine import DatabaseUrl

if TYPE_CHECKING:  # imported when a PostgreSQL lock is first tried (SQLite needs none)
    import asyncpg

__all__ = ["Leadership"]

_LOG = logging.getLogger(__name__)

# The server drops a silent peer after idle + interval * count seconds, so a leader whose
# machine vanished releases the lock in about 3 s instead of the kernel's two hours.
_KEEPALIVE = {"tcp_keepalives_idle": "1", "tcp_keepalives_interval": "1",
              "tcp_keepalives_count": "2", "application_name": "booking-bot leader"}  # fmt: skip


class Leadership:
    def __init__(
        self,
        target: DatabaseUrl,
        key: int,
        *,
        poll_interval: float = 0.5,
        check_interval: float = 1.0,
    ) -> None:
        self._target = target
        self._key = key
        self._poll = poll_interval
        self._check = check_interval
        self._conn: asyncpg.Connection | None = None
        self._keeper: asyncio.Task[None] | None = None
        self.is_leader = False
        self.lost = asyncio.Event()

    @property
    def backend_pid(self) -> int | None:
        """The server process of the lock's session (for tests and diagnostics)."""
        return None if self._conn is None else self._conn.get_server_pid()

    async def acquire(self) -> float:
        """Wait until this process leads; returns the seconds waited. Errors reaching
        the database are retried: a standby outlives a database restart."""
        started = time.monotonic()
        if self._target.kind == "sqlite":
            self.is_leader = True
            return 0.0
        while not await self.try_acquire():
            await asyncio.sleep(self._poll)
        self.is_leader = True
        self._keeper = asyncio.create_task(self._keep(), name="leadership-keeper")
        return time.monotonic() - started

    async def release(self) -> None:
        """Give up leadership (closing the session frees the lock). Idempotent."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        self.is_leader = False
        await self._close()

    async def try_acquire(self) -> bool:
        """One attempt; True if this process now holds the lock. (No keeper starts:
        :meth:`acquire` is what a runner calls.)"""
        import asyncpg

        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    self._target.dsn, server_settings=_KEEPALIVE, timeout=5)
            return bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            _LOG.warning("standby cannot reach the database: %s", exc)
            await self._close()
            return False

    async def _keep(self) -> None:
        assert self._conn is not None
        try:
            while True:
                await asyncio.sleep(self._check)
                await self._conn.fetchval("SELECT 1", timeout=self._check * 2)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever broke, the lock is gone
            _LOG.error("leadership lost: %s", exc)
            self.is_leader = False
            self.lost.set()
            await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)
