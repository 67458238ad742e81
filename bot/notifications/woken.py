"""The loop every watcher runs: a round when woken, and every ``tick`` seconds anyway.

The space, booking and free-slot watchers each keep an ``asyncio.Event`` that
vendor callbacks and the conversations set, and a task running :func:`run_woken`;
:func:`stop_task` ends that task at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("bot.notifications")


async def run_woken(wake: asyncio.Event, tick: float, round_: Callable[[], Awaitable[None]],
                    what: str) -> None:
    """Run ``round_`` when ``wake`` is set and every ``tick`` seconds anyway, forever; a
    failing round is logged and the next one runs all the same."""
    while True:
        try:
            await asyncio.wait_for(wake.wait(), tick)
        except TimeoutError:
            pass
        wake.clear()
        try:
            await round_()
        except Exception:  # noqa: BLE001 - the watcher outlives any one failure
            log.exception("%s round failed", what)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a watcher's task and wait until it has ended (None: nothing to stop)."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
